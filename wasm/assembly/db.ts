// The 16 databases: each an incrementally rehashed index plus its list of keys with a TTL.
// Every key operation goes through findKey (which also advances a pending rehash a little,
// as Redis's dict does) and then works on the slot it found.

import { memAlloc, memFree, memResize, capacityOf } from "./alloc";
import { freeObject } from "./objects";
import { freshAccess } from "./access";
import { isExpired } from "./clock";
import {
  entryEncoding, entrySize, entryType, expireAtOf, hasTtl, keyLenOf, keyOffsetFor, keyPtrOf, lruOf, rawFlagOf,
  setVolatileIndexOf, valueBytes, valueLenOf, valuePtrOf, volatileIndexOf, writeHeader, ENC_RAW, ENC_OBJ,
} from "./entry";
import { hashBytes } from "./hash";
import { freeTableLater, freeTableNow, lazyFree, pendingFrees } from "./lazyfree";
import {
  Table, TOMBSTONE, foundIndex, isLastOfSegment, nextSegmentStart, releaseSegmentOf, setSlotEntry, slotAt,
  slotEntry, slotHash, tableBury, tableFind, tableFindEntry, tableFree, tableInsert, tableNew, tableRemove, tableSlots,
} from "./table";
import { noteExpired, noteNewKey, rememberMiss } from "./key_event_log";
import { VolatileList, volatileAdd, volatileClear, volatileRemove, volatileSet } from "./volatile";

export const DB_COUNT: i32 = 16;
const MIN_SLOTS: u32 = 8;
/** Per rehash step: slots looked at (an unwritten segment counts as one) ... */
const REHASH_VISITS: i32 = 64;
/** ... and entries moved at most. */
const REHASH_MOVES: i32 = 16;
/** Slots of flushed tables freed per insert while a FLUSHDB ASYNC backlog exists. */
const LAZY_FREE_STEP: u32 = 64;
/** A rewritten entry keeps its block unless this much would be wasted. */
const SHRINK_SLACK: usize = 64;
/** Growth in place (APPEND, SETRANGE) over-allocates like sds (sdsMakeRoomFor): double the
 * size up to this, then add this much, so repeated appends copy O(n) bytes in total. */
const GROW_STEP_MAX: usize = 1 << 20;

@unmanaged export class Db {
  /** The table that receives inserts (0 until the first key). */
  live: usize;
  /** The previous table while an incremental rehash empties it into `live`, else 0. */
  draining: usize;
  /** Next slot of `draining` to migrate. */
  rehashIndex: u32;
  volatile: usize;
}

// Each db is followed by its VolatileList, in static memory (4 + 4 fields of 4 bytes).
const DB_STRIDE: usize = 32;
const dbArea: usize = memory.data(16 * 32, 16);

/** The index of a db (0..15). */
export function dbIndexOf(db: Db): i32 {
  return <i32>((changetype<usize>(db) - dbArea) / DB_STRIDE);
}

/** The db with this index; traps on an index outside 0..15 rather than corrupting memory. */
export function dbAt(index: i32): Db {
  if (<u32>index >= <u32>DB_COUNT) unreachable();
  const db = changetype<Db>(dbArea + <usize>index * DB_STRIDE);
  if (db.volatile == 0) db.volatile = changetype<usize>(db) + offsetof<Db>();
  return db;
}

// @ts-ignore: decorator
@inline export function volatileOf(db: Db): VolatileList {
  return changetype<VolatileList>(db.volatile);
}

export function keyCount(db: Db): u32 {
  let n: u32 = 0;
  if (db.live != 0) n += changetype<Table>(db.live).used;
  if (db.draining != 0) n += changetype<Table>(db.draining).used;
  return n;
}

// ---- lookup ---------------------------------------------------------------------------

/** Hash of the key given to the last findKey (reused when inserting it). */
export let keyHash: u32 = 0;
/** Where the last found entry sits: its table, slot index and slot address. */
let foundTable: usize = 0;
let foundAt: u32 = 0;
let foundSlot: usize = 0;

