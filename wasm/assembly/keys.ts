// Type-independent key commands: DEL, EXISTS, TYPE, EXPIRE family, PERSIST, PEXPIRETIME,
// OBJECT IDLETIME, and opaque object handles for the types implemented outside the engine.

import { scratchBase } from "./buffers";
import { idleMsOf, lruClock, nowMs } from "./clock";
import { Db, findLiveKey, insertNew, newEntry, removeFound, reshapeFound } from "./db";
import {
  ENC_OBJ, ENC_RAW, TYPE_MAX, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, lruOf, setExpireAtOf, touch, valueLenOf,
  valuePtrOf,
} from "./entry";
import { EXPIRE_GT, EXPIRE_LT, EXPIRE_NX, EXPIRE_XX, NOT_FOUND, WRONG_TYPE } from "./status";

const NO_KEY: f64 = -2;
const NO_EXPIRY: f64 = -1;

// @ts-ignore: decorator
@inline function lookup(db: Db, klen: usize): usize {
  return findLiveKey(db, scratchBase(), klen);
}

/** Raw value length, which reshaping needs to preserve; 0 for fixed-size encodings. */
// @ts-ignore: decorator
@inline function rawLenOf(e: usize): usize {
  return entryEncoding(e) == ENC_RAW ? valueLenOf(e) : 0;
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
export function setKeyExpire(db: Db, klen: usize, atMs: f64, flags: i32): i32 {
  const e = lookup(db, klen);
  if (e == 0) return 0;
  const ttl = hasTtl(e);
  if ((flags & EXPIRE_NX) && ttl) return 0;
  if ((flags & EXPIRE_XX) && !ttl) return 0;
  if ((flags & EXPIRE_GT) && (!ttl || atMs <= expireAtOf(e))) return 0;
  if ((flags & EXPIRE_LT) && ttl && atMs >= expireAtOf(e)) return 0;
  if (atMs <= nowMs) {
    removeFound(db, e); // Redis checkAlreadyExpired: deleting counts as success
    return 1;
  }
  if (ttl) setExpireAtOf(e, atMs);
  else reshapeFound(db, e, entryType(e), entryEncoding(e), true, atMs, rawLenOf(e), true);
  return 1;
}

export function persistKey(db: Db, klen: usize): i32 {
  const e = lookup(db, klen);
  if (e == 0 || !hasTtl(e)) return 0;
  reshapeFound(db, e, entryType(e), entryEncoding(e), false, 0, rawLenOf(e), true);
  return 1;
}

export function expireTimeOf(db: Db, klen: usize): f64 {
  const e = lookup(db, klen);
  if (e == 0) return NO_KEY;
  return hasTtl(e) ? expireAtOf(e) : NO_EXPIRY;
}

export function idleTimeOf(db: Db, klen: usize): f64 {
  const e = lookup(db, klen);
  return e == 0 ? NO_KEY : idleMsOf(lruOf(e));
}

/**
 * Makes the key hold an object of `type` identified by `handle` (its storage lives outside
 * the engine). A new key has no TTL; an existing key of any type is replaced, keeping its TTL.
 * Returns 0, or WRONG_TYPE for a type that is not an object type.
 */
export function setObject(db: Db, klen: usize, type: u32, handle: u32): i32 {
  if (type == TYPE_STRING || type > TYPE_MAX) return WRONG_TYPE;
  const key = scratchBase();
  let e = findLiveKey(db, key, klen);
  if (e == 0) {
    e = newEntry(type, ENC_OBJ, false, 0, key, klen, 0);
    insertNew(db, e);
  } else {
    const ttl = hasTtl(e);
    e = reshapeFound(db, e, type, ENC_OBJ, ttl, ttl ? expireAtOf(e) : 0, 0);
    touch(e, lruClock);
  }
  store<u32>(valuePtrOf(e), handle);
  return 0;
}

/** The handle stored by setObject, or NOT_FOUND / WRONG_TYPE. */
export function getObject(db: Db, klen: usize, type: u32): i32 {
  const e = lookup(db, klen);
  if (e == 0) return NOT_FOUND;
  if (entryType(e) != type || entryEncoding(e) != ENC_OBJ) return WRONG_TYPE;
  touch(e, lruClock);
  return <i32>load<u32>(valuePtrOf(e));
}
