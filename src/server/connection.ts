// One client connection: read into a reused buffer, parse every complete command, run local
// ones at once and forward the others to their shards (one message per shard per read
// batch), then write all replies in request order with a single write-all.
import type { Combiner, CommandContext, CommandSpec, SplitPart } from "../commands/spec.ts";
import { PendingReplies } from "./pending_replies.ts";
import { GatherBuffer } from "./gather_buffer.ts";
import { NEED_MORE, PROTOCOL_ERROR, RequestParser } from "../protocol/resp_parser.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { errArity } from "../protocol/errors.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { Client, type PushMessage } from "./client.ts";
import type { Shard } from "./shard.ts";
import { type BatchReply, type Peers, ReplyStore } from "./peers.ts";
import { resolveCommand, routeCommand, SPANNING } from "./dispatch.ts";
import { appendToBatch, runCommand } from "./executor.ts";
import { encodeCommand } from "./multishard.ts";
import { createCrossShard } from "./cross_shard.ts";
import { recordErrorReply, recordRejected } from "./info_stats.ts";
import { clientPause } from "./pause.ts";
import { replyModesActive, replySuppressed } from "../commands/client_state.ts";
import { commandRefused } from "../acl/gate.ts";
import {
  discardTransaction,
  flagTransaction,
  type QueuedCommand,
  queueInTransaction,
} from "./transaction.ts";
import { type CommandWatch, commandWatchOf } from "./command_watch.ts";
import { outputLimitsOf, overOutputLimit, type ShardOutputLimits } from "./output_limits.ts";
import { clientInfoLine } from "../commands/client_list.ts";
import { log } from "../log.ts";
import { refusedWhileSubscribed } from "../commands/pubsub.ts";
import { remembersRead, type Tracker, trackerOf } from "../tracking/tracking.ts";
import { monitorsOf } from "./monitor.ts";
import { type SocketIo, socketIoOf } from "./socket_io.ts";

/** Commands without the "loading" flag while the dataset loads (boot, DEBUG RELOAD). */
const ERR_LOADING = "LOADING Redis is loading the dataset in memory";
const ERR_EXEC_ARITY = errArity("exec");

const INITIAL_READ = 16 * 1024;
/** A client whose reads fill the buffer (a deep pipeline of large values: 16 SETs of 4 KiB are
 * 66 KB) gets a buffer up to this size, so one read takes the whole pipeline: with --shards 2
 * each read batch costs a call to the other shard and a wait for its reply, and 16 KiB reads
 * made that four round trips per pipeline (bench/forwarding_micro.ts: about 45% of the CPU per
 * command of SET-4K at P16 on 2 shards). */
const BULK_READ = 128 * 1024;
/** Reads in a row that take under INITIAL_READ / 4 before a grown buffer shrinks back. */
const SMALL_READS_TO_SHRINK = 64;
/** Deliveries waiting for the end of the turn are written at once from this size on. */
const DELIVER_AT_ONCE = 64 * 1024;

/** What a connection needs of its socket: Deno.TcpConn and Deno.TlsConn have it, and so does
 * TlsSocketConn (a node:tls socket, see tls.ts). */
export interface ClientConn {
  readonly remoteAddr: Deno.Addr;
  readonly localAddr: Deno.Addr;
  read(into: Uint8Array): Promise<number | null>;
  /** May write only part of the bytes; resolves with how many were taken. */
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

export interface ConnectionHooks {
  /** Called after each batch's replies are written (shutdown waits for in-flight work). */
  onIdle?: () => void;
  isShuttingDown: () => boolean;
}

export class Connection {
  readonly client: Client;
  private parser: RequestParser;
  /** The EXEC that just ran turned replies off inside: its own reply still goes out. */
  private repliesOffInExec = false;
  /** Parses EXEC's queued commands (the connection's own parser is mid-batch then). */
  private queuedParser = new RequestParser({
    maxBulkLen: Number.MAX_SAFE_INTEGER,
    authRequired: false,
  });
  private out = new ReplyWriter();
  private ctx: CommandContext;
  /** Replies of this batch that other shards produce, and where they go in `out`. */
  private pending = new PendingReplies();
  /** Per shard, the commands forwarded there: long frames are spliced in from the read
   * buffer (GatherBuffer), which stays unchanged until the batch is sent at the end of the
   * read batch or earlier (flushPending). */
  private batches: GatherBuffer[] = [];
  private batchCounts: number[] = [];
  /** Commands in `batches` not sent yet (a reply dropped by CLIENT REPLY OFF leaves its
   * command there with no pending reply: it must still be sent, in order). */
  private unsent = 0;
  /** Per shard, where its replies to this connection's batch land (one call at a time). */
  private replyStores: ReplyStore[] = [];
  /** The local replies while forwarded ones are spliced in (reused). */
  private spliceFrom = new ByteBuffer(1024);
  /** How many times pending replies were spliced in, and where `out` ended after the last. */
  private flushes = 0;
  private flushedTo = 0;
  busy = false;
  /** True while a read batch's commands run: a delivery then joins `out` in order. */
  private processing = false;
  /** Deliveries made while the connection was not running commands, written in order. */
  private delivered = new ReplyWriter(256);
  /** The buffer being written while `delivered` collects more (the two are swapped). */
  private sendingDelivered = new ReplyWriter(256);
  /** This connection is in `awaitingFlush` (its deliveries go out at the end of the turn). */
  private flushQueued = false;
  /** The write in flight (a batch's replies or deliveries); writes never overlap. */
  private writing: Promise<void> | null = null;
  /** Bytes of the write in flight that the socket has not taken yet (a slow reader's). */
  private unwritten = 0;
  /** When the pending write call started (0: none); whether the socket took less than a
   * write offered (see socketRefuses). Only deliveries' writes (`writing`) consult them, so
   * a batch's replies, written while `busy`, skip the clock until a write falls short. */
  private writeCallAt = 0;
  private socketRefused = false;
  private closed = false;
  private readonly io: SocketIo;
  private watch: CommandWatch;
  private readonly monitors: ReturnType<typeof monitorsOf>;
  /** A batch of several commands was slow: time each command of the next batches. */
  private timeEach = false;
  private readonly outputLimits: ShardOutputLimits;
  private readonly tracker: Tracker;
  /** The command being run is a tracking client's read whose keys are remembered. */
  private trackRead = false;

