// Sorted set family (Redis 7.0's t_zset.c): the structure lives in the Wasm engine
// (wasm/assembly/t_zset.ts); handlers parse and validate arguments in Redis's order with its
// error texts, and encode the replies. Commands whose keys may sit on several shards
// (ZRANGESTORE, ZUNION* / ZINTER* / ZDIFF*, ZINTERCARD, ZMPOP) have `acrossShards` twins that
// run plain commands on each shard under all their locks (cross_shard.ts), so they stay atomic.
import type { CommandContext, CommandRows } from "./spec.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { Args } from "../protocol/args.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import type { ReplyItems } from "../engine/reply_items.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import { SET_UNION, setOps } from "../engine/set.ts";
import { argsOf } from "./key_specs.ts";
import {
  BY_LEX,
  BY_RANK,
  BY_SCORE,
  RANGE_COUNT,
  RANGE_MAXEX,
  RANGE_MINEX,
  RANGE_REMOVE,
  RANGE_RESP,
  RANGE_REV,
  RANGE_WITHSCORES,
  type ScoredMember,
  ZADD_CH,
  ZADD_GT,
  ZADD_INCR,
  ZADD_LT,
  ZADD_NX,
  ZADD_XX,
  ZSET_NAN,
  zsetsOf,
} from "../engine/zset.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE } from "../protocol/errors.ts";
import { formatDouble17g } from "../protocol/numbers.ts";
import { latin1 } from "../protocol/bytes.ts";
import {
  boundExclusiveAt,
  parseScore,
  parseScoreBound,
  plainInteger,
  scoreBoundAt,
  validLexBound,
} from "./zset_numbers.ts";
import { parseCursor, scanOptions } from "./keys_scan.ts";
import { stringMatch } from "./glob.ts";
import { bulkPayload, isErrorReply, isNullReply } from "./keys_common.ts";
import { arrayElements } from "../server/multishard.ts";

const ERR_NOT_FLOAT = "ERR value is not a valid float";
const ERR_NAN = "ERR resulting score is not a number (NaN)";
const ERR_RANGE_FLOAT = "ERR min or max is not a float";
const ERR_RANGE_LEX = "ERR min or max not valid string range item";
const ERR_POSITIVE = "ERR value is out of range, must be positive";
const LONG_MAX = 9223372036854775807n;

const zsets = (ctx: CommandContext) => zsetsOf(ctx.shard.keyspace);

/** Writes n members (with their scores: flat in RESP2, [member, score] pairs in RESP3). */
function writeMembers(out: ReplyWriter, items: ReplyItems, n: number, withScores: boolean): void {
  if (!withScores) {
    out.arrayHeader(n);
    items.writeMany(out, n);
    return;
  }
  const pairs = out.resp === 3;
  out.arrayHeader(pairs ? n : 2 * n);
  for (let i = 0; i < n; i++) {
    if (pairs) out.arrayHeader(2);
    items.writeMany(out, 2);
  }
}

function writeScored(
  out: ReplyWriter,
  members: readonly ScoredMember[],
  withScores: boolean,
): void {
  const pairs = withScores && out.resp === 3;
  out.arrayHeader(withScores && !pairs ? 2 * members.length : members.length);
  for (const { member, score } of members) {
    if (pairs) out.arrayHeader(2);
    out.bulk(member);
    if (withScores) out.double(score);
  }
}

// ---- ZADD, ZINCRBY --------------------------------------------------------------------------

/** ZADD's option words and their flags, in zaddGenericCommand's order of tests. */
const ADD_OPTIONS: ReadonlyArray<readonly [string, number]> = [
  ["nx", ZADD_NX],
  ["xx", ZADD_XX],
  ["ch", ZADD_CH],
  ["incr", ZADD_INCR],
  ["gt", ZADD_GT],
  ["lt", ZADD_LT],
];

/** The ZADD flag argument j names, or 0 when it is not an option (then it is the first score). */
function addOption(args: Args, j: number): number {
  for (const [word, flag] of ADD_OPTIONS) if (args.is(j, word)) return flag;
  return 0;
}

