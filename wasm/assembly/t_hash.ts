// Hash objects (Redis's t_hash.c), in the two encodings Redis 7.0 uses and reports:
//
// listpack   one block: a u32 header (field count in bits 1-10, bytes of pairs in bits
//            11-31), then the pairs back to back in insertion order (so HGETALL of a small
//            hash lists fields in Redis's order).
// hashtable  a 24-byte header: u32 (count << 1 | 1), u32 slots, u32 mask, u32 old slots,
//            u32 old mask, u32 rehash index. Each pair is its own block; the slots are u32
//            open addressing with linear probing: the pair's address (TLSF payloads are
//            16-byte aligned) | 4 tag bits of the field's hash, 0 = empty, 1 = tombstone
//            (only in a table being drained). Growth (at 3/4) and shrinking (below 1/8) are
//            incremental: the old table drains into the new one a few slots per operation,
//            lookups check both, deletes in the old table leave tombstones; the live table
//            deletes by backward shifting. No hash is stored: rehashing hashes the field again.
//
// A pair, in both: one header byte (field length << 4 | value length) when the field is
// under 15 bytes and the value under 16, else 0xff and both lengths as LEB128 varints; then
// the field and the value. A listpack becomes a hashtable above hash-max-listpack-entries
// fields or when a field or value longer than hash-max-listpack-value is set (or beyond what
// its header counts: 1023 fields, 2 MB); never back.

import { capacityOf, memAlloc, memAllocZeroed, memFree, memResize } from "./alloc";
import { writeBlob, writeU32 } from "./bytewriter";
import { bytesEqual, hashBytes } from "./hash";
import { itemBytes, itemCount } from "./items";
import { hashMaxListpackEntries, hashMaxListpackValue } from "./limits";
import { REPORT_HASHTABLE, REPORT_LISTPACK } from "./objects";
import { nextRandom } from "./random";

// ---- pairs ------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function varintSize(n: usize): usize {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint(p: usize, n: usize): usize {
  while (n >= 0x80) {
    store<u8>(p++, <u8>(n | 0x80));
    n >>= 7;
  }
  store<u8>(p++, <u8>n);
  return p;
}

/** Where the last readVarint stopped. */
let varintEnd: usize = 0;