  constructor(
    private conn: ClientConn,
    private shard: Shard,
    private peers: Peers | null,
    private hooks: ConnectionHooks,
  ) {
    const remote = conn.remoteAddr as Deno.NetAddr, local = conn.localAddr as Deno.NetAddr;
    this.client = new Client(
      `${remote.hostname}:${remote.port}`,
      `${local.hostname}:${local.port}`,
    );
    const client = this.client;
    this.parser = new RequestParser({
      maxBulkLen: Number(shard.config.get("proto-max-bulk-len")),
      // Read only for frames over Redis's unauthenticated limits (> 10 args, > 16 KB).
      get authRequired() {
        return !client.authenticated && shard.acl.authRequired();
      },
    });
    this.ctx = {
      args: this.parser,
      client: this.client,
      out: this.out,
      shard,
      spec: undefined!,
      cross: createCrossShard(shard, peers, this.client),
    };
    this.out.onError = (text) => recordErrorReply(shard, text);
    this.io = socketIoOf(conn);
    this.watch = commandWatchOf(shard);
    this.monitors = monitorsOf(shard);
    this.outputLimits = outputLimitsOf(shard.config);
    this.tracker = trackerOf(shard);
    this.client.kill = () => {
      this.client.closeAfterReply = true;
      this.client.blocked?.abort();
      if (this.busy) return;
      // Output already handed to the socket (a message delivered before the kill) is
      // finished first, as Redis's earlier event-loop turn would have written it; so are
      // deliveries still waiting for this turn's flush (a publish that reached this shard in
      // the same turn as the kill). A client that does not read is closed after a second.
      if (!this.writing && this.delivered.length !== 0 && !this.closed) {
        this.startWritingDelivered();
      }
      if (this.writing) {
        const timer = setTimeout(() => this.close(), 1000);
        this.writing.finally(() => {
          clearTimeout(timer);
          this.close();
        });
      } else this.close();
    };
    this.client.deliver = (bytes) => this.deliver(bytes);
    this.client.deliverPush = (message) => this.deliverPush(message);
    this.client.writeRepliesSoFar = () => this.writeRepliesSoFar();
    this.client.runQueued = (commands) => this.runQueued(commands);
    for (let i = 0; i < shard.count; i++) {
      this.batches.push(new GatherBuffer());
      this.batchCounts.push(0);
      this.replyStores.push(new ReplyStore());
    }
  }

  async serve(): Promise<void> {
    this.shard.clients.set(this.client.id, this.client);
    let buf = new Uint8Array(INITIAL_READ);
    let filled = 0;
    let growNext = false, shrinkNext = false, smallReads = 0;
    const { read, write } = this.io;
    const queryLimit = Number(this.shard.config.get("client-query-buffer-limit"));
    try {
      for (;;) {
        if (filled === buf.length) {
          if (buf.length >= queryLimit) {
            // Redis closes a client whose query buffer overflows (the bytes are not logged).
            log.warning(
              `Closing client that reached max query buffer length: ${
                clientInfoLine(this.client, Date.now())
              }`,
            );
            break;
          }
          const grown = new Uint8Array(
            Math.min(queryLimit, Math.max(buf.length * 2, filled + this.parser.bytesWanted)),
          );
          grown.set(buf.subarray(0, filled));
          buf = grown;
        }
        let n: number | null;
        if (this.sideReading || this.readWhileBlockedBytes.length) {
          // Input that arrived while a command was blocked: it runs now, in order.
          if (!this.readWhileBlockedBytes.length) await this.sideReading;
          if (this.peerClosed) break;
          const stashed = this.readWhileBlockedBytes.bytes();
          if (filled + stashed.length > buf.length) {
            const grown = new Uint8Array(Math.max(buf.length * 2, filled + stashed.length));
            grown.set(buf.subarray(0, filled));
            buf = grown;
          }
          buf.set(stashed, filled);
          n = stashed.length;
          this.readWhileBlockedBytes.reset();
        } else {
          n = await read(filled === 0 ? buf : buf.subarray(filled));
          if (n === 0) break; // the peer closed (the runtime's EOF; Conn.read says null)
          if (n !== null) {
            if (filled + n === buf.length && buf.length < BULK_READ) growNext = true;
            else if (n >= INITIAL_READ / 4) smallReads = 0;
            else if (buf.length > INITIAL_READ && ++smallReads >= SMALL_READS_TO_SHRINK) {
              shrinkNext = true;
            }
          }
        }
        if (n === null) break;
        filled += n;
        this.shard.stats.netInputBytes += n;
        // One clock reading per batch (idle timeout, CLIENT LIST, expiry decisions).
        const now = Date.now();
        this.client.lastInteractionAt = now;
        this.busy = true;
        this.processing = true;
        // Deliveries still waiting for the end of the turn precede this batch's replies.
        if (this.delivered.length !== 0 && !this.writing) this.takeDeliveredIntoOut();
        let consumed = this.processInput(buf, filled, now);
        if (typeof consumed !== "number") {
          await consumed;
          consumed = this.finishBatch();
        }
        if (this.shard.batchObservers.length !== 0) {
          for (const observer of this.shard.batchObservers) observer();
        }
        this.processing = false;
        if (this.closed) break; // e.g. over its output buffer limit
        // Take what other shards sent meanwhile: a busy shard needs no wakeups.
        this.peers?.poll();
        const barrier = this.shard.replyBarrier?.();
        if (barrier) await barrier;
        if (this.writing) await this.writing;
        if (this.out.length > 0) {
          // One write call in the common case; writeAll takes over if the socket took less.
          const replies = this.out.bytes();
          this.shard.stats.netOutputBytes += replies.length;
          this.unwritten = replies.length;
          const written = await write(replies);
          if (written < replies.length) await this.writeAll(replies, written);
          else this.unwritten = 0;
        }
        if (this.delivered.length > 0) await this.writeDelivered();
        this.out.reset();
        this.out.shrinkIfIdle();
        this.busy = false;
        this.shard.afterReplies?.();
        this.afterWrite();
        this.hooks.onIdle?.();
        if (this.client.closeAfterReply || this.hooks.isShuttingDown()) break;
        // Keep only the unparsed tail (and a partly parsed frame) at the buffer's start.
        const keepFrom = this.parser.inFrame()
          ? Math.min(consumed, this.parser.frameStart)
          : consumed;
        if (keepFrom > 0) {
          // At pipeline 1 everything was parsed: no bytes to move.
          if (keepFrom < filled) buf.copyWithin(0, keepFrom, filled);
          filled -= keepFrom;
          this.parser.shift(keepFrom);
        }
        if (filled === 0 && (buf.length > 1024 * 1024 || shrinkNext)) {
          buf = new Uint8Array(INITIAL_READ);
          shrinkNext = false;
          smallReads = 0;
        } else if (growNext && filled < buf.length) {
          // The read took all the room there was: more is likely waiting (see BULK_READ).
          const grown = new Uint8Array(Math.min(BULK_READ, buf.length * 4));
          if (filled !== 0) grown.set(buf.subarray(0, filled));
          buf = grown;
          smallReads = 0;
        }
        growNext = false;
      }
    } catch (err) {
      // A vanished client (reset, broken pipe) ends only its own connection.
      if (
        !(err instanceof Deno.errors.ConnectionReset || err instanceof Deno.errors.BrokenPipe ||
          err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted)
      ) {
        console.error(
          `connection ${this.client.addr}: ${err instanceof Error ? err.message : err}`,
        );
      }
    } finally {
      this.busy = false;
      this.processing = false;
      this.shard.clients.delete(this.client.id);
      for (const observer of this.shard.clientClosedObservers) observer(this.client);
      discardTransaction(this.shard, this.client); // no WATCH left behind on any shard
      this.close();
    }
  }

