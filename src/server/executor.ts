// Running commands: the one place a handler is called, for a client's own commands and for
// batches forwarded by other shards.
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { RequestParser } from "../protocol/resp_parser.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { Client } from "./client.ts";
import type { Shard } from "./shard.ts";
import type { BatchExecutor } from "./peers.ts";
import { resolveCommand } from "./dispatch.ts";
import { trackerOf } from "../tracking/tracking.ts";
import {
  type CommandStat,
  infoStatsOf,
  recordCall,
  recordErrorReply,
  recordLatency,
  recordRejected,
} from "./info_stats.ts";
import { putU32le, u32le } from "../protocol/bytes.ts";
import type { ByteBuffer } from "../protocol/byte_buffer.ts";
import { GatherBuffer } from "./gather_buffer.ts";

/**
 * Commands timed for INFO commandstats: one in TIMING_SAMPLE, its duration counted that many
 * times. Reading the clock costs about as much as a whole GET (performance.now() is a call
 * into the runtime), so timing every command would double the hot path's CPU.
 */
const TIMING_SAMPLE = 16;

/**
 * The commandstats entry runCommand updated last, so a run of the same command skips the two
 * map lookups. Valid while the shard's command counter has moved only by runCommand's own
 * increments since: CONFIG RESETSTAT zeroes the counter (and replaces the stats), so the next
 * command sees 1, never the cached count + 1 (which is at least 2).
 */
let cachedShard: Shard | null = null;
let cachedSpec: CommandSpec | null = null;
let cachedStat: CommandStat | null = null;
let cachedCount = 0;

/** Run a resolved command; returns a promise only for the few async commands. */
export function runCommand(ctx: CommandContext, spec: CommandSpec): void | Promise<void> {
  ctx.spec = spec;
  // CLIENT LIST's cmd= (lastCommand) was set by Connection.execute, the only caller with a
  // real client (the batch executor's stand-in is listed nowhere).
  const shard = ctx.shard, stats = shard.stats;
  // maxmemory: evict, then refuse denyoom commands (not the steps of a cross-shard command,
  // checked once before it began).
  if (shard.memory.limit !== 0 && !ctx.client.internal && shard.memory.refuses(ctx, spec)) return;
  const timed = (stats.commandsProcessed++ % TIMING_SAMPLE) === 0;
  const count = stats.commandsProcessed;
  const out = ctx.out;
  const replyAt = out.length;
  if (spec.writes && shard.beforeWriteObservers.length !== 0) {
    for (const observer of shard.beforeWriteObservers) observer(ctx, spec, replyAt);
  }
  if (timed) return runTimed(ctx, spec, replyAt, count);
  const result = spec.handler(ctx);
  if (result !== undefined && result instanceof Promise) {
    return result.then(() => record(ctx, spec, replyAt, -1, -1));
  }
  const failed = out.length > replyAt && out.buf[replyAt] === 0x2d;
  if (spec.writes && !failed && shard.writeObservers.length !== 0) observeWrite(ctx, spec, replyAt);
  if (
    spec === cachedSpec && shard === cachedShard && count === cachedCount + 1 &&
    stats.commandsProcessed === count
  ) {
    cachedCount = count;
    const c = cachedStat!;
    c.calls++;
    if (failed) c.failed++;
    return;
  }
  recordAndCache(shard, spec, 0, failed, count);
}

/** The sampled command: timed with performance.now(), counted TIMING_SAMPLE times. */
function runTimed(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
  count: number,
): void | Promise<void> {
  const started = performance.now();
  const result = spec.handler(ctx);
  if (result instanceof Promise) return result.then(() => record(ctx, spec, replyAt, started, -1));
  record(ctx, spec, replyAt, started, count);
}

/** `started` < 0: not timed. `count` > 0: the counter after this command's increment (the
 * entry may be cached), else the command was async and other commands may have run. */
function record(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
  started: number,
  count: number,
): void {
  const failed = ctx.out.length > replyAt && ctx.out.buf[replyAt] === 0x2d;
  if (spec.writes && !failed && ctx.shard.writeObservers.length !== 0) {
    observeWrite(ctx, spec, replyAt);
  }
  const usec = started >= 0 ? (performance.now() - started) * 1000 : 0;
  if (usec > 0) recordLatency(ctx.shard, spec.name, usec, TIMING_SAMPLE);
  recordAndCache(ctx.shard, spec, usec * TIMING_SAMPLE, failed, count);
}

function observeWrite(ctx: CommandContext, spec: CommandSpec, replyAt: number): void {
  for (const observer of ctx.shard.writeObservers) observer(ctx, spec, replyAt);
}

/** recordCall, then remember the entry when the handler left the counter at `count`. */
function recordAndCache(
  shard: Shard,
  spec: CommandSpec,
  usec: number,
  failed: boolean,
  count: number,
): void {
  recordCall(shard, spec.name, usec, failed);
  if (count > 0 && shard.stats.commandsProcessed === count) {
    cachedShard = shard;
    cachedSpec = spec;
    cachedStat = infoStatsOf(shard).commands.get(spec.name)!;
    cachedCount = count;
  } else cachedShard = null;
}