// @ts-ignore: decorator
@inline function readVarint(p: usize): usize {
  let b = <usize>load<u8>(p);
  if (b < 0x80) {
    varintEnd = p + 1;
    return b;
  }
  let n = b & 0x7f;
  let shift: usize = 7;
  p++;
  do {
    b = <usize>load<u8>(p++);
    n |= (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80);
  varintEnd = p;
  return n;
}

/** Set by readPair: the pair's field, value and end. */
export let pairField: usize = 0;
export let pairFieldLen: usize = 0;
export let pairValue: usize = 0;
export let pairValueLen: usize = 0;
export let pairEnd: usize = 0;

/** A pair header byte with this high nibble is followed by the two lengths as varints. */
const LONG_PAIR: u32 = 0xff;

// @ts-ignore: decorator
@inline function isShortPair(flen: usize, vlen: usize): bool {
  return flen < 15 && vlen < 16;
}

/** Reads the pair header at p: sets pairFieldLen / pairValueLen, returns where the field starts. */
// @ts-ignore: decorator
@inline function readLengths(p: usize): usize {
  const b = <u32>load<u8>(p);
  if (b != LONG_PAIR) {
    pairFieldLen = <usize>(b >> 4);
    pairValueLen = <usize>(b & 15);
    return p + 1;
  }
  pairFieldLen = readVarint(p + 1);
  pairValueLen = readVarint(varintEnd);
  return varintEnd;
}

export function readPair(p: usize): void {
  pairField = readLengths(p);
  pairValue = pairField + pairFieldLen;
  pairEnd = pairValue + pairValueLen;
}

// @ts-ignore: decorator
@inline function pairSize(flen: usize, vlen: usize): usize {
  return (isShortPair(flen, vlen) ? 1 : 1 + varintSize(flen) + varintSize(vlen)) + flen + vlen;
}

/** A pair: one byte (field length << 4 | value length) when both are short, else 0xff and
 * two varints; then the field and the value. */
function writePair(p: usize, f: usize, flen: usize, v: usize, vlen: usize): void {
  if (isShortPair(flen, vlen)) {
    store<u8>(p++, <u8>((flen << 4) | vlen));
  } else {
    store<u8>(p, <u8>LONG_PAIR);
    p = writeVarint(writeVarint(p + 1, flen), vlen);
  }
  memory.copy(p, f, flen);
  memory.copy(p + flen, v, vlen);
}

/** Does the pair at p hold this field? */
// @ts-ignore: decorator
@inline function fieldIs(p: usize, f: usize, flen: usize): bool {
  const at = readLengths(p);
  return pairFieldLen == flen && bytesEqual(at, f, flen);
}

function hashOfPair(p: usize): u32 {
  const at = readLengths(p);
  return hashBytes(at, pairFieldLen);
}

// ---- the object header ---------------------------------------------------------------------------

// The first u32 of either encoding: bit 0 set for a hashtable. A hashtable keeps its field
// count in the other 31 bits; a listpack packs count (bits 1-10) and the bytes of its pairs
// (bits 11-31), so its header is 4 bytes.
const LP_COUNT_MAX: u32 = 0x3ff;
const LP_BYTES_MAX: usize = 0x1fffff;

// @ts-ignore: decorator
@inline export function isTable(o: usize): bool {
  return (load<u32>(o) & 1) != 0;
}

// @ts-ignore: decorator
@inline export function fieldCount(o: usize): u32 {
  const h = load<u32>(o);
  return (h & 1) != 0 ? h >> 1 : (h >> 1) & LP_COUNT_MAX;
}

/** A hashtable's count. */
// @ts-ignore: decorator
@inline function setFieldCount(o: usize, n: u32): void {
  store<u32>(o, (n << 1) | 1);
}

/** 1 when the last setField added a field (0: replaced a value). */
export let lastAdded: i32 = 0;
/** 1 when the last deleteField removed a field. */
export let lastRemoved: i32 = 0;

// ---- listpack --------------------------------------------------------------------------------------

const LP_HEADER: usize = 4;
/** A listpack that shrank keeps its block unless this much would be wasted. */
const LP_SLACK: usize = 64;

// @ts-ignore: decorator
@inline function lpUsed(o: usize): usize {
  return <usize>(load<u32>(o) >> 11);
}

// @ts-ignore: decorator
@inline function lpSetHeader(o: usize, count: u32, used: usize): void {
  store<u32>(o, (<u32>used << 11) | (count << 1));
}

export function newListpack(): usize {
  const o = memAlloc(LP_HEADER);
  store<u32>(o, 0);
  return o;
}

/** The pair holding the field, or 0 (readPair's globals describe a found pair). */
function lpFind(o: usize, f: usize, flen: usize): usize {
  let p = o + LP_HEADER;
  const end = p + lpUsed(o);
  while (p < end) {
    readPair(p);
    if (pairFieldLen == flen && bytesEqual(pairField, f, flen)) return p;
    p = pairEnd;
  }
  return 0;
}

/** Room for `used` bytes of pairs; the block may move. */
function lpReserve(o: usize, used: usize): usize {
  return LP_HEADER + used > capacityOf(o) ? memResize(o, LP_HEADER + used) : o;
}

function lpTrim(o: usize): usize {
  const size = LP_HEADER + lpUsed(o);
  return capacityOf(o) - size >= LP_SLACK ? memResize(o, size) : o;
}

/** Would setting this pair overflow the listpack header (1023 fields, 2 MB of pairs)? */
function lpOverflows(o: usize, flen: usize, vlen: usize): bool {
  return fieldCount(o) >= LP_COUNT_MAX || lpUsed(o) + pairSize(flen, vlen) > LP_BYTES_MAX;
}

function lpSet(o: usize, f: usize, flen: usize, v: usize, vlen: usize): usize {
  const used = lpUsed(o);
  const count = fieldCount(o);
  const p = lpFind(o, f, flen);
  const size = pairSize(flen, vlen);
  if (p == 0) {
    o = lpReserve(o, used + size);
    writePair(o + LP_HEADER + used, f, flen, v, vlen);
    lpSetHeader(o, count + 1, used + size);
    lastAdded = 1;
    return o;
  }
  // Rewrite the pair in place (its field is `f`), moving the pairs after it.
  const at = p - o;
  const tailAt = pairEnd - o;
  const tailLen = o + LP_HEADER + used - pairEnd;
  const oldSize = pairEnd - p;
  const newUsed = used - oldSize + size;
  if (size > oldSize) o = lpReserve(o, newUsed);
  if (size != oldSize) memory.copy(o + at + size, o + tailAt, tailLen);
  writePair(o + at, f, flen, v, vlen);
  lpSetHeader(o, count, newUsed);
  if (size < oldSize) o = lpTrim(o);
  lastAdded = 0;
  return o;
}

function lpDelete(o: usize, f: usize, flen: usize): usize {
  const p = lpFind(o, f, flen);
  if (p == 0) {
    lastRemoved = 0;
    return o;
  }
  const used = lpUsed(o);
  const end = o + LP_HEADER + used;
  memory.copy(p, pairEnd, end - pairEnd);
  lpSetHeader(o, fieldCount(o) - 1, used - (pairEnd - p));
  lastRemoved = 1;
  return lpTrim(o);
}

/** The pair at position `index` (walks from the start). */
function lpPairAt(o: usize, index: u32): usize {
  let p = o + LP_HEADER;
  for (let i: u32 = 0; i < index; i++) {
    readPair(p);
    p = pairEnd;
  }
  return p;
}

// ---- hashtable ---------------------------------------------------------------------------------------

const HT_HEADER: usize = 24;
const MIN_SLOTS: u32 = 8;
const TOMBSTONE: u32 = 1;
const TAG_MASK: u32 = 15;
/** Old-table slots migrated per operation while a resize is in progress. */
const REHASH_VISITS: u32 = 64;
/** A pair block rewritten with a shorter value is reallocated when this much would be wasted. */
const PAIR_SLACK: usize = 32;

// @ts-ignore: decorator
@inline function slotsOf(o: usize): usize {
  return <usize>load<u32>(o, 4);
}
// @ts-ignore: decorator
@inline function maskOf(o: usize): u32 {
  return load<u32>(o, 8);
}
// @ts-ignore: decorator
@inline function oldSlotsOf(o: usize): usize {
  return <usize>load<u32>(o, 12);
}
// @ts-ignore: decorator
@inline function oldMaskOf(o: usize): u32 {
  return load<u32>(o, 16);
}
// @ts-ignore: decorator
@inline function slotAt(table: usize, i: u32): usize {
  return table + (<usize>i << 2);
}
// @ts-ignore: decorator
@inline function tagOf(h: u32): u32 {
  return h >> 28;
}
// @ts-ignore: decorator
@inline function pairOf(slot: u32): usize {
  return <usize>(slot & ~TAG_MASK);
}

/** The smallest table (power of two, >= MIN_SLOTS) holding n fields at most 3/4 full. */
function slotsFor(n: u32): u32 {
  let size = MIN_SLOTS;
  while (<u64>n * 4 > <u64>size * 3) size <<= 1;
  return size;
}

function newTable(slots: u32): usize {
  const o = memAlloc(HT_HEADER);
  store<u32>(o, 1);
  store<u32>(o, <u32>memAllocZeroed(<usize>slots << 2), 4);
  store<u32>(o, slots - 1, 8);
  store<u32>(o, 0, 12);
  store<u32>(o, 0, 16);
  store<u32>(o, 0, 20);
  return o;
}

/** Where htFind found the pair: in the old table, at this slot index. */
let foundInOld = false;
let foundIndex: u32 = 0;

function findIn(table: usize, mask: u32, f: usize, flen: usize, h: u32): usize {
  const tag = tagOf(h);
  let i = h & mask;
  let s = load<u32>(slotAt(table, i));
  while (s != 0) {
    if (s != TOMBSTONE && (s & TAG_MASK) == tag && fieldIs(pairOf(s), f, flen)) {
      foundIndex = i;
      return pairOf(s);
    }
    i = (i + 1) & mask;
    s = load<u32>(slotAt(table, i));
  }
  return 0;
}

function htFind(o: usize, f: usize, flen: usize, h: u32): usize {
  foundInOld = false;
  const p = findIn(slotsOf(o), maskOf(o), f, flen, h);
  if (p != 0 || oldSlotsOf(o) == 0) return p;
  foundInOld = true;
  return findIn(oldSlotsOf(o), oldMaskOf(o), f, flen, h);
}

/** Puts a pair into the live table (its field must be absent). */
function insertLive(o: usize, pair: usize, h: u32): void {
  const table = slotsOf(o), mask = maskOf(o);
  let i = h & mask;
  while (load<u32>(slotAt(table, i)) != 0) i = (i + 1) & mask;
  store<u32>(slotAt(table, i), <u32>pair | tagOf(h));
}

/** Empties slot i of the live table, shifting back the entries of its probe run. */
function removeLive(o: usize, i: u32): void {
  const table = slotsOf(o), mask = maskOf(o);
  let hole = i;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const s = load<u32>(slotAt(table, j));
    if (s == 0) break;
    const home = hashOfPair(pairOf(s)) & mask;
    // The entry may fill the hole when the hole lies between its home and j.
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      store<u32>(slotAt(table, hole), s);
      hole = j;
    }
  }
  store<u32>(slotAt(table, hole), 0);
}

