// Multi-key string commands: MGET MSET MSETNX. MGET's keys may be read shard by shard (the
// table splits it and puts the replies back in key order); MSET and MSETNX are atomic in
// Redis, so when their keys span shards they run under all those shards' locks.
import type { CommandContext } from "./spec.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import { errArity } from "../protocol/errors.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";

export function mget(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  out.arrayHeader(args.argc - 1);
  for (let j = 1; j < args.argc; j++) {
    const n = ks.getStringArg(ctx.client.db, args, j);
    // A missing key and a key of another type both read as null.
    if (n >= 0) ks.writeBulk(out, n);
    else out.nullBulk();
  }
}

/** MSET/MSETNX need key-value pairs: an even argument count is Redis's arity error. */
function pairsComplete(ctx: CommandContext): boolean {
  if (ctx.args.argc % 2 === 1) return true;
  ctx.out.error(errArity(ctx.spec.name));
  return false;
}

/** MSET, or MSETNX (`onlyIfNoneExist`) on one shard: Redis's msetGenericCommand. */
function setMany(ctx: CommandContext, onlyIfNoneExist: boolean): void {
  const { args, out } = ctx;
  if (!pairsComplete(ctx)) return;
  const ks = ctx.shard.keyspace;
  const db = ctx.client.db;
  if (onlyIfNoneExist) {
    for (let j = 1; j < args.argc; j += 2) {
      if (ks.existsArg(db, args, j)) return out.integer(0);
    }
  }
  for (let j = 1; j < args.argc; j += 2) ks.setStringArg(db, args, j, j + 1);
  if (onlyIfNoneExist) out.integer(1);
  else out.ok();
}

export function mset(ctx: CommandContext): void {
  setMany(ctx, false);
}

export function msetnx(ctx: CommandContext): void {
  setMany(ctx, true);
}

const MSET = asciiBytes("MSET");
const EXISTS = asciiBytes("EXISTS");

const isError = (reply: Uint8Array) => reply[0] === 0x2d;
const integerOf = (reply: Uint8Array) => Number(latin1(reply.subarray(1, reply.length - 2)));

/** The pairs grouped by the shard owning each key, in order: shard → [key, value, key, ...]. */
function pairsByShard(ctx: CommandContext): Map<number, Uint8Array[]> {
  const { args } = ctx;
  const groups = new Map<number, Uint8Array[]>();
  for (let j = 1; j < args.argc; j += 2) {
    const owner = ctx.shard.ownerOf(args.bytes(j));
    let group = groups.get(owner);
    if (!group) groups.set(owner, group = []);
    // Copies: the arguments' buffer must not be relied on across the awaits below.
    group.push(args.bytes(j).slice(), args.bytes(j + 1).slice());
  }
  return groups;
}

/** Runs `name` with each shard's share of the arguments, all shards at once. */
function onEachShard(
  run: RunOnShard,
  groups: Map<number, Uint8Array[]>,
  name: Uint8Array,
  keysOnly: boolean,
) {
  return Promise.all(
    [...groups].map(([shard, pairs]) =>
      run(shard, [name, ...(keysOnly ? pairs.filter((_, i) => i % 2 === 0) : pairs)])
    ),
  );
}

/**
 * MSET/MSETNX whose keys span shards: under the locks of every shard involved (nothing else
 * runs there meanwhile), MSETNX first asks each shard whether any of its keys exist, then
 * each shard sets its own pairs, so all of them are set or none.
 */
async function setManyAcrossShards(ctx: CommandContext, onlyIfNoneExist: boolean): Promise<void> {
  const { out } = ctx;
  if (!pairsComplete(ctx)) return;
  const groups = pairsByShard(ctx);
  await ctx.cross!.atomically(groups.keys(), async (run) => {
    if (onlyIfNoneExist) {
      const counts = await onEachShard(run, groups, EXISTS, true);
      const failed = counts.find(isError);
      if (failed) return out.raw(failed);
      if (counts.some((reply) => integerOf(reply) > 0)) return out.integer(0);
    }
    const replies = await onEachShard(run, groups, MSET, false);
    const failed = replies.find(isError);
    if (failed) out.raw(failed);
    else if (onlyIfNoneExist) out.integer(1);
    else out.ok();
  });
}

export function msetAcrossShards(ctx: CommandContext): Promise<void> {
  return setManyAcrossShards(ctx, false);
}

export function msetnxAcrossShards(ctx: CommandContext): Promise<void> {
  return setManyAcrossShards(ctx, true);
}
