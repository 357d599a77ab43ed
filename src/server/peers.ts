// Shard-to-shard calls over ShardLinks (shared-memory rings, src/server/shard_link.ts). A
// call carries a whole batch of commands for the target shard, and its reply carries the
// replies in order. Each message is a 12-byte header [u32 kind][u32 id][u32 n] and a body:
//
//   call    n = owner length; owner (padded to 8 bytes), then the batch
//   reply   n = reply count; Int32 end offsets (padded to 8 bytes), then the replies back to
//           back
//   lock    n = owner length; owner          (id: answered by "locked" with the same id)
//   unlock  n = owner length; owner
//   locked  (no body)
//   notice  id = topic; n = payload length; payload (one-way, no reply: see Peers.notify)
//   notices n = count; per notice [u32 topic][u32 payload length][payload] (Peers.notifySoon)
//
// Batch layout: per command [u8 db][u8 resp (bit 7: an internal call, executor.ts)][u32 frame
// length][RESP frame bytes] (appendToBatch: more fields before the frame, marked by resp bits).

import type { ShardLock } from "./shard_lock.ts";
import { align8, ShardLink } from "./shard_link.ts";
import { copyRange, u32le } from "../protocol/bytes.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { GatherBuffer } from "./gather_buffer.ts";

export interface BatchReply {
  replies: Uint8Array;
  ends: Int32Array;
}

/** Where a call's replies are copied (out of the ring's transient bytes). A caller that makes
 * one call at a time reuses one per target, so a reply costs no allocation. */
export class ReplyStore implements BatchReply {
  replies = new Uint8Array(0);
  ends = new Int32Array(0);
  /** Resolves the call waiting for this store (set by Peers.call). */
  resolve: ((reply: BatchReply) => void) | null = null;
  private buf = new Uint8Array(1024);
  private endBuf = new Int32Array(64);

  fill(ends: Int32Array, replies: Uint8Array): void {
    this.reserve(ends.length, replies.length);
    this.buf.set(replies);
    this.endBuf.set(ends);
    this.publish(ends.length, replies.length);
  }

  /** Fill from a reply message: `count` little-endian Int32 end offsets at msg[at] (padded to
   * 8 bytes), then the replies up to msg[end] (read byte by byte: the message may sit at any
   * offset). */
  fillFrom(msg: Uint8Array, at: number, count: number, end: number): void {
    const from = at + align8(4 * count), length = end - from;
    this.reserve(count, length);
    const ends = this.endBuf;
    for (let i = 0, p = at; i < count; i++, p += 4) {
      ends[i] = msg[p] | (msg[p + 1] << 8) | (msg[p + 2] << 16) | (msg[p + 3] << 24);
    }
    copyRange(msg, from, this.buf, 0, length, 256);
    this.publish(count, length);
  }

  private reserve(count: number, length: number): void {
    if (length > this.buf.length || (this.buf.length > 1024 * 1024 && length < 64 * 1024)) {
      this.buf = new Uint8Array(Math.max(1024, length));
    }
    if (count > this.endBuf.length) this.endBuf = new Int32Array(count);
  }

  /** The views change only when the sizes do (a steady pipeline reuses them). */
  private publish(count: number, length: number): void {
    if (this.replies.buffer !== this.buf.buffer || this.replies.length !== length) {
      this.replies = this.buf.subarray(0, length);
    }
    if (this.ends.buffer !== this.endBuf.buffer || this.ends.length !== count) {
      this.ends = this.endBuf.subarray(0, count);
    }
  }
}

/** Runs a batch that another shard sent us (synchronously: the batch is atomic here). The
 * reply may be a view into the executor's buffers, valid until its next call. */
export type BatchExecutor = (batch: Uint8Array) => BatchReply;

/** The two rings of the link to one other shard, as created by the main thread. */
export interface LinkRings {
  send: SharedArrayBuffer;
  receive: SharedArrayBuffer;
}

