// JS-facing exports of the set type (t_set.ts holds the structure). Arguments follow args.ts
// (key at scratch 0, then [u32 length][bytes] each), replies are items.ts lists; the command
// logic mirrors Redis 7.0's t_set.c step by step, since the step order decides encodings
// (SPOP's rebuilt rest, STORE results that start as an intset) and reply orders.

import { touchEntry } from "./access";
import { memAlloc, memFree, memResize } from "./alloc";
import { argData, argLen, firstArg, nextArg } from "./args";
import { scratchBase } from "./buffers";
import { Db, dbAt, findLiveKey, FRESH_ACCESS, insertKeyed, newEntry } from "./db";
import { ENC_OBJ, entryEncoding, entryType } from "./entry";
import { itemBytes, itemCount, itemInt, itemsBegin } from "./items";
import { TYPE_SET } from "./objects";
import { countLookup } from "./stats";
import { NOT_FOUND, WRONG_TYPE } from "./status";
import {
  addMember, changed, createEmpty, createFor, curLen, curPtr, emitAll, encoding, free, hasCurrent, hasMember,
  hashtableCopy, hashtableEmpty, iterEnd, KIND_INTSET, kindOf, memberAt, randomMember, removeMember, scanBucket,
  sizeOf,
} from "./t_set";
import { nextAddOverwrites } from "./key_event_log";
import { createObjectKey, deleteObjectKey, findObject, objectOf, setObjectOf, WRONG_TYPE_ENTRY } from "./typed";

/** findObject for a key that is not at scratch 0 (a later argument). */
function findSetAt(db: Db, key: usize, klen: usize, read: bool): usize {
  const e = findLiveKey(db, key, klen);
  if (read) countLookup(e != 0);
  if (e == 0) return 0;
  if (entryType(e) != TYPE_SET || entryEncoding(e) != ENC_OBJ) return WRONG_TYPE_ENTRY;
  touchEntry(e);
  return e;
}

/** createObjectKey for a key that is not at scratch 0. */
function createSetKeyAt(db: Db, key: usize, klen: usize, obj: usize): usize {
  const e = newEntry(TYPE_SET, ENC_OBJ, false, 0, key, klen, 0, 0, FRESH_ACCESS);
  setObjectOf(e, obj);
  insertKeyed(db, e);
  return e;
}

// ---- single-key commands --------------------------------------------------------------------------

/** SADD: the `n` members after the key; returns how many were new, or WRONG_TYPE. */
export function setAdd(db: i32, klen: usize, n: i32): i32 {
  const d = dbAt(db);
  let e = findObject(d, klen, TYPE_SET, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  let arg = firstArg(klen);
  let obj: usize;
  if (e == 0) {
    obj = createFor(argData(arg), argLen(arg));
    e = createObjectKey(d, klen, TYPE_SET, obj);
  } else obj = objectOf(e);
  let added = 0;
  for (let i = 0; i < n; i++) {
    obj = addMember(obj, argData(arg), argLen(arg));
    if (changed) added++;
    arg = nextArg(arg);
  }
  setObjectOf(e, obj);
  return added;
}

/** SREM: how many of the `n` members were removed (the key goes when the set empties). */
export function setRem(db: i32, klen: usize, n: i32): i32 {
  const d = dbAt(db);
  const e = findObject(d, klen, TYPE_SET, false);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  let obj = objectOf(e);
  let arg = firstArg(klen);
  let removed = 0;
  for (let i = 0; i < n; i++) {
    obj = removeMember(obj, argData(arg), argLen(arg));
    if (changed) {
      removed++;
      if (sizeOf(obj) == 0) break;
    }
    arg = nextArg(arg);
  }
  setObjectOf(e, obj);
  if (sizeOf(obj) == 0) deleteObjectKey(d, e);
  return removed;
}

/** SCARD: the size, 0 when missing, or WRONG_TYPE. A read lookup. */
export function setCard(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, TYPE_SET, true);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  return <i32>sizeOf(objectOf(e));
}

/** SISMEMBER / SMISMEMBER: an integer item 1 / 0 per member (all 0 for a missing key);
 * returns `n`, or WRONG_TYPE. A read lookup. */
export function setContains(db: i32, klen: usize, n: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_SET, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  let arg = firstArg(klen);
  for (let i = 0; i < n; i++) {
    itemInt(e != 0 && hasMember(objectOf(e), argData(arg), argLen(arg)) ? 1 : 0);
    arg = nextArg(arg);
  }
  return n;
}

