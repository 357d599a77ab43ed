// IronCache engine: the exports JS calls (see wasm/README.md for the calling convention).
// Keys/values arrive in the scratch area: key at offset 0, second argument right after it.
// `db` is 0..15 (anything else traps).

import { bytesAllocated, reserveMemory } from "./alloc";
import { reserveScratch, resultAt } from "./buffers";
import { setNow } from "./clock";
import { DB_COUNT, dbAt, flushDb, keyCount, volatileOf } from "./db";
import { setHashSeed } from "./hash";
import { lazyFree } from "./lazyfree";
import {
  deleteKey, expireTimeOf, getObject, idleTimeOf, keyIsLive, persistKey, setKeyExpire, setObject, typeOfKey,
} from "./keys";
import { expireSample, lastScanCount as scanKeyCount, randomKey, scanDb, seedRandom } from "./scan";
import { lastOldLength, stringGet, stringIncrBy, stringSet } from "./strings";

// ---- calling convention -----------------------------------------------------------------

export function scratchReserve(n: usize): usize {
  return reserveScratch(n);
}

export function resultPtr(): usize {
  return resultAt;
}

export function setClock(nowMs: f64): void {
  setNow(nowMs);
}

/**
 * Seeds key hashing and RANDOMKEY. Only allowed while every db is empty (the hash decides
 * where keys live); returns 1 when applied.
 */
export function setSeed(lo: u32, hi: u32): i32 {
  for (let i = 0; i < DB_COUNT; i++) if (keyCount(dbAt(i)) != 0) return 0;
  const seed = (<u64>hi << 32) | <u64>lo;
  setHashSeed(seed);
  seedRandom(seed ^ 0xD1B54A32D192ED03);
  return 1;
}

// ---- strings ------------------------------------------------------------------------------

export function strGet(db: i32, klen: usize): i32 {
  return stringGet(dbAt(db), klen);
}

export function strSet(db: i32, klen: usize, vlen: usize, expireAtMs: f64, flags: i32): i32 {
  return stringSet(dbAt(db), klen, vlen, expireAtMs, flags);
}

export function lastOldLen(): i32 {
  return lastOldLength();
}

/** `negate` != 0 makes it DECRBY (so DECRBY -9223372036854775808 reports its own error). */
export function strIncrBy(db: i32, klen: usize, dlen: usize, negate: i32): i32 {
  return stringIncrBy(dbAt(db), klen, dlen, negate != 0);
}

// ---- keys ---------------------------------------------------------------------------------

export function keyDelete(db: i32, klen: usize): i32 {
  return deleteKey(dbAt(db), klen);
}

export function keyExists(db: i32, klen: usize): i32 {
  return keyIsLive(dbAt(db), klen);
}

export function keyType(db: i32, klen: usize): i32 {
  return typeOfKey(dbAt(db), klen);
}

export function keySetExpire(db: i32, klen: usize, atMs: f64, flags: i32): i32 {
  return setKeyExpire(dbAt(db), klen, atMs, flags);
}

export function keyPersist(db: i32, klen: usize): i32 {
  return persistKey(dbAt(db), klen);
}

export function keyExpireAt(db: i32, klen: usize): f64 {
  return expireTimeOf(dbAt(db), klen);
}

export function keyIdleMs(db: i32, klen: usize): f64 {
  return idleTimeOf(dbAt(db), klen);
}

export function keySetObject(db: i32, klen: usize, type: u32, handle: u32): i32 {
  return setObject(dbAt(db), klen, type, handle);
}

export function keyGetObject(db: i32, klen: usize, type: u32): i32 {
  return getObject(dbAt(db), klen, type);
}

// ---- databases ------------------------------------------------------------------------------

export function dbSize(db: i32): i32 {
  return <i32>keyCount(dbAt(db));
}

export function dbFlush(db: i32): void {
  flushDb(dbAt(db), false);
}

/**
 * FLUSHDB ASYNC: the db is empty at once; its memory is freed by later lazyFreeStep calls
 * (and a little on every insert). memoryUsed() keeps counting it until then.
 */
export function dbFlushAsync(db: i32): void {
  flushDb(dbAt(db), true);
}

/** Frees flushed memory, visiting at most `slots` index slots; returns the tables still queued. */
export function lazyFreeStep(slots: u32): i32 {
  return lazyFree(slots);
}

export function dbScan(db: i32, cursor: f64, count: i32): f64 {
  return scanDb(dbAt(db), cursor, count);
}

export function lastScanCount(): i32 {
  return scanKeyCount();
}

export function dbRandomKey(db: i32): i32 {
  return randomKey(dbAt(db));
}

export function activeExpire(db: i32, samples: i32): i32 {
  return expireSample(dbAt(db), samples);
}

export function volatileCount(db: i32): i32 {
  return <i32>volatileOf(dbAt(db)).count;
}

export function memoryUsed(): f64 {
  return <f64>bytesAllocated();
}

/** Pre-grows memory by about `bytes` (see reserveMemory in alloc.ts); returns the memory size. */
export function memoryReserve(bytes: f64): f64 {
  return reserveMemory(bytes);
}
