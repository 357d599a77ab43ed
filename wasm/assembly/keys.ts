// Type-independent key commands: DEL, EXISTS, TYPE, EXPIRE family, PERSIST, PEXPIRETIME,
// TOUCH, OBJECT IDLETIME / ENCODING / FREQ.

import { lfuCounterOf, touchEntry } from "./access";
import { scratchBase } from "./buffers";
import { idleMsOf, loading, nowMsExact } from "./clock";
import { Db, findLiveKey, removeFound, retimeFound } from "./db";
import {
  ENC_INT, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, lruOf, rawFlagOf,
  setExpireAtOf, valueLenOf, valuePtrOf,
} from "./entry";
import { objectEncoding } from "./objects";
import { countLookup, countLookupQuietly } from "./stats";
import { EXPIRE_GT, EXPIRE_LT, EXPIRE_NX, EXPIRE_XX, NOT_FOUND, WRONG_TYPE } from "./status";

/** keyEncoding results: what Redis 7.0's OBJECT ENCODING reports for a string. */
export const REPORT_RAW: i32 = 0;
export const REPORT_INT: i32 = 1;
export const REPORT_EMBSTR: i32 = 2;
// Objects report 4.. (objects.ts REPORT_*).
/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_MAX: usize = 44;

const NO_KEY: f64 = -2;
const NO_EXPIRY: i64 = -1;

// @ts-ignore: decorator
@inline function lookup(db: Db, klen: usize): usize {
  return findLiveKey(db, scratchBase(), klen);
}

export function deleteKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  if (e == 0) return 0;
  removeFound(db, e);
  return 1;
}

export function keyIsLive(db: Db, klen: usize): i32 {
  return lookup(db, klen) != 0 ? 1 : 0;
}

export function typeOfKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  return e == 0 ? -1 : <i32>entryType(e);
}

/** Redis 7 EXPIRE/PEXPIREAT with NX/XX/GT/LT; a key without TTL counts as infinite TTL. */
export function setKeyExpire(db: Db, klen: usize, atMs: i64, flags: i32): i32 {
  const e = lookup(db, klen);
  if (e == 0) return 0;
  touchEntry(e); // Redis: lookupKeyWrite
  const ttl = hasTtl(e);
  if ((flags & EXPIRE_NX) && ttl) return 0;
  if ((flags & EXPIRE_XX) && !ttl) return 0;
  if ((flags & EXPIRE_GT) && (!ttl || atMs <= expireAtOf(e))) return 0;
  if ((flags & EXPIRE_LT) && ttl && atMs >= expireAtOf(e)) return 0;
  if (atMs <= nowMsExact && !loading) {
    removeFound(db, e); // Redis checkAlreadyExpired: deleting counts as success
    return 1;
  }
  if (ttl) setExpireAtOf(e, atMs);
  else retimeFound(db, e, true, atMs);
  return 1;
}

export function persistKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  if (e == 0) return 0;
  touchEntry(e); // Redis: lookupKeyWrite
  if (!hasTtl(e)) return 0;
  retimeFound(db, e, false, 0);
  return 1;
}

export function expireTimeOf(db: Db, klen: usize, read: bool): i64 {
  const e = lookup(db, klen);
  if (read) countLookup(e != 0);
  if (e == 0) return <i64>NO_KEY;
  return hasTtl(e) ? expireAtOf(e) : NO_EXPIRY;
}

export function idleTimeOf(db: Db, klen: usize): f64 {
  const e = lookup(db, klen);
  return e == 0 ? NO_KEY : idleMsOf(lruOf(e));
}

// ---- read lookups that count (Redis lookupKeyRead*) ------------------------------------------

/** TOUCH: 1 when the key exists (its access time / LFU counter updated), else 0. */
export function touchKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  countLookup(e != 0);
  if (e == 0) return 0;
  touchEntry(e);
  return 1;
}

/** A counted read lookup that does not touch (LOOKUP_NOTOUCH: EXISTS, TYPE, TTL, OBJECT):
 * the type code, or -1 when missing. */
export function lookupRead(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  countLookup(e != 0);
  return e == 0 ? -1 : <i32>entryType(e);
}

/** What OBJECT ENCODING reports for the key (REPORT_*), or NOT_FOUND. A counted lookup. */
export function encodingOfKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  countLookupQuietly(e != 0);
  if (e == 0) return NOT_FOUND;
  return encodingReport(e);
}

export function encodingReport(e: usize): i32 {
  if (entryType(e) != TYPE_STRING) return objectEncoding(entryType(e), load<u32>(valuePtrOf(e)));
  if (entryEncoding(e) == ENC_INT) return REPORT_INT;
  return rawFlagOf(e) == 0 && valueLenOf(e) <= EMBSTR_MAX ? REPORT_EMBSTR : REPORT_RAW;
}

/** OBJECT FREQ: the key's LFU counter after decay (meaningful in LFU mode), or -1 missing. */
export function freqOfKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  countLookupQuietly(e != 0);
  return e == 0 ? -1 : <i32>lfuCounterOf(lruOf(e));
}
