// String commands: GET, SET (NX/XX/KEEPTTL/GET/expiry), INCRBY/DECRBY, APPEND, SETRANGE,
// GETRANGE, STRLEN. Canonical integers (Redis string2ll) are stored as an 8-byte int
// encoding, which INCR updates in place and GET formats back to the identical text.

import { touchEntry } from "./access";
import { outputFor, resultAt, scratchBase, setResult } from "./buffers";
import { loading, nowMsExact } from "./clock";
import { Db, FRESH_ACCESS, findLiveKey, insertNew, newEntry, removeFound, reshapeFound } from "./db";
import {
  ENC_INT, ENC_RAW, FLAG_RAW, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, valueLenOf,
  valuePtrOf,
} from "./entry";
import { MAX_INTEGER_TEXT, formatInteger, parseInteger, parsedInteger } from "./numbers";
import { countLookup } from "./stats";
import {
  CONDITION, DECREMENT_OVERFLOW, NOT_FOUND, NOT_INTEGER, OVERFLOW, SET_GET, SET_KEEPTTL, SET_KEEP_TEXT, SET_NX,
  SET_XX, TOO_LARGE, WRONG_TYPE,
} from "./status";

/** Redis's proto-max-bulk-len / string size limit. */
export const STRING_MAX: usize = 512 << 20;

let lastOld: i32 = NOT_FOUND;

export function lastOldLength(): i32 {
  return lastOld;
}

/** Points the result at a string entry's value: raw bytes in place, integers formatted. */
function emitValue(e: usize): i32 {
  if (entryEncoding(e) == ENC_INT) {
    return <i32>formatInteger(load<i64>(valuePtrOf(e)), outputFor(MAX_INTEGER_TEXT));
  }
  setResult(valuePtrOf(e));
  return <i32>valueLenOf(e);
}

/** Copies a string entry's value to the output area, where it survives rewriting the entry. */
function copyValueOut(e: usize): i32 {
  if (entryEncoding(e) == ENC_INT) return emitValue(e);
  const len = valueLenOf(e);
  memory.copy(outputFor(len), valuePtrOf(e), len);
  return <i32>len;
}

/** A string lookup for reading (Redis lookupKeyRead): counts a hit or miss, touches the key.
 * Returns the entry, 0 when missing, or 1 when the key holds another type. */
// @ts-ignore: decorator
@inline export function readString(db: Db, klen: usize): usize {
  const e = findLiveKey(db, scratchBase(), klen);
  countLookup(e != 0);
  if (e == 0) return 0;
  touchEntry(e);
  return entryType(e) == TYPE_STRING ? e : 1;
}

export function stringGet(db: Db, klen: usize): i32 {
  const e = readString(db, klen);
  if (e <= 1) return e == 0 ? NOT_FOUND : WRONG_TYPE;
  return emitValue(e);
}

/** A new key holding `value` as SET stores it: int encoding for canonical integers (unless
 * `text`). The key must have missed in the last findKey (insertNew). */
export function storeNew(db: Db, key: usize, klen: usize, value: usize, vlen: usize, ttl: bool, at: i64, text: bool): usize {
  const isInteger = !text && vlen <= MAX_INTEGER_TEXT && parseInteger(value, vlen);
  const e = newEntry(TYPE_STRING, isInteger ? ENC_INT : ENC_RAW, ttl, at, key, klen, isInteger ? 0 : vlen, 0, FRESH_ACCESS);
  if (isInteger) store<i64>(valuePtrOf(e), parsedInteger);
  else memory.copy(valuePtrOf(e), value, vlen);
  insertNew(db, e);
  return e;
}

