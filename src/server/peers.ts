// Shard-to-shard calls over MessagePorts. A call carries a whole batch of commands for the
// target shard, and its reply carries the replies in order. A message costs ~20 us of wakeup
// and cloning, a command inside it ~0.15 us, so everything bound for one shard in one turn
// of the event loop (calls from every connection, replies, lock requests) travels as ONE
// bundle, sent when the turn's microtasks run out.
//
// Batch layout: per command [u8 db][u8 resp (bit 7: an internal call, executor.ts)][u32 frame
// length][RESP frame bytes].
// Reply layout: the replies back to back, plus an Int32Array of their end offsets.

import type { ShardLock } from "./shard_lock.ts";

export interface BatchReply {
  replies: Uint8Array;
  ends: Int32Array;
}

/** Runs a batch that another shard sent us (synchronously: the batch is atomic here). */
export type BatchExecutor = (batch: Uint8Array) => BatchReply;

interface Request {
  kind: "call";
  id: number;
  batch: Uint8Array;
  /** The lock owner this batch runs for, if it is part of an atomic cross-shard step. */
  owner: string | null;
}

interface LockRequest {
  kind: "lock" | "unlock";
  id: number;
  owner: string;
}

interface Response {
  kind: "reply";
  id: number;
  replies: Uint8Array;
  ends: Int32Array;
}

interface LockGranted {
  kind: "locked";
  id: number;
}

type Message = Request | LockRequest | Response | LockGranted;

interface Bundle {
  kind: "bundle";
  items: Message[];
}

/** Messages waiting to go to one port, in order, and the buffers they transfer. */
interface Outbox {
  items: Message[];
  transfer: ArrayBuffer[];
}

export class Peers {
  private nextId = 1;
  private waiting = new Map<number, (reply: BatchReply) => void>();
  private waitingLocks = new Map<number, () => void>();
  /** Batches that arrived while another owner held our lock, run in arrival order. */
  private deferred: Array<{ port: MessagePort; msg: Request }> = [];
  private draining = false;

  private outboxes = new Map<MessagePort, Outbox>();
  private flushQueued = false;

  constructor(
    private ports: Map<number, MessagePort>,
    private execute: BatchExecutor,
    private lock: ShardLock,
  ) {
    for (const port of ports.values()) {
      port.onmessage = (event: MessageEvent<Bundle>) => {
        for (const item of event.data.items) this.receive(port, item);
      };
    }
  }

  /** Queue a message for `port`; all queued messages leave together once this turn's
   * synchronous work and microtasks are done. */
  private send(port: MessagePort, msg: Message, transfer: ArrayBuffer[] = []): void {
    let box = this.outboxes.get(port);
    if (!box) this.outboxes.set(port, box = { items: [], transfer: [] });
    box.items.push(msg);
    box.transfer.push(...transfer);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    for (const [port, box] of this.outboxes) {
      if (!box.items.length) continue;
      port.postMessage({ kind: "bundle", items: box.items } satisfies Bundle, box.transfer);
      box.items = [];
      box.transfer = [];
    }
  }

  private receive(port: MessagePort, msg: Message): void {
    switch (msg.kind) {
      case "call":
        if (this.deferred.length || !this.lock.allows(msg.owner)) this.defer(port, msg);
        else this.runCall(port, msg);
        break;
      case "lock":
        this.lock.acquire(msg.owner).then(() =>
          this.send(port, { kind: "locked", id: msg.id } satisfies LockGranted)
        );
        break;
      case "unlock":
        this.lock.release(msg.owner);
        break;
      case "reply": {
        const resolve = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        resolve?.({ replies: msg.replies, ends: msg.ends });
        break;
      }
      case "locked": {
        const resolve = this.waitingLocks.get(msg.id);
        this.waitingLocks.delete(msg.id);
        resolve?.();
        break;
      }
    }
  }

  private runCall(port: MessagePort, msg: Request): void {
    const { replies, ends } = this.execute(msg.batch);
    const response: Response = { kind: "reply", id: msg.id, replies, ends };
    this.send(port, response, [replies.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
  }

  private defer(port: MessagePort, msg: Request): void {
    this.deferred.push({ port, msg });
    if (!this.draining) this.drain();
  }

  /** Runs deferred batches in order, each once the lock lets it. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.deferred.length) {
      const { port, msg } = this.deferred[0];
      if (!this.lock.allows(msg.owner)) {
        await this.lock.whenFree();
        continue;
      }
      this.deferred.shift();
      this.runCall(port, msg);
    }
    this.draining = false;
  }

  /** Send a batch to shard `target` and resolve with its replies. The batch is transferred:
   * pass a buffer the caller no longer uses. `owner`: the lock this batch runs under. */
  call(target: number, batch: Uint8Array, owner: string | null = null): Promise<BatchReply> {
    const port = this.portOf(target);
    const id = this.nextId++;
    const request: Request = { kind: "call", id, batch, owner };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.send(port, request, [batch.buffer as ArrayBuffer]);
    });
  }

  /** Take shard `target`'s lock for `owner`; resolves once granted. */
  lockShard(target: number, owner: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waitingLocks.set(id, resolve);
      this.send(this.portOf(target), { kind: "lock", id, owner } satisfies LockRequest);
    });
  }

  unlockShard(target: number, owner: string): void {
    this.send(this.portOf(target), { kind: "unlock", id: 0, owner } satisfies LockRequest);
  }

  private portOf(target: number): MessagePort {
    const port = this.ports.get(target);
    if (!port) throw new Error(`no link to shard ${target}`);
    return port;
  }

  close(): void {
    for (const port of this.ports.values()) port.close();
  }
}
