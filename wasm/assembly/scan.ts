// Whole-db walks: SCAN (Redis dictScan's reverse-binary cursor), RANDOMKEY, active expiry.
//
// SCAN works on logical buckets: bucket b of a table is every entry whose hash & mask == b,
// found by walking the probe run from slot b up to an empty slot. Entries move physically
// (backward-shift deletes, rehash) but never change bucket within a table, so Redis's
// argument holds unchanged: a key present for a whole scan is returned at least once.

import { outputFor, outputGrow, scratchBase } from "./buffers";
import { writerBegin, writerLength, writerReserve } from "./bytewriter";
import { appendBlob } from "./keymove";
import { hashBytes } from "./hash";
import { isExpired, nowMsExact } from "./clock";
import { Db, findEntry, findKey, keyCount, removeFound, stepRehash, volatileOf } from "./db";
import { expireAtOf, hasTtl, keyLenOf, keyPtrOf } from "./entry";
import { EMPTY, TOMBSTONE, Table, nextSegmentStart, slotAt, slotEntry, slotHash } from "./table";
import { volatileGet } from "./volatile";
import { NOT_FOUND } from "./status";
import { nextRandom } from "./random";
import { noteExpired } from "./key_event_log";

// ---- SCAN ---------------------------------------------------------------------------------

let scanned: i32 = 0;
let scanBytes: usize = 0;

export function lastScanCount(): i32 {
  return scanned;
}

function emitKey(e: usize): void {
  const klen = keyLenOf(e);
  const out = outputGrow(scanBytes, 4 + klen);
  store<u32>(out + scanBytes, <u32>klen);
  memory.copy(out + scanBytes + 4, keyPtrOf(e), klen);
  scanBytes += 4 + klen;
  scanned++;
}

function emitBucket(t: Table, bucket: u32): void {
  const mask = t.mask;
  let idx = bucket;
  while (true) {
    const slot = slotAt(t, idx);
    if (slot == 0) return;
    const e = slotEntry(slot);
    if (e == EMPTY) return;
    if (e != TOMBSTONE && (slotHash(slot) & mask) == bucket) {
      // A snapshot holds keys expired but not reclaimed yet, as a fork's copy of them does.
      if (!recordMode) {
        if (!isExpired(e)) emitKey(e);
      } else if (reverseBits(<u64>slotHash(slot)) >= snapshotFloor) emitRecord(e);
    }
    idx = (idx + 1) & mask;
    if (idx == bucket) return;
  }
}

function reverseBits(v: u64): u64 {
  v = ((v >> 1) & 0x5555555555555555) | ((v & 0x5555555555555555) << 1);
  v = ((v >> 2) & 0x3333333333333333) | ((v & 0x3333333333333333) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0F) | ((v & 0x0F0F0F0F0F0F0F0F) << 4);
  return bswap<u64>(v);
}

/** Increments the cursor's reversed bits above `mask` (dict.c: v |= ~m; rev; ++; rev). */
// @ts-ignore: decorator
@inline function advance(v: u64, mask: u64): u64 {
  return reverseBits(reverseBits(v | ~mask) + 1);
}

/** One dictScan call: the cursor's bucket in the smaller table and its expansions in the larger. */
function scanStep(db: Db, v: u64): u64 {
  if (db.draining == 0) {
    const t = changetype<Table>(db.live);
    emitBucket(t, <u32>v & t.mask);
    return advance(v, t.mask);
  }
  let small = changetype<Table>(db.live);
  let large = changetype<Table>(db.draining);
  if (small.mask > large.mask) {
    const swap = small;
    small = large;
    large = swap;
  }
  const m0: u64 = small.mask;
  const m1: u64 = large.mask;
  emitBucket(small, <u32>(v & m0));
  do {
    emitBucket(large, <u32>(v & m1));
    v = advance(v, m1);
  } while (v & (m0 ^ m1));
  return v;
}

/** Like Redis scanGenericCommand: steps until `count` keys or count*10 buckets or the end. */
export function scanDb(db: Db, cursor: f64, count: i32): f64 {
  scanned = 0;
  scanBytes = 0;
  outputFor(0);
  if (keyCount(db) == 0 || db.live == 0) return 0;
  let v = <u64>cursor;
  let budget = max<i32>(count, 1) * 10;
  do {
    v = scanStep(db, v);
    budget--;
  } while (v != 0 && budget > 0 && scanned < count);
  return <f64>v;
}

// ---- snapshot walk (BGSAVE, the AOF base) ----------------------------------------------------
//
// A snapshot step writes whole records, [u32 klen][key][i64 expireAt, -1 none][DUMP blob], so
// JS copies one block per step instead of calling the engine per key. A key's walk position
// is its hash bit-reversed: the reversed cursor only grows, and every key below it was
// returned already (the argument that makes SCAN skip nothing), so a step emits only keys at
// or above where it started and the walk returns each key once, even across a resize.