  /** See Client.writeRepliesSoFar: a command is about to block (its connection is idle
   * until it is served), so the replies before it go out now, as in Redis. While it waits,
   * the socket is still read: a closed socket ends the wait, and input is kept for later. */
  private async writeRepliesSoFar(): Promise<void> {
    if (this.writing) await this.writing;
    if (this.out.length > 0) {
      this.shard.stats.netOutputBytes += this.out.length;
      await this.writeAll(this.out.bytes());
    }
    this.out.reset();
    this.flushes++;
    this.flushedTo = 0;
    if (!this.sideReading) {
      this.sideReading = this.readWhileBlocked().finally(() => this.sideReading = null);
    }
  }

  private sideReading: Promise<void> | null = null;
  private readWhileBlockedBytes = new ByteBuffer(256);
  private peerClosed = false;

  private async readWhileBlocked(): Promise<void> {
    const chunk = new Uint8Array(4096);
    // Started just before the client blocks: read at least once.
    do {
      let n: number | null = null;
      try {
        n = await this.conn.read(chunk);
      } catch { /* reset or closed: the client is gone */ }
      if (n === null) {
        this.peerClosed = this.client.closeAfterReply = true;
        this.client.blocked?.abort();
        return;
      }
      this.readWhileBlockedBytes.raw(chunk.subarray(0, n));
    } while (this.client.blocked && !this.closed);
  }

