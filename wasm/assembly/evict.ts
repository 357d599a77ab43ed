// Redis's approximated eviction (evict.c, 7.0): one key per call, chosen by sampling.
//
// LRU / LFU / TTL policies keep a pool of the 16 best candidates seen so far (EVPOOL_SIZE),
// sorted by ascending "idle" score: each call samples `samples` keys of every db (all keys,
// or only the keys with a TTL for volatile-*), inserts them as evictionPoolPopulate does,
// then evicts the best candidate that still exists, from the right end. The pool holds entry
// addresses plus their key hash (not key copies as Redis does): a candidate is still valid
// only while its block is indexed under that hash, which the engine checks before deleting.
// Random policies pick a random key of the next non-empty db (round robin, as Redis).
//
// With PICK_ONLY the victim is chosen and reported (its key at resultPtr, its db) but left in
// place until evictPicked() deletes it: while a snapshot walk runs, the shard saves the key's
// before-image in between, as a write command's does (src/server/memory.ts).
//
// Scores are "coldness" on a scale every shard shares, so that shards can compare their best
// candidates for the server-wide maxmemory (src/server/memory.ts): for LRU the key's last
// access time negated (Redis stores the idle time at sampling, which goes stale), for LFU
// 255 - the decayed counter, for TTL the expiry time negated.

import { lfuCounterOf } from "./access";
import { outputFor } from "./buffers";
import { idleMsOf, lruClock } from "./clock";
import { DB_COUNT, Db, dbAt, findEntryByHash, keyCount, removeFound, volatileOf } from "./db";
import { randomEntry, randomTable } from "./scan";
import { expireAtOf, hasTtl, keyLenOf, keyPtrOf, lruOf } from "./entry";
import { hashBytes } from "./hash";
import { nextRandom } from "./random";
import { NOT_FOUND } from "./status";
import { TOMBSTONE, nextSegmentStart, slotAt, slotEntry, slotHash } from "./table";
import { volatileGet } from "./volatile";

/** evictKey's policy: the score kind in the low bits, plus ALLKEYS. */
export const SCORE_LRU: i32 = 0;
export const SCORE_LFU: i32 = 1;
export const SCORE_TTL: i32 = 2;
export const SCORE_RANDOM: i32 = 3;
export const ALLKEYS: i32 = 4;
/** evictOne's flag: report the victim, delete it only at evictPicked(). */
export const PICK_ONLY: i32 = 8;

const POOL_SIZE: i32 = 16;
/** A pool bucket: f64 score, u32 entry (0 = empty), u32 key hash, i32 db, 4 padding. */
const BUCKET: usize = 24;
const pool: usize = memory.data(16 * 24, 8);
/** A sample never walks more than this many index slots per wanted key (dictGetSomeKeys). */
const WALK_FACTOR: i32 = 10;
/** LRU clock ticks in ms (clock.ts's resolution). */
const LRU_TICK_MS: f64 = 1000;

/** evictOne's answer when its best candidate is less cold than `above`: another shard's is
 * colder, so nothing was evicted here (the candidates stay in the pool). */
export const COLDER_ELSEWHERE: i32 = -100;

let evictedDbIndex: i32 = 0;
let nextRandomDb: i32 = 0;
/** The victim a PICK_ONLY call reported (0: none) and its key hash, in db evictedDbIndex. */
let pickedEntry: usize = 0;
let pickedHash: u32 = 0;

export function evictedDb(): i32 {
  return evictedDbIndex;
}

// @ts-ignore: decorator
@inline function bucketAt(k: i32): usize {
  return pool + <usize>k * BUCKET;
}
// @ts-ignore: decorator
@inline function bucketEntry(k: i32): u32 {
  return load<u32>(bucketAt(k), 8);
}
// @ts-ignore: decorator
@inline function bucketScore(k: i32): f64 {
  return load<f64>(bucketAt(k));
}