/** ZADD's parsed scores, reused: no array per command (a bigger ZADD gets its own). */
const SCORE_SCRATCH = new Float64Array(128);

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ..., and ZINCRBY (`incrby`): zaddGenericCommand. */
function zaddGeneric(incrby: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    let flags = incrby ? ZADD_INCR : 0;
    let scoreIndex = 2;
    // ZINCRBY parses ZADD's options too (Redis shares the parser): "ZINCRBY k XX m" is a
    // syntax error, not an invalid increment.
    for (; scoreIndex < args.argc; scoreIndex++) {
      // Options are words; a score (the usual first argument) needs no string to tell.
      const first = args.argBuf[args.argStart[scoreIndex]] | 0x20;
      if (args.argLen[scoreIndex] === 0 || first < 0x61 || first > 0x7a) break;
      const flag = addOption(args, scoreIndex);
      if (flag === 0) break;
      flags |= flag;
    }
    const elements = args.argc - scoreIndex;
    if (elements % 2 !== 0 || elements === 0) return out.error(ERR_SYNTAX);
    const pairs = elements / 2;
    if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
      return out.error("ERR XX and NX options at the same time are not compatible");
    }
    const gt = flags & ZADD_GT, lt = flags & ZADD_LT, nx = flags & ZADD_NX;
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
      return out.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if ((flags & ZADD_INCR) && pairs > 1) {
      return out.error("ERR INCR option supports a single increment-element pair");
    }
    const scores = pairs <= SCORE_SCRATCH.length ? SCORE_SCRATCH : new Float64Array(pairs);
    for (let j = 0; j < pairs; j++) {
      const at = scoreIndex + 2 * j, start = args.argStart[at];
      const score = plainInteger(args.argBuf, start, start + args.argLen[at]) ??
        parseScore(args.bytes(at));
      if (score === null) return out.error(ERR_NOT_FLOAT);
      scores[j] = score;
    }
    const z = zsets(ctx);
    const result = z.add(ctx.client.db, args, 1, scoreIndex + 1, scores, flags, pairs);
    if (result === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else if (result === ZSET_NAN) out.error(ERR_NAN);
    else if (flags & ZADD_INCR) z.items().writeNext(out);
    else out.integer(result);
  };
}

// ---- single-key reads and ZREM ---------------------------------------------------------------

function zrem(ctx: CommandContext): void {
  const n = zsets(ctx).remove(ctx.client.db, ctx.args, 1, 2, ctx.args.argc);
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(n);
}

function zcard(ctx: CommandContext): void {
  const n = zsets(ctx).card(ctx.client.db, ctx.args, 1);
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(n === NOT_FOUND ? 0 : n);
}

/** ZSCORE (one member: a bare reply) and ZMSCORE (`multi`: an array). */
function zscoreGeneric(multi: boolean) {
  return (ctx: CommandContext): void => {
    const z = zsets(ctx);
    const n = z.scores(ctx.client.db, ctx.args, 1, 2, ctx.args.argc);
    if (n === WRONG_TYPE) return ctx.out.error(ERR_WRONGTYPE);
    if (multi) ctx.out.arrayHeader(n);
    z.items().writeMany(ctx.out, n);
  };
}