export function stringSet(db: Db, klen: usize, vlen: usize, expireAt: i64, flags: i32): i32 {
  if (vlen > STRING_MAX) return TOO_LARGE;
  const key = scratchBase();
  const value = key + klen;
  let e = findLiveKey(db, key, klen);
  if (flags & SET_GET) {
    // Redis runs GET first (getGenericCommand: a read lookup, which touches the key).
    countLookup(e != 0);
    if (e == 0) lastOld = NOT_FOUND;
    else {
      touchEntry(e);
      if (entryType(e) != TYPE_STRING) return (lastOld = WRONG_TYPE);
      lastOld = copyValueOut(e);
    }
  }
  // Redis's lookupKeyWrite touches the old value; an overwrite keeps that access field (as
  // dbOverwrite does in LFU mode).
  if (e != 0) touchEntry(e);
  if (((flags & SET_NX) && e != 0) || ((flags & SET_XX) && e == 0)) return CONDITION;
  if (expireAt > 0 && expireAt <= nowMsExact && !loading) {
    // Redis: a SET whose expiry time has already passed leaves no key behind.
    if (e != 0) removeFound(db, e);
    return 0;
  }
  let ttl = expireAt > 0;
  let at = expireAt;
  if (!ttl && (flags & SET_KEEPTTL) && e != 0 && hasTtl(e)) {
    ttl = true;
    at = expireAtOf(e);
  }
  const text = (flags & SET_KEEP_TEXT) != 0;
  if (e == 0) {
    storeNew(db, key, klen, value, vlen, ttl, at, text);
    return 0;
  }
  const isInteger = !text && vlen <= MAX_INTEGER_TEXT && parseInteger(value, vlen);
  const encoding = isInteger ? ENC_INT : ENC_RAW;
  e = reshapeFound(db, e, TYPE_STRING, encoding, ttl, at, isInteger ? 0 : vlen);
  if (isInteger) store<i64>(valuePtrOf(e), parsedInteger);
  else memory.copy(valuePtrOf(e), value, vlen);
  return 0;
}

/** INCRBY (or DECRBY when `negate`) by the decimal text after the key. */
export function stringIncrBy(db: Db, klen: usize, dlen: usize, negate: bool): i32 {
  const key = scratchBase();
  if (!parseInteger(key + klen, dlen)) return NOT_INTEGER;
  let delta = parsedInteger;
  if (negate) {
    if (delta == I64.MIN_VALUE) return DECREMENT_OVERFLOW;
    delta = -delta;
  }
  return addToKey(db, klen, delta);
}

/** INCR/DECR/INCRBY with a delta JS already holds as a safe integer (|delta| <= 2^53). */
export function stringIncrByNumber(db: Db, klen: usize, delta: f64): i32 {
  if (!(delta >= -9007199254740992 && delta <= 9007199254740992) || delta != Math.floor(delta)) return NOT_INTEGER;
  return addToKey(db, klen, <i64>delta);
}

function addToKey(db: Db, klen: usize, delta: i64): i32 {
  const key = scratchBase();
  let e = findLiveKey(db, key, klen);
  let current: i64 = 0;
  if (e != 0) {
    touchEntry(e); // lookupKeyWrite, before the type check
    if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
    if (entryEncoding(e) == ENC_INT) current = load<i64>(valuePtrOf(e));
    else if (parseInteger(valuePtrOf(e), valueLenOf(e))) current = parsedInteger;
    else return NOT_INTEGER;
  }
  if ((delta < 0 && current < 0 && delta < I64.MIN_VALUE - current) ||
      (delta > 0 && current > 0 && delta > I64.MAX_VALUE - current)) {
    return OVERFLOW;
  }
  const result = current + delta;
  if (e == 0) {
    e = newEntry(TYPE_STRING, ENC_INT, false, 0, key, klen, 0, 0, FRESH_ACCESS);
    insertNew(db, e);
  } else if (entryEncoding(e) != ENC_INT) {
    const ttl = hasTtl(e);
    e = reshapeFound(db, e, TYPE_STRING, ENC_INT, ttl, ttl ? expireAtOf(e) : 0, 0);
  }
  store<i64>(valuePtrOf(e), result);
  return <i32>formatInteger(result, outputFor(MAX_INTEGER_TEXT));
}

// ---- APPEND / SETRANGE / GETRANGE / STRLEN ---------------------------------------------------

/** The value's text length; an int's text is formatted at `intText` (MAX_INTEGER_TEXT bytes). */
export function textLength(e: usize, intText: usize): usize {
  if (entryEncoding(e) == ENC_INT) return formatInteger(load<i64>(valuePtrOf(e)), intText);
  return valueLenOf(e);
}

/**
 * Makes a string entry raw text of `newLen` bytes (FLAG_RAW, as Redis's dbUnshareStringValue),
 * keeping its first `oldLen` bytes of text (an int's text from `intText`) and its TTL. The
 * caller writes the new bytes. Blocks grow with room to spare.
 */
