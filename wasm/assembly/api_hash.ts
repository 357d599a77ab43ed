// JS-facing exports of the hash type (t_hash.ts). Arguments after the key are staged as
// [u32 length][bytes] (args.ts); replies are status codes, bytes at resultPtr, or items.

import { argData, argLen, firstArg, nextArg } from "./args";
import { outputFor, setResult } from "./buffers";
import { dbAt } from "./db";
import { itemCount, itemNull, itemsBegin } from "./items";
import { formatInteger, parseInteger, parsedInteger } from "./numbers";
import { TYPE_HASH } from "./objects";
import { NOT_FOUND, NOT_INTEGER, OVERFLOW, WRONG_TYPE } from "./status";
import {
  deleteField, emitDistinctPairs, emitPair, emitRandomPairs, fieldCount, findField, isTable, iterBegin,
  iterNext, lastAdded, lastRemoved, newListpack, pairField, pairFieldLen, pairValue, pairValueLen,
  randomPair, readPair, scanStep, setField,
} from "./t_hash";
import { WRONG_TYPE_ENTRY, createObjectKey, deleteObjectKey, findObject, objectOf, setObjectOf } from "./typed";

/**
 * HSET / HMSET / HSETNX: `pairs` field/value arguments. With `nx`, fields that exist are left
 * alone. Returns the fields added, or WRONG_TYPE. A missing key is created.
 */
export function hashSet(db: i32, klen: usize, pairs: i32, nx: i32): i32 {
  const d = dbAt(db);
  let e = findObject(d, klen, TYPE_HASH, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  let o: usize;
  if (e == 0) {
    o = newListpack();
    e = createObjectKey(d, klen, TYPE_HASH, o);
  } else {
    o = objectOf(e);
  }
  let added = 0;
  let arg = firstArg(klen);
  for (let i = 0; i < pairs; i++) {
    const value = nextArg(arg);
    if (nx == 0 || findField(o, argData(arg), argLen(arg)) == 0) {
      o = setField(o, argData(arg), argLen(arg), argData(value), argLen(value));
      added += lastAdded;
    }
    arg = nextArg(value);
  }
  setObjectOf(e, o);
  return added;
}

/** HGET (and HINCRBYFLOAT's read with `read` 0: a write lookup): the value's length (bytes at
 * resultPtr), NOT_FOUND (key or field), WRONG_TYPE. */
export function hashGet(db: i32, klen: usize, read: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, read != 0);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const arg = firstArg(klen);
  const p = findField(objectOf(e), argData(arg), argLen(arg));
  if (p == 0) return NOT_FOUND;
  readPair(p);
  setResult(pairValue);
  return <i32>pairValueLen;
}

/** HMGET: one item per field (the value, or a null), also for a missing key; WRONG_TYPE. */
export function hashMultiGet(db: i32, klen: usize, fields: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, true);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  itemsBegin();
  let arg = firstArg(klen);
  for (let i = 0; i < fields; i++) {
    const p: usize = e == 0 ? 0 : findField(objectOf(e), argData(arg), argLen(arg));
    if (p == 0) itemNull();
    else emitPair(p, false, true);
    arg = nextArg(arg);
  }
  return fields;
}

/** HDEL: the fields deleted (the key goes with its last field), or WRONG_TYPE. */
export function hashDelete(db: i32, klen: usize, fields: i32): i32 {
  const d = dbAt(db);
  const e = findObject(d, klen, TYPE_HASH, false);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  let o = objectOf(e);
  let deleted = 0;
  let arg = firstArg(klen);
  for (let i = 0; i < fields && fieldCount(o) > 0; i++) {
    o = deleteField(o, argData(arg), argLen(arg));
    deleted += lastRemoved;
    arg = nextArg(arg);
  }
  setObjectOf(e, o);
  if (fieldCount(o) == 0) deleteObjectKey(d, e);
  return deleted;
}

/** HLEN: the field count (0 for a missing key), or WRONG_TYPE. */
export function hashLength(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, true);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  return <i32>fieldCount(objectOf(e));
}