function findIn(table: usize, key: usize, klen: usize): usize {
  if (table == 0) return 0;
  const slot = tableFind(changetype<Table>(table), keyHash, key, klen);
  if (slot == 0) return 0;
  foundTable = table;
  foundAt = foundIndex;
  foundSlot = slot;
  return slotEntry(slot);
}

/** The entry for a key, expired or not, or 0. */
export function findKey(db: Db, key: usize, klen: usize): usize {
  if (db.draining != 0) stepRehash(db);
  keyHash = hashBytes(key, klen);
  const e = findIn(db.live, key, klen);
  return e != 0 ? e : findIn(db.draining, key, klen);
}

/** findKey with lazy expiry: an expired key is deleted and reported missing. */
export function findLiveKey(db: Db, key: usize, klen: usize): usize {
  const e = findKey(db, key, klen);
  if (e != 0 && isExpired(e)) {
    noteExpired(db, e);
    removeFound(db, e);
    rememberMiss(db, key, klen);
    return 0;
  }
  if (e == 0) rememberMiss(db, key, klen);
  return e;
}

/** Locates an entry reached other than by key (active expiry, random key) so it can be removed. */
export function findEntry(db: Db, e: usize): void {
  if (!findEntryByHash(db, e, hashBytes(keyPtrOf(e), keyLenOf(e)))) unreachable(); // every entry is indexed
}

/**
 * Locates entry address `e` under its key's hash without reading the entry, so it may be a
 * stale address (an eviction pool candidate): true (and found, for removal) only while a
 * slot of the db indexes that address.
 */
export function findEntryByHash(db: Db, e: usize, hash: u32): bool {
  for (let i = 0; i < 2; i++) {
    const table = i == 0 ? db.live : db.draining;
    if (table == 0) continue;
    const slot = tableFindEntry(changetype<Table>(table), hash, e);
    if (slot != 0) {
      foundTable = table;
      foundAt = foundIndex;
      foundSlot = slot;
      return true;
    }
  }
  return false;
}

// ---- insert / remove -----------------------------------------------------------------

/** newEntry's `access` for a key created now (Redis createObject: LRU clock or LFU_INIT_VAL). */
export const FRESH_ACCESS: i32 = -1;

/**
 * A new entry holding the key, with header written; the caller writes the value, then inserts.
 * `raw` is 0 or FLAG_RAW; `access` an access field, or FRESH_ACCESS. (No default parameters:
 * AssemblyScript would route every call through a varargs trampoline.)
 */
export function newEntry(
  type: u32, encoding: u32, ttl: bool, expireAt: i64, key: usize, klen: usize, vlen: usize, raw: u32, access: i32,
): usize {
  const e = memAlloc(entrySize(encoding, ttl, klen, vlen));
  writeHeader(e, type, encoding, ttl, expireAt, klen, vlen, access >= 0 ? <u32>access : freshAccess(), raw);
  memory.copy(keyPtrOf(e), key, klen);
  return e;
}

/** A new entry with `e`'s type, encoding, flags, TTL and value under another key (RENAME, COPY).
 * `access` as for newEntry. The caller inserts it (insertKeyed). */
export function cloneEntry(e: usize, key: usize, klen: usize, access: i32): usize {
  const encoding = entryEncoding(e);
  const rawLen: usize = encoding == ENC_RAW ? valueLenOf(e) : 0;
  const ttl = hasTtl(e);
  const copy = newEntry(entryType(e), encoding, ttl, ttl ? expireAtOf(e) : 0, key, klen, rawLen, rawFlagOf(e), access);
  memory.copy(valuePtrOf(copy), valuePtrOf(e), valueBytes(encoding, rawLen));
  return copy;
}

/** Indexes an entry whose key is absent from the db, whatever lookups happened since. */
export function insertKeyed(db: Db, e: usize): void {
  keyHash = hashBytes(keyPtrOf(e), keyLenOf(e));
  insertNew(db, e);
}

/** Indexes a new entry whose key missed in the last findKey. */
export function insertNew(db: Db, e: usize): void {
  // Writes allocate, so they also advance any FLUSHDB ASYNC backlog a little.
  if (pendingFrees() != 0) lazyFree(LAZY_FREE_STEP);
  if (db.live == 0) db.live = changetype<usize>(tableNew(MIN_SLOTS));
  tableInsert(changetype<Table>(db.live), keyHash, e);
  if (hasTtl(e)) volatileAdd(volatileOf(db), e);
  growIfNeeded(db);
  noteNewKey(db, e);
}

