// Running commands: the one place a handler is called, for a client's own commands and for
// batches forwarded by other shards.
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { RequestParser } from "../protocol/resp_parser.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { Client } from "./client.ts";
import type { Shard } from "./shard.ts";
import type { BatchExecutor } from "./peers.ts";
import { resolveCommand } from "./dispatch.ts";
import { recordCall, recordErrorReply, recordRejected } from "./info_stats.ts";

/**
 * Commands timed for INFO commandstats: one in TIMING_SAMPLE, its duration counted that many
 * times. Reading the clock costs about as much as a whole GET (performance.now() is a call
 * into the runtime), so timing every command would double the hot path's CPU.
 */
const TIMING_SAMPLE = 16;

/** Run a resolved command; returns a promise only for the few async commands. */
export function runCommand(ctx: CommandContext, spec: CommandSpec): void | Promise<void> {
  ctx.spec = spec;
  ctx.client.lastCommand = spec.name;
  const timed = (ctx.shard.stats.commandsProcessed++ % TIMING_SAMPLE) === 0;
  const replyAt = ctx.out.length;
  const started = timed ? performance.now() : 0;
  const result = spec.handler(ctx);
  const record = () => {
    const failed = ctx.out.length > replyAt && ctx.out.buf[replyAt] === 0x2d;
    const usec = timed ? (performance.now() - started) * 1000 * TIMING_SAMPLE : 0;
    recordCall(ctx.shard, spec.name, usec, failed);
  };
  if (result instanceof Promise) return result.then(record);
  record();
}

/** Bit 7 of a batch entry's resp byte: the command was issued by IronCache itself (a step of
 * a cross-shard operation), not by a client; see Client.internal. */
const INTERNAL_CALL = 0x80;

/** The batch format of src/server/peers.ts: [u8 db][u8 resp][u32 length][frame]... */
export function appendToBatch(
  batch: { u8(v: number): void; u32(v: number): void; raw(b: Uint8Array): void },
  db: number,
  resp: number,
  frame: Uint8Array,
  internal = false,
): void {
  batch.u8(db);
  batch.u8(internal ? resp | INTERNAL_CALL : resp);
  batch.u32(frame.length);
  batch.raw(frame);
}

/** Executes batches that other shards forward here. Forwarded commands always have keys
 * owned by this shard and never touch connection state, so one stand-in client serves. */
export function createBatchExecutor(shard: Shard): BatchExecutor {
  const parser = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: false });
  const out = new ReplyWriter();
  const client = new Client("forwarded", "", 0);
  const ctx: CommandContext = { args: parser, client, out, shard, spec: undefined!, cross: null };
  out.onError = (text) => recordErrorReply(shard, text);
  const rejected = (name: string) => recordRejected(shard, name);
  return (batch: Uint8Array) => {
    out.reset();
    shard.keyspace.setClock(Date.now());
    const ends: number[] = [];
    let p = 0;
    while (p < batch.length) {
      const db = batch[p], resp = batch[p + 1];
      const len = (batch[p + 2] | (batch[p + 3] << 8) | (batch[p + 4] << 16)) +
        batch[p + 5] * 16777216;
      const start = p + 6;
      parser.next(batch, start, start + len);
      client.db = db;
      client.internal = (resp & INTERNAL_CALL) !== 0;
      client.resp = out.resp = (resp & ~INTERNAL_CALL) as 2 | 3;
      const spec = resolveCommand(parser, rejected);
      if (typeof spec === "string") out.error(spec);
      else if (runCommand(ctx, spec) instanceof Promise) {
        throw new Error(`async command ${spec.name} cannot run in a forwarded batch`);
      }
      ends.push(out.length);
      p = start + len;
    }
    return { replies: out.bytes().slice(), ends: Int32Array.from(ends) };
  };
}