let recordMode = false;
let snapshotFloor: u64 = 0;

/** Appends the entry's snapshot record to the writer. */
export function writeRecord(e: usize): void {
  const klen = keyLenOf(e);
  const at = writerReserve(12 + klen);
  store<u32>(at, <u32>klen);
  memory.copy(at + 4, keyPtrOf(e), klen);
  store<i64>(at + 4 + klen, hasTtl(e) ? expireAtOf(e) : -1);
  appendBlob(e);
}

function emitRecord(e: usize): void {
  writeRecord(e);
  scanned++;
}

/** Like scanDb, but writes records, and stops early once `maxBytes` are written. Touches no
 * key and expires none. */
export function snapshotScanDb(db: Db, cursor: f64, count: i32, maxBytes: usize): f64 {
  scanned = 0;
  writerBegin();
  if (keyCount(db) == 0 || db.live == 0) return 0;
  recordMode = true;
  let v = <u64>cursor;
  let budget = max<i32>(count, 1) * 10;
  do {
    snapshotFloor = reverseBits(v);
    v = scanStep(db, v);
    budget--;
  } while (v != 0 && budget > 0 && scanned < count && writerLength() < maxBytes);
  recordMode = false;
  return <f64>v;
}

/** The record of the key at scratch as a snapshot step would write it (its length), or
 * NOT_FOUND when it is missing. An expired key not reclaimed yet has one (left in place). */
export function snapshotKeyRecord(db: Db, klen: usize): i32 {
  const e = findKey(db, scratchBase(), klen);
  if (e == 0) return NOT_FOUND;
  writerBegin();
  emitRecord(e);
  return <i32>writerLength();
}

/** 1 when a walk of the db that reached `cursor` has passed the key at scratch, else 0. */
export function snapshotPassed(klen: usize, cursor: f64): i32 {
  return reverseBits(<u64>hashBytes(scratchBase(), klen)) < reverseBits(<u64>cursor) ? 1 : 0;
}

// ---- random ---------------------------------------------------------------------------------

/** Some entry of `t` (which has at least one): the first one at or after a random slot. */
function entryNear(t: Table, start: u32): usize {
  let idx = start & t.mask;
  while (true) {
    const slot = slotAt(t, idx);
    if (slot == 0) {
      idx = nextSegmentStart(idx) & t.mask;
      continue;
    }
    const e = slotEntry(slot);
    if (e > TOMBSTONE) return e;
    idx = (idx + 1) & t.mask;
  }
}

/** One of the db's tables (it has keys), chosen by the high bits of `r` in proportion to
 * their keys (a sparse draining table would otherwise cost long walks). */
export function randomTable(db: Db, r: u64): Table {
  const live = changetype<Table>(db.live);
  const liveUsed: u64 = db.live != 0 ? live.used : 0;
  return <u64>(r >> 32) % <u64>keyCount(db) < liveUsed ? live : changetype<Table>(db.draining);
}

/** A random entry of a db that has keys. */
export function randomEntry(db: Db): usize {
  const r = nextRandom();
  return entryNear(randomTable(db, r), <u32>r);
}

/** Give up after this many expired picks (each of which is deleted), as a stall bound. */
const RANDOM_KEY_TRIES: i32 = 1000;

export function randomKey(db: Db): i32 {
  for (let tries = 0; tries < RANDOM_KEY_TRIES; tries++) {
    if (keyCount(db) == 0) return NOT_FOUND;
    const e = randomEntry(db);
    if (!isExpired(e)) {
      const klen = keyLenOf(e);
      memory.copy(outputFor(klen), keyPtrOf(e), klen);
      return <i32>klen;
    }
    findEntry(db, e);
    noteExpired(db, e);
    removeFound(db, e);
  }
  return NOT_FOUND;
}

// ---- active expiry -----------------------------------------------------------------------------

/**
 * Checks up to `samples` keys that have a TTL, continuing where the last call stopped, and
 * deletes the expired ones. Returns how many were deleted (callers repeat while that is a
 * large share, as Redis's activeExpireCycle does).
 */
export function expireSample(db: Db, samples: i32): i32 {
  if (db.draining != 0) stepRehash(db);
  const list = volatileOf(db);
  let expired = 0;
  for (let i = 0; i < samples && list.count != 0; i++) {
    if (list.cursor >= list.count) list.cursor = 0;
    const e = volatileGet(list, list.cursor);
    if (nowMsExact > expireAtOf(e)) {
        findEntry(db, e);
      noteExpired(db, e);
      removeFound(db, e); // the list's last item moves into the cursor position
      expired++;
    } else {
      list.cursor++;
    }
  }
  return expired;
}