const CALL = 1, REPLY = 2, LOCK = 3, UNLOCK = 4, LOCKED = 5, NOTICE = 6, NOTICES = 7;

/**
 * Topics of one-way notices between shards (Peers.notify / onNotice). A feature that needs
 * its own adds a constant here. Notices and calls on one link arrive in the order sent.
 */
export const NoticeTopic = {
  /** Pub/sub messages for the subscribers of another shard. */
  pubsub: 1,
  /** Blocked clients: a key became ready, or a waiter is served or gone. */
  blocking: 2,
  /** Client-side caching invalidations. */
  tracking: 3,
  /** WATCHed keys touched on the shard that owns them. */
  watch: 4,
  /** MONITOR lines. */
  monitor: 5,
  /** maxmemory: the receiver holds colder keys than the sender, so it should evict. */
  eviction: 6,
} as const;

/** Hears notices of one topic: the sending shard and the payload (valid only during the
 * call: copy what must outlive it). */
export type NoticeHandler = (from: number, payload: Uint8Array) => void;
const HEADER = 12;
const NO_BYTES = new Uint8Array(0);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Call {
  link: ShardLink;
  id: number;
  owner: string | null;
  batch: Uint8Array;
}

export class Peers {
  private nextId = 1;
  /** Calls waiting for their reply: a call's id is its slot here, reused once its reply
   * came (a Map's set and delete per call cost allocations as it rehashed). Each store holds
   * its call's resolve. */
  private waiting: Array<ReplyStore | null> = [];
  private freeSlots: number[] = [];
  private waitingLocks = new Map<number, () => void>();
  /** Batches that arrived while another owner held our lock, run in arrival order. */
  private deferred: Call[] = [];
  private draining = false;
  private links = new Map<number, ShardLink>();
  private linkList: ShardLink[] = [];
  private shardOfLink = new Map<ShardLink, number>();
  private noticeHandlers = new Map<number, NoticeHandler>();
  private header = new Uint8Array(HEADER);
  private headerWords = new Int32Array(this.header.buffer);
  /** Notices held back by notifySoon, per target shard, and how many each buffer holds. */
  private held = new Map<number, { link: ShardLink; notices: ByteBuffer; count: number }>();
  /** Targets with held notices, in the order they got their first. */
  private holding: number[] = [];

  constructor(
    rings: Map<number, LinkRings>,
    private execute: BatchExecutor,
    private lock: ShardLock,
    /** Called after a forwarded batch's replies were sent back (Shard.afterReplies). */
    private afterReplies: () => void = () => {},
  ) {
    for (const [shard, { send, receive }] of rings) {
      const link: ShardLink = new ShardLink(
        send,
        receive,
        (bytes, start, end) => this.receive(link, bytes, start, end),
      );
      this.links.set(shard, link);
      this.linkList.push(link);
      this.shardOfLink.set(link, shard);
    }
  }

  /** Take whatever the other shards sent (calls to run, replies): the worker calls this at
   * the end of each piece of work, so a busy shard needs no wakeups. */
  poll(): void {
    if (this.holding.length !== 0) this.sendHeld();
    this.takeIncoming();
  }

  /** Take what the other shards sent, without ending the piece of work (notices held back by
   * notifySoon stay held). */
  takeIncoming(): void {
    for (const link of this.linkList) link.poll();
  }

  /** Everything sent goes through here: notices held back go first, so each link keeps the
   * order in which things were sent. */
  private send(
    link: ShardLink,
    kind: number,
    id: number,
    n: number,
    body: Uint8Array | null = null,
    more: Uint8Array | GatherBuffer | null = null,
    bodyLength = body ? body.length : 0,
  ): void {
    if (this.holding.length !== 0) this.sendHeld();
    const h = this.headerWords;
    h[0] = kind;
    h[1] = id;
    h[2] = n;
    link.send(this.header, body, more, bodyLength);
  }