export function unshare(db: Db, e: usize, oldLen: usize, newLen: usize, intText: usize): usize {
  const wasInt = entryEncoding(e) == ENC_INT;
  const ttl = hasTtl(e);
  const target = reshapeFound(
    db, e, TYPE_STRING, ENC_RAW, ttl, ttl ? expireAtOf(e) : 0, newLen, wasInt ? 0 : oldLen, FLAG_RAW, true,
  );
  if (wasInt) memory.copy(valuePtrOf(target), intText, oldLen);
  return target;
}

/** APPEND: the value after the key is appended; returns the new length. `limit` is the
 * longest string allowed (proto-max-bulk-len, at most STRING_MAX). */
export function stringAppend(db: Db, klen: usize, vlen: usize, limit: f64): i32 {
  const key = scratchBase();
  const value = key + klen;
  const e = findLiveKey(db, key, klen);
  if (e == 0) {
    // A missing key is created as SET would (Redis: tryObjectEncoding + dbAdd).
    if (vlen > STRING_MAX) return TOO_LARGE;
    storeNew(db, key, klen, value, vlen, false, 0, false);
    return <i32>vlen;
  }
  touchEntry(e);
  if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
  const intText = outputFor(MAX_INTEGER_TEXT);
  const oldLen = textLength(e, intText);
  if (<f64>oldLen + <f64>vlen > min<f64>(limit, <f64>STRING_MAX)) return TOO_LARGE;
  const target = unshare(db, e, oldLen, oldLen + vlen, intText);
  memory.copy(valuePtrOf(target) + oldLen, value, vlen);
  return <i32>(oldLen + vlen);
}

/**
 * SETRANGE: writes the value after the key at `offset`, zero-padding; returns the new length.
 * A missing key with an empty value is not created (0); an empty value changes nothing.
 * `limit` as for stringAppend.
 */
export function stringSetRange(db: Db, klen: usize, vlen: usize, offset: f64, limit: f64): i32 {
  if (!(offset >= 0)) return NOT_INTEGER;
  const key = scratchBase();
  const value = key + klen;
  const e = findLiveKey(db, key, klen);
  const tooLarge = offset + <f64>vlen > min<f64>(limit, <f64>STRING_MAX);
  if (e == 0) {
    if (vlen == 0) return 0;
    if (tooLarge) return TOO_LARGE;
    const at = <usize>offset;
    const n = newEntry(TYPE_STRING, ENC_RAW, false, 0, key, klen, at + vlen, FLAG_RAW, FRESH_ACCESS);
    memory.fill(valuePtrOf(n), 0, at);
    memory.copy(valuePtrOf(n) + at, value, vlen);
    insertNew(db, n);
    return <i32>(at + vlen);
  }
  touchEntry(e);
  if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
  const intText = outputFor(MAX_INTEGER_TEXT);
  const oldLen = textLength(e, intText);
  if (vlen == 0) return <i32>oldLen;
  if (tooLarge) return TOO_LARGE;
  const at = <usize>offset;
  const newLen = max<usize>(oldLen, at + vlen);
  const target = unshare(db, e, oldLen, newLen, intText);
  if (at > oldLen) memory.fill(valuePtrOf(target) + oldLen, 0, at - oldLen);
  memory.copy(valuePtrOf(target) + at, value, vlen);
  return <i32>newLen;
}

/**
 * GETRANGE with Redis's index rules (negative counts from the end, clamped); the bytes are at
 * the result pointer. NOT_FOUND for a missing key (GETRANGE replies ""), WRONG_TYPE.
 */
export function stringGetRange(db: Db, klen: usize, start: f64, end: f64): i32 {
  const e = readString(db, klen);
  if (e <= 1) return e == 0 ? NOT_FOUND : WRONG_TYPE;
  const len = emitValue(e);
  const strlen = <f64>len;
  if (start < 0 && end < 0 && start > end) return 0;
  if (start < 0) start += strlen;
  if (end < 0) end += strlen;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= strlen) end = strlen - 1;
  if (start > end || len == 0) return 0;
  const from = <usize>start;
  setResult(resultAt + from);
  return <i32>(<usize>end - from + 1);
}

/** STRLEN: the value's length (an int's text length), NOT_FOUND (0 for STRLEN) or WRONG_TYPE. */
export function stringLength(db: Db, klen: usize): i32 {
  const e = readString(db, klen);
  if (e <= 1) return e == 0 ? NOT_FOUND : WRONG_TYPE;
  if (entryEncoding(e) == ENC_INT) return <i32>formatInteger(load<i64>(valuePtrOf(e)), outputFor(MAX_INTEGER_TEXT));
  return <i32>valueLenOf(e);
}
