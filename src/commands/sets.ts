// Set family (Redis 7.0's t_set.c): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SUNION SDIFF SINTERCARD SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN.
// The sets and their algorithms live in the engine (wasm/assembly/t_set.ts, api_set.ts);
// handlers check arguments with Redis's texts and order, and write the replies.
//
// Multi-key commands whose keys live on several shards run under those shards' locks: each
// source is read with SMEMBERS on its shard, the engine here computes the result from those
// members exactly as it would from keys, and a STORE result is written on the destination's
// shard with DEL + SADD (in the same locked section, so the whole command is atomic).
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import {
  COMBINE_CARD,
  COMBINE_STORE,
  SET_DIFF,
  SET_INTER,
  SET_UNION,
  type SetOp,
  setOps,
} from "../engine/set.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE } from "../protocol/errors.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { arrayElements } from "../server/multishard.ts";
import { argsOf } from "./key_specs.ts";
import { parseCursor, scanOptions } from "./keys_scan.ts";
import { stringMatch } from "./glob.ts";
import { bulkPayload, integerOf, isErrorReply } from "./keys_common.ts";

const ERR_NOT_POSITIVE = "ERR value is out of range, must be positive";
/** OBJECT ENCODING code of a hashtable set (keyspace.ts ENCODING_NAMES). */
const ENCODING_HASHTABLE = 7;
/** SRANDMEMBER with a negative count answers that many members; Redis itself runs out of
 * memory long before this, so IronCache refuses larger ones instead. */
const MAX_REPEATED_PICKS = 10_000_000;

const ops = (ctx: CommandContext) => setOps(ctx.shard.keyspace);

/** Replies a count, or WRONGTYPE. */
function replyCount(ctx: CommandContext, n: number): void {
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(n);
}

/** Replies the last operation's `n` member items as a set (RESP3 `~`), or WRONGTYPE. */
function replyMembers(ctx: CommandContext, n: number): void {
  if (n === WRONG_TYPE) return ctx.out.error(ERR_WRONGTYPE);
  ctx.out.setHeader(n);
  ops(ctx).items().writeMany(ctx.out, n);
}

// ---- single-key commands -----------------------------------------------------------------------

/** SADD / SREM key member [member ...] */
function addOrRemove(add: boolean) {
  return (ctx: CommandContext): void => {
    const { args } = ctx;
    const sets = ops(ctx);
    const n = add
      ? sets.add(ctx.client.db, args, 1, 2, args.argc)
      : sets.remove(ctx.client.db, args, 1, 2, args.argc);
    replyCount(ctx, n);
  };
}

function scard(ctx: CommandContext): void {
  replyCount(ctx, ops(ctx).card(ctx.client.db, ctx.args, 1));
}

/** SISMEMBER key member (one integer) / SMISMEMBER key member [member ...] (an array). */
function isMember(many: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    const sets = ops(ctx);
    const n = sets.contains(ctx.client.db, args, 1, 2, args.argc);
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    if (many) out.arrayHeader(n);
    sets.items().writeMany(out, n);
  };
}

/** SMEMBERS key: Redis 7.0 serves it with SINTER of the one key. */
function smembers(ctx: CommandContext): void {
  replyMembers(ctx, ops(ctx).combine(ctx.client.db, ctx.args, SET_INTER, 1, 2));
}

/** SPOP key [count] */
function spop(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 3) return out.error(ERR_SYNTAX);
  let count: number | null = null;
  if (args.argc === 3) {
    count = args.int(2);
    if (count === null || count < 0) return out.error(ERR_NOT_POSITIVE);
  }
  const sets = ops(ctx);
  const n = sets.pop(ctx.client.db, args, 1, count);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (count === null) {
    if (n === NOT_FOUND) out.nullBulk();
    else sets.items().writeNext(out);
    return;
  }
  if (n === NOT_FOUND) return out.setHeader(0);
  out.setHeader(n);
  sets.items().writeMany(out, n);
}

