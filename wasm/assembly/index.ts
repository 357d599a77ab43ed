// IronCache engine: the exports JS calls (see wasm/README.md for the calling convention).
// Keys/values arrive in the scratch area: key at offset 0, second argument right after it.
// `db` is 0..15 (anything else traps).

import { setAccessMode } from "./access";
import {
  bytesAllocated,
  bytesCached,
  highestAddressUsed,
  releaseCachedBlocks,
  reserveMemory,
} from "./alloc";
import { reserveScratch, resultAt } from "./buffers";
import { setExpiryNow, setLoading, setNow } from "./clock";
import { DB_COUNT, dbAt, flushDb, keyCount, stepRehash, swapDbs, volatileOf } from "./db";
import { setHashSeed } from "./hash";
import { keyEventLogAt, setKeyEventKinds, takeKeyEventLog } from "./key_event_log";
import { lazyFree } from "./lazyfree";
import {
  evictedDb,
  evictionCandidates,
  evictionPoolBest,
  evictionPoolClear,
  evictOne,
  evictPicked,
} from "./evict";
import { keyMemoryUsage } from "./memusage";
import {
  copyKey, dumpKey, moveKey, renameKey, restoreKey,
} from "./keymove";
import {
  deleteKey, encodingOfKey, expireTimeOf, freqOfKey, idleTimeOf, keyIsLive, lookupRead, persistKey,
  setKeyExpire, touchKey, typeOfKey,
} from "./keys";
import { setLimits } from "./limits";
import { writerLength } from "./bytewriter";
import { seedRandom } from "./random";
import {
  expireSample, lastScanCount as scanKeyCount, randomKey, scanDb, snapshotKeyRecord, snapshotPassed, snapshotScanDb,
} from "./scan";
import { expiredKeys, keyspaceHits, keyspaceMisses, resetCounters } from "./stats";
import {
  lastOldLength, stringAppend, stringGet, stringGetRange, stringIncrBy, stringIncrByNumber, stringLength,
  stringSet, stringSetRange,
} from "./strings";

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

export function setExpiryClock(nowMs: f64): void {
  setExpiryNow(nowMs);
}