/** Deletes the entry found by the last lookup. */
export function removeFound(db: Db, e: usize): void {
  unlinkFound(db, e);
  freeEntry(e);
}

/** Frees an entry no db indexes any more, and the object it owns (objects.ts). */
export function freeEntry(e: usize): void {
  if (entryEncoding(e) == ENC_OBJ) freeObject(entryType(e), load<u32>(valuePtrOf(e)));
  memFree(e);
}

/** Takes the entry found by the last lookup out of the db without freeing it (MOVE). */
export function unlinkFound(db: Db, e: usize): void {
  if (foundTable == db.live) tableRemove(changetype<Table>(foundTable), foundAt);
  else tableBury(changetype<Table>(foundTable), foundAt);
  if (hasTtl(e)) volatileRemove(volatileOf(db), volatileIndexOf(e));
  shrinkIfSparse(db);
}

/**
 * Gives the found entry a new shape (type, encoding, TTL, value length, raw flag), keeping its
 * key and the first `keepBytes` bytes of its value (all of it when only the TTL changes, the
 * old text when a string grows); in place when the block still fits. Returns the entry with
 * its header written; the caller writes the rest of the value at valuePtrOf. With `grow`
 * (APPEND, SETRANGE) a new block gets room to spare and a roomy block is not trimmed.
 */
export function reshapeFound(
  db: Db, e: usize, type: u32, encoding: u32, ttl: bool, expireAt: i64, vlen: usize, keepBytes: usize = 0,
  raw: u32 = 0, grow: bool = false,
): usize {
  const klen = keyLenOf(e);
  // The old object goes unless its handle is kept (only a TTL change keeps it).
  if (keepBytes == 0 && entryEncoding(e) == ENC_OBJ) freeObject(entryType(e), load<u32>(valuePtrOf(e)));
  // Key and value are adjacent in every layout, so one move carries both.
  const moved = klen + keepBytes;
  const hadTtl = hasTtl(e);
  const volatileIndex = hadTtl ? volatileIndexOf(e) : 0;
  const lru = lruOf(e);
  const size = entrySize(encoding, ttl, klen, vlen);
  const keyOffset = keyOffsetFor(encoding, ttl, klen, vlen);
  const capacity = capacityOf(e);
  let target = e;
  if (size <= capacity) {
    memory.copy(e + keyOffset, keyPtrOf(e), moved); // overlapping move is fine
    if (!grow && capacity - size >= SHRINK_SLACK) memResize(e, size); // TLSF shrinks in place
  } else {
    target = memAlloc(grow ? size + min<usize>(size, GROW_STEP_MAX) : size);
    memory.copy(target + keyOffset, keyPtrOf(e), moved);
    memFree(e);
    setSlotEntry(foundSlot, target);
  }
  writeHeader(target, type, encoding, ttl, expireAt, klen, vlen, lru, raw);
  const list = volatileOf(db);
  if (hadTtl && ttl) {
    setVolatileIndexOf(target, volatileIndex);
    if (target != e) volatileSet(list, volatileIndex, target);
  } else if (hadTtl) {
    volatileRemove(list, volatileIndex);
  } else if (ttl) {
    volatileAdd(list, target);
  }
  return target;
}

/** Changes only the found entry's TTL (`ttl` false: none), keeping everything else. */
export function retimeFound(db: Db, e: usize, ttl: bool, expireAt: i64): usize {
  const encoding = entryEncoding(e);
  const rawLen: usize = encoding == ENC_RAW ? valueLenOf(e) : 0;
  return reshapeFound(
    db, e, entryType(e), encoding, ttl, expireAt, rawLen, valueBytes(encoding, rawLen), rawFlagOf(e),
  );
}

/** Deletes every key of a db: now, or (`later`) by queueing its tables for lazyFree steps. */
export function flushDb(db: Db, later: bool): void {
  for (let i = 0; i < 2; i++) {
    const table = i == 0 ? db.live : db.draining;
    if (table == 0) continue;
    if (later) freeTableLater(changetype<Table>(table));
    else freeTableNow(changetype<Table>(table));
  }
  db.live = 0;
  db.draining = 0;
  db.rehashIndex = 0;
  volatileClear(volatileOf(db));
}