/** SRANDMEMBER key [count] */
function srandmember(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 3) return out.error(ERR_SYNTAX);
  let count: number | null = null;
  if (args.argc === 3) {
    count = args.int(2);
    if (count === null) return out.error(ERR_NOT_INTEGER);
    if (latin1(args.bytes(2)) === "-9223372036854775808") {
      return out.error(
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
      );
    }
    if (count < -MAX_REPEATED_PICKS) return out.error("ERR value is out of range");
  }
  const sets = ops(ctx);
  const n = sets.random(ctx.client.db, args, 1, count);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (count === null) {
    if (n === NOT_FOUND) out.nullBulk();
    else sets.items().writeNext(out);
    return;
  }
  if (n === NOT_FOUND) return out.arrayHeader(0);
  out.arrayHeader(n);
  sets.items().writeMany(out, n);
}

/** SMOVE source destination member (both keys on this shard). */
function smove(ctx: CommandContext): void {
  replyCount(ctx, ops(ctx).move(ctx.client.db, ctx.args, 1));
}

// ---- SSCAN ----------------------------------------------------------------------------------------

/**
 * SSCAN's options (MATCH, COUNT; TYPE is a syntax error for a key's scan), parsed by SCAN's
 * parser over the arguments shifted by one; an error is kept, not written, because Redis
 * reports a missing key or WRONGTYPE before looking at the options.
 */
function sscanOptions(ctx: CommandContext) {
  const { args } = ctx;
  const argv = [args.bytes(0)];
  let typeGiven = false;
  for (let i = 2; i < args.argc; i++) {
    // Options come in pairs from index 3: a TYPE there stops the parse with a syntax error.
    if (i >= 3 && (i - 3) % 2 === 0 && args.is(i, "type")) {
      typeGiven = true;
      break;
    }
    argv.push(args.bytes(i));
  }
  let error: string | null = null;
  const out = new ReplyWriter();
  out.onError = (text) => error = text;
  const options = scanOptions({ ...ctx, args: argsOf(argv), out });
  if (options === null) return { options: null, error: error ?? ERR_SYNTAX };
  if (typeGiven) return { options: null, error: ERR_SYNTAX };
  return { options, error: null };
}