/** HEXISTS (`strlen` 0: 1 / 0) and HSTRLEN (`strlen` 1: the value's length, 0 when missing). */
export function hashFieldInfo(db: i32, klen: usize, strlen: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, true);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const arg = firstArg(klen);
  const p = findField(objectOf(e), argData(arg), argLen(arg));
  if (p == 0) return 0;
  if (strlen == 0) return 1;
  readPair(p);
  return <i32>pairValueLen;
}

/** HGETALL (what 3), HKEYS (1), HVALS (2): items in storage order; returns the field count,
 * or NOT_FOUND / WRONG_TYPE. */
export function hashGetAll(db: i32, klen: usize, what: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const o = objectOf(e);
  itemsBegin();
  iterBegin(o);
  for (let p = iterNext(); p != 0; p = iterNext()) emitPair(p, (what & 1) != 0, (what & 2) != 0);
  return <i32>fieldCount(o);
}

/**
 * HINCRBY: arguments field, increment (Redis string2ll text). The new value's digits at
 * resultPtr (their length returned), or NOT_INTEGER (the increment, or a value that is not an
 * integer), OVERFLOW, WRONG_TYPE. A missing key or field starts at 0.
 */
export function hashIncrBy(db: i32, klen: usize): i32 {
  const field = firstArg(klen);
  const increment = nextArg(field);
  if (!parseInteger(argData(increment), argLen(increment))) return NOT_INTEGER;
  const delta = parsedInteger;
  const d = dbAt(db);
  let e = findObject(d, klen, TYPE_HASH, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  let value: i64 = 0;
  if (e != 0) {
    const p = findField(objectOf(e), argData(field), argLen(field));
    if (p != 0) {
      readPair(p);
      if (!parseInteger(pairValue, pairValueLen)) return NOT_INTEGER;
      value = parsedInteger;
    }
  }
  if ((delta < 0 && value < 0 && delta < I64.MIN_VALUE - value) ||
      (delta > 0 && value > 0 && delta > I64.MAX_VALUE - value)) return OVERFLOW;
  value += delta;
  const out = outputFor(24);
  const len = formatInteger(value, out);
  if (e == 0) e = createObjectKey(d, klen, TYPE_HASH, newListpack());
  setObjectOf(e, setField(objectOf(e), argData(field), argLen(field), out, len));
  setResult(out);
  return <i32>len;
}

/** HRANDFIELD without a count: a random field's length (bytes at resultPtr), NOT_FOUND,
 * WRONG_TYPE. */
export function hashRandomField(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  readPair(randomPair(objectOf(e)));
  setResult(pairField);
  return <i32>pairFieldLen;
}

/**
 * HRANDFIELD with a count, as items (field, or field and value with flags & 1): count >= 0
 * distinct fields (the whole hash when count >= its size), count < 0 that many picks with
 * repetition. flags & 2: a continuation call of the same command (not counted as a lookup
 * again). Returns the pairs emitted, or NOT_FOUND / WRONG_TYPE.
 */
export function hashRandomFields(db: i32, klen: usize, count: f64, flags: i32): i32 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, (flags & 2) == 0);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const o = objectOf(e);
  const withValues = (flags & 1) != 0;
  const n = fieldCount(o);
  itemsBegin();
  if (count < 0) {
    emitRandomPairs(o, <u32>(-count), withValues);
    return <i32>(-count);
  }
  if (count >= <f64>n) {
    iterBegin(o);
    for (let p = iterNext(); p != 0; p = iterNext()) emitPair(p, true, withValues);
    return <i32>n;
  }
  emitDistinctPairs(o, <u32>count, withValues);
  return <i32>count;
}

/**
 * HSCAN step: field/value items; returns the next cursor (0 when done: a listpack is returned
 * whole at once, as Redis does), or NOT_FOUND / WRONG_TYPE. Not counted as a lookup (the
 * handler counts it, having checked the key before parsing the options as Redis does).
 */
export function hashScan(db: i32, klen: usize, cursor: f64, count: i32): f64 {
  const e = findObject(dbAt(db), klen, TYPE_HASH, false);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const o = objectOf(e);
  itemsBegin();
  if (!isTable(o)) {
    iterBegin(o);
    for (let p = iterNext(); p != 0; p = iterNext()) emitPair(p, true, true);
    return 0;
  }
  return <f64>scanStep(o, <u32>cursor, <u32>count);
}

/** Items the last hash operation emitted. */
export function hashItemCount(): i32 {
  return itemCount();
}