/** Migrates up to `visits` old slots into the live table; frees the old one when drained. */
function rehashStep(o: usize, visits: u32): void {
  const old = oldSlotsOf(o);
  if (old == 0) return;
  const mask = oldMaskOf(o);
  let i = load<u32>(o, 20);
  while (visits > 0 && i <= mask) {
    const at = slotAt(old, i);
    const s = load<u32>(at);
    if (s > TOMBSTONE) {
      insertLive(o, pairOf(s), hashOfPair(pairOf(s)));
      store<u32>(at, TOMBSTONE); // runs crossing this slot must still be probed through
    }
    visits--;
    i++;
  }
  if (i > mask) {
    memFree(old);
    store<u32>(o, 0, 12);
    store<u32>(o, 0, 16);
    i = 0;
  }
  store<u32>(o, i, 20);
}

/** Finishes a pending resize (HSCAN and random picks walk one table). */
function drain(o: usize): void {
  while (oldSlotsOf(o) != 0) rehashStep(o, 0xffffffff);
}

function startResize(o: usize, slots: u32): void {
  drain(o);
  store<u32>(o, <u32>slotsOf(o), 12);
  store<u32>(o, maskOf(o), 16);
  store<u32>(o, 0, 20);
  store<u32>(o, <u32>memAllocZeroed(<usize>slots << 2), 4);
  store<u32>(o, slots - 1, 8);
  rehashStep(o, REHASH_VISITS);
}