/** ZRANK / ZREVRANK. */
function zrankGeneric(reverse: boolean) {
  return (ctx: CommandContext): void => {
    const rank = zsets(ctx).rank(ctx.client.db, ctx.args, 1, 2, reverse);
    if (rank === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
    else if (rank === NOT_FOUND) ctx.out.nullBulk();
    else ctx.out.integer(rank);
  };
}

// ---- ranges -----------------------------------------------------------------------------------

type RangeType = typeof BY_RANK | typeof BY_SCORE | typeof BY_LEX;

/** A parsed Z*RANGE* request (zrangeGenericCommand's steps 1 and 2), one flat object: the
 * score bounds' exclusivity rides in `boundFlags` (RANGE_MINEX / RANGE_MAXEX). */
interface RangeRequest {
  type: RangeType;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
  keyIndex: number;
  /** Argument indexes of the range's lower and upper ends (already swapped for REV). */
  minIndex: number;
  maxIndex: number;
  /** BY_RANK: the start and end ranks; BY_SCORE: the min and max scores. */
  low: number;
  high: number;
  boundFlags: number;
}

/**
 * Parses Redis's zrangeGenericCommand arguments from `keyIndex` (the source key; min and max
 * follow). `type` / `reverse` null: ZRANGE's BYSCORE / BYLEX / REV options may set them.
 * Replies the error and returns null when they are invalid.
 */
function parseRange(
  ctx: CommandContext,
  keyIndex: number,
  store: boolean,
  fixedType: RangeType | null,
  fixedReverse: boolean | null,
): RangeRequest | null {
  const { args, out } = ctx;
  let type = fixedType, reverse = fixedReverse;
  let withScores = false, offset = 0, limit = -1;
  for (let j = keyIndex + 3; j < args.argc; j++) {
    const option = rangeOption(args, j);
    if (option === OPTION_WITHSCORES && !store) withScores = true;
    else if (option === OPTION_LIMIT && args.argc - j - 1 >= 2) {
      const o = args.int(j + 1), l = args.int(j + 2);
      if (o === null || l === null) {
        out.error(ERR_NOT_INTEGER);
        return null;
      }
      offset = o;
      limit = l;
      j += 2;
    } else if (option === OPTION_REV && fixedReverse === null && reverse === null) reverse = true;
    else if (option === OPTION_BYLEX && fixedType === null && type === null) type = BY_LEX;
    else if (option === OPTION_BYSCORE && fixedType === null && type === null) type = BY_SCORE;
    else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  type ??= BY_RANK;
  reverse ??= false;
  if (limit !== -1 && type === BY_RANK) {
    out.error(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
    return null;
  }
  if (withScores && type === BY_LEX) {
    out.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return null;
  }
  const swap = reverse && type !== BY_RANK;
  const minIndex = swap ? keyIndex + 2 : keyIndex + 1,
    maxIndex = swap ? keyIndex + 1 : keyIndex + 2;
  let low = 0, high = 0, boundFlags = 0;
  if (type === BY_RANK) {
    const start = args.int(minIndex), end = args.int(maxIndex);
    if (start === null || end === null) {
      out.error(ERR_NOT_INTEGER);
      return null;
    }
    low = start;
    high = end;
  } else if (type === BY_SCORE) {
    low = boundAt(args, minIndex);
    high = boundAt(args, maxIndex);
    if (Number.isNaN(low) || Number.isNaN(high)) {
      out.error(ERR_RANGE_FLOAT);
      return null;
    }
    if (boundIsExclusive(args, minIndex)) boundFlags |= RANGE_MINEX;
    if (boundIsExclusive(args, maxIndex)) boundFlags |= RANGE_MAXEX;
  } else if (!validLexBound(args.bytes(minIndex)) || !validLexBound(args.bytes(maxIndex))) {
    out.error(ERR_RANGE_LEX);
    return null;
  }
  return {
    type,
    reverse,
    withScores,
    offset,
    limit,
    keyIndex,
    minIndex,
    maxIndex,
    low,
    high,
    boundFlags,
  };
}

const OPTION_OTHER = 0,
  OPTION_WITHSCORES = 1,
  OPTION_LIMIT = 2,
  OPTION_REV = 3,
  OPTION_BYLEX = 4,
  OPTION_BYSCORE = 5;

/** Which Z*RANGE* option word argument j is (any case, C-string compare), OPTION_OTHER when none. */
function rangeOption(args: Args, j: number): number {
  if (args.is(j, "withscores")) return OPTION_WITHSCORES;
  if (args.is(j, "limit")) return OPTION_LIMIT;
  if (args.is(j, "rev")) return OPTION_REV;
  if (args.is(j, "bylex")) return OPTION_BYLEX;
  if (args.is(j, "byscore")) return OPTION_BYSCORE;
  return OPTION_OTHER;
}

/** Argument i as a score bound's value (NaN when it is not one), read in place. */
function boundAt(args: Args, i: number): number {
  const start = args.argStart[i];
  return scoreBoundAt(args.argBuf, start, start + args.argLen[i]);
}

function boundIsExclusive(args: Args, i: number): boolean {
  const start = args.argStart[i];
  return boundExclusiveAt(args.argBuf, start, start + args.argLen[i]);
}

/** Runs a parsed range on this shard's engine: the members emitted, NOT_FOUND, WRONG_TYPE. */
function runRange(
  ctx: CommandContext,
  r: RangeRequest,
  extraFlags: number,
  withScores: boolean,
): number {
  const z = zsets(ctx), db = ctx.client.db;
  let flags = extraFlags | (withScores ? RANGE_WITHSCORES : 0) | (r.reverse ? RANGE_REV : 0);
  if (r.type === BY_LEX) {
    return z.lexRange(db, ctx.args, r.keyIndex, r.minIndex, r.maxIndex, flags, r.offset, r.limit);
  }
  if (r.type === BY_RANK) return z.range(db, ctx.args, r.keyIndex, BY_RANK, flags, r.low, r.high);
  flags |= r.boundFlags;
  return z.range(db, ctx.args, r.keyIndex, BY_SCORE, flags, r.low, r.high, r.offset, r.limit);
}

/** ZRANGE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX. */
function zrangeGeneric(type: RangeType | null, reverse: boolean | null) {
  return (ctx: CommandContext): void => {
    const r = parseRange(ctx, 1, false, type, reverse);
    if (!r) return;
    // Members alone come back from the engine as RESP, copied in one block.
    const n = runRange(ctx, r, r.withScores ? 0 : RANGE_RESP, r.withScores);
    if (n === WRONG_TYPE) return ctx.out.error(ERR_WRONGTYPE);
    if (n === NOT_FOUND) return ctx.out.arrayHeader(0);
    if (r.withScores) return writeMembers(ctx.out, zsets(ctx).items(), n, true);
    ctx.out.arrayHeader(n);
    zsets(ctx).writeRespMembers(ctx.out);
  };
}

/** The members and scores a parsed range selects on this shard, or WRONG_TYPE. */
function readRange(ctx: CommandContext, r: RangeRequest): ScoredMember[] | number {
  const n = runRange(ctx, r, 0, true);
  if (n === WRONG_TYPE) return n;
  if (n === NOT_FOUND) return [];
  return readScored(zsets(ctx).items(), n);
}

function readScored(items: ReplyItems, n: number): ScoredMember[] {
  const members: ScoredMember[] = new Array(n);
  for (let i = 0; i < n; i++) members[i] = { member: items.nextBytes(), score: items.nextNumber() };
  return members;
}

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]. */
function zrangestore(ctx: CommandContext): void {
  const r = parseRange(ctx, 2, true, null, null);
  if (!r) return;
  const members = readRange(ctx, r);
  if (members === WRONG_TYPE) return ctx.out.error(ERR_WRONGTYPE);
  ctx.out.integer(zsets(ctx).store(ctx.client.db, ctx.args.bytes(1), members as ScoredMember[]));
}

async function zrangestoreAcrossShards(ctx: CommandContext): Promise<void> {
  const r = parseRange(ctx, 2, true, null, null);
  if (!r) return;
  const { args, shard, out } = ctx;
  const dst = args.bytes(1).slice(), src = args.bytes(2).slice();
  // The same range as ZRANGE on the source's shard (BYLEX has no WITHSCORES: ZMSCORE after).
  const argv = [ascii("ZRANGE"), src];
  for (let j = 3; j < args.argc; j++) argv.push(args.bytes(j).slice());
  if (r.type !== BY_LEX) argv.push(ascii("WITHSCORES"));
  const from = shard.ownerOf(src), to = shard.ownerOf(dst);
  await ctx.cross!.atomically([from, to], async (run) => {
    const reply = await run(from, argv);
    if (isErrorReply(reply)) return out.raw(reply);
    let members: ScoredMember[];
    if (r.type === BY_LEX) {
      const names = arrayElements(reply).map((item) => bulkPayload(item).slice());
      const scores = names.length
        ? arrayElements(await run(from, [ascii("ZMSCORE"), src, ...names])).map(scoreOfFrame)
        : [];
      members = names.map((member, i) => ({ member, score: scores[i] }));
    } else members = scoredFromReply(reply);
    out.integer(await storeAcross(run, to, dst, members));
  });
}

/** ZCOUNT / ZLEXCOUNT. */
function zcountGeneric(type: RangeType) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    const z = zsets(ctx), db = ctx.client.db;
    let n: number;
    if (type === BY_SCORE) {
      const min = parseScoreBound(args.bytes(2)), max = parseScoreBound(args.bytes(3));
      if (min === null || max === null) return out.error(ERR_RANGE_FLOAT);
      const flags = RANGE_COUNT | (min.exclusive ? RANGE_MINEX : 0) |
        (max.exclusive ? RANGE_MAXEX : 0);
      n = z.range(db, args, 1, BY_SCORE, flags, min.value, max.value);
    } else {
      if (!validLexBound(args.bytes(2)) || !validLexBound(args.bytes(3))) {
        return out.error(ERR_RANGE_LEX);
      }
      n = z.lexRange(db, args, 1, 2, 3, RANGE_COUNT);
    }
    if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else out.integer(n === NOT_FOUND ? 0 : n);
  };
}

/** ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX (zremrangeGenericCommand). */
function zremrangeGeneric(type: RangeType) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    const z = zsets(ctx), db = ctx.client.db;
    let n: number;
    if (type === BY_RANK) {
      const start = args.int(2), end = args.int(3);
      if (start === null || end === null) return out.error(ERR_NOT_INTEGER);
      n = z.range(db, args, 1, BY_RANK, RANGE_REMOVE, start, end);
    } else if (type === BY_SCORE) {
      const min = parseScoreBound(args.bytes(2)), max = parseScoreBound(args.bytes(3));
      if (min === null || max === null) return out.error(ERR_RANGE_FLOAT);
      const flags = RANGE_REMOVE | (min.exclusive ? RANGE_MINEX : 0) |
        (max.exclusive ? RANGE_MAXEX : 0);
      n = z.range(db, args, 1, BY_SCORE, flags, min.value, max.value);
    } else {
      if (!validLexBound(args.bytes(2)) || !validLexBound(args.bytes(3))) {
        return out.error(ERR_RANGE_LEX);
      }
      n = z.lexRange(db, args, 1, 2, 3, RANGE_REMOVE);
    }
    if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else out.integer(n === NOT_FOUND ? 0 : n);
  };
}

// ---- ZPOPMIN, ZPOPMAX, ZMPOP --------------------------------------------------------------------

/** ZPOPMIN / ZPOPMAX key [count]: without a count a flat [member, score]. */
function zpopGeneric(fromTop: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    if (args.argc > 3) return out.error(ERR_SYNTAX);
    let count = 1;
    const counted = args.argc === 3;
    if (counted) {
      const n = args.int(2);
      if (n === null || n < 0) return out.error(ERR_POSITIVE);
      count = n;
    }
    const z = zsets(ctx);
    const n = z.pop(ctx.client.db, args, 1, count, fromTop);
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    if (n === NOT_FOUND) return out.arrayHeader(0);
    if (!counted) {
      out.arrayHeader(2 * n);
      return z.items().writeMany(out, 2 * n);
    }
    writeMembers(out, z.items(), n, true);
  };
}

interface MpopRequest {
  keys: number[];
  fromTop: boolean;
  count: number;
}