/** SSCAN key cursor [MATCH pattern] [COUNT count] */
function sscan(ctx: CommandContext): void {
  const { args, out } = ctx;
  const cursor = parseCursor(args.bytes(2));
  if (cursor === null) return out.error("ERR invalid cursor");
  const { options, error } = sscanOptions(ctx);
  const sets = ops(ctx);
  const step = sets.scan(
    ctx.client.db,
    args,
    1,
    Number(cursor & 0xffffffffn),
    options?.count ?? 10,
  );
  if (step.found === NOT_FOUND) {
    out.arrayHeader(2);
    out.bulkText("0");
    return out.arrayHeader(0);
  }
  if (step.found === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (options === null) return out.error(error!);
  const items = sets.items();
  out.arrayHeader(2);
  out.bulkText(String(step.next));
  const pattern = options.pattern;
  if (pattern === null) {
    out.arrayHeader(step.found);
    return items.writeMany(out, step.found);
  }
  const members: Uint8Array[] = [];
  for (let i = 0; i < step.found; i++) {
    const member = items.nextBytes();
    if (stringMatch(pattern, member)) members.push(member);
  }
  out.arrayHeader(members.length);
  for (const member of members) out.bulk(member);
}

// ---- SINTER SUNION SDIFF, SINTERCARD, and the STORE forms -----------------------------------------------

/** SINTER / SUNION / SDIFF key [key ...] */
function combineCommand(op: SetOp) {
  return (ctx: CommandContext): void => {
    replyMembers(ctx, ops(ctx).combine(ctx.client.db, ctx.args, op, 1, ctx.args.argc));
  };
}

/** SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...] */
function storeCommand(op: SetOp) {
  return (ctx: CommandContext): void => {
    const { args } = ctx;
    replyCount(ctx, ops(ctx).combine(ctx.client.db, args, op, 2, args.argc, COMBINE_STORE, 1));
  };
}

/** SINTERCARD's numkeys and LIMIT (sinterCardCommand), or null after replying the error. */
function sintercardArgs(ctx: CommandContext): { numkeys: number; limit: number } | null {
  const { args, out } = ctx;
  const numkeys = args.int(1);
  if (numkeys === null || numkeys < 1) {
    out.error("ERR numkeys should be greater than 0");
    return null;
  }
  if (numkeys > args.argc - 2) {
    out.error("ERR Number of keys can't be greater than number of args");
    return null;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < args.argc; j++) {
    if (args.is(j, "limit") && j + 1 < args.argc) {
      const value = args.int(++j);
      if (value === null || value < 0) {
        out.error("ERR LIMIT can't be negative");
        return null;
      }
      limit = value;
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  return { numkeys, limit };
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercard(ctx: CommandContext): void {
  const parsed = sintercardArgs(ctx);
  if (!parsed) return;
  const { numkeys, limit } = parsed;
  const n = ops(ctx).combine(
    ctx.client.db,
    ctx.args,
    SET_INTER,
    2,
    2 + numkeys,
    COMBINE_CARD,
    -1,
    limit,
  );
  replyCount(ctx, n);
}

/** SINTERCARD's key positions (numkeys decides them); none when numkeys is invalid, so the
 * command runs where it is and reports the error. */
function sintercardKeys(args: Args): number[] {
  const numkeys = args.int(1);
  if (numkeys === null || numkeys < 1 || numkeys > args.argc - 2) return [];
  return Array.from({ length: numkeys }, (_, i) => 2 + i);
}

// ---- keys on several shards ---------------------------------------------------------------------------

const [SMEMBERS, SADD, SREM, DEL, TYPE] = ["SMEMBERS", "SADD", "SREM", "DEL", "TYPE"].map(
  asciiBytes,
);
const EMPTY = new Uint8Array(0);

/**
 * Each key's members, read with SMEMBERS on its shard (null for a missing key: sets are never
 * empty); the first error reply (WRONGTYPE) instead if any.
 */
async function gatherSets(
  ctx: CommandContext,
  run: RunOnShard,
  keys: Uint8Array[],
): Promise<(Uint8Array[] | null)[] | Uint8Array> {
  const replies = await Promise.all(
    keys.map((key) => run(ctx.shard.ownerOf(key), [SMEMBERS, key])),
  );
  const failed = replies.find(isErrorReply);
  if (failed) return failed;
  return replies.map((reply) => {
    const members = arrayElements(reply).map((item) => bulkPayload(item));
    return members.length === 0 ? null : members;
  });
}

/** Copies of arguments [first, end) (they must outlive the awaits). */
function copyArgs(args: Args, first: number, end: number): Uint8Array[] {
  const copies: Uint8Array[] = [];
  for (let i = first; i < end; i++) copies.push(args.bytes(i).slice());
  return copies;
}

/**
 * The combine commands across shards: `sourceStart`..`sourceEnd` are the source keys,
 * `destIndex` the STORE destination (-1 for none).
 */
async function combineAcross(
  ctx: CommandContext,
  op: SetOp,
  sourceStart: number,
  sourceEnd: number,
  flags: number,
  destIndex: number,
  limit: number,
): Promise<void> {
  const { out, shard } = ctx;
  const sources = copyArgs(ctx.args, sourceStart, sourceEnd);
  const dest = destIndex >= 0 ? ctx.args.bytes(destIndex).slice() : null;
  const shards = sources.map((key) => shard.ownerOf(key));
  if (dest) shards.push(shard.ownerOf(dest));
  await ctx.cross!.atomically(shards, async (run) => {
    const gathered = await gatherSets(ctx, run, sources);
    if (gathered instanceof Uint8Array) return out.raw(gathered);
    const sets = ops(ctx);
    const { result, encoding } = sets.combineValues(gathered, op, flags, limit);
    if (flags & COMBINE_CARD) return out.integer(result);
    if (!dest) {
      out.setHeader(result);
      return sets.items().writeMany(out, result);
    }
    const members: Uint8Array[] = [];
    const items = sets.items();
    for (let i = 0; i < result; i++) members.push(items.nextBytes());
    await writeSet(run, shard.ownerOf(dest), dest, members, encoding);
    out.integer(result);
  });
}

/**
 * Replaces `key` on `owner` with a set of `members` in the given encoding. SADD alone gives the
 * encoding the members call for; a result Redis keeps as a hashtable anyway (SDIFFSTORE's
 * second algorithm) gets there by adding and removing the non-integer "".
 */
async function writeSet(
  run: RunOnShard,
  owner: number,
  key: Uint8Array,
  members: Uint8Array[],
  encoding: number,
): Promise<void> {
  await run(owner, [DEL, key]);
  if (members.length === 0) return;
  const forceHashtable = encoding === ENCODING_HASHTABLE && members.every((m) => m.length > 0);
  await run(owner, [SADD, key, ...members, ...(forceHashtable ? [EMPTY] : [])]);
  if (forceHashtable) await run(owner, [SREM, key, EMPTY]);
}

function combineAcrossShards(op: SetOp) {
  return (ctx: CommandContext) => combineAcross(ctx, op, 1, ctx.args.argc, 0, -1, 0);
}

function storeAcrossShards(op: SetOp) {
  return (ctx: CommandContext) => combineAcross(ctx, op, 2, ctx.args.argc, COMBINE_STORE, 1, 0);
}

function sintercardAcrossShards(ctx: CommandContext): Promise<void> | void {
  const parsed = sintercardArgs(ctx);
  if (!parsed) return;
  return combineAcross(ctx, SET_INTER, 2, 2 + parsed.numkeys, COMBINE_CARD, -1, parsed.limit);
}

const typeOf = (reply: Uint8Array) => latin1(reply.subarray(1, reply.length - 2));

/** SMOVE with the two keys on different shards (smoveCommand's checks, in its order). */
async function smoveAcrossShards(ctx: CommandContext): Promise<void> {
  const { out, shard } = ctx;
  const [src, dst, member] = copyArgs(ctx.args, 1, 4);
  const from = shard.ownerOf(src), to = shard.ownerOf(dst);
  await ctx.cross!.atomically([from, to], async (run) => {
    const [srcType, dstType] = (await Promise.all([run(from, [TYPE, src]), run(to, [TYPE, dst])]))
      .map(typeOf);
    if (srcType === "none") return out.integer(0);
    if (srcType !== "set" || (dstType !== "none" && dstType !== "set")) {
      return out.error(ERR_WRONGTYPE);
    }
    if (integerOf(await run(from, [SREM, src, member])) === 0) return out.integer(0);
    await run(to, [SADD, dst, member]);
    out.integer(1);
  });
}

export const setCommands: CommandRows = {
  sadd: { handler: addOrRemove(true) },
  srem: { handler: addOrRemove(false) },
  smembers: { handler: smembers },
  sismember: { handler: isMember(false) },
  smismember: { handler: isMember(true) },
  scard: { handler: scard },
  spop: { handler: spop },
  srandmember: { handler: srandmember },
  smove: { handler: smove, acrossShards: smoveAcrossShards },
  sinter: { handler: combineCommand(SET_INTER), acrossShards: combineAcrossShards(SET_INTER) },
  sunion: { handler: combineCommand(SET_UNION), acrossShards: combineAcrossShards(SET_UNION) },
  sdiff: { handler: combineCommand(SET_DIFF), acrossShards: combineAcrossShards(SET_DIFF) },
  sintercard: {
    handler: sintercard,
    getKeys: sintercardKeys,
    acrossShards: sintercardAcrossShards,
  },
  sinterstore: { handler: storeCommand(SET_INTER), acrossShards: storeAcrossShards(SET_INTER) },
  sunionstore: { handler: storeCommand(SET_UNION), acrossShards: storeAcrossShards(SET_UNION) },
  sdiffstore: { handler: storeCommand(SET_DIFF), acrossShards: storeAcrossShards(SET_DIFF) },
  sscan: { handler: sscan },
};