function growIfFull(o: usize): void {
  const slots = maskOf(o) + 1;
  if (<u64>fieldCount(o) * 4 > <u64>slots * 3) startResize(o, slots << 1);
}

function shrinkIfSparse(o: usize): void {
  const slots = maskOf(o) + 1;
  const n = fieldCount(o);
  if (oldSlotsOf(o) != 0 || slots <= MIN_SLOTS || n == 0 || <u64>n * 8 >= <u64>slots) return;
  let target = MIN_SLOTS;
  while (target < n * 2) target <<= 1;
  startResize(o, target);
}

function newPair(f: usize, flen: usize, v: usize, vlen: usize): usize {
  const p = memAlloc(pairSize(flen, vlen));
  writePair(p, f, flen, v, vlen);
  return p;
}

function htSet(o: usize, f: usize, flen: usize, v: usize, vlen: usize): void {
  rehashStep(o, REHASH_VISITS);
  const h = hashBytes(f, flen);
  const p = htFind(o, f, flen, h);
  if (p == 0) {
    insertLive(o, newPair(f, flen, v, vlen), h);
    setFieldCount(o, fieldCount(o) + 1);
    growIfFull(o);
    lastAdded = 1;
    return;
  }
  lastAdded = 0;
  const size = pairSize(flen, vlen);
  const capacity = capacityOf(p);
  if (size <= capacity && capacity - size < PAIR_SLACK) {
    writePair(p, f, flen, v, vlen);
    return;
  }
  const table = foundInOld ? oldSlotsOf(o) : slotsOf(o);
  store<u32>(slotAt(table, foundIndex), <u32>newPair(f, flen, v, vlen) | tagOf(h));
  memFree(p);
}