/** SWAPDB: the two dbs exchange their tables, rehash state and volatile lists. */
export function swapDbs(a: Db, b: Db): void {
  if (a == b) return;
  const live = a.live, draining = a.draining, rehashIndex = a.rehashIndex;
  a.live = b.live;
  a.draining = b.draining;
  a.rehashIndex = b.rehashIndex;
  b.live = live;
  b.draining = draining;
  b.rehashIndex = rehashIndex;
  // The lists move by value (their entries keep their indexes); each db keeps its own slot.
  const la = volatileOf(a), lb = volatileOf(b);
  const pages = la.pages, pageCapacity = la.pageCapacity, count = la.count, cursor = la.cursor;
  la.pages = lb.pages;
  la.pageCapacity = lb.pageCapacity;
  la.count = lb.count;
  la.cursor = lb.cursor;
  lb.pages = pages;
  lb.pageCapacity = pageCapacity;
  lb.count = count;
  lb.cursor = cursor;
}

/**
 * Sizes an empty db's index for `keys` keys (an RDB's RESIZEDB), so loading them never
 * rehashes; a db that holds keys is left alone. Slots are written lazily (table.ts), so an
 * index of any size costs nothing until keys arrive.
 */
export function reserveSlots(db: Db, keys: u32): void {
  if (db.live != 0 || db.draining != 0 || keys == 0) return;
  const wanted: u32 = min<u32>(keys, 1 << 28) * 4 / 3 + 1; // under the 3/4 growth threshold
  db.live = changetype<usize>(tableNew(max<u32>(MIN_SLOTS, <u32>1 << (32 - clz<u32>(wanted - 1)))));
}

// ---- incremental rehash ------------------------------------------------------------------

function startRehash(db: Db, slots: u32): void {
  db.draining = db.live;
  db.live = changetype<usize>(tableNew(slots));
  db.rehashIndex = 0;
}

/** Moves a bounded number of entries from the draining table into the live one. */
export function stepRehash(db: Db): void {
  const t = changetype<Table>(db.draining);
  const live = changetype<Table>(db.live);
  let visits = REHASH_VISITS;
  let moves = REHASH_MOVES;
  let idx = db.rehashIndex;
  while (idx <= t.mask && t.used > 0 && visits > 0 && moves > 0) {
    visits--;
    const slot = slotAt(t, idx);
    if (slot == 0) {
      idx = nextSegmentStart(idx);
      continue;
    }
    const e = slotEntry(slot);
    if (e > TOMBSTONE) {
      tableInsert(live, slotHash(slot), e);
      tableBury(t, idx);
      moves--;
    }
    if (isLastOfSegment(idx)) releaseSegmentOf(t, idx);
    idx++;
  }
  db.rehashIndex = idx;
  if (t.used == 0 || idx > t.mask) {
    tableFree(t);
    db.draining = 0;
    shrinkIfSparse(db);
  }
}

function growIfNeeded(db: Db): void {
  const live = changetype<Table>(db.live);
  const slots = tableSlots(live);
  if (db.draining != 0) {
    // Cannot happen with the step sizes above; finish the old rehash rather than overfill.
    if (<u64>live.used * 8 <= <u64>slots * 7) return;
    while (db.draining != 0) stepRehash(db);
  }
  if (<u64>live.used * 4 > <u64>slots * 3) startRehash(db, slots * 2);
}

function shrinkIfSparse(db: Db): void {
  if (db.draining != 0 || db.live == 0) return;
  const live = changetype<Table>(db.live);
  if (live.used == 0) {
    tableFree(live);
    db.live = 0;
    return;
  }
  const slots = tableSlots(live);
  if (slots > MIN_SLOTS && <u64>live.used * 8 < <u64>slots) {
    // Half full afterwards: far from both the grow and the next shrink threshold.
    const target = max<u32>(MIN_SLOTS, <u32>1 << (32 - clz<u32>(live.used * 2 - 1)));
    startRehash(db, target);
  }
}