  /** See Client.deliver. */
  private deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.processing) {
      this.out.raw(bytes);
      return;
    }
    this.delivered.raw(bytes);
    this.afterDelivery();
  }

  /** See Client.deliverPush. */
  private deliverPush(message: PushMessage): void {
    if (this.closed) return;
    if (this.processing) {
      message.encodeInto(this.out, this.client.resp);
      return;
    }
    message.encodeInto(this.delivered, this.client.resp);
    this.afterDelivery();
  }

  /** Output limits, and when the deliveries are written. */
  private afterDelivery(): void {
    this.client.pendingOutput = this.delivered.length + this.unwritten;
    if (this.writing && this.socketRefuses() && this.overOutputLimit(0)) return;
    // A busy connection writes deliveries after its batch's replies; an idle one once the
    // work this event-loop turn woke up has run (Redis's beforeSleep), so the messages of
    // every PUBLISH of the turn leave in one write. Past 64 KB (Redis's most per write call)
    // it writes at once: a burst of big messages from another shard then meets the socket
    // one write at a time, as bytes the socket has not refused yet.
    if (this.busy || this.writing) return;
    this.writeDeliveredSoon();
  }

  /** Deliveries wait for no write now: write them at the end of the turn (at once if big). */
  private writeDeliveredSoon(): void {
    if (this.delivered.length >= DELIVER_AT_ONCE) this.startWritingDelivered();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      if (Connection.awaitingFlush.push(this) === 1) queueMicrotask(Connection.flushAll);
    }
  }

  /** A write ended: deliveries made while its last continuations ran found it in flight and
   * left themselves to it, so they go now (else they waited for the next delivery). */
  private afterWrite(): void {
    if (this.delivered.length !== 0 && !this.busy && !this.writing && !this.closed) {
      this.writeDeliveredSoon();
    }
  }

  /** An idle connection's deliveries: the common case, a socket that takes them all at once,
   * costs the write op and one callback (an async chain per subscriber cost as much as its
   * write call); anything else goes on in finishWritingDelivered. `now`: the end-of-turn
   * flush reads the clock once for all its connections. The callbacks are made once per
   * connection (the bytes in flight are `sendingDelivered`'s), not per write. */
  private startWritingDelivered(now = Date.now()): void {
    const bytes = this.swapDelivered().bytes();
    this.unwritten = bytes.length;
    this.writeCallAt = now;
    let written: Promise<number>;
    try {
      written = this.io.write(bytes);
    } catch (err) {
      written = Promise.reject(err); // e.g. a socket closed meanwhile
    }
    this.writing = written.then(this.deliveredWritten, this.deliveredWriteFailed);
  }

  private readonly deliveredWritten = (taken: number): Promise<void> | undefined => {
    const sending = this.sendingDelivered, bytes = sending.bytes();
    if (taken < bytes.length || this.delivered.length !== 0) {
      return this.finishWritingDelivered(sending, bytes, taken);
    }
    this.unwritten = this.writeCallAt = 0;
    sending.reset();
    sending.shrinkIfIdle();
    this.client.pendingOutput = 0;
    this.writing = null;
  };

  private readonly deliveredWriteFailed = (): void => {
    this.close();
    this.writing = null;
  };

  private async finishWritingDelivered(
    sending: ByteBuffer,
    bytes: Uint8Array,
    taken: number,
  ): Promise<void> {
    try {
      try {
        if (taken < bytes.length) await this.writeAll(bytes, taken);
        else this.unwritten = this.writeCallAt = 0;
      } finally {
        sending.reset();
        sending.shrinkIfIdle();
      }
      await this.writeDelivered();
    } catch {
      this.close();
    } finally {
      this.writing = null;
      this.afterWrite();
    }
  }

  /** The buffer of deliveries to write now; the other one collects those made meanwhile (the
   * two take turns, so no copy is made). */
  private swapDelivered(): ReplyWriter {
    const sending = this.delivered;
    this.delivered = this.sendingDelivered;
    this.sendingDelivered = sending;
    this.shard.stats.netOutputBytes += sending.length;
    return sending;
  }

  private takeDeliveredIntoOut(): void {
    this.out.raw(this.delivered.bytes());
    this.delivered.reset();
    this.client.pendingOutput = 0;
  }

  /** Idle connections with deliveries to write at the end of this turn. */
  private static awaitingFlush: Connection[] = [];

  /**
   * A microtask queued by the turn's first delivery: the continuations that the turn's
   * completed reads resumed were queued before it, so every command they ran has delivered
   * by now.
   */
  private static flushAll = (): void => {
    const queued = Connection.awaitingFlush, now = Date.now();
    Connection.awaitingFlush = [];
    for (const c of queued) {
      c.flushQueued = false;
      // A connection that turned busy meanwhile took them ahead of its replies.
      if (c.busy || c.writing || c.closed || c.delivered.length === 0) continue;
      c.startWritingDelivered(now);
    }
  };

  /** Write what was delivered meanwhile, including what arrives during the write. */
  private async writeDelivered(): Promise<void> {
    while (this.delivered.length > 0) {
      const sending = this.swapDelivered();
      try {
        await this.writeAll(sending.bytes());
      } finally {
        sending.reset();
        sending.shrinkIfIdle();
      }
    }
    this.client.pendingOutput = 0;
    this.delivered.shrinkIfIdle();
  }

  close(): void {
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  private readonly rejected = (name: string) => recordRejected(this.shard, name);

  // The read batch being run (see processInput): command timing for SLOWLOG and LATENCY
  // (command_watch.ts) and whether monitors are fed.
  private batchWatch: CommandWatch | null = null;
  private batchTimesEach = false;
  private timedAt = 0;
  /** Date.now() read just before timedAt (the batch's `now`, or at restartTiming). */
  private timedAtMs = 0;
  private ranInBatch = 0;
  private slowSeen = false;
  private monitored = false;
  /** The command being run: where its reply starts in `out` and `pending`, and the splice
   * count then (CLIENT REPLY OFF/SKIP drops its reply, see dropReplySince). */
  private replyAt = 0;
  private pendingAt = 0;
  private flushesAt = 0;

  /** Parse and run every complete command in buf[0, end); returns how far it got. The
   * common batch runs synchronously; a promise comes back only when a command had to wait
   * (an atomic step of another connection, CLIENT PAUSE, an async or cross-shard command,
   * forwarded commands' replies), and the rest of the batch runs after it; once it settles,
   * finishBatch says how far the batch got. `now`: the batch's clock reading. */
  private processInput(buf: Uint8Array, end: number, now: number): number | Promise<unknown> {
    this.client.lastCommandAt = now;
    // One clock reading per batch for every expiry decision in it (Redis: mstime per command).
    this.shard.keyspace.setClock(now);
    const watch = this.watch.on ? this.watch : null;
    this.batchWatch = watch;
    this.batchTimesEach = watch !== null && (watch.timeEach || this.timeEach);
    this.timedAtMs = now;
    this.timedAt = watch ? performance.now() : 0;
    this.ranInBatch = 0;
    this.slowSeen = false;
    this.monitored = this.monitors.any();
    return this.processFrom(buf, this.parser.inFrame() ? this.parser.frameStart : 0, end);
  }

  private processFrom(buf: Uint8Array, pos: number, end: number): number | Promise<unknown> {
    const parser = this.parser;
    while (pos < end && !this.client.closeAfterReply) {
      const next = parser.next(buf, pos, end);
      if (next === NEED_MORE) break;
      if (next === PROTOCOL_ERROR) {
        this.out.error("ERR " + parser.error);
        this.client.closeAfterReply = true;
        pos = end;
        break;
      }
      const frameStart = pos;
      pos = next;
      if (parser.argc === 0) continue;
      if (this.outputLimits.any && this.overOutputLimit(this.out.length)) break;
      const waiting = this.runFrame(buf, frameStart, pos);
      if (waiting) {
        const from = pos;
        return waiting.then(() => this.processFrom(buf, from, end));
      }
    }
    if (this.pending.count || this.unsent) {
      // serve awaits the replies' promise itself, then finishBatch splices them in: no
      // async function, callback or derived promise per forwarded batch.
      const replies = this.sendBatches();
      if (replies !== null) {
        this.batchEnd = pos;
        this.repliesAwaited = true;
        return replies;
      }
      this.spliceForwarded();
    }
    return this.endBatch(pos);
  }

  /** Where the read batch ended (see finishBatch), and whether forwarded replies of it are
   * still to be spliced in. */
  private batchEnd = 0;
  private repliesAwaited = false;

  /** How far the batch got, once the promise processInput returned has settled. */
  private finishBatch(): number {
    if (!this.repliesAwaited) return this.batchEnd;
    this.repliesAwaited = false;
    this.spliceForwarded();
    return this.endBatch(this.batchEnd);
  }

  private endBatch(pos: number): number {
    this.batchEnd = pos;
    const watch = this.batchWatch;
    if (watch && !watch.timeEach) {
      // Untimed commands after the first one took long in all: time them one by one next.
      this.timeEach = this.batchTimesEach
        ? this.slowSeen
        : this.ranInBatch > 1 && !this.surelyShorterThan(watch.minUs) &&
          (performance.now() - this.timedAt) * 1000 >= watch.minUs;
    }
    if (this.outputLimits.any) this.overOutputLimit(this.out.length);
    return pos;
  }

  /** Run the command just parsed from buf[frameStart, pos); a promise if it has to wait. */
  private runFrame(buf: Uint8Array, frameStart: number, pos: number): Promise<void> | undefined {
    const spec = resolveCommand(this.parser, this.rejected);
    const client = this.client, shard = this.shard;
    if (
      typeof spec !== "string" && shard.acl.open && client.subscriptions === 0 &&
      client.transaction === null && !shard.loading && !clientPause.active && !this.monitored &&
      shard.lock.allows(null)
    ) {
      // The common command: every gate of runResolved would let it through and no monitor
      // watches, so it runs at once (runNow's work without its calls).
      this.markReplyStart();
      const waiting = this.execute(spec, buf, frameStart, pos);
      if (waiting) return waiting.then(() => this.afterPlainRun(spec));
      this.afterPlainRun(spec);
      return;
    }
    // Another connection's atomic cross-shard step holds this shard: wait for it, unless
    // only reads hold it and this command reads too (reads do not disturb reads).
    const lock = this.shard.lock;
    if (
      !lock.allows(null) && typeof spec !== "string" &&
      !(lock.readersOnly && spec.flags.includes("readonly"))
    ) {
      return lock.whenFree().then(() => {
        this.restartTiming();
        return this.runResolved(spec, buf, frameStart, pos);
      });
    }
    return this.runResolved(spec, buf, frameStart, pos);
  }

  private runResolved(
    spec: CommandSpec | string,
    buf: Uint8Array,
    frameStart: number,
    pos: number,
  ): Promise<void> | undefined {
    this.markReplyStart();
    let waiting: Promise<void> | undefined;
    let refusal: string | null;
    if (typeof spec === "string") this.reject(spec, spec === ERR_EXEC_ARITY);
    else if (!this.shard.acl.open && (refusal = commandRefused(this.ctx, spec)) !== null) {
      this.reject(refusal, spec.name === "exec"); // NOAUTH / NOPERM
    } else if (
      this.client.subscriptions !== 0 && this.client.resp === 2 &&
      (refusal = refusedWhileSubscribed(spec.name)) !== null
    ) {
      this.rejected(spec.name);
      this.reject(refusal, spec.name === "exec");
    } else if (this.shard.loading && !spec.flags.includes("loading")) {
      this.reject(ERR_LOADING, spec.name === "exec");
    } else if (
      this.client.transaction !== null &&
      queueInTransaction(this.ctx, spec, buf.subarray(frameStart, pos), this.queueOwner(spec))
    ) { /* +QUEUED, or refused inside MULTI */ } else if (
      clientPause.active && clientPause.isPaused(spec)
    ) {
      // CLIENT PAUSE holds this command (and so all after it) until the pause ends.
      waiting = this.untilUnpaused(spec).then(() => this.runNow(spec, buf, frameStart, pos));
    } else waiting = this.runNow(spec, buf, frameStart, pos);
    if (waiting) return waiting.then(() => this.dropSuppressedReply());
    this.dropSuppressedReply();
  }

  /**
   * Redis's rejectCommand: replies the refusal `error`, and a command refused inside MULTI
   * makes EXEC fail; a refused EXEC (arity, NOAUTH, NOPERM, the subscribed context, LOADING)
   * answers EXECABORT with the refusal's text instead and discards the transaction
   * (execCommandAbort), also outside MULTI.
   */
  private reject(error: string, isExec: boolean): void {
    flagTransaction(this.client);
    if (!isExec) return this.out.error(error);
    // rejectCommandFormat's texts (arity, subscribed context) carry no "ERR " of their own.
    const reason = error.startsWith("ERR ") ? error.slice(4) : error;
    this.out.error(`EXECABORT Transaction discarded because of: ${reason}`);
    discardTransaction(this.shard, this.client);
  }

  private async untilUnpaused(spec: CommandSpec): Promise<void> {
    while (clientPause.active && clientPause.isPaused(spec)) await clientPause.whenUnpaused();
    this.restartTiming();
  }

  /** True when less than `usec` passed since timedAt, as the millisecond clock can tell:
   * Date.now() costs about half of performance.now(), and at pipeline 1 the exact reading
   * after each command was a good part of the clock's cost per request. Each Date.now() is
   * up to 1 ms below the true time and timedAtMs was read before timedAt, so the time since
   * timedAt is less than the difference plus 1 ms (a wall clock set back meanwhile: unsure). */
  private surelyShorterThan(usec: number): boolean {
    const ms = Date.now() - this.timedAtMs;
    return ms >= 0 && (ms + 1) * 1000 < usec;
  }

  /** After a wait, the command's time starts now. */
  private restartTiming(): void {
    if (this.batchWatch) {
      this.timedAtMs = Date.now();
      this.timedAt = performance.now();
    }
  }

  private runNow(
    spec: CommandSpec,
    buf: Uint8Array,
    frameStart: number,
    pos: number,
  ): Promise<void> | undefined {
    const result = this.execute(spec, buf, frameStart, pos);
    // A blocking command shows when it blocks (as Redis); the others once they ran.
    const blocking = this.monitored && spec.flags.includes("blocking");
    if (blocking) this.monitors.feed(this.ctx, spec);
    if (result) return result.then(() => this.afterRun(spec, blocking));
    this.afterRun(spec, blocking);
  }

  private afterRun(spec: CommandSpec, fedBefore: boolean): void {
    if (this.monitored && !fedBefore) this.monitors.feed(this.ctx, spec);
    const watch = this.batchWatch;
    if (watch && (this.ranInBatch++ === 0 || this.batchTimesEach)) {
      // Not recorded, so its exact time is not needed (the batch's end check then counts
      // from the batch's start, see endBatch).
      if (!this.batchTimesEach && this.surelyShorterThan(watch.minUs)) return;
      const at = performance.now(), usec = (at - this.timedAt) * 1000;
      this.timedAt = at;
      if (usec >= watch.minUs) {
        this.slowSeen = true;
        watch.observe(this.ctx, spec, usec);
      }
    }
  }

  /** Where this command's reply starts (dropSuppressedReply drops from there). */
  private markReplyStart(): void {
    this.replyAt = this.out.length;
    this.pendingAt = this.pending.count;
    this.flushesAt = this.flushes;
  }

  /** afterRun and dropSuppressedReply for a command that took runFrame's straight path. */
  private afterPlainRun(spec: CommandSpec): void {
    if (this.batchWatch !== null) this.afterRun(spec, false);
    if (replyModesActive(this.client)) this.dropSuppressedReply();
  }

  /** CLIENT REPLY OFF/SKIP: drop this command's reply, local or still to come (an EXEC
   * whose queue turned replies off keeps its array: the queue dropped what followed). */
  private dropSuppressedReply(): void {
    if (replyModesActive(this.client) && replySuppressed(this.client)) {
      if (this.repliesOffInExec) this.repliesOffInExec = false;
      else this.dropReplySince(this.replyAt, this.pendingAt, this.flushesAt);
    }
  }

  /** Drops the replies made since `out` was at replyAt and `pending` at pendingAt (or since
   * the last splice, if pending replies were spliced meanwhile: `flushes` was the count). */
  private dropReplySince(replyAt: number, pendingAt: number, flushes: number): void {
    if (this.flushes !== flushes) [replyAt, pendingAt] = [this.flushedTo, 0];
    this.out.length = replyAt;
    this.pending.truncate(pendingAt);
  }

  /** Closes the client, as Redis does, when its unsent output (`extra` bytes of replies not
   * yet handed to the writer, plus deliveries and the unwritten rest of the write in flight)
   * is over its class's client-output-buffer-limit. */
  private overOutputLimit(extra: number): boolean {
    if (!this.outputLimits.any || this.closed) return false;
    const pending = extra + this.delivered.length + this.unwritten;
    if (!overOutputLimit(this.outputLimits.limits, this.client, pending)) return false;
    log.warning(
      `Client ${
        clientInfoLine(this.client, Date.now())
      } scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    // Nothing more is read, run or written for it (Redis's CLIENT_CLOSE_ASAP); commands
    // already forwarded to other shards still complete there, as they had run in Redis.
    this.client.closeAfterReply = true;
    this.delivered.reset();
    this.close();
    return true;
  }

  /** Run, forward, split or fan out one resolved command. Returns a promise only when the
   * command has to wait (async handlers, atomic cross-shard work): the hot path stays sync. */
  private execute(
    spec: CommandSpec,
    buf: Uint8Array,
    frameStart: number,
    pos: number,
  ): Promise<void> | undefined {
    if (!this.client.inTransaction) this.client.lastCommand = spec.name;
    const tracking = this.client.tracking;
    this.trackRead = tracking !== null && remembersRead(tracking, spec);
    if (spec.afterPending) {
      if (this.pending.count || this.unsent) {
        return this.flushPending().then(() => runCommand(this.ctx, spec));
      }
      const result = runCommand(this.ctx, spec);
      return result instanceof Promise ? result : undefined;
    }
    const owner = this.shard.count === 1 ? -1 : this.ownerOf(spec);
    if (owner === -1 || owner === this.shard.id) {
      if (spec.fanOut && this.shard.count > 1) {
        return this.fanOut(spec, spec.fanOut, buf.subarray(frameStart, pos));
      }
      const result = runCommand(this.ctx, spec);
      if (this.trackRead) this.tracker.remember(this.ctx, spec, this.client.id);
      // An async command (SHUTDOWN, DEBUG SLEEP...) lets earlier replies land first.
      if (result instanceof Promise) return this.flushPending().then(() => result);
    } else if (owner === SPANNING && spec.acrossShards) {
      // maxmemory is checked once for the whole command: its steps on each shard are not.
      if (this.shard.memory.limit !== 0 && this.shard.memory.refuses(this.ctx, spec)) return;
      const coordinate = spec.acrossShards;
      return this.flushPending().then(async () => {
        this.ctx.spec = spec;
        const replyAt = this.out.length;
        await coordinate(this.ctx);
        const observers = this.shard.spanningWriteObservers;
        if (spec.writes && observers.length !== 0 && this.out.buf[replyAt] !== 0x2d) {
          for (const observer of observers) observer(this.ctx, spec, replyAt);
        }
      });
    } else if (owner === SPANNING) {
      return this.splitAcrossShards(spec);
    } else {
      const index = this.forward(owner, buf, frameStart, pos);
      this.pending.forwarded(this.out.length, owner, index);
    }
  }

  /** The shard a command queued in MULTI will run on (see execute). */
  private queueOwner(spec: CommandSpec): number {
    return this.shard.count === 1 || spec.afterPending ? -1 : this.ownerOf(spec);
  }

  /** EXEC's queue: each command runs, is forwarded, split or fanned out exactly as outside
   * MULTI, under the locks EXEC holds (forwarded batches carry their owner); the replies
   * form one array. Synchronous when every command is local and synchronous. */
  private runQueued(commands: QueuedCommand[]): void | Promise<void> {
    const outer = this.parser, parser = this.queuedParser;
    this.parser = parser;
    this.ctx.args = parser;
    const restore = () => {
      this.parser = outer;
      this.ctx.args = outer;
    };
    this.out.arrayHeader(commands.length);
    const modes = this.client.modes, offAtStart = modes.replyOff || modes.skipThis;
    let next = 0;
    // A queued CLIENT REPLY OFF silences the replies after it, not EXEC's array header.
    const silenceIfOff = (replyAt: number, pendingAt: number, flushes: number) => {
      if (modes.replyOff) this.dropReplySince(replyAt, pendingAt, flushes);
    };
    const monitors = this.monitors;
    const runFrom = (): void | Promise<void> => {
      while (next < commands.length) {
        const { spec, frame } = commands[next++];
        const replyAt = this.out.length, pendingAt = this.pending.count, flushes = this.flushes;
        parser.next(frame, 0, frame.length);
        const refusal = this.shard.acl.open ? null : commandRefused(this.ctx, spec, true);
        if (refusal !== null) {
          this.out.error(refusal);
          silenceIfOff(replyAt, pendingAt, flushes);
          continue;
        }
        const result = this.execute(spec, frame, 0, frame.length);
        // Each command EXEC runs reaches monitors, before EXEC's own line (as Redis's call()).
        if (monitors.any()) monitors.feed(this.ctx, spec);
        if (result) {
          return result.then(() => {
            silenceIfOff(replyAt, pendingAt, flushes);
            return runFrom();
          });
        }
        silenceIfOff(replyAt, pendingAt, flushes);
      }
      this.repliesOffInExec = !offAtStart && modes.replyOff;
      if (this.pending.count || this.unsent) return this.flushPending();
    };
    let result: void | Promise<void>;
    try {
      result = runFrom();
    } catch (err) {
      restore();
      throw err;
    }
    if (result) return result.finally(restore);
    restore();
  }

  /** Queue a raw frame for shard `owner`; returns its index in that shard's batch. */
  private forward(owner: number, frame: Uint8Array, start = 0, end = frame.length): number {
    this.appendTo(this.batches[owner], frame, start, end);
    this.unsent++;
    return this.batchCounts[owner]++;
  }

  /** This client's command frame[start, end) as a batch entry (with its id while any client
   * tracks). */
  private appendTo(batch: ByteBuffer, frame: Uint8Array, start = 0, end = frame.length): void {
    const caller = this.tracker.anyTracking() ? this.client.id : 0;
    const client = this.client;
    appendToBatch(batch, client.db, client.resp, frame, false, caller, this.trackRead, start, end);
  }

  private ownerOf(spec: CommandSpec): number {
    if (spec.route) return spec.route(this.parser, this.shard.count);
    return routeCommand(spec, this.parser, this.shard);
  }

  /** Run this keyless command on every shard and combine the replies. Each shard runs it in
   * order with this connection's other commands for that shard; a read of the keyspace
   * (DBSIZE, KEYS...) runs under every shard's lock (see runLocked). */
  private fanOut(
    spec: CommandSpec,
    combine: Combiner,
    frame: Uint8Array,
  ): Promise<void> | undefined {
    const shards = [...Array(this.shard.count).keys()];
    if (spec.flags.includes("readonly") && this.ctx.cross!.heldBy() === null) {
      return this.runLocked(shards.map((s) => [s, frame]), combine, [], true);
    }
    const parts = shards.map((s) =>
      s === this.shard.id
        ? this.runLocalFrame(frame)
        : [s, this.forward(s, frame)] as [number, number]
    );
    this.pending.combinedAt(this.out.length, { parts, combine, split: [] });
  }

  /**
   * A command whose keys (or keyless read) span shards is atomic, as every command is in
   * Redis: each shard's frame runs under the locks of all of them, so no cross-shard MSET,
   * DEL or EXEC runs half before and half after it. Earlier commands reply first. Inside
   * EXEC the transaction's locks already cover it, and the parts are batched as usual.
   */
  private runLocked(
    frames: Array<[number, Uint8Array]>,
    combine: Combiner,
    split: SplitPart[],
    readOnly: boolean,
  ): Promise<void> {
    // The entries are made now, with the db and tracking state of this point of the batch.
    const batches = frames.map(([target, frame]): [number, Uint8Array] => {
      const batch = new ByteBuffer(frame.length + 16);
      this.appendTo(batch, frame);
      return [target, batch.bytes()];
    });
    return this.flushPending().then(async () => {
      const replies = await this.ctx.cross!.atomically(
        batches.map(([target]) => target),
        (_run, send) => Promise.all(batches.map(([target, batch]) => send(target, batch))),
        readOnly, // reads share the locks (shard_lock.ts)
      );
      combine(replies, this.out, split);
    });
  }

  /** A command whose keys span shards: each shard gets the command with its own key groups
   * (key plus the `step - 1` arguments after it), under the locks of all of them (runLocked);
   * inside EXEC this shard's part runs now so it stays in order with what follows. */
  private splitAcrossShards(spec: CommandSpec): Promise<void> | undefined {
    const args = this.parser;
    if (!spec.splitByKey || !spec.keys) {
      this.out.error(
        `ERR ${spec.name.toUpperCase()} with keys on several shards is not supported yet`,
      );
      return;
    }
    const { first, step } = spec.keys;
    const last = spec.keys.last < 0 ? args.argc + spec.keys.last : spec.keys.last;
    const split = new Map<number, SplitPart>();
    for (let i = first; i <= last; i += step) {
      const owner = this.shard.ownerOf(args.bytes(i));
      let part = split.get(owner);
      if (!part) split.set(owner, part = { shard: owner, argIndexes: [] });
      part.argIndexes.push(i);
    }
    const frames = [...split.values()].map((part): [number, Uint8Array] => {
      const argv = [...Array(first).keys()].map((i) => args.bytes(i));
      for (const i of part.argIndexes) for (let j = 0; j < step; j++) argv.push(args.bytes(i + j));
      return [part.shard, encodeCommand(argv)];
    });
    if (this.ctx.cross!.heldBy() === null) {
      return this.runLocked(
        frames,
        spec.splitByKey.combine,
        [...split.values()],
        spec.flags.includes("readonly"),
      );
    }
    const parts = frames.map(([target, frame]) =>
      target === this.shard.id
        ? this.runLocalFrame(frame)
        : [target, this.forward(target, frame)] as [number, number]
    );
    this.pending.combinedAt(this.out.length, {
      parts,
      combine: spec.splitByKey.combine,
      split: [...split.values()],
    });
  }

  /** Run one encoded command here and return its reply bytes (the caller's parser state is
   * kept: the frame is run by a separate parser). */
  private runLocalFrame(frame: Uint8Array): Uint8Array {
    const batch = new ByteBuffer(frame.length + 8);
    this.appendTo(batch, frame);
    return this.shard.executeBatch(batch.bytes()).replies.slice();
  }

  /** Send every shard's batch, wait for the replies, and splice them into `out` in order. */
  private async flushPending(): Promise<void> {
    if (!this.pending.count && !this.unsent) return;
    const replies = this.sendBatches();
    if (replies !== null) await replies;
    this.spliceForwarded();
  }

  /** Send every shard's batch; resolves when all replies are in (null: nothing to send). */
  private sendBatches(): Promise<unknown> | null {
    this.unsent = 0;
    // Under EXEC's locks the batch runs as their owner.
    const owner = this.ctx.cross?.heldBy() ?? null;
    let single: Promise<BatchReply> | null = null;
    let calls: Array<Promise<BatchReply>> | null = null;
    for (let s = 0; s < this.batches.length; s++) {
      if (this.batchCounts[s] === 0) continue;
      const batch = this.batches[s];
      const call = this.peers!.call(s, batch, owner, this.replyStores[s]);
      // One target (always so with 2 shards): await its call, no Promise.all.
      if (single === null && calls === null) single = call;
      else (calls ??= [single!]).push(call);
      this.shard.stats.forwardedCommands += this.batchCounts[s];
      batch.reset();
      this.batchCounts[s] = 0;
    }
    return calls !== null ? Promise.all(calls) : single;
  }

  /** Splice the forwarded replies (all in their stores) into `out` in request order. */
  private spliceForwarded(): void {
    // Only commands whose replies were dropped: sent and done, nothing to splice.
    if (!this.pending.count) return;
    // The local replies move to spliceFrom (buffers swapped, not copied), and `out` is
    // rebuilt from them and the forwarded replies (in the stores: one call per shard at a
    // time) in request order.
    const local = this.out.buf, localLength = this.out.length;
    this.out.buf = this.spliceFrom.buf;
    this.out.reset();
    this.spliceFrom.buf = local;
    this.pending.spliceInto(this.out, local, localLength, this.replyStores);
    this.spliceFrom.shrinkIfIdle();
    this.flushes++;
    this.flushedTo = this.out.length;
  }

  /** Writes all of `bytes`. `taken` >= 0: a write call already took bytes[0, taken), which
   * was less than all of them. */
  private async writeAll(bytes: Uint8Array, taken = -1): Promise<void> {
    let off = Math.max(taken, 0);
    this.unwritten = bytes.length - off;
    try {
      if (taken >= 0 && this.tookLess()) return;
      while (off < bytes.length) {
        this.writeCallAt = Date.now();
        off += await this.io.write(off === 0 ? bytes : bytes.subarray(off));
        this.unwritten = bytes.length - off;
        if (off < bytes.length && this.tookLess()) return;
      }
    } finally {
      this.unwritten = 0;
      this.socketRefused = false;
      this.writeCallAt = 0;
    }
  }

  /** A write took less than it was offered: true when that closed the client (over its
   * output buffer limit). */
  private tookLess(): boolean {
    this.socketRefused = true;
    return this.overOutputLimit(0);
  }

  /** True when the socket does not take this client's output: a write took less than it was
   * offered, or a write call has waited for a second. Redis counts only what write() did
   * not take; a Deno write resolves a tick later even when the socket took everything at
   * once, so bytes waiting for that tick do not count (they would close a subscriber that
   * reads, when a burst of messages from another shard arrives during one write). */
  private socketRefuses(): boolean {
    return this.socketRefused || (this.writeCallAt !== 0 && Date.now() - this.writeCallAt >= 1000);
  }
}