function htDelete(o: usize, f: usize, flen: usize): void {
  rehashStep(o, REHASH_VISITS);
  const p = htFind(o, f, flen, hashBytes(f, flen));
  if (p == 0) {
    lastRemoved = 0;
    return;
  }
  if (foundInOld) store<u32>(slotAt(oldSlotsOf(o), foundIndex), TOMBSTONE);
  else removeLive(o, foundIndex);
  memFree(p);
  setFieldCount(o, fieldCount(o) - 1);
  shrinkIfSparse(o);
  lastRemoved = 1;
}

function freeTable(o: usize): void {
  for (let t = 0; t < 2; t++) {
    const table = t == 0 ? slotsOf(o) : oldSlotsOf(o);
    if (table == 0) continue;
    const mask = t == 0 ? maskOf(o) : oldMaskOf(o);
    for (let i: u32 = 0; i <= mask; i++) {
      const s = load<u32>(slotAt(table, i));
      if (s > TOMBSTONE) memFree(pairOf(s));
    }
    memFree(table);
  }
  memFree(o);
}

/** A listpack's pairs moved into a new hashtable (the listpack is freed). */
function toTable(lp: usize): usize {
  const n = fieldCount(lp);
  const o = newTable(slotsFor(n));
  let p = lp + LP_HEADER;
  const end = p + lpUsed(lp);
  while (p < end) {
    readPair(p);
    const size = pairEnd - p;
    const copy = memAlloc(size);
    memory.copy(copy, p, size);
    insertLive(o, copy, hashBytes(pairField, pairFieldLen));
    p = pairEnd;
  }
  setFieldCount(o, n);
  memFree(lp);
  return o;
}

// ---- either encoding ----------------------------------------------------------------------------------

/** The pair holding the field, or 0; readPair(p) gives its value. */
export function findField(o: usize, f: usize, flen: usize): usize {
  if (!isTable(o)) return lpFind(o, f, flen);
  rehashStep(o, REHASH_VISITS);
  return htFind(o, f, flen, hashBytes(f, flen));
}

/** Sets a field (lastAdded says whether it is new); returns the object, which may have moved
 * or become a hashtable. */
export function setField(o: usize, f: usize, flen: usize, v: usize, vlen: usize): usize {
  if (!isTable(o)) {
    if (flen <= <usize>hashMaxListpackValue && vlen <= <usize>hashMaxListpackValue &&
        !lpOverflows(o, flen, vlen)) {
      o = lpSet(o, f, flen, v, vlen);
      // Also after a mere update: the limit may have been lowered since (CONFIG SET).
      if (fieldCount(o) > hashMaxListpackEntries) o = toTable(o);
      return o;
    }
    o = toTable(o);
  }
  htSet(o, f, flen, v, vlen);
  return o;
}

/** Deletes a field (lastRemoved says whether it existed); returns the object (it may move). */
export function deleteField(o: usize, f: usize, flen: usize): usize {
  if (!isTable(o)) return lpDelete(o, f, flen);
  htDelete(o, f, flen);
  return o;
}

// Iteration in storage order: a listpack's pairs, or the live table's slots then the old one's.
let iterObj: usize = 0;
let iterAt: usize = 0;
let iterEnd: usize = 0;
let iterTable: i32 = 0;

export function iterBegin(o: usize): void {
  iterObj = o;
  if (!isTable(o)) {
    iterAt = o + LP_HEADER;
    iterEnd = iterAt + lpUsed(o);
    iterTable = -1;
  } else {
    iterTable = 0;
    iterAt = 0;
  }
}

