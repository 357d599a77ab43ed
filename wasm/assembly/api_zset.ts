// JS-facing exports of the sorted set type (t_zset.ts). Members arrive as staged arguments
// (args.ts); scores as f64s in the score buffer (zsetScoreBuffer), one per member. Replies are
// items (items.ts). Wrapped by src/engine/zset.ts.

import { capacityOf, memAlloc, memFree } from "./alloc";
import { argData, argLen, firstArg, nextArg } from "./args";
import { dbAt } from "./db";
import { itemDouble, itemNull, itemsBegin, respStringsBegin } from "./items";
import { deleteKey } from "./keys";
import { TYPE_ZSET } from "./objects";
import { NOT_FOUND, WRONG_TYPE } from "./status";
import {
  BELOW_LEX, BELOW_SCORE, UPTO_LEX, UPTO_SCORE, countLeading, emitRanks, emitSkiplistRange, foundScore, KIND_SKIPLIST, kindOf,
  lastHolds, lexEndsOutside,
  randomBelow, removeRanks,
  scanEmitted, setLexBound, setScoreBounds, skiplistConsistent, zsetCreate, zsetDeleteFound, zsetFind, zsetInsert, zsetLength,
  zsetRankOfFound, zsetScanStep, zsetUpdateFound,
} from "./t_zset";
import { nextAddOverwrites } from "./key_event_log";
import { WRONG_TYPE_ENTRY, createObjectKey, deleteObjectKey, findObject, objectOf, setObjectOf } from "./typed";

/** ZADD INCR / ZINCRBY made a NaN score ("resulting score is not a number (NaN)"). */
export const ZSET_NAN: i32 = -20;

// zsetAdd flags
const ADD_NX: i32 = 1;
const ADD_XX: i32 = 2;
const ADD_GT: i32 = 4;
const ADD_LT: i32 = 8;
const ADD_INCR: i32 = 16;
const ADD_CH: i32 = 32;

// zsetRange range types and flags
const BY_RANK: i32 = 0;
const BY_SCORE: i32 = 1;
const RANGE_REV: i32 = 1;
const RANGE_WITHSCORES: i32 = 2;
const RANGE_MINEX: i32 = 4;
const RANGE_MAXEX: i32 = 8;
const RANGE_COUNT: i32 = 16;
const RANGE_REMOVE: i32 = 32;
const RANGE_RESP: i32 = 64;

let scoreBuffer: usize = 0;

/** Room for `n` scores (f64, 8-aligned) that JS fills before a zsetAdd / zsetStore. */
export function zsetScoreBuffer(n: u32): usize {
  const need = max<usize>(<usize>n << 3, 8);
  if (scoreBuffer != 0) {
    const cap = capacityOf(scoreBuffer);
    if (need <= cap && !(cap > (1 << 20) && need <= cap >> 2)) return scoreBuffer;
    memFree(scoreBuffer);
  }
  scoreBuffer = memAlloc(max<usize>(need, 1024));
  return scoreBuffer;
}

// @ts-ignore: decorator
@inline function scoreAt(j: u32): f64 {
  return load<f64>(scoreBuffer + (<usize>j << 3));
}

/**
 * ZADD / ZINCRBY (Redis's zsetAdd per pair): `n` members, scores in the score buffer. flags: 1 NX,
 * 2 XX, 4 GT, 8 LT, 16 INCR (one item: the new score, or null when not applied), 32 CH. Returns
 * the members added (with CH: added or changed), WRONG_TYPE, ZSET_NAN.
 */