  /** One message: msg[start, end), valid only during the call. */
  private receive(link: ShardLink, msg: Uint8Array, start: number, end: number): void {
    // The header by hand: a typed-array view per message costs more than the message.
    const kind = u32le(msg, start), id = u32le(msg, start + 4), n = u32le(msg, start + 8);
    const body = start + HEADER;
    switch (kind) {
      case CALL: {
        const owner = n ? decoder.decode(msg.subarray(body, body + n)) : null;
        const batch = msg.subarray(body + align8(n), end);
        // msg is only valid during this call: a batch that has to wait gets a copy. A batch
        // of the lock's owner runs at once, even past deferred batches: they wait for that
        // owner to finish, so queueing it behind them would deadlock.
        const ownersStep = owner !== null && this.lock.holds(owner);
        if (!ownersStep && (this.deferred.length || !this.lock.allows(owner))) {
          this.defer({ link, id, owner, batch: batch.slice() });
        } else this.runCall(link, id, batch);
        break;
      }
      case REPLY: {
        const store = id < this.waiting.length ? this.waiting[id] : null;
        if (!store) break;
        this.waiting[id] = null;
        this.freeSlots.push(id);
        // msg is only valid during this call: the replies go to the caller's store.
        store.fillFrom(msg, body, n, end);
        const resolve = store.resolve!;
        store.resolve = null;
        resolve(store);
        break;
      }
      case LOCK: {
        const owner = decoder.decode(msg.subarray(body, body + n));
        this.lock.acquire(owner).then(() => this.send(link, LOCKED, id, 0));
        break;
      }
      case UNLOCK:
        this.lock.release(decoder.decode(msg.subarray(body, body + n)));
        break;
      case LOCKED: {
        const resolve = this.waitingLocks.get(id);
        this.waitingLocks.delete(id);
        resolve?.();
        break;
      }
      case NOTICE:
        this.noticeHandlers.get(id)?.(
          this.shardOfLink.get(link)!,
          msg.subarray(body, body + n),
        );
        break;
      case NOTICES: {
        const from = this.shardOfLink.get(link)!;
        for (let i = 0, at = body; i < n; i++) {
          const topic = u32le(msg, at), length = u32le(msg, at + 4);
          at += 8;
          this.noticeHandlers.get(topic)?.(from, msg.subarray(at, at + length));
          at += length;
        }
        break;
      }
    }
  }

  /** The bytes of the executor's end offsets (its Int32Array is reused, and so is this). */
  private endBytes: Uint8Array = new Uint8Array(0);

  private runCall(link: ShardLink, id: number, batch: Uint8Array): void {
    const { replies, ends } = this.execute(batch);
    let endBytes = this.endBytes;
    if (endBytes.buffer !== ends.buffer || endBytes.byteOffset !== ends.byteOffset) {
      endBytes = this.endBytes = new Uint8Array(ends.buffer, ends.byteOffset);
    }
    this.send(link, REPLY, id, ends.length, endBytes, replies, ends.length * 4);
    this.afterReplies();
  }

  private defer(call: Call): void {
    this.deferred.push(call);
    if (!this.draining) this.drain();
  }

  /** Runs deferred batches in order, each once the lock lets it. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.deferred.length) {
      const call = this.deferred[0];
      if (!this.lock.allows(call.owner)) {
        await this.lock.whenFree();
        continue;
      }
      this.deferred.shift();
      this.runCall(call.link, call.id, call.batch);
    }
    this.draining = false;
  }

  /** Send a batch to shard `target` and resolve with its replies, copied into `store` (which
   * must not be reused until then). The batch is copied before this returns (a gathered one
   * from where its parts are). `owner`: the lock this batch runs under. */
  call(
    target: number,
    batch: Uint8Array | GatherBuffer,
    owner: string | null = null,
    store = new ReplyStore(),
    batchLength = batch.length,
  ): Promise<BatchReply> {
    const link = this.linkOf(target);
    const id = this.freeSlots.pop() ?? this.waiting.length;
    // No executor closure per call: a shared one hands the resolve function over.
    const reply = new Promise<BatchReply>(takeResolve);
    store.resolve = takenResolve;
    this.waiting[id] = store;
    if (batch instanceof GatherBuffer) {
      // The owner's padding (none without one) keeps the batch 8-byte aligned in the ring.
      this.send(link, CALL, id, owner?.length ?? 0, owner ? ownerBytes(owner) : NO_BYTES, batch);
    } else if (owner === null) this.send(link, CALL, id, 0, batch, null, batchLength);
    else {
      this.send(link, CALL, id, owner.length, ownerBytes(owner), batch.subarray(0, batchLength));
    }
    return reply;
  }