/** The next pair, or 0 at the end. */
export function iterNext(): usize {
  if (iterTable < 0) {
    if (iterAt >= iterEnd) return 0;
    const p = iterAt;
    readPair(p);
    iterAt = pairEnd;
    return p;
  }
  while (iterTable < 2) {
    const table = iterTable == 0 ? slotsOf(iterObj) : oldSlotsOf(iterObj);
    const mask = iterTable == 0 ? maskOf(iterObj) : oldMaskOf(iterObj);
    while (table != 0 && iterAt <= <usize>mask) {
      const s = load<u32>(slotAt(table, <u32>iterAt));
      iterAt++;
      if (s > TOMBSTONE) return pairOf(s);
    }
    iterTable++;
    iterAt = 0;
  }
  return 0;
}

/** Emits a pair as items: the field, and the value when `withValue`. */
export function emitPair(p: usize, withField: bool, withValue: bool): void {
  readPair(p);
  if (withField) itemBytes(pairField, pairFieldLen);
  if (withValue) itemBytes(pairValue, pairValueLen);
}

// ---- random picks (HRANDFIELD) ------------------------------------------------------------------

// @ts-ignore: decorator
@inline function randomBelow(n: u32): u32 {
  return <u32>(((nextRandom() >> 32) * <u64>n) >> 32);
}

/** A uniformly random pair (the hash must not be empty). */
export function randomPair(o: usize): usize {
  if (!isTable(o)) return lpPairAt(o, randomBelow(fieldCount(o)));
  drain(o);
  const table = slotsOf(o), mask = maskOf(o);
  let s: u32 = 0;
  while (s == 0) s = load<u32>(slotAt(table, randomBelow(mask + 1)));
  return pairOf(s);
}

/** `count` picks with repetition, as items. */
export function emitRandomPairs(o: usize, count: u32, withValues: bool): void {
  if (isTable(o)) {
    for (let i: u32 = 0; i < count; i++) emitPair(randomPair(o), true, withValues);
    return;
  }
  // A listpack is walked once to index its pairs.
  const n = fieldCount(o);
  const index = memAlloc(<usize>n << 2);
  let p = o + LP_HEADER;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(index + (<usize>i << 2), <u32>p);
    readPair(p);
    p = pairEnd;
  }
  for (let i: u32 = 0; i < count; i++) {
    emitPair(<usize>load<u32>(index + (<usize>randomBelow(n) << 2)), true, withValues);
  }
  memFree(index);
}

/** `count` (< the field count) distinct pairs, as items. */
export function emitDistinctPairs(o: usize, count: u32, withValues: bool): void {
  const n = fieldCount(o);
  if (!isTable(o) || <u64>count * 3 > <u64>n) {
    // Selection sampling: each pair is taken with probability needed / remaining, so the
    // subset is uniform and comes out in storage order (as Redis's listpack case).
    let needed = count, remaining = n;
    iterBegin(o);
    for (let p = iterNext(); p != 0 && needed > 0; p = iterNext()) {
      if (randomBelow(remaining) < needed) {
        emitPair(p, true, withValues);
        needed--;
      }
      remaining--;
    }
    return;
  }
  // Few out of many: random slots, remembered in a small set of slot indexes.
  drain(o);
  const table = slotsOf(o), mask = maskOf(o);
  let setSize: u32 = 8;
  while (setSize < count * 2) setSize <<= 1;
  const seen = memAllocZeroed(<usize>setSize << 2);
  let picked: u32 = 0;
  while (picked < count) {
    const i = randomBelow(mask + 1);
    const s = load<u32>(slotAt(table, i));
    if (s == 0) continue;
    let j = (i * 0x9E3779B1) & (setSize - 1);
    let fresh = true;
    for (;;) {
      const v = load<u32>(seen + (<usize>j << 2));
      if (v == 0) break;
      if (v == i + 1) {
        fresh = false;
        break;
      }
      j = (j + 1) & (setSize - 1);
    }
    if (!fresh) continue;
    store<u32>(seen + (<usize>j << 2), i + 1);
    emitPair(pairOf(s), true, withValues);
    picked++;
  }
  memFree(seen);
}

// ---- HSCAN -----------------------------------------------------------------------------------------

