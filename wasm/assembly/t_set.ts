// The set type (Redis's t_set.c + intset.c): an object is either
//
//   intset     [u32 kind = 1][u32 width 2|4|8][u32 count][count sorted values of `width` bytes]
//              one block, grown in place; the width only ever grows (Redis's upgrade), so
//              every value fits it. Used while every member is a string2ll integer and the
//              count stays <= set-max-intset-entries.
//   hashtable  [u32 kind = 2][u32 mask][u32 count][u32 slots]: open addressing with linear
//              probing, 8-byte slots (member block address, 32-bit member hash), grows at 3/4
//              full, shrinks below 1/8, deletes by backward shifting. A member block is
//              [u32 length][bytes]. Random picks probe random slots (every member owns one
//              slot, so picks are uniform); SSCAN walks logical buckets with Redis's
//              reverse-binary cursor, so a resize between calls never skips a member.
//
// Like Redis, a set never converts back from hashtable to intset.
//
// Iteration: `memberAt(obj, i)` for i < iterEnd(obj) fills cur* (an intset value is formatted
// into a scratch buffer, so it stays valid only until the next memberAt / randomMember).

import { capacityOf, memAlloc, memAllocZeroed, memFree, memResize } from "./alloc";
import { writeBlob, writerReserve, writeU32 } from "./bytewriter";
import { bytesEqual, hashBytes } from "./hash";
import { itemBytes } from "./items";
import { setMaxIntsetEntries } from "./limits";
import { formatInteger, parsedInteger, parseInteger } from "./numbers";
import { REPORT_HASHTABLE, REPORT_INTSET } from "./objects";
import { nextRandom } from "./random";

export const KIND_INTSET: u32 = 1;
export const KIND_HASHTABLE: u32 = 2;

const OFF_COUNT: usize = 8;
const IS_WIDTH: usize = 4;
const IS_DATA: usize = 12;
const HT_MASK: usize = 4;
const HT_SLOTS: usize = 12;
const HT_HEADER: usize = 16;
const HT_MIN_SLOTS: u32 = 8;
/** Redis caps set-max-intset-entries here (intset internals). */
const INTSET_HARD_MAX: u32 = 1 << 30;

/** Whether the last add / remove changed the set. */
export let changed: bool = false;

// @ts-ignore: decorator
@inline export function kindOf(obj: usize): u32 {
  return load<u32>(obj);
}

// @ts-ignore: decorator
@inline export function sizeOf(obj: usize): u32 {
  return load<u32>(obj, OFF_COUNT);
}

// @ts-ignore: decorator
@inline function setCount(obj: usize, n: u32): void {
  store<u32>(obj, n, OFF_COUNT);
}

function intsetLimit(): u32 {
  return min(setMaxIntsetEntries, INTSET_HARD_MAX);
}

// ---- intset ----------------------------------------------------------------------------------

function intsetNew(): usize {
  const obj = memAlloc(IS_DATA + 4);
  store<u32>(obj, KIND_INTSET);
  store<u32>(obj, 2, IS_WIDTH);
  setCount(obj, 0);
  return obj;
}

// @ts-ignore: decorator
@inline function widthOf(obj: usize): usize {
  return <usize>load<u32>(obj, IS_WIDTH);
}

// @ts-ignore: decorator
@inline function intsetGet(obj: usize, i: usize, width: usize): i64 {
  const p = obj + IS_DATA + i * width;
  if (width == 2) return <i64>load<i16>(p);
  if (width == 4) return <i64>load<i32>(p);
  return load<i64>(p);
}

// @ts-ignore: decorator
@inline function intsetPut(obj: usize, i: usize, width: usize, v: i64): void {
  const p = obj + IS_DATA + i * width;
  if (width == 2) store<i16>(p, <i16>v);
  else if (width == 4) store<i32>(p, <i32>v);
  else store<i64>(p, v);
}

function widthFor(v: i64): usize {
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  return 8;
}

