// String commands: GET, SET (NX/XX/KEEPTTL/GET/expiry), INCRBY/DECRBY.
// Canonical integers (Redis string2ll) are stored as an 8-byte int encoding, which INCR
// updates in place and GET formats back to the identical text.

import { outputFor, scratchBase, setResult } from "./buffers";
import { lruClock, nowMs } from "./clock";
import { Db, findLiveKey, insertNew, newEntry, removeFound, reshapeFound } from "./db";
import {
  ENC_INT, ENC_RAW, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, touch, valueLenOf,
  valuePtrOf,
} from "./entry";
import { MAX_INTEGER_TEXT, formatInteger, parseInteger, parsedInteger } from "./numbers";
import {
  CONDITION, DECREMENT_OVERFLOW, NOT_FOUND, NOT_INTEGER, OVERFLOW, SET_GET, SET_KEEPTTL, SET_NX, SET_XX,
  TOO_LARGE, WRONG_TYPE,
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

export function stringGet(db: Db, klen: usize): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  if (e == 0) return NOT_FOUND;
  if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
  touch(e, lruClock);
  return emitValue(e);
}

export function stringSet(db: Db, klen: usize, vlen: usize, expireAt: f64, flags: i32): i32 {
  if (vlen > STRING_MAX) return TOO_LARGE;
  const key = scratchBase();
  const value = key + klen;
  let e = findLiveKey(db, key, klen);
  if (flags & SET_GET) {
    if (e == 0) lastOld = NOT_FOUND;
    else if (entryType(e) != TYPE_STRING) return (lastOld = WRONG_TYPE);
    else lastOld = copyValueOut(e);
  }
  if (((flags & SET_NX) && e != 0) || ((flags & SET_XX) && e == 0)) return CONDITION;
  if (expireAt > 0 && expireAt <= nowMs) {
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
  const isInteger = vlen <= MAX_INTEGER_TEXT && parseInteger(value, vlen);
  const encoding = isInteger ? ENC_INT : ENC_RAW;
  const rawLen: usize = isInteger ? 0 : vlen;
  if (e == 0) {
    e = newEntry(TYPE_STRING, encoding, ttl, at, key, klen, rawLen);
    insertNew(db, e);
  } else {
    e = reshapeFound(db, e, TYPE_STRING, encoding, ttl, at, rawLen);
    touch(e, lruClock);
  }
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
  let e = findLiveKey(db, key, klen);
  let current: i64 = 0;
  if (e != 0) {
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
    e = newEntry(TYPE_STRING, ENC_INT, false, 0, key, klen, 0);
    insertNew(db, e);
  } else if (entryEncoding(e) != ENC_INT) {
    const ttl = hasTtl(e);
    e = reshapeFound(db, e, TYPE_STRING, ENC_INT, ttl, ttl ? expireAtOf(e) : 0, 0);
  }
  store<i64>(valuePtrOf(e), result);
  touch(e, lruClock);
  return <i32>formatInteger(result, outputFor(MAX_INTEGER_TEXT));
}