function reverseBits(v: u32): u32 {
  v = ((v >> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >> 4) & 0x0F0F0F0F) | ((v & 0x0F0F0F0F) << 4);
  v = ((v >> 8) & 0x00FF00FF) | ((v & 0x00FF00FF) << 8);
  return (v >> 16) | (v << 16);
}

/**
 * One HSCAN step over a hashtable (a listpack is returned whole by the caller): Redis's
 * dictScan cursor over logical buckets (the fields whose hash & mask is the bucket, found along
 * the probe run from that slot), so a table that grows or shrinks between calls never makes
 * the walk miss a field. Emits field/value items until `count` items or count * 10 buckets;
 * returns the next cursor (0 = done).
 */
export function scanStep(o: usize, cursor: u32, count: u32): u32 {
  drain(o);
  const table = slotsOf(o), mask = maskOf(o);
  let v = cursor;
  let budget = <u64>count * 10;
  do {
    const bucket = v & mask;
    let i = bucket;
    for (;;) {
      const s = load<u32>(slotAt(table, i));
      if (s == 0) break;
      if ((hashOfPair(pairOf(s)) & mask) == bucket) emitPair(pairOf(s), true, true);
      i = (i + 1) & mask;
    }
    v |= ~mask;
    v = reverseBits(v);
    v++;
    v = reverseBits(v);
    budget--;
  } while (v != 0 && budget > 0 && <u32>itemCount() < count);
  return v;
}

// ---- the type module interface (objects.ts) ----------------------------------------------------------

export function free(o: usize): void {
  if (isTable(o)) freeTable(o);
  else memFree(o);
}

export function duplicate(o: usize): usize {
  if (!isTable(o)) {
    const size = LP_HEADER + lpUsed(o);
    const copy = memAlloc(size);
    memory.copy(copy, o, size);
    return copy;
  }
  const n = fieldCount(o);
  const copy = newTable(slotsFor(n));
  iterBegin(o);
  for (let p = iterNext(); p != 0; p = iterNext()) {
    readPair(p);
    const block = memAlloc(pairEnd - p);
    memory.copy(block, p, pairEnd - p);
    insertLive(copy, block, hashBytes(pairField, pairFieldLen));
  }
  setFieldCount(copy, n);
  return copy;
}

export function encoding(o: usize): i32 {
  return isTable(o) ? REPORT_HASHTABLE : REPORT_LISTPACK;
}

/** u32 encoding (0 listpack, 1 hashtable), u32 field count, then field and value blobs. */
export function serialize(o: usize): void {
  writeU32(isTable(o) ? 1 : 0);
  writeU32(fieldCount(o));
  iterBegin(o);
  for (let p = iterNext(); p != 0; p = iterNext()) {
    readPair(p);
    writeBlob(pairField, pairFieldLen);
    writeBlob(pairValue, pairValueLen);
  }
}

/** Rebuilds serialize's bytes in the same encoding; 0 when malformed. */
export function deserialize(ptr: usize, len: usize): usize {
  if (len < 8) return 0;
  const kind = load<u32>(ptr);
  const n = load<u32>(ptr, 4);
  if (kind > 1 || n == 0) return 0;
  let o = kind == 0 ? newListpack() : newTable(slotsFor(n));
  let p = ptr + 8;
  const end = ptr + len;
  for (let i: u32 = 0; i < n; i++) {
    if (end - p < 4) return abandon(o);
    const flen = <usize>load<u32>(p);
    if (end - p - 4 < flen) return abandon(o);
    const f = p + 4;
    p = f + flen;
    if (end - p < 4) return abandon(o);
    const vlen = <usize>load<u32>(p);
    if (end - p - 4 < vlen) return abandon(o);
    const v = p + 4;
    p = v + vlen;
    if (kind == 0) {
      if (lpOverflows(o, flen, vlen)) return abandon(o);
      o = lpSet(o, f, flen, v, vlen);
    }
    else htSet(o, f, flen, v, vlen);
    if (lastAdded == 0) return abandon(o); // a field twice
  }
  return p == end ? o : abandon(o);
}

function abandon(o: usize): usize {
  free(o);
  return 0;
}