  /** Send a one-way notice to shard `target` (the payload is copied before this returns). */
  notify(target: number, topic: number, payload: Uint8Array): void {
    this.send(this.linkOf(target), NOTICE, topic, payload.length, payload);
  }

  /**
   * Like notify, for notices sent by the hundred per batch of commands (pub/sub messages):
   * held back and sent with the others held for `target` as one message, so a batch costs one
   * ring message and at most one wakeup of the target instead of one per notice. They go
   * before anything else is sent on any link (send order is kept), at the end of the shard's
   * piece of work (poll: before its replies are written) or at the end of the turn, whichever
   * comes first. The payload is copied before this returns.
   */
  notifySoon(target: number, topic: number, payload: Uint8Array): void {
    let held = this.held.get(target);
    if (held === undefined) {
      held = { link: this.linkOf(target), notices: new ByteBuffer(1024), count: 0 };
      this.held.set(target, held);
    }
    if (held.count === 0 && this.holding.push(target) === 1) queueMicrotask(this.sendHeldSoon);
    const notices = held.notices;
    notices.ensure(8 + payload.length);
    notices.u32(topic);
    notices.u32(payload.length);
    notices.raw(payload);
    held.count++;
  }

  private readonly sendHeldSoon = (): void => {
    if (this.holding.length !== 0) this.sendHeld();
  };

  private sendHeld(): void {
    const targets = this.holding;
    this.holding = []; // what send() below finds held: nothing (it runs no handler)
    for (const target of targets) {
      const held = this.held.get(target)!;
      this.send(held.link, NOTICES, 0, held.count, held.notices.bytes());
      held.count = 0;
      held.notices.reset();
      held.notices.shrinkIfIdle(64 * 1024);
    }
  }

  /** Send the same notice to every other shard. */
  notifyAll(topic: number, payload: Uint8Array): void {
    for (const link of this.linkList) this.send(link, NOTICE, topic, payload.length, payload);
  }

  /** Register the one handler of a topic's notices. */
  onNotice(topic: number, handler: NoticeHandler): void {
    this.noticeHandlers.set(topic, handler);
  }

  /** Take shard `target`'s lock for `owner`; resolves once granted. */
  lockShard(target: number, owner: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waitingLocks.set(id, resolve);
      this.send(this.linkOf(target), LOCK, id, owner.length, ownerBytes(owner));
    });
  }

  unlockShard(target: number, owner: string): void {
    this.send(this.linkOf(target), UNLOCK, 0, owner.length, ownerBytes(owner));
  }

  private linkOf(target: number): ShardLink {
    const link = this.links.get(target);
    if (!link) throw new Error(`no link to shard ${target}`);
    return link;
  }

  close(): void {
    for (const link of this.linkList) link.close();
  }
}

let takenResolve: ((reply: BatchReply) => void) | null = null;
const takeResolve = (resolve: (reply: BatchReply) => void) => {
  takenResolve = resolve;
};

/** A lock owner's name (ASCII, e.g. "0:17"), zero-padded to a multiple of 8 bytes (the
 * batch after it stays aligned: ShardLink.send). */
function ownerBytes(owner: string): Uint8Array {
  const bytes = new Uint8Array(align8(owner.length));
  encoder.encodeInto(owner, bytes);
  return bytes;
}