/** Index of v, or -(insertion point) - 1. */
function intsetSearch(obj: usize, v: i64): i32 {
  const width = widthOf(obj);
  if (widthFor(v) > width) return v < 0 ? -1 : -(<i32>sizeOf(obj)) - 1;
  let lo: i32 = 0, hi: i32 = <i32>sizeOf(obj) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = intsetGet(obj, mid, width);
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Room for `n` values of `width` bytes (an eighth to spare, so runs of adds rarely move it). */
function intsetReserve(obj: usize, n: usize, width: usize): usize {
  const need = IS_DATA + n * width;
  if (need <= capacityOf(obj)) return obj;
  return memResize(obj, need + (need >> 3));
}

function intsetAdd(obj: usize, v: i64): usize {
  const width = widthOf(obj), n = <usize>sizeOf(obj);
  const wanted = widthFor(v);
  if (wanted > width) {
    // Upgrade (intsetUpgradeAndAdd): v is beyond every value, so it goes first or last.
    obj = intsetReserve(obj, n + 1, wanted);
    const prepend: usize = v < 0 ? 1 : 0;
    for (let i = n; i-- > 0;) intsetPut(obj, i + prepend, wanted, intsetGet(obj, i, width));
    intsetPut(obj, prepend ? 0 : n, wanted, v);
    store<u32>(obj, <u32>wanted, IS_WIDTH);
    setCount(obj, <u32>n + 1);
    changed = true;
    return obj;
  }
  const at = intsetSearch(obj, v);
  if (at >= 0) {
    changed = false;
    return obj;
  }
  const pos = <usize>(-at - 1);
  obj = intsetReserve(obj, n + 1, width);
  const p = obj + IS_DATA + pos * width;
  memory.copy(p + width, p, (n - pos) * width);
  intsetPut(obj, pos, width, v);
  setCount(obj, <u32>n + 1);
  changed = true;
  return obj;
}

function intsetRemove(obj: usize, v: i64): usize {
  const at = intsetSearch(obj, v);
  if (at < 0) {
    changed = false;
    return obj;
  }
  const width = widthOf(obj), n = <usize>sizeOf(obj), pos = <usize>at;
  const p = obj + IS_DATA + pos * width;
  memory.copy(p, p + width, (n - pos - 1) * width);
  setCount(obj, <u32>n - 1);
  changed = true;
  const need = IS_DATA + (n - 1) * width;
  if (capacityOf(obj) > 64 && capacityOf(obj) > need * 2) obj = memResize(obj, need);
  return obj;
}

// ---- hashtable -------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function maskOf(obj: usize): u32 {
  return load<u32>(obj, HT_MASK);
}

// @ts-ignore: decorator
@inline function slotsOf(obj: usize): usize {
  return <usize>load<u32>(obj, HT_SLOTS);
}

// @ts-ignore: decorator
@inline function memberLen(m: usize): usize {
  return <usize>load<u32>(m);
}

function newMember(ptr: usize, len: usize): usize {
  const m = memAlloc(4 + len);
  store<u32>(m, <u32>len);
  memory.copy(m + 4, ptr, len);
  return m;
}

/** Slots for `n` members at most 3/4 full. */
function slotsFor(n: u32): u32 {
  let slots = HT_MIN_SLOTS;
  while (<u64>slots * 3 < <u64>n * 4) slots <<= 1;
  return slots;
}

function hashtableNew(expected: u32): usize {
  const obj = memAlloc(HT_HEADER);
  const slots = slotsFor(expected);
  store<u32>(obj, KIND_HASHTABLE);
  store<u32>(obj, slots - 1, HT_MASK);
  setCount(obj, 0);
  store<u32>(obj, <u32>memAllocZeroed(<usize>slots << 3), HT_SLOTS);
  return obj;
}

/** Slot index holding the member, or -1. */
function hashtableFind(obj: usize, ptr: usize, len: usize, hash: u32): i32 {
  const mask = maskOf(obj), slots = slotsOf(obj);
  let i = hash & mask;
  while (true) {
    const slot = slots + (<usize>i << 3);
    const m = <usize>load<u32>(slot);
    if (m == 0) return -1;
    if (load<u32>(slot, 4) == hash && memberLen(m) == len && bytesEqual(m + 4, ptr, len)) return <i32>i;
    i = (i + 1) & mask;
  }
}

/** Places a member known to be absent (there is room). */
function hashtablePlace(slots: usize, mask: u32, m: usize, hash: u32): void {
  let i = hash & mask;
  while (load<u32>(slots + (<usize>i << 3)) != 0) i = (i + 1) & mask;
  const slot = slots + (<usize>i << 3);
  store<u32>(slot, <u32>m);
  store<u32>(slot, hash, 4);
}