/** ZMPOP numkeys key... MIN|MAX [COUNT count] (zmpopGenericCommand), or null after the error. */
export function parseMpop(ctx: CommandContext): MpopRequest | null {
  const { args, out } = ctx;
  const numkeys = args.int(1);
  if (numkeys === null || numkeys < 1) {
    out.error("ERR numkeys should be greater than 0");
    return null;
  }
  const whereIndex = 1 + numkeys + 1;
  if (whereIndex >= args.argc) {
    out.error(ERR_SYNTAX);
    return null;
  }
  let fromTop: boolean;
  if (args.is(whereIndex, "min")) fromTop = false;
  else if (args.is(whereIndex, "max")) fromTop = true;
  else {
    out.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIndex + 1; j < args.argc; j++) {
    if (count === -1 && args.is(j, "count") && j + 1 < args.argc) {
      const n = args.int(++j);
      if (n === null || n < 1) {
        out.error("ERR count should be greater than 0");
        return null;
      }
      count = n;
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  const keys = Array.from({ length: numkeys }, (_, i) => 2 + i);
  return { keys, fromTop, count: count === -1 ? 1 : count };
}

function writeMpop(out: ReplyWriter, key: Uint8Array, members: readonly ScoredMember[]): void {
  out.arrayHeader(2);
  out.bulk(key);
  out.arrayHeader(members.length);
  for (const { member, score } of members) {
    out.arrayHeader(2);
    out.bulk(member);
    out.double(score);
  }
}

function zmpop(ctx: CommandContext): void {
  const request = parseMpop(ctx);
  if (!request) return;
  const z = zsets(ctx);
  for (const i of request.keys) {
    const n = z.pop(ctx.client.db, ctx.args, i, request.count, request.fromTop);
    if (n === NOT_FOUND) continue;
    if (n === WRONG_TYPE) return ctx.out.error(ERR_WRONGTYPE);
    return writeMpop(ctx.out, ctx.args.bytes(i), readScored(z.items(), n));
  }
  ctx.out.nullArray();
}

async function zmpopAcrossShards(ctx: CommandContext): Promise<void> {
  const request = parseMpop(ctx);
  if (!request) return;
  const { args, shard, out } = ctx;
  const keys = request.keys.map((i) => args.bytes(i).slice());
  const pop = ascii(request.fromTop ? "ZPOPMAX" : "ZPOPMIN"), count = ascii(String(request.count));
  await ctx.cross!.atomically(keys.map((key) => shard.ownerOf(key)), async (run) => {
    // ZPOP* on each key in turn: a missing key answers an empty array, a wrong type an error.
    for (const key of keys) {
      const reply = await run(shard.ownerOf(key), [pop, key, count]);
      if (isErrorReply(reply)) return out.raw(reply);
      const members = scoredFromReply(reply);
      if (members.length) return writeMpop(out, key, members);
    }
    out.nullArray();
  });
}

// ---- ZRANDMEMBER ------------------------------------------------------------------------------------

function zrandmember(ctx: CommandContext): void {
  const { args, out } = ctx;
  const z = zsets(ctx), db = ctx.client.db;
  if (args.argc === 2) {
    const n = z.random(db, args, 1, 1, false);
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    if (n === NOT_FOUND) return out.nullBulk();
    return z.items().writeNext(out);
  }
  const count = args.int(2);
  if (count === null) return out.error(ERR_NOT_INTEGER);
  // Exact limits (beyond 2^53 a double cannot tell LONG_MAX from LONG_MAX + 1).
  const exact = BigInt(args.text(2));
  if (exact < -LONG_MAX) {
    return out.error(
      "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    );
  }
  if (args.argc > 4 || (args.argc === 4 && !args.is(3, "withscores"))) return out.error(ERR_SYNTAX);
  const withScores = args.argc === 4;
  if (withScores && (exact < -LONG_MAX / 2n || exact > LONG_MAX / 2n)) {
    return out.error("ERR value is out of range");
  }
  if (count === 0) {
    // Redis looks the key up (type check) before answering an empty array.
    const n = z.card(db, args, 1);
    return n === WRONG_TYPE ? out.error(ERR_WRONGTYPE) : out.arrayHeader(0);
  }
  const n = z.random(db, args, 1, count, withScores);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (n === NOT_FOUND) return out.arrayHeader(0);
  writeMembers(out, z.items(), n, withScores);
}

// ---- ZSCAN ----------------------------------------------------------------------------------------------

function zscan(ctx: CommandContext): void {
  const { args, out } = ctx;
  const cursor = parseCursor(args.bytes(2));
  if (cursor === null) return out.error("ERR invalid cursor");
  // Options are checked after the key lookup, as Redis's scanGenericCommand does: parse them
  // now (SCAN's parser, on the arguments shifted past the key) and keep any error for later.
  const shifted = Object.assign(new Args(), {
    argc: args.argc - 1,
    argBuf: args.argBuf,
    argStart: args.argStart.subarray(1),
    argLen: args.argLen.subarray(1),
  });
  const errors = new ReplyWriter(64);
  const options = scanOptions({ ...ctx, args: shifted, out: errors });
  let optionError: string | null = null;
  if (options === null) optionError = latin1(errors.bytes().subarray(1, errors.length - 2));
  else if (options.type !== null) optionError = ERR_SYNTAX;
  const z = zsets(ctx);
  const next = z.scan(ctx.client.db, args, 1, Number(cursor & 0xffffffffn), options?.count ?? 10);
  if (next === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (next === NOT_FOUND) {
    out.arrayHeader(2);
    out.bulkText("0");
    return out.arrayHeader(0);
  }
  if (optionError) return out.error(optionError);
  const items = z.items();
  const found: Uint8Array[] = [];
  const pattern = options!.pattern;
  for (let i = z.scanCount(); i > 0; i--) {
    const member = items.nextBytes(), score = items.nextNumber();
    if (pattern && !stringMatch(pattern, member)) continue;
    found.push(member, ascii(formatDouble17g(score)));
  }
  out.arrayHeader(2);
  out.bulkText(String(next));
  out.arrayHeader(found.length);
  for (const item of found) out.bulk(item);
}

// ---- ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD --------------------------------------------------------

enum SetOp {
  Union,
  Inter,
  Diff,
}
enum Aggregate {
  Sum,
  Min,
  Max,
}

interface SetOpRequest {
  op: SetOp;
  /** Destination key index (the STORE variants), else 0. */
  dstIndex: number;
  cardinalityOnly: boolean;
  keyIndexes: number[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
  /** An option error to reply once the keys passed the type check (Redis's order). */
  optionError: string | null;
}

/** zunionInterDiffGenericCommand's argument parsing; null after replying a numkeys error. */
function parseSetOp(
  ctx: CommandContext,
  op: SetOp,
  store: boolean,
  cardinalityOnly: boolean,
): SetOpRequest | null {
  const { args, out } = ctx;
  const numkeysIndex = store ? 2 : 1;
  const setnum = args.int(numkeysIndex);
  if (setnum === null) {
    out.error(ERR_NOT_INTEGER);
    return null;
  }
  if (setnum < 1) {
    out.error(`ERR at least 1 input key is needed for '${ctx.spec.name}' command`);
    return null;
  }
  if (setnum > args.argc - (numkeysIndex + 1)) {
    out.error(ERR_SYNTAX);
    return null;
  }
  const request: SetOpRequest = {
    op,
    dstIndex: store ? 1 : 0,
    cardinalityOnly,
    keyIndexes: Array.from({ length: setnum }, (_, i) => numkeysIndex + 1 + i),
    weights: new Array(setnum).fill(1),
    aggregate: Aggregate.Sum,
    withScores: false,
    limit: 0,
    optionError: null,
  };
  let j = numkeysIndex + 1 + setnum;
  const fail = (error: string) => {
    request.optionError = error;
    return request;
  };
  while (j < args.argc) {
    const remaining = args.argc - j;
    if (op !== SetOp.Diff && !cardinalityOnly && remaining >= setnum + 1 && args.is(j, "weights")) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const weight = parseScore(args.bytes(j));
        if (weight === null) return fail("ERR weight value is not a float");
        request.weights[i] = weight;
      }
    } else if (op !== SetOp.Diff && !cardinalityOnly && remaining >= 2 && args.is(j, "aggregate")) {
      j++;
      if (args.is(j, "sum")) request.aggregate = Aggregate.Sum;
      else if (args.is(j, "min")) request.aggregate = Aggregate.Min;
      else if (args.is(j, "max")) request.aggregate = Aggregate.Max;
      else return fail(ERR_SYNTAX);
      j++;
    } else if (!store && !cardinalityOnly && args.is(j, "withscores")) {
      j++;
      request.withScores = true;
    } else if (cardinalityOnly && remaining >= 2 && args.is(j, "limit")) {
      const limit = args.int(j + 1);
      if (limit === null || limit < 0) return fail("ERR LIMIT can't be negative");
      request.limit = limit;
      j += 2;
    } else return fail(ERR_SYNTAX);
  }
  return request;
}

/** One input of a set operation: its members (null: missing key) and their scores. */
type Source = ScoredMember[] | null;

const memberKey = (m: Uint8Array) => latin1(m);

function aggregateInto(target: number, value: number, aggregate: Aggregate): number {
  if (aggregate === Aggregate.Sum) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (aggregate === Aggregate.Min) return value < target ? value : target;
  return value > target ? value : target;
}

function compareMembers(a: ScoredMember, b: ScoredMember): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  const n = Math.min(a.member.length, b.member.length);
  for (let i = 0; i < n; i++) if (a.member[i] !== b.member[i]) return a.member[i] - b.member[i];
  return a.member.length - b.member.length;
}

/** The result of the operation in sorted-set order (or, for ZINTERCARD, its size in `count`). */
function computeSetOp(
  request: SetOpRequest,
  keys: string[],
  sources: Source[],
): { members: ScoredMember[]; count: number } {
  const inputs = sources.map((entries, i) => ({
    entries: entries ?? [],
    weight: request.weights[i],
    key: keys[i],
  }));
  // Smallest first (a stable sort, as glibc's qsort is for these), except for ZDIFF.
  if (request.op !== SetOp.Diff) inputs.sort((a, b) => a.entries.length - b.entries.length);
  const result: ScoredMember[] = [];
  let count = 0;
  if (request.op === SetOp.Inter) {
    const lookups = inputs.map((input) =>
      new Map(input.entries.map((e) => [memberKey(e.member), e.score]))
    );
    for (const { member, score: value } of inputs[0].entries) {
      let score = inputs[0].weight * value;
      if (Number.isNaN(score)) score = 0;
      const name = memberKey(member);
      let j = 1;
      for (; j < inputs.length; j++) {
        const other = inputs[j].key === inputs[0].key ? value : lookups[j].get(name);
        if (other === undefined) break;
        score = aggregateInto(score, other * inputs[j].weight, request.aggregate);
      }
      if (j < inputs.length) continue;
      if (request.cardinalityOnly) {
        count++;
        if (request.limit && count >= request.limit) break;
      } else result.push({ member, score });
    }
  } else if (request.op === SetOp.Union) {
    const accumulator = new Map<string, ScoredMember>();
    for (const input of inputs) {
      for (const { member, score: value } of input.entries) {
        let score = input.weight * value;
        if (Number.isNaN(score)) score = 0;
        const name = memberKey(member);
        const existing = accumulator.get(name);
        if (existing) existing.score = aggregateInto(existing.score, score, request.aggregate);
        else accumulator.set(name, { member, score });
      }
    }
    for (const entry of accumulator.values()) result.push(entry);
  } else {
    const others = new Set<string>();
    for (const input of inputs.slice(1)) {
      for (const e of input.entries) others.add(memberKey(e.member));
    }
    for (const e of inputs[0].entries) if (!others.has(memberKey(e.member))) result.push(e);
  }
  result.sort(compareMembers);
  return { members: result, count: request.cardinalityOnly ? count : result.length };
}

function replySetOp(
  ctx: CommandContext,
  request: SetOpRequest,
  members: ScoredMember[],
  count: number,
): void {
  if (request.cardinalityOnly) ctx.out.integer(count);
  else writeScored(ctx.out, members, request.withScores);
}

/** A source key of this shard: a sorted set's entries, a plain set's members with score 1
 * (Redis's zuiInitIterator over sets), null when missing, or WRONG_TYPE. */
function readSourceHere(ctx: CommandContext, key: Uint8Array): Source | number {
  const ks = ctx.shard.keyspace, db = ctx.client.db;
  const entries = zsetsOf(ks).all(db, key);
  if (entries !== WRONG_TYPE) {
    return (entries as ScoredMember[]).length ? entries as ScoredMember[] : null;
  }
  const sets = setOps(ks);
  const n = sets.combine(db, argsOf([key]), SET_UNION, 0, 1);
  if (n === WRONG_TYPE) return WRONG_TYPE;
  const items = sets.items();
  return Array.from({ length: n }, () => ({ member: items.nextBytes(), score: 1 }));
}

function setOpGeneric(op: SetOp, store: boolean, cardinalityOnly: boolean) {
  return (ctx: CommandContext): void => {
    const request = parseSetOp(ctx, op, store, cardinalityOnly);
    if (!request) return;
    const { args, out } = ctx;
    const sources: Source[] = [];
    for (const i of request.keyIndexes) {
      const source = readSourceHere(ctx, args.bytes(i));
      if (source === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
      sources.push(source as Source);
    }
    if (request.optionError) return out.error(request.optionError);
    const keys = request.keyIndexes.map((i) => latin1(args.bytes(i)));
    const { members, count } = computeSetOp(request, keys, sources);
    if (store) {
      out.integer(zsetsOf(ctx.shard.keyspace).store(ctx.client.db, args.bytes(1), members));
    } else replySetOp(ctx, request, members, count);
  };
}

function setOpAcrossShards(op: SetOp, store: boolean, cardinalityOnly: boolean) {
  return async (ctx: CommandContext): Promise<void> => {
    const request = parseSetOp(ctx, op, store, cardinalityOnly);
    if (!request) return;
    const { args, shard, out } = ctx;
    const keys = request.keyIndexes.map((i) => args.bytes(i).slice());
    const dst = store ? args.bytes(1).slice() : null;
    const shards = keys.map((key) => shard.ownerOf(key));
    if (dst) shards.push(shard.ownerOf(dst));
    await ctx.cross!.atomically(shards, async (run) => {
      const sources: Source[] = [];
      for (const key of keys) {
        const source = await readSourceAcross(run, shard.ownerOf(key), key);
        if (source === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
        sources.push(source as Source);
      }
      if (request.optionError) return out.error(request.optionError);
      const { members, count } = computeSetOp(request, keys.map(latin1), sources);
      if (dst) out.integer(await storeAcross(run, shard.ownerOf(dst), dst, members));
      else replySetOp(ctx, request, members, count);
    });
  };
}

// ---- other shards' replies --------------------------------------------------------------------------------

const encoder = new TextEncoder();
const ascii = (text: string) => encoder.encode(text);

/** A score as a reply frame carries it: a bulk "%.17g" (RESP2) or a `,` double (RESP3). */
function scoreOfFrame(frame: Uint8Array): number {
  const text = frame[0] === 0x2c
    ? latin1(frame.subarray(1, frame.length - 2))
    : latin1(bulkPayload(frame));
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  return Number(text);
}

/** Members and scores from a WITHSCORES / ZPOP reply: flat (RESP2) or [member, score] pairs (RESP3). */
function scoredFromReply(reply: Uint8Array): ScoredMember[] {
  if (isNullReply(reply)) return [];
  const items = arrayElements(reply);
  const members: ScoredMember[] = [];
  if (items.length && items[0][0] === 0x2a) {
    for (const pair of items) {
      const [member, score] = arrayElements(pair);
      members.push({ member: bulkPayload(member).slice(), score: scoreOfFrame(score) });
    }
  } else {
    for (let i = 0; i + 1 < items.length; i += 2) {
      members.push({ member: bulkPayload(items[i]).slice(), score: scoreOfFrame(items[i + 1]) });
    }
  }
  return members;
}

/** A source read on its shard: a sorted set's members, a set's (score 1), null, or WRONG_TYPE. */
async function readSourceAcross(
  run: RunOnShard,
  owner: number,
  key: Uint8Array,
): Promise<Source | number> {
  const reply = await run(owner, [
    ascii("ZRANGE"),
    key,
    ascii("0"),
    ascii("-1"),
    ascii("WITHSCORES"),
  ]);
  if (!isErrorReply(reply)) {
    const members = scoredFromReply(reply);
    return members.length ? members : null;
  }
  const type = await run(owner, [ascii("TYPE"), key]);
  if (latin1(type.subarray(1, type.length - 2)) !== "set") return WRONG_TYPE;
  const set = await run(owner, [ascii("SMEMBERS"), key]);
  return arrayElements(set).map((item) => ({ member: bulkPayload(item).slice(), score: 1 }));
}

/** Replaces `key` on its shard with these members (DEL, then ZADD); returns their count. */
async function storeAcross(
  run: RunOnShard,
  owner: number,
  key: Uint8Array,
  members: ScoredMember[],
): Promise<number> {
  await run(owner, [ascii("DEL"), key]);
  if (members.length === 0) return 0;
  const argv = [ascii("ZADD"), key];
  for (const { member, score } of members) argv.push(ascii(formatDouble17g(score)), member);
  await run(owner, argv);
  return members.length;
}

// ---- key positions of the numkeys commands -------------------------------------------------------------------

/** Keys of `numkeys key...` at numkeysIndex (plus the destination at 1 when `store`). */
function numkeysKeys(numkeysIndex: number, store: boolean) {
  return (args: { argc: number; int(i: number): number | null }): number[] => {
    const keys = store ? [1] : [];
    const n = args.int(numkeysIndex);
    if (n === null || n < 1 || numkeysIndex + n >= args.argc) return keys;
    for (let i = 0; i < n; i++) keys.push(numkeysIndex + 1 + i);
    return keys;
  };
}

const storeOp = (op: SetOp) => ({
  handler: setOpGeneric(op, true, false),
  acrossShards: setOpAcrossShards(op, true, false),
  getKeys: numkeysKeys(2, true),
});
const readOp = (op: SetOp, cardinalityOnly = false) => ({
  handler: setOpGeneric(op, false, cardinalityOnly),
  acrossShards: setOpAcrossShards(op, false, cardinalityOnly),
  getKeys: numkeysKeys(1, false),
});

export const sortedSetCommands: CommandRows = {
  zadd: { handler: zaddGeneric(false) },
  zincrby: { handler: zaddGeneric(true) },
  zrem: { handler: zrem },
  zcard: { handler: zcard },
  zscore: { handler: zscoreGeneric(false) },
  zmscore: { handler: zscoreGeneric(true) },
  zrank: { handler: zrankGeneric(false) },
  zrevrank: { handler: zrankGeneric(true) },
  zcount: { handler: zcountGeneric(BY_SCORE) },
  zlexcount: { handler: zcountGeneric(BY_LEX) },
  zrange: { handler: zrangeGeneric(null, null) },
  zrevrange: { handler: zrangeGeneric(BY_RANK, true) },
  zrangebyscore: { handler: zrangeGeneric(BY_SCORE, false) },
  zrevrangebyscore: { handler: zrangeGeneric(BY_SCORE, true) },
  zrangebylex: { handler: zrangeGeneric(BY_LEX, false) },
  zrevrangebylex: { handler: zrangeGeneric(BY_LEX, true) },
  zrangestore: { handler: zrangestore, acrossShards: zrangestoreAcrossShards },
  zremrangebyrank: { handler: zremrangeGeneric(BY_RANK) },
  zremrangebyscore: { handler: zremrangeGeneric(BY_SCORE) },
  zremrangebylex: { handler: zremrangeGeneric(BY_LEX) },
  zpopmin: { handler: zpopGeneric(false) },
  zpopmax: { handler: zpopGeneric(true) },
  zmpop: { handler: zmpop, acrossShards: zmpopAcrossShards, getKeys: numkeysKeys(1, false) },
  zrandmember: { handler: zrandmember },
  zscan: { handler: zscan },
  zunion: readOp(SetOp.Union),
  zinter: readOp(SetOp.Inter),
  zdiff: readOp(SetOp.Diff),
  zintercard: readOp(SetOp.Inter, true),
  zunionstore: storeOp(SetOp.Union),
  zinterstore: storeOp(SetOp.Inter),
  zdiffstore: storeOp(SetOp.Diff),
};