/** Higher = better to evict: -last access in ms (LRU; idle time minus the clock, so a key
 * from before the 194-day clock wrap stays the coldest), 255 - decayed counter (LFU),
 * -expiry (TTL). */
function scoreOf(e: usize, kind: i32): f64 {
  if (kind == SCORE_LFU) return <f64>(255 - lfuCounterOf(lruOf(e)));
  if (kind == SCORE_TTL) return -<f64>expireAtOf(e);
  return idleMsOf(lruOf(e)) - <f64>lruClock * LRU_TICK_MS;
}

/** evictionPoolPopulate's insertion of one sampled key. */
function poolInsert(db: i32, e: usize, hash: u32, score: f64): void {
  let k = 0;
  while (k < POOL_SIZE && bucketEntry(k) != 0 && bucketScore(k) < score) k++;
  if (k == 0 && bucketEntry(POOL_SIZE - 1) != 0) return; // worse than all, and no room
  if (k < POOL_SIZE && bucketEntry(k) == 0) {
    // an empty bucket: nothing to shift
  } else if (bucketEntry(POOL_SIZE - 1) == 0) {
    memory.copy(bucketAt(k + 1), bucketAt(k), <usize>(POOL_SIZE - k - 1) * BUCKET);
  } else {
    k--; // full: drop the worst (leftmost) candidate
    memory.copy(pool, pool + BUCKET, <usize>k * BUCKET);
  }
  const b = bucketAt(k);
  store<f64>(b, score);
  store<u32>(b, <u32>e, 8);
  store<u32>(b, hash, 12);
  store<i32>(b, db, 16);
}

/** Samples up to `samples` keys of the db's index from a random slot on (dictGetSomeKeys). */
function sampleAllKeys(dbIndex: i32, db: Db, samples: i32, kind: i32): void {
  const r = nextRandom();
  const t = randomTable(db, r);
  let idx = <u32>r & t.mask;
  let found = 0;
  for (let steps = 0; steps < samples * WALK_FACTOR && found < samples; steps++) {
    const slot = slotAt(t, idx);
    if (slot == 0) {
      idx = nextSegmentStart(idx) & t.mask;
      continue;
    }
    const e = slotEntry(slot);
    if (e > TOMBSTONE) {
      poolInsert(dbIndex, e, slotHash(slot), scoreOf(e, kind));
      found++;
    }
    idx = (idx + 1) & t.mask;
  }
}

/** Samples `samples` distinct keys with a TTL of the db: a run of the volatile list from a
 * random position (as dictGetSomeKeys walks consecutive buckets). */
function sampleVolatile(dbIndex: i32, db: Db, samples: i32, kind: i32): void {
  const list = volatileOf(db);
  let at = <u32>(nextRandom() % <u64>list.count);
  for (let i = 0; i < samples; i++, at++) {
    if (at >= list.count) at = 0;
    const e = volatileGet(list, at);
    poolInsert(dbIndex, e, hashBytes(keyPtrOf(e), keyLenOf(e)), scoreOf(e, kind));
  }
}

/** Candidates in this db for the policy. */
function candidates(db: Db, allKeys: bool): u32 {
  return allKeys ? keyCount(db) : volatileOf(db).count;
}

/** Copies the key to the output, deletes it (found just before) unless `pickOnly`, and
 * returns its length. */
function evictEntry(dbIndex: i32, db: Db, e: usize, hash: u32, pickOnly: bool): i32 {
  const klen = keyLenOf(e);
  memory.copy(outputFor(klen), keyPtrOf(e), klen);
  if (pickOnly) {
    pickedEntry = e;
    pickedHash = hash;
  } else {
    removeFound(db, e);
  }
  evictedDbIndex = dbIndex;
  return <i32>klen;
}

/**
 * Deletes the victim the last PICK_ONLY evictOne reported: its key's length, or NOT_FOUND
 * when there is none (or it is gone: the caller changed nothing in between, so it never is).
 * It is found again by address and hash (its slot may have moved: a lookup in between steps
 * the rehash).
 */