function hashtableResize(obj: usize, slotCount: u32): void {
  const oldSlots = slotsOf(obj), oldCount = maskOf(obj) + 1;
  const slots = memAllocZeroed(<usize>slotCount << 3), mask = slotCount - 1;
  for (let i: u32 = 0; i < oldCount; i++) {
    const slot = oldSlots + (<usize>i << 3);
    const m = <usize>load<u32>(slot);
    if (m != 0) hashtablePlace(slots, mask, m, load<u32>(slot, 4));
  }
  memFree(oldSlots);
  store<u32>(obj, mask, HT_MASK);
  store<u32>(obj, <u32>slots, HT_SLOTS);
}

/** Adds a member block (ownership passes) known to be absent. */
function hashtableInsert(obj: usize, m: usize, hash: u32): void {
  const n = sizeOf(obj) + 1;
  if (<u64>n * 4 > <u64>(maskOf(obj) + 1) * 3) hashtableResize(obj, (maskOf(obj) + 1) << 1);
  hashtablePlace(slotsOf(obj), maskOf(obj), m, hash);
  setCount(obj, n);
}

function hashtableAdd(obj: usize, ptr: usize, len: usize): bool {
  const hash = hashBytes(ptr, len);
  if (hashtableFind(obj, ptr, len, hash) >= 0) return false;
  hashtableInsert(obj, newMember(ptr, len), hash);
  return true;
}

/** Empties slot `i` and shifts the rest of its probe run back over it. */
function hashtableDeleteAt(obj: usize, i: u32): void {
  const mask = maskOf(obj), slots = slotsOf(obj);
  memFree(<usize>load<u32>(slots + (<usize>i << 3)));
  let hole = i, j = i;
  while (true) {
    j = (j + 1) & mask;
    const slot = slots + (<usize>j << 3);
    if (load<u32>(slot) == 0) break;
    const home = load<u32>(slot, 4) & mask;
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!stays) {
      store<u64>(slots + (<usize>hole << 3), load<u64>(slot));
      hole = j;
    }
  }
  store<u64>(slots + (<usize>hole << 3), 0);
  const n = sizeOf(obj) - 1;
  setCount(obj, n);
  const slotCount = mask + 1;
  if (slotCount > HT_MIN_SLOTS && <u64>n * 8 < <u64>slotCount) hashtableResize(obj, slotsFor(n));
}

function hashtableRemove(obj: usize, ptr: usize, len: usize): bool {
  const i = hashtableFind(obj, ptr, len, hashBytes(ptr, len));
  if (i < 0) return false;
  hashtableDeleteAt(obj, <u32>i);
  return true;
}

const convertBuf: usize = memory.data(32);

/** setTypeConvert: the intset's values as text members of a new hashtable sized for `room`. */
function convertToHashtable(obj: usize, room: u32): usize {
  const n = <usize>sizeOf(obj), width = widthOf(obj);
  const ht = hashtableNew(room);
  for (let i: usize = 0; i < n; i++) {
    const len = formatInteger(intsetGet(obj, i, width), convertBuf);
    hashtableInsert(ht, newMember(convertBuf, len), hashBytes(convertBuf, len));
  }
  memFree(obj);
  return ht;
}

// ---- the set, whatever its encoding -----------------------------------------------------------

/** setTypeCreate: an empty set able to hold `ptr`'s member (intset when it is an integer). */
export function createFor(ptr: usize, len: usize): usize {
  return parseInteger(ptr, len) ? intsetNew() : hashtableNew(0);
}

/** An empty intset (Redis's createIntsetObject: where STORE results and SPOP's rest start). */
export function createEmpty(): usize {
  return intsetNew();
}

/** setTypeAdd: returns the set's (possibly new) address; `changed` says whether it grew. */
export function addMember(obj: usize, ptr: usize, len: usize): usize {
  if (kindOf(obj) == KIND_HASHTABLE) {
    changed = hashtableAdd(obj, ptr, len);
    return obj;
  }
  if (parseInteger(ptr, len)) {
    obj = intsetAdd(obj, parsedInteger);
    if (changed && sizeOf(obj) > intsetLimit()) obj = convertToHashtable(obj, sizeOf(obj));
    return obj;
  }
  obj = convertToHashtable(obj, sizeOf(obj) + 1);
  hashtableAdd(obj, ptr, len);
  changed = true;
  return obj;
}