/** Bit 7 of a batch entry's resp byte: the command was issued by IronCache itself (a step of
 * a cross-shard operation), not by a client; see Client.internal. */
const INTERNAL_CALL = 0x80;
/** Bit 6: [u32 caller id][u8 remember its keys] follow the length (client-side caching). */
const TRACKED_CALL = 0x40;
/** Bit 5: [u8 n][n bytes of padding] come before the frame (a frame spliced into a gathered
 * batch: the padding gives it the same alignment mod 8 in the ring as in its source, so V8
 * copies it to and from shared memory a word at a time, not a byte at a time). */
const PADDED_CALL = 0x20;
/** Frames from this length on are spliced into a gathered batch instead of copied into it:
 * below it, the copy costs less than the splice's bookkeeping. */
const SPLICE_MIN = 512;

/** The batch format of src/server/peers.ts: [u8 db][u8 resp][u32 length][frame]...
 * `caller`: the client's id while any client tracks (0: not sent); `remember`: a tracking
 * client's read whose keys the owner shard remembers (src/tracking). The frame is
 * frame[start, end) (a connection passes its read buffer: no view per command). A long frame
 * is spliced into a GatherBuffer, not copied: `frame` must then stay unchanged until the
 * batch is sent. */
export function appendToBatch(
  batch: ByteBuffer,
  db: number,
  resp: number,
  frame: Uint8Array,
  internal = false,
  caller = 0,
  remember = false,
  start = 0,
  end = frame.length,
): void {
  // One capacity check and direct stores: this runs for every forwarded command.
  const header = caller !== 0 ? 11 : 6, len = end - start;
  const spliced = len >= SPLICE_MIN && batch instanceof GatherBuffer;
  batch.ensure(header + (spliced ? 8 : len));
  const b = batch.buf, p = batch.length;
  b[p] = db;
  b[p + 1] = (internal ? resp | INTERNAL_CALL : resp) | (caller !== 0 ? TRACKED_CALL : 0) |
    (spliced ? PADDED_CALL : 0);
  putU32le(b, p + 2, len);
  if (caller !== 0) {
    putU32le(b, p + 6, caller);
    b[p + 10] = remember ? 1 : 0;
  }
  if (spliced) {
    // The batch starts 8-byte aligned in the ring (peers.ts), so the frame's place there is
    // its place in the whole batch.
    const at = p + header + 1, pad = (frame.byteOffset + start - batch.splicedLength - at) & 7;
    b[at - 1] = pad;
    for (let i = 0; i < pad; i++) b[at + i] = 0;
    batch.length = at + pad;
    batch.splice(frame, start, end);
    return;
  }
  // A short frame is copied by hand: cheaper than TypedArray.set and its subarray (the two
  // cost the same at about 40 bytes).
  if (len > 40) b.set(frame.subarray(start, end), p + header);
  else for (let i = 0, q = p + header; i < len; i++) b[q + i] = frame[start + i];
  batch.length = p + header + len;
}

/** Executes batches that other shards forward here. Forwarded commands always have keys
 * owned by this shard and never touch connection state, so one stand-in client serves.
 * The reply is a view into buffers reused by the next batch (the transport copies it). */
export function createBatchExecutor(shard: Shard): BatchExecutor {
  const parser = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: false });
  const out = new ReplyWriter();
  const client = new Client("forwarded", "", 0);
  const ctx: CommandContext = { args: parser, client, out, shard, spec: undefined!, cross: null };
  out.onError = (text) => recordErrorReply(shard, text);
  const rejected = (name: string) => recordRejected(shard, name);
  let ends = new Int32Array(64);
  return (batch: Uint8Array) => {
    out.reset();
    shard.keyspace.setClock(Date.now());
    let count = 0;
    let p = 0;
    while (p < batch.length) {
      const db = batch[p], resp = batch[p + 1];
      const len = u32le(batch, p + 2);
      let start = p + 6, remember = false;
      client.callerId = 0;
      if (resp & TRACKED_CALL) {
        client.callerId = u32le(batch, start);
        remember = batch[start + 4] === 1;
        start += 5;
      }
      if (resp & PADDED_CALL) start += 1 + batch[start];
      parser.next(batch, start, start + len);
      client.db = db;
      client.internal = (resp & INTERNAL_CALL) !== 0;
      client.resp = out.resp = (resp & 3) as 2 | 3;
      const spec = resolveCommand(parser, rejected);
      if (typeof spec === "string") out.error(spec);
      else if (runCommand(ctx, spec) instanceof Promise) {
        throw new Error(`async command ${spec.name} cannot run in a forwarded batch`);
      } else if (remember) trackerOf(shard).remember(ctx, spec, client.callerId);
      if (count === ends.length) {
        const grown = new Int32Array(count * 2);
        grown.set(ends);
        ends = grown;
      }
      ends[count++] = out.length;
      p = start + len;
    }
    if (shard.batchObservers.length !== 0) {
      for (const observer of shard.batchObservers) {
        observer();
      }
    }
    return { replies: out.bytes(), ends: ends.subarray(0, count) };
  };
}