export function evictPicked(): i32 {
  const e = pickedEntry;
  if (e == 0) return NOT_FOUND;
  pickedEntry = 0;
  const db = dbAt(evictedDbIndex);
  if (!findEntryByHash(db, e, pickedHash)) return NOT_FOUND;
  const klen = keyLenOf(e);
  removeFound(db, e);
  return <i32>klen;
}

function evictRandom(allKeys: bool, pickOnly: bool): i32 {
  for (let i = 0; i < DB_COUNT; i++) {
    nextRandomDb = (nextRandomDb + 1) % DB_COUNT;
    const db = dbAt(nextRandomDb);
    const n = candidates(db, allKeys);
    if (n == 0) continue;
    const e = allKeys ? randomEntry(db) : volatileGet(volatileOf(db), <u32>(nextRandom() % <u64>n));
    const hash = hashBytes(keyPtrOf(e), keyLenOf(e));
    findEntryByHash(db, e, hash);
    return evictEntry(nextRandomDb, db, e, hash, pickOnly);
  }
  return NOT_FOUND;
}

/** Keys the policy may evict (random policies weigh shards by it). */
export function evictionCandidates(policy: i32): f64 {
  const allKeys = (policy & ALLKEYS) != 0;
  let n: f64 = 0;
  for (let i = 0; i < DB_COUNT; i++) n += <f64>candidates(dbAt(i), allKeys);
  return n;
}

/** The score of the pool's best candidate (not checked to still exist), -Infinity if empty. */
export function evictionPoolBest(): f64 {
  for (let k = POOL_SIZE - 1; k >= 0; k--) if (bucketEntry(k) != 0) return bucketScore(k);
  return -Infinity;
}

/**
 * Evicts one key chosen by the policy (SCORE_* | ALLKEYS, + PICK_ONLY: chosen, deleted by
 * evictPicked()): returns its length (key bytes at resultPtr, db from evictedDb()), NOT_FOUND
 * when no key qualifies, or COLDER_ELSEWHERE when the best candidate scores below `above`
 * (random policies ignore it).
 */
export function evictOne(policy: i32, samples: i32, above: f64): i32 {
  const kind = policy & 3;
  const allKeys = (policy & ALLKEYS) != 0;
  const pickOnly = (policy & PICK_ONLY) != 0;
  pickedEntry = 0;
  if (kind == SCORE_RANDOM) return evictRandom(allKeys, pickOnly);
  const wanted = max(samples, 1);
  while (true) {
    let total: u32 = 0;
    for (let i = 0; i < DB_COUNT; i++) {
      const db = dbAt(i);
      const n = candidates(db, allKeys);
      if (n == 0) continue;
      total += n;
      const count = <i32>min<u32>(<u32>wanted, n); // dictGetSomeKeys never returns more
      if (allKeys) sampleAllKeys(i, db, count, kind);
      else sampleVolatile(i, db, count, kind);
    }
    if (total == 0) return NOT_FOUND;
    // From the best candidate down; ghosts (deleted, moved, or lost their TTL) are dropped.
    for (let k = POOL_SIZE - 1; k >= 0; k--) {
      const e = <usize>bucketEntry(k);
      if (e == 0) continue;
      const b = bucketAt(k);
      const dbIndex = load<i32>(b, 16);
      const hash = load<u32>(b, 12);
      const db = dbAt(dbIndex);
      const valid = findEntryByHash(db, e, hash) && (allKeys || hasTtl(e));
      if (valid && bucketScore(k) < above) return COLDER_ELSEWHERE;
      store<u32>(b, 0, 8);
      if (valid) return evictEntry(dbIndex, db, e, hash, pickOnly);
    }
    // Every candidate was a ghost: sample again (Redis loops the same way).
  }
}

/** Forgets every candidate (a switch of policy makes the old scores meaningless). */
export function evictionPoolClear(): void {
  memory.fill(pool, 0, <usize>POOL_SIZE * BUCKET);
}