/** setTypeRemove: returns the set's (possibly moved) address; `changed` says whether it shrank. */
export function removeMember(obj: usize, ptr: usize, len: usize): usize {
  if (kindOf(obj) == KIND_HASHTABLE) {
    changed = hashtableRemove(obj, ptr, len);
    return obj;
  }
  if (!parseInteger(ptr, len)) {
    changed = false;
    return obj;
  }
  return intsetRemove(obj, parsedInteger);
}

export function hasMember(obj: usize, ptr: usize, len: usize): bool {
  if (kindOf(obj) == KIND_HASHTABLE) return hashtableFind(obj, ptr, len, hashBytes(ptr, len)) >= 0;
  return parseInteger(ptr, len) && intsetSearch(obj, parsedInteger) >= 0;
}

// ---- iteration and random picks ----------------------------------------------------------------

const memberBuf: usize = memory.data(32);

/** The member memberAt / randomMember found. */
export let curPtr: usize = 0;
export let curLen: usize = 0;
/** For an intset member: its value (so intset-to-intset tests skip the text). */
export let curIsInt: bool = false;
export let curInt: i64 = 0;

/** Positions to visit with memberAt: values of an intset, slots of a hashtable. */
export function iterEnd(obj: usize): u32 {
  return kindOf(obj) == KIND_HASHTABLE ? maskOf(obj) + 1 : sizeOf(obj);
}

function loadIntsetMember(obj: usize, i: usize): void {
  curInt = intsetGet(obj, i, widthOf(obj));
  curIsInt = true;
  curLen = formatInteger(curInt, memberBuf);
  curPtr = memberBuf;
}

/** Loads position i into cur*; false for an empty hashtable slot. */
export function memberAt(obj: usize, i: u32): bool {
  if (kindOf(obj) == KIND_INTSET) {
    loadIntsetMember(obj, i);
    return true;
  }
  const m = <usize>load<u32>(slotsOf(obj) + (<usize>i << 3));
  if (m == 0) return false;
  curPtr = m + 4;
  curLen = memberLen(m);
  curIsInt = false;
  return true;
}

/** Is the current member (cur*) in `obj`? */
export function hasCurrent(obj: usize): bool {
  if (curIsInt && kindOf(obj) == KIND_INTSET) return intsetSearch(obj, curInt) >= 0;
  return hasMember(obj, curPtr, curLen);
}

/** Loads a uniformly random member of a non-empty set into cur*. */
export function randomMember(obj: usize): void {
  if (kindOf(obj) == KIND_INTSET) {
    loadIntsetMember(obj, <usize>(nextRandom() % <u64>sizeOf(obj)));
    return;
  }
  const mask = maskOf(obj);
  while (!memberAt(obj, <u32>nextRandom() & mask)) {}
}

/** Emits every member as an item, in iteration order. */
export function emitAll(obj: usize): void {
  const end = iterEnd(obj);
  for (let i: u32 = 0; i < end; i++) if (memberAt(obj, i)) itemBytes(curPtr, curLen);
}

/** A hashtable-encoded copy of the set (SRANDMEMBER's scratch dict). */
export function hashtableCopy(obj: usize): usize {
  const ht = hashtableNew(sizeOf(obj));
  const end = iterEnd(obj);
  for (let i: u32 = 0; i < end; i++) if (memberAt(obj, i)) hashtableAdd(ht, curPtr, curLen);
  return ht;
}

/** An empty hashtable-encoded set. */
export function hashtableEmpty(expected: u32): usize {
  return hashtableNew(expected);
}

/** The reverse-binary SCAN step (Redis's dictScan) over logical buckets; emits the members
 * of bucket `cursor & mask` and returns the next cursor (0 = done). */
export function scanBucket(obj: usize, cursor: u32): u32 {
  const mask = maskOf(obj), slots = slotsOf(obj);
  const bucket = cursor & mask;
  let i = bucket;
  while (true) {
    const slot = slots + (<usize>i << 3);
    const m = <usize>load<u32>(slot);
    if (m == 0) break;
    if ((load<u32>(slot, 4) & mask) == bucket) itemBytes(m + 4, memberLen(m));
    i = (i + 1) & mask;
  }
  let v = cursor | ~mask;
  v = reverseBits(v);
  v++;
  return reverseBits(v);
}

