// Admin commands that must see or change every shard but also need the calling connection
// (CLIENT LIST shows the caller's own cmd=, CLIENT KILL skips the caller, DEBUG checks the
// caller's address). A fan-out row can't do that: its local part runs with a stand-in
// client. So these handlers do their own shard's part with the real client, then send the
// same command to the other shards, where it runs as a shard part (ctx.cross is null there)
// and does only that shard's share.
import { type Combiner, type CommandContext, type Handler, SPANNING } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import { latin1 } from "../protocol/bytes.ts";

/** True when this handler runs as one shard's share of a command another shard coordinates. */
export function isShardPart(ctx: CommandContext): boolean {
  return ctx.cross === null;
}

/** The command's arguments, copied (the views die when the connection parses on). */
export function copyArgv(args: Args, from = 0): Uint8Array[] {
  const argv: Uint8Array[] = [];
  for (let i = from; i < args.argc; i++) argv.push(args.bytes(i).slice());
  return argv;
}

/** Runs argv on each of `shards` (never the caller's own) and returns their replies in
 * that order. Off the hot path only: it takes those shards' locks for the moment. */
export async function askShards(
  ctx: CommandContext,
  shards: number[],
  argv: Uint8Array[],
): Promise<Uint8Array[]> {
  if (!ctx.cross || shards.length === 0) return [];
  return await ctx.cross.atomically(shards, (run) => Promise.all(shards.map((s) => run(s, argv))));
}

/** Every shard but the caller's. */
export function otherShards(ctx: CommandContext): number[] {
  const others: number[] = [];
  for (let s = 0; s < ctx.shard.count; s++) if (s !== ctx.shard.id) others.push(s);
  return others;
}

/**
 * Runs this very command on every other shard (see askShards), then `finish` with their
 * replies. Synchronous when there is no one to ask (a shard part, or a single shard): a
 * shard part runs inside a forwarded batch, where handlers must not be async.
 */
export function withOtherShards(
  ctx: CommandContext,
  finish: (replies: Uint8Array[]) => void,
): void | Promise<void> {
  if (isShardPart(ctx) || ctx.shard.count === 1) return finish([]);
  return askShards(ctx, otherShards(ctx), copyArgv(ctx.args)).then(finish);
}

/** The route of a command its handler coordinates across every shard (SORT, SWAPDB...):
 * never forwarded, and with one shard simply run. */
export function coordinated(_args: unknown, shardCount: number): number {
  return shardCount > 1 ? SPANNING : -1;
}

/**
 * For a keyless command that changes every shard (SWAPDB, FLUSHALL, FLUSHDB): the same
 * command runs on every shard while all their locks are held, so no client sees some shards
 * changed and others not (a plain fan-out reaches each shard at its own moment); the replies
 * combine as a fan-out's would. Use with `route: coordinated`. Shard 0's part runs first:
 * the AOF logs the command there, once, in its place among every shard's writes (see
 * src/persistence/aof/propagate.ts).
 */
export function atomicallyOnEveryShard(combine: Combiner): Handler {
  return async (ctx) => {
    const argv = copyArgv(ctx.args);
    const shards = [...Array(ctx.shard.count).keys()];
    const replies = await ctx.cross!.atomically(shards, async (run) => {
      const first = await run(0, argv);
      return [first, ...await Promise.all(shards.slice(1).map((s) => run(s, argv)))];
    });
    combine(replies, ctx.out, []);
  };
}

const decoder = new TextDecoder();

/** The text of a bulk ($) or verbatim (=, "txt:" prefix) reply frame: latin1, or UTF-8
 * for text the server wrote as UTF-8 (INFO's paths). */
export function replyText(frame: Uint8Array, utf8 = false): string {
  const headerEnd = frame.indexOf(0x0a) + 1;
  let body = frame.subarray(headerEnd, frame.length - 2);
  if (frame[0] === 0x3d) body = body.subarray(4);
  return utf8 ? decoder.decode(body) : latin1(body);
}

/** The value of an integer (:) reply frame. */
export function replyInteger(frame: Uint8Array): number {
  return Number(decoder.decode(frame.subarray(1, frame.length - 2)));
}

export function isErrorReply(frame: Uint8Array): boolean {
  return frame[0] === 0x2d;
}

/**
 * For admin commands whose shard parts only report data (SLOWLOG, LATENCY): a shard part
 * replies its share as JSON in a bulk string, which only the coordinating shard reads.
 */
export function replyShardData(ctx: CommandContext, data: unknown): void {
  ctx.out.bulkText(JSON.stringify(data));
}

/** The shard parts' data (see replyShardData), in shard order. */
export function shardData<T>(replies: Uint8Array[]): T[] {
  return replies.map((r) => JSON.parse(replyText(r, true)) as T);
}