export function zsetAdd(db: i32, klen: usize, n: u32, flags: i32): i32 {
  const d = dbAt(db);
  itemsBegin();
  let e = findObject(d, klen, TYPE_ZSET, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const incr = (flags & ADD_INCR) != 0;
  let arg = firstArg(klen);
  if (e == 0) {
    if ((flags & ADD_XX) != 0) {
      if (incr) itemNull();
      return 0;
    }
    e = createObjectKey(d, klen, TYPE_ZSET, zsetCreate(0, argLen(arg)));
  }
  let obj = objectOf(e);
  let added = 0, updated = 0, processed = 0;
  let score: f64 = 0;
  for (let j: u32 = 0; j < n; j++, arg = nextArg(arg)) {
    let s = scoreAt(j);
    const m = argData(arg), len = argLen(arg);
    if (zsetFind(obj, m, len)) {
      if ((flags & ADD_NX) != 0) continue;
      const current = foundScore;
      if (incr) {
        s += current;
        if (isNaN(s)) {
          setObjectOf(e, obj);
          return ZSET_NAN;
        }
      }
      if (((flags & ADD_LT) != 0 && s >= current) || ((flags & ADD_GT) != 0 && s <= current)) continue;
      score = s;
      processed++;
      if (s != current) {
        obj = zsetUpdateFound(obj, m, len, s);
        updated++;
      }
    } else if ((flags & ADD_XX) == 0) {
      obj = zsetInsert(obj, m, len, s);
      score = s;
      added++;
      processed++;
    }
  }
  setObjectOf(e, obj);
  if (incr) {
    if (processed != 0) itemDouble(score);
    else itemNull();
  }
  return (flags & ADD_CH) != 0 ? added + updated : added;
}

/**
 * The store commands' write (ZUNIONSTORE, ZRANGESTORE...): the key (any type) is replaced by a
 * sorted set of the `n` distinct members and their scores; n = 0 deletes it. Returns n.
 */
export function zsetStore(db: i32, klen: usize, n: u32): i32 {
  const d = dbAt(db);
  const existed = deleteKey(d, klen) == 1;
  if (n == 0) return 0;
  let maxLen: usize = 0;
  let arg = firstArg(klen);
  for (let j: u32 = 0; j < n; j++, arg = nextArg(arg)) maxLen = max(maxLen, argLen(arg));
  let obj = zsetCreate(n, maxLen);
  arg = firstArg(klen);
  for (let j: u32 = 0; j < n; j++, arg = nextArg(arg)) {
    const m = argData(arg), len = argLen(arg);
    if (zsetFind(obj, m, len)) obj = zsetUpdateFound(obj, m, len, scoreAt(j));
    else obj = zsetInsert(obj, m, len, scoreAt(j));
  }
  if (existed) nextAddOverwrites();
  createObjectKey(d, klen, TYPE_ZSET, obj);
  return <i32>n;
}

/** ZREM: members removed, or WRONG_TYPE (a missing key removes 0). Deletes an emptied key. */
export function zsetRemove(db: i32, klen: usize, n: u32): i32 {
  const d = dbAt(db);
  const e = findObject(d, klen, TYPE_ZSET, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return 0;
  let obj = objectOf(e);
  let removed = 0;
  let arg = firstArg(klen);
  for (let j: u32 = 0; j < n; j++, arg = nextArg(arg)) {
    if (zsetFind(obj, argData(arg), argLen(arg))) {
      obj = zsetDeleteFound(obj);
      removed++;
      if (zsetLength(obj) == 0) break;
    }
  }
  setObjectOf(e, obj);
  if (zsetLength(obj) == 0) deleteObjectKey(d, e);
  return removed;
}

/** ZCARD: the member count, NOT_FOUND, WRONG_TYPE. A read lookup. */
export function zsetCard(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return NOT_FOUND;
  return <i32>zsetLength(objectOf(e));
}

/** ZSCORE / ZMSCORE: one item per member (its score or null); returns n, or WRONG_TYPE. */
export function zsetScores(db: i32, klen: usize, n: u32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  const obj: usize = e == 0 ? 0 : objectOf(e);
  let arg = firstArg(klen);
  for (let j: u32 = 0; j < n; j++, arg = nextArg(arg)) {
    if (obj != 0 && zsetFind(obj, argData(arg), argLen(arg))) itemDouble(foundScore);
    else itemNull();
  }
  return <i32>n;
}

/** ZRANK / ZREVRANK of the one member argument: the rank, NOT_FOUND, WRONG_TYPE. */
export function zsetRank(db: i32, klen: usize, reverse: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return NOT_FOUND;
  const obj = objectOf(e);
  const arg = firstArg(klen);
  if (!zsetFind(obj, argData(arg), argLen(arg))) return NOT_FOUND;
  const rank = zsetRankOfFound(obj);
  return <i32>(reverse != 0 ? zsetLength(obj) - 1 - rank : rank);
}

/** Sets a lex bound (the max when `isMax`) from a staged "-", "+", "(x" or "[x" argument
 * (validated by JS). */
function lexBound(arg: usize, isMax: bool): void {
  const len = argLen(arg), p = argData(arg);
  const c = load<u8>(p);
  if (c == 0x2d) setLexBound(isMax, -1, 0, 0, false);
  else if (c == 0x2b) setLexBound(isMax, 1, 0, 0, false);
  else setLexBound(isMax, 0, p + 1, len - 1, c == 0x28);
}

/**
 * The range commands. type 0 by rank (a = start, b = end, Redis's index rules), 1 by score
 * (a = min, b = max; flags 4 / 8 exclusive), 2 by lex (min and max staged as arguments).
 * flags 1 REV (score / lex: from the top; rank: ranks counted from the top), 2 WITHSCORES,
 * 16 COUNT (ZCOUNT / ZLEXCOUNT: returns the count), 32 REMOVE (ZREMRANGEBY*: returns the
 * number removed, a write), 64 RESP (members without scores, written as RESP bulk strings
 * ready to send: items.ts respStringsBegin). `offset` / `limit` (LIMIT; limit < 0 = all)
 * apply to score and lex ranges. Returns the members emitted, NOT_FOUND (missing key), WRONG_TYPE.
 */
export function zsetRange(
  db: i32, klen: usize, type: i32, flags: i32, a: f64, b: f64, offset: f64, limit: f64,
): i32 {
  const d = dbAt(db);
  const remove = (flags & RANGE_REMOVE) != 0;
  const e = findObject(d, klen, TYPE_ZSET, !remove);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return NOT_FOUND;
  if ((flags & RANGE_RESP) != 0) respStringsBegin();
  else itemsBegin();
  let obj = objectOf(e);
  const length = <f64>zsetLength(obj);
  const reverse = (flags & RANGE_REV) != 0;
  const withScores = (flags & RANGE_WITHSCORES) != 0;
  let lo: f64, hi: f64; // ranks [lo, hi)
  if (type == BY_RANK) {
    let start = a < 0 ? a + length : a;
    let end = b < 0 ? b + length : b;
    if (start < 0) start = 0;
    if (start > end || start >= length) return 0;
    if (end >= length) end = length - 1;
    if (reverse && !remove) {
      lo = length - 1 - end;
      hi = length - start;
    } else {
      lo = start;
      hi = end + 1;
    }
  } else {
    const lex = type != BY_SCORE;
    if (lex) {
      const minArg = firstArg(klen);
      lexBound(minArg, false);
      lexBound(nextArg(minArg), true);
      if (lexEndsOutside(obj, lastHolds(obj, BELOW_LEX))) return 0;
    } else {
      setScoreBounds(a, (flags & RANGE_MINEX) != 0, b, (flags & RANGE_MAXEX) != 0);
    }
    if (!remove && (flags & RANGE_COUNT) == 0 && kindOf(obj) == KIND_SKIPLIST) {
      return <i32>emitSkiplistRange(obj, lex, reverse, offset, limit, withScores);
    }
    lo = <f64>countLeading(obj, lex ? BELOW_LEX : BELOW_SCORE);
    hi = <f64>countLeading(obj, lex ? UPTO_LEX : UPTO_SCORE);
    if (hi < lo) hi = lo;
    if ((flags & RANGE_COUNT) != 0) return <i32>(hi - lo);
    if (!remove) {
      // Redis skips `offset` members in range (a negative offset skips them all).
      const inRange = hi - lo;
      if (offset < 0 || offset >= inRange) return 0;
      let n = inRange - offset;
      if (limit >= 0 && limit < n) n = limit;
      if (reverse) {
        hi -= offset;
        lo = hi - n;
      } else {
        lo += offset;
        hi = lo + n;
      }
    }
  }
  const n = <u32>(hi - lo);
  if (remove) {
    obj = removeRanks(obj, <u32>lo, n);
    setObjectOf(e, obj);
    if (zsetLength(obj) == 0) deleteObjectKey(d, e);
    return <i32>n;
  }
  if (reverse) emitRanks(obj, <u32>hi - 1, n, true, withScores);
  else emitRanks(obj, <u32>lo, n, false, withScores);
  return <i32>n;
}

/** ZPOPMIN / ZPOPMAX (`fromTop`): up to `count` members and scores as items, removed. A write. */
export function zsetPop(db: i32, klen: usize, count: f64, fromTop: i32): i32 {
  const d = dbAt(db);
  const e = findObject(d, klen, TYPE_ZSET, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return NOT_FOUND;
  itemsBegin();
  let obj = objectOf(e);
  const length = zsetLength(obj);
  const n = count >= <f64>length ? length : <u32>count;
  if (fromTop != 0) {
    emitRanks(obj, length - 1, n, true, true);
    obj = removeRanks(obj, length - n, n);
  } else {
    emitRanks(obj, 0, n, false, true);
    obj = removeRanks(obj, 0, n);
  }
  setObjectOf(e, obj);
  if (zsetLength(obj) == 0) deleteObjectKey(d, e);
  return <i32>n;
}

/**
 * ZRANDMEMBER with a count (Redis's rules): count >= 0 distinct members (all of them, highest
 * first, when count >= the size), count < 0 that many picks with repetition. Items: member [score].
 * Returns the members emitted, NOT_FOUND, WRONG_TYPE. A read lookup.
 */
export function zsetRandom(db: i32, klen: usize, count: f64, withScores: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0) return NOT_FOUND;
  itemsBegin();
  const obj = objectOf(e);
  const size = zsetLength(obj);
  const scores = withScores != 0;
  if (count < 0) {
    const n = <u32>(-count);
    for (let i: u32 = 0; i < n; i++) emitRanks(obj, randomBelow(size), 1, false, scores);
    return <i32>n;
  }
  if (count >= <f64>size) {
    emitRanks(obj, size - 1, size, true, scores); // the whole set, from the top, as Redis does
    return <i32>size;
  }
  // Selection sampling (Knuth's algorithm S): `count` distinct ranks, each subset equally likely.
  let needed = <u32>count;
  const n = needed;
  for (let r: u32 = 0; r < size && needed > 0; r++) {
    if (randomBelow(size - r) < needed) {
      emitRanks(obj, r, 1, false, scores);
      needed--;
    }
  }
  return <i32>n;
}

/** ZSCAN step: member/score items (count: zsetScanCount()); the next cursor, or -1 missing, -2 wrong type. */
export function zsetScan(db: i32, klen: usize, cursor: f64, count: i32): f64 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == WRONG_TYPE_ENTRY) return <f64>WRONG_TYPE;
  if (e == 0) return <f64>NOT_FOUND;
  itemsBegin();
  return <f64>zsetScanStep(objectOf(e), <u64>cursor, count);
}

export function zsetScanCount(): i32 {
  return scanEmitted;
}

/** Tests: 1 when the key's sorted set (if any) has consistent skiplist links, else 0. */
export function zsetLinksConsistent(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, TYPE_ZSET, true);
  if (e == 0 || e == WRONG_TYPE_ENTRY) return 1;
  return skiplistConsistent(objectOf(e)) ? 1 : 0;
}