function reverseBits(v: u32): u32 {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  return bswap<u32>(v);
}

// ---- the five functions objects.ts expects -------------------------------------------------------

export function free(obj: usize): void {
  if (kindOf(obj) == KIND_HASHTABLE) {
    const slots = slotsOf(obj), end = maskOf(obj) + 1;
    for (let i: u32 = 0; i < end; i++) {
      const m = <usize>load<u32>(slots + (<usize>i << 3));
      if (m != 0) memFree(m);
    }
    memFree(slots);
  }
  memFree(obj);
}

export function duplicate(obj: usize): usize {
  if (kindOf(obj) == KIND_INTSET) {
    const bytes = IS_DATA + <usize>sizeOf(obj) * widthOf(obj);
    const copy = memAlloc(bytes);
    memory.copy(copy, obj, bytes);
    return copy;
  }
  const copy = memAlloc(HT_HEADER);
  const slotCount = maskOf(obj) + 1, slots = slotsOf(obj);
  const copySlots = memAllocZeroed(<usize>slotCount << 3);
  memory.copy(copy, obj, HT_HEADER);
  store<u32>(copy, <u32>copySlots, HT_SLOTS);
  for (let i: u32 = 0; i < slotCount; i++) {
    const at = <usize>i << 3;
    const m = <usize>load<u32>(slots + at);
    if (m == 0) continue;
    store<u32>(copySlots + at, <u32>newMember(m + 4, memberLen(m)));
    store<u32>(copySlots + at, load<u32>(slots + at, 4), 4);
  }
  return copy;
}

export function encoding(obj: usize): i32 {
  return kindOf(obj) == KIND_INTSET ? REPORT_INTSET : REPORT_HASHTABLE;
}

/** intset: u32 1, u32 width, u32 count, the values; hashtable: u32 2, u32 count, the members
 * as [u32 length][bytes]. The encoding travels with the set (RENAME / COPY keep it). */
export function serialize(obj: usize): void {
  writeU32(kindOf(obj));
  if (kindOf(obj) == KIND_INTSET) {
    const bytes = <usize>sizeOf(obj) * widthOf(obj);
    writeU32(<u32>widthOf(obj));
    writeU32(sizeOf(obj));
    memory.copy(writerReserve(bytes), obj + IS_DATA, bytes);
    return;
  }
  writeU32(sizeOf(obj));
  const slots = slotsOf(obj), end = maskOf(obj) + 1;
  for (let i: u32 = 0; i < end; i++) {
    const m = <usize>load<u32>(slots + (<usize>i << 3));
    if (m != 0) writeBlob(m + 4, memberLen(m));
  }
}

export function deserialize(ptr: usize, len: usize): usize {
  if (len < 8) return 0;
  const kind = load<u32>(ptr), end = ptr + len;
  if (kind == KIND_INTSET) {
    if (len < 12) return 0;
    const width = <usize>load<u32>(ptr, 4), n = <usize>load<u32>(ptr, 8);
    if ((width != 2 && width != 4 && width != 8) || n == 0 || len != 12 + n * width) return 0;
    const obj = memAlloc(IS_DATA + n * width);
    memory.copy(obj, ptr, IS_DATA + n * width);
    for (let i: usize = 1; i < n; i++) {
      if (intsetGet(obj, i - 1, width) >= intsetGet(obj, i, width)) {
        memFree(obj);
        return 0;
      }
    }
    return obj;
  }
  if (kind != KIND_HASHTABLE) return 0;
  const n = load<u32>(ptr, 4);
  if (n == 0 || <u64>n * 4 > <u64>len) return 0;
  const obj = hashtableNew(n);
  let p = ptr + 8;
  for (let i: u32 = 0; i < n; i++) {
    if (p + 4 > end || p + 4 + <usize>load<u32>(p) > end || !hashtableAdd(obj, p + 4, <usize>load<u32>(p))) {
      free(obj);
      return 0;
    }
    p += 4 + <usize>load<u32>(p);
  }
  if (p != end) {
    free(obj);
    return 0;
  }
  return obj;
}