/** While an AOF is replayed: no key expires, past expiry times are kept (clock.ts). */
export function setLoadingMode(on: i32): void {
  setLoading(on != 0);
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

// Expiry times are int64 ms, as Redis's long long. JS passes them as numbers while they are
// exact in a double, which every real one is; one beyond 2^53 is staged with
// stageExpireAt (a BigInt) and passed as NaN. keyExpireAt answers NaN for such a time, which
// lastExpireAt then gives exactly.
let stagedExpireAt: i64 = 0;

export function stageExpireAt(atMs: i64): void {
  stagedExpireAt = atMs;
}

export function lastExpireAt(): i64 {
  return stagedExpireAt;
}

/** An expiry time argument: a whole number of ms, or NaN for the staged one. */
// @ts-ignore: decorator
@inline function expireArg(atMs: f64): i64 {
  return isNaN(atMs) ? stagedExpireAt : <i64>atMs;
}

const EXACT_DOUBLE_MAX: i64 = 9007199254740991; // 2^53 - 1, JS MAX_SAFE_INTEGER

export function strSet(db: i32, klen: usize, vlen: usize, expireAtMs: f64, flags: i32): i32 {
  return stringSet(dbAt(db), klen, vlen, expireArg(expireAtMs), flags);
}

export function lastOldLen(): i32 {
  return lastOldLength();
}

/** `negate` != 0 makes it DECRBY (so DECRBY -9223372036854775808 reports its own error). */
export function strIncrBy(db: i32, klen: usize, dlen: usize, negate: i32): i32 {
  return stringIncrBy(dbAt(db), klen, dlen, negate != 0);
}

/** INCRBY by a safe integer (|delta| <= 2^53) JS already holds: no delta text to copy. */
export function strIncrByNum(db: i32, klen: usize, delta: f64): i32 {
  return stringIncrByNumber(dbAt(db), klen, delta);
}

export function strAppend(db: i32, klen: usize, vlen: usize, maxLen: f64): i32 {
  return stringAppend(dbAt(db), klen, vlen, maxLen);
}

export function strSetRange(db: i32, klen: usize, vlen: usize, offset: f64, maxLen: f64): i32 {
  return stringSetRange(dbAt(db), klen, vlen, offset, maxLen);
}

export function strGetRange(db: i32, klen: usize, start: f64, end: f64): i32 {
  return stringGetRange(dbAt(db), klen, start, end);
}

export function strLen(db: i32, klen: usize): i32 {
  return stringLength(dbAt(db), klen);
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
  return setKeyExpire(dbAt(db), klen, expireArg(atMs), flags);
}

export function keyPersist(db: i32, klen: usize): i32 {
  return persistKey(dbAt(db), klen);
}

/** The key's expiry time; `read` != 0 counts it as a read lookup (TTL and friends). */
export function keyExpireAt(db: i32, klen: usize, read: i32): f64 {
  const at = expireTimeOf(dbAt(db), klen, read != 0);
  if (at <= EXACT_DOUBLE_MAX && at >= -EXACT_DOUBLE_MAX) return <f64>at;
  stagedExpireAt = at;
  return NaN;
}

export function keyIdleMs(db: i32, klen: usize): f64 {
  return idleTimeOf(dbAt(db), klen);
}

export function keyTouch(db: i32, klen: usize): i32 {
  return touchKey(dbAt(db), klen);
}

export function keyLookupRead(db: i32, klen: usize): i32 {
  return lookupRead(dbAt(db), klen);
}

export function keyEncoding(db: i32, klen: usize): i32 {
  return encodingOfKey(dbAt(db), klen);
}

export function keyFreq(db: i32, klen: usize): i32 {
  return freqOfKey(dbAt(db), klen);
}

export function keyRename(db: i32, klen: usize, nlen: usize, nx: i32): i32 {
  return renameKey(dbAt(db), klen, nlen, nx != 0);
}

export function keyMove(srcDb: i32, dstDb: i32, klen: usize): i32 {
  return moveKey(dbAt(srcDb), dbAt(dstDb), klen);
}

export function keyCopy(srcDb: i32, klen: usize, dstDb: i32, nlen: usize, replace: i32): i32 {
  return copyKey(dbAt(srcDb), klen, dbAt(dstDb), nlen, replace != 0);
}

export function keyDump(db: i32, klen: usize, flags: i32): i32 {
  return dumpKey(dbAt(db), klen, flags);
}

/** `freq` (0-255) / `idleSeconds`: RESTORE's FREQ / IDLETIME or an RDB record's; -1: not given. */
export function keyRestore(
  db: i32, klen: usize, blen: usize, expireAtMs: f64, flags: i32, freq: i32, idleSeconds: f64,
): i32 {
  return restoreKey(dbAt(db), klen, blen, expireArg(expireAtMs), flags, freq, <i64>idleSeconds);
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

export function snapshotScan(db: i32, cursor: f64, count: i32, maxBytes: usize): f64 {
  return snapshotScanDb(dbAt(db), cursor, count, maxBytes);
}

export function snapshotBytes(): usize {
  return writerLength();
}

export function snapshotKey(db: i32, klen: usize): i32 {
  return snapshotKeyRecord(dbAt(db), klen);
}

export function snapshotKeyPassed(klen: usize, cursor: f64): i32 {
  return snapshotPassed(klen, cursor);
}

export function dbRandomKey(db: i32): i32 {
  return randomKey(dbAt(db));
}

export function activeExpire(db: i32, samples: i32): i32 {
  return expireSample(dbAt(db), samples);
}

/** Redis's activerehashing: up to `steps` rehash steps of a db whose index is being rehashed
 * (the cron's share, so an idle shard frees the old table instead of keeping it until
 * enough commands have walked it). Returns 1 while the rehash is still going on. */
export function dbRehashStep(db: i32, steps: i32): i32 {
  const d = dbAt(db);
  for (let i = 0; i < steps && d.draining != 0; i++) stepRehash(d);
  return d.draining != 0 ? 1 : 0;
}

export function volatileCount(db: i32): i32 {
  return <i32>volatileOf(dbAt(db)).count;
}

export function dbSwap(a: i32, b: i32): void {
  swapDbs(dbAt(a), dbAt(b));
}

// ---- access tracking and stats ------------------------------------------------------------------

/** mode 0 LRU, 1 LFU (with lfu-log-factor and lfu-decay-time in minutes). */
export function setEvictionMode(mode: i32, logFactor: f64, decayMinutes: i32): void {
  setAccessMode(mode == 1, logFactor, <u32>max(decayMinutes, 0));
}

export function statKeyspaceHits(): f64 {
  return <f64>keyspaceHits;
}

export function statKeyspaceMisses(): f64 {
  return <f64>keyspaceMisses;
}

export function statExpiredKeys(): f64 {
  return <f64>expiredKeys;
}

/** Which key events to log (key_event_log.ts KEY_* bits: expired 1, new 2, keymiss 4); 0
 * (the default) logs none and drops the log. */
export function keyEventLogEnable(kinds: i32): void {
  setKeyEventKinds(<u32>kinds);
}

/** Bytes logged since the last call ([u32 db | kind << 8][u32 klen][key]...), at
 * `keyEventLogPtr()`. */
export function keyEventLogTake(): usize {
  return takeKeyEventLog();
}

export function keyEventLogPtr(): usize {
  return keyEventLogAt();
}

export function statsReset(): void {
  resetCounters();
}

export function memoryUsed(): f64 {
  return <f64>bytesAllocated();
}

/** Freed blocks the allocator keeps for reuse (alloc.ts), not counted in memoryUsed. */
export function memoryCached(): f64 {
  return <f64>bytesCached();
}

/** The end of the highest block ever allocated (Wasm pages touched up to there). */
export function memoryHighWater(): f64 {
  return <f64>highestAddressUsed();
}

/** MEMORY PURGE: gives the kept freed blocks back to the allocator; the bytes released. */
export function memoryPurge(): f64 {
  return <f64>releaseCachedBlocks();
}

/**
 * Evicts one key chosen by `policy` (0 LRU, 1 LFU, 2 TTL, 3 random; + 4 all keys, else only
 * keys with a TTL; + 8 pick only: the key stays until evictKeyPicked) from `samples` keys per
 * db and the eviction pool (evict.ts): the key's length (bytes at resultPtr, db from
 * evictKeyDb()), NOT_FOUND when no key qualifies, or COLDER_ELSEWHERE (-100) when the best
 * candidate scores below `above`.
 */
export function evictKey(policy: i32, samples: i32, above: f64): i32 {
  return evictOne(policy, samples, above);
}

/** Deletes the key the last evictKey with "pick only" chose: its length, or NOT_FOUND. */
export function evictKeyPicked(): i32 {
  return evictPicked();
}

/** The eviction pool's best score (evict.ts scale), -Infinity when empty. */
export function evictPoolBest(): f64 {
  return evictionPoolBest();
}

/** Keys `policy` may evict, over every db. */
export function evictCandidates(policy: i32): f64 {
  return evictionCandidates(policy);
}

export function evictKeyDb(): i32 {
  return evictedDb();
}

/** Empties the eviction pool (the policy changed). */
export function evictPoolReset(): void {
  evictionPoolClear();
}

/** MEMORY USAGE: bytes the key takes (entry, index slot, object), -1 missing. */
export function keyMemory(db: i32, klen: usize): f64 {
  return keyMemoryUsage(dbAt(db), klen);
}

/** Pre-grows memory by about `bytes` (see reserveMemory in alloc.ts); returns the memory size. */
export function memoryReserve(bytes: f64): f64 {
  return reserveMemory(bytes);
}

// ---- typed values: one module of exports per type ----------------------------------------------

/** Bytes of the item list the last typed operation produced (items.ts), at resultPtr. */
export { itemsByteLength } from "./items";
export * from "./api_list";
export * from "./api_hash";
export * from "./api_set";
export * from "./api_zset";

/** The *-max-listpack-* / set-max-intset-entries settings (limits.ts). */
export function setEncodingLimits(
  hashEntries: u32, hashValue: u32, setIntset: u32, zsetEntries: u32, zsetValue: u32, listSize: i32,
): void {
  setLimits(hashEntries, hashValue, setIntset, zsetEntries, zsetValue, listSize);
}
export * from "./api_bitmap";
export * from "./api_hll";

/** RDB loading in bulk (rdb_load.ts): a batch of key records per call. */
export { loadBuffer, loadRecords, takeLoadedKeys, loadErrorAt } from "./rdb_load";