/** SMOVE: the key is the source, then the destination key and the member: 1, 0 or WRONG_TYPE. */
export function setMove(db: i32, klen: usize): i32 {
  const d = dbAt(db);
  const src = findObject(d, klen, TYPE_SET, false);
  const dstArg = firstArg(klen), memberArg = nextArg(dstArg);
  const dstKey = argData(dstArg), dstLen = argLen(dstArg);
  const member = argData(memberArg), mlen = argLen(memberArg);
  let dst = findSetAt(d, dstKey, dstLen, false);
  if (src == 0) return 0;
  if (src == WRONG_TYPE_ENTRY || dst == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (src == dst) return hasMember(objectOf(src), member, mlen) ? 1 : 0;
  const obj = removeMember(objectOf(src), member, mlen);
  setObjectOf(src, obj);
  if (!changed) return 0;
  if (sizeOf(obj) == 0) deleteObjectKey(d, src);
  let target: usize;
  if (dst == 0) {
    target = createFor(member, mlen);
    dst = createSetKeyAt(d, dstKey, dstLen, target);
  } else target = objectOf(dst);
  setObjectOf(dst, addMember(target, member, mlen));
  return 1;
}

/**
 * SPOP: without `withCount` one random member; with it up to `count` (Redis's three cases:
 * all of it and the key goes; few: pick and remove; most: rebuild the rest as a new set).
 * Returns the item count, NOT_FOUND or WRONG_TYPE.
 */
export function setPop(db: i32, klen: usize, count: f64, withCount: i32): i32 {
  const d = dbAt(db);
  const e = findObject(d, klen, TYPE_SET, false);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  let obj = objectOf(e);
  if (withCount == 0) {
    randomMember(obj);
    itemBytes(curPtr, curLen);
    obj = removeMember(obj, curPtr, curLen);
    setObjectOf(e, obj);
    if (sizeOf(obj) == 0) deleteObjectKey(d, e);
    return 1;
  }
  if (count == 0) return 0;
  const size = sizeOf(obj);
  if (count >= <f64>size) {
    store<u32>(oneSet, <u32>obj);
    combine(oneSet, 1, OP_UNION, MODE_REPLY, 0);
    deleteObjectKey(d, e);
    return <i32>size;
  }
  const n = <u32>count;
  let remaining = size - n;
  if (<u64>remaining * 5 > <u64>n) {
    for (let i: u32 = 0; i < n; i++) {
      randomMember(obj);
      itemBytes(curPtr, curLen);
      obj = removeMember(obj, curPtr, curLen);
    }
    setObjectOf(e, obj);
    return <i32>n;
  }
  let rest: usize = 0;
  while (remaining-- > 0) {
    randomMember(obj);
    if (rest == 0) rest = createFor(curPtr, curLen);
    rest = addMember(rest, curPtr, curLen);
    obj = removeMember(obj, curPtr, curLen);
  }
  emitAll(obj);
  free(obj);
  setObjectOf(e, rest);
  return <i32>n;
}

/**
 * SRANDMEMBER: without `withCount` one random member; with it `count` members, distinct when
 * count > 0, possibly repeated when negative. Returns the item count, NOT_FOUND or WRONG_TYPE.
 * A read lookup.
 */
export function setRandom(db: i32, klen: usize, count: f64, withCount: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_SET, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  const obj = objectOf(e);
  if (withCount == 0) {
    randomMember(obj);
    itemBytes(curPtr, curLen);
    return 1;
  }
  const unique = count >= 0;
  const n = <u64>(unique ? count : -count);
  if (n == 0) return 0;
  if (!unique || n == 1) {
    for (let i: u64 = 0; i < n; i++) {
      randomMember(obj);
      itemBytes(curPtr, curLen);
    }
    return itemCount();
  }
  const size = sizeOf(obj);
  if (n >= <u64>size) {
    emitAll(obj);
    return <i32>size;
  }
  let picked: usize;
  if (n * 3 > <u64>size) {
    // Few to drop: copy everything, then remove random members.
    picked = hashtableCopy(obj);
    while (<u64>sizeOf(picked) > n) {
      randomMember(picked);
      picked = removeMember(picked, curPtr, curLen);
    }
  } else {
    picked = hashtableEmpty(<u32>n);
    while (<u64>sizeOf(picked) < n) {
      randomMember(obj);
      picked = addMember(picked, curPtr, curLen);
    }
  }
  emitAll(picked);
  free(picked);
  return <i32>n;
}

let scanNext: f64 = 0;

/**
 * SSCAN step: members of an intset all at once (next cursor 0); of a hashtable, buckets from
 * `cursor` until `count` members or count*10 buckets (Redis's dictScan loop). Returns the item
 * count (next cursor from setScanCursor), NOT_FOUND or WRONG_TYPE. A read lookup.
 */
export function setScan(db: i32, klen: usize, cursor: f64, count: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_SET, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  const obj = objectOf(e);
  if (kindOf(obj) == KIND_INTSET) {
    emitAll(obj);
    scanNext = 0;
    return itemCount();
  }
  let c = <u32>cursor;
  let budget = <i64>count * 10;
  do {
    c = scanBucket(obj, c);
  } while (c != 0 && budget-- != 0 && itemCount() < count);
  scanNext = <f64>c;
  return itemCount();
}

export function setScanCursor(): f64 {
  return scanNext;
}

// ---- SINTER SUNION SDIFF and their STORE / CARD forms ----------------------------------------------

const OP_UNION: i32 = 0;
const OP_DIFF: i32 = 1;
const OP_INTER: i32 = 2;
/** Items of the result; its cardinality only (SINTERCARD); the result as a new set object. */
const MODE_REPLY: i32 = 0;
const MODE_CARD: i32 = 1;
const MODE_BUILD: i32 = 2;
const FLAG_STORE: i32 = 1;
const FLAG_CARD: i32 = 2;

const oneSet: usize = memory.data(4);
/** The set MODE_BUILD made (0 when the result is empty). */
let builtSet: usize = 0;

// @ts-ignore: decorator
@inline function setAt(sets: usize, j: u32): usize {
  return <usize>load<u32>(sets + (<usize>j << 2));
}

/** sinterGenericCommand after the lookups: `sets` holds n set addresses (0 = missing key). */
function intersect(sets: usize, n: u32, mode: i32, limit: u64): i64 {
  let driver: usize = 0;
  for (let j: u32 = 0; j < n; j++) {
    const s = setAt(sets, j);
    if (s == 0) return 0;
    if (driver == 0 || sizeOf(s) < sizeOf(driver)) driver = s;
  }
  let result: usize = mode == MODE_BUILD ? createEmpty() : 0;
  let card: i64 = 0;
  const end = iterEnd(driver);
  for (let i: u32 = 0; i < end; i++) {
    if (!memberAt(driver, i)) continue;
    let inAll = true;
    for (let j: u32 = 0; j < n; j++) {
      const s = setAt(sets, j);
      if (s != driver && !hasCurrent(s)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    card++;
    if (mode == MODE_REPLY) itemBytes(curPtr, curLen);
    else if (mode == MODE_BUILD) result = addMember(result, curPtr, curLen);
    else if (limit != 0 && <u64>card >= limit) break;
  }
  if (mode == MODE_BUILD) {
    if (sizeOf(result) > 0) builtSet = result;
    else free(result);
  }
  return card;
}

/** sunionDiffGenericCommand after the lookups, with Redis's choice of DIFF algorithm. */
function unionOrDiff(sets: usize, n: u32, op: i32, mode: i32): i64 {
  const first = setAt(sets, 0);
  let result = createEmpty();
  let card: i64 = 0;
  if (op == OP_UNION) {
    for (let j: u32 = 0; j < n; j++) {
      const s = setAt(sets, j);
      if (s == 0) continue;
      const end = iterEnd(s);
      for (let i: u32 = 0; i < end; i++) {
        if (!memberAt(s, i)) continue;
        result = addMember(result, curPtr, curLen);
        if (changed) card++;
      }
    }
  } else if (first != 0) {
    let oneWork: i64 = 0, twoWork: i64 = 0;
    for (let j: u32 = 0; j < n; j++) {
      const s = setAt(sets, j);
      if (s == 0) continue;
      oneWork += sizeOf(first);
      twoWork += sizeOf(s);
    }
    oneWork /= 2;
    if (oneWork <= twoWork) {
      // Algorithm 1: each member of the first set not in any other.
      const end = iterEnd(first);
      for (let i: u32 = 0; i < end; i++) {
        if (!memberAt(first, i)) continue;
        let keep = true;
        for (let j: u32 = 1; j < n; j++) {
          const s = setAt(sets, j);
          if (s == 0) continue;
          if (s == first || hasCurrent(s)) {
            keep = false;
            break;
          }
        }
        if (keep) {
          result = addMember(result, curPtr, curLen);
          card++;
        }
      }
    } else {
      // Algorithm 2: add the first set, remove the others (the result keeps the encoding the
      // first set's size gave it).
      for (let j: u32 = 0; j < n; j++) {
        const s = setAt(sets, j);
        if (s == 0) continue;
        const end = iterEnd(s);
        for (let i: u32 = 0; i < end; i++) {
          if (!memberAt(s, i)) continue;
          if (j == 0) {
            result = addMember(result, curPtr, curLen);
            if (changed) card++;
          } else {
            result = removeMember(result, curPtr, curLen);
            if (changed) card--;
          }
        }
        if (card == 0) break;
      }
    }
  }
  if (mode == MODE_REPLY) {
    emitAll(result);
    free(result);
  } else if (sizeOf(result) > 0) builtSet = result;
  else free(result);
  return card;
}

function combine(sets: usize, n: u32, op: i32, mode: i32, limit: u64): i64 {
  builtSet = 0;
  itemsBegin();
  return op == OP_INTER ? intersect(sets, n, mode, limit) : unionOrDiff(sets, n, op, mode);
}

/**
 * SINTER / SUNION / SDIFF (`op` 2 / 0 / 1) of `n` source keys. flags: 1 STORE (the key at
 * scratch is the destination and all sources are arguments; else the key is the first source),
 * 2 CARD (SINTERCARD: only count, stopping at `limit` if not 0). Returns the item count, the
 * stored size or the cardinality; or WRONG_TYPE (nothing written). Sources are read lookups.
 */
export function setCombine(db: i32, klen: usize, n: i32, op: i32, flags: i32, limit: f64): i32 {
  const d = dbAt(db);
  const storing = (flags & FLAG_STORE) != 0;
  const sets = memAlloc(<usize>max(n, 1) << 2);
  let arg = firstArg(klen);
  for (let j = 0; j < n; j++) {
    let e: usize;
    if (j == 0 && !storing) e = findSetAt(d, scratchBase(), klen, true);
    else {
      e = findSetAt(d, argData(arg), argLen(arg), true);
      arg = nextArg(arg);
    }
    if (e == WRONG_TYPE_ENTRY) {
      memFree(sets);
      return WRONG_TYPE;
    }
    store<u32>(sets + (<usize>j << 2), e == 0 ? 0 : <u32>objectOf(e));
  }
  const mode = storing ? MODE_BUILD : (flags & FLAG_CARD) != 0 ? MODE_CARD : MODE_REPLY;
  const result = combine(sets, <u32>n, op, mode, <u64>limit);
  memFree(sets);
  if (storing) {
    const old = findLiveKey(d, scratchBase(), klen);
    if (old != 0) deleteObjectKey(d, old);
    if (builtSet != 0) {
      if (old != 0) nextAddOverwrites();
      createObjectKey(d, klen, TYPE_SET, builtSet);
    }
  }
  return <i32>result;
}

// ---- the same over sets gathered from other shards ----------------------------------------------------

let temps: usize = 0;
let tempCount: u32 = 0;
let builtEncoding: i32 = 0;

/**
 * Builds a temporary set from the `n` members staged after an empty key (one source key's
 * members, read on its shard; n = 0 for a missing key) for setTempCombine. Returns how many
 * temporary sets there are.
 */
export function setTempLoad(n: i32): i32 {
  let obj: usize = 0;
  let arg = firstArg(0);
  for (let i = 0; i < n; i++) {
    if (obj == 0) obj = createFor(argData(arg), argLen(arg));
    obj = addMember(obj, argData(arg), argLen(arg));
    arg = nextArg(arg);
  }
  const bytes = max<usize>(16, (<usize>tempCount + 1) << 2);
  temps = temps == 0 ? memAlloc(bytes) : memResize(temps, bytes);
  store<u32>(temps + (<usize>tempCount << 2), <u32>obj);
  return <i32>++tempCount;
}

/**
 * setCombine over the loaded temporary sets (which it then frees). With flags 1 (STORE) it
 * builds the result as Redis would and emits its members; setTempEncoding then tells the
 * result's encoding, so the destination can be written with the same one.
 */
export function setTempCombine(op: i32, flags: i32, limit: f64): i32 {
  const mode = (flags & FLAG_STORE) != 0 ? MODE_BUILD : (flags & FLAG_CARD) != 0 ? MODE_CARD : MODE_REPLY;
  let result = <i32>combine(temps, tempCount, op, mode, <u64>limit);
  builtEncoding = 0;
  if (mode == MODE_BUILD && builtSet != 0) {
    builtEncoding = encoding(builtSet);
    itemsBegin();
    emitAll(builtSet);
    result = <i32>sizeOf(builtSet);
    free(builtSet);
  }
  for (let j: u32 = 0; j < tempCount; j++) {
    const s = setAt(temps, j);
    if (s != 0) free(s);
  }
  if (temps != 0) memFree(temps);
  temps = 0;
  tempCount = 0;
  return result;
}

/** The OBJECT ENCODING code of the last setTempCombine STORE result (0 when empty). */
export function setTempEncoding(): i32 {
  return builtEncoding;
}
