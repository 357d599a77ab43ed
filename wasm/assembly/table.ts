// Open-addressing hash index with linear probing. A slot is 8 bytes: the entry pointer and
// the key's full 32-bit hash (so probing, rehashing and SCAN rarely touch entries).
//
// Slots live in segments of SEGMENT_SLOTS, allocated (and zeroed) on first write. A fresh
// table therefore costs only its small segment directory, which keeps table growth O(1)
// per call even at tens of millions of keys; a missing segment reads as empty slots.
//
// Deletion uses backward shifting (no tombstones) in the live table. Only a table being
// drained by an incremental rehash uses tombstones, since its not-yet-migrated entries must
// stay exactly where they are.

import { memAlloc, memAllocZeroed, memFree } from "./alloc";
import { keyLenOf, keyPtrOf } from "./entry";
import { bytesEqual } from "./hash";

export const EMPTY: u32 = 0;
/** Entries are 16-byte aligned, so 1 can never be an entry pointer. */
export const TOMBSTONE: u32 = 1;

const SEGMENT_BITS: u32 = 12;
const SEGMENT_SLOTS: u32 = 1 << SEGMENT_BITS;
const SEGMENT_MASK: u32 = SEGMENT_SLOTS - 1;
const SLOT_BYTES: usize = 8;

@unmanaged export class Table {
  /** Array of segment pointers (0 = not yet written). */
  directory: usize;
  /** Slot count - 1 (slot count is a power of two). */
  mask: u32;
  /** Live entries. */
  used: u32;
}

export function tableNew(slots: u32): Table {
  const t = changetype<Table>(memAlloc(offsetof<Table>()));
  const segments = (slots + SEGMENT_MASK) >> SEGMENT_BITS;
  t.directory = memAllocZeroed(<usize>segments << 2);
  t.mask = slots - 1;
  t.used = 0;
  return t;
}

/** Frees the index only; entries belong to the caller. */
export function tableFree(t: Table): void {
  const segments = (t.mask + SEGMENT_SLOTS) >> SEGMENT_BITS;
  for (let i: u32 = 0; i < segments; i++) {
    const segment = load<usize>(t.directory + (<usize>i << 2));
    if (segment != 0) memFree(segment);
  }
  memFree(t.directory);
  memFree(changetype<usize>(t));
}

export function tableSlots(t: Table): u32 {
  return t.mask + 1;
}

/** Address of slot `idx`, or 0 when its segment was never written (all empty). */
// @ts-ignore: decorator
@inline export function slotAt(t: Table, idx: u32): usize {
  const segment = load<usize>(t.directory + (<usize>(idx >> SEGMENT_BITS) << 2));
  return segment == 0 ? 0 : segment + (<usize>(idx & SEGMENT_MASK) << 3);
}

function writableSlotAt(t: Table, idx: u32): usize {
  const dirSlot = t.directory + (<usize>(idx >> SEGMENT_BITS) << 2);
  let segment = load<usize>(dirSlot);
  if (segment == 0) {
    segment = memAllocZeroed(<usize>min(t.mask + 1, SEGMENT_SLOTS) * SLOT_BYTES);
    store<usize>(dirSlot, segment);
  }
  return segment + (<usize>(idx & SEGMENT_MASK) << 3);
}

/**
 * Frees the segment holding `idx` once a draining table has migrated all of it: every slot
 * before the migration point is then empty or a tombstone, so reading it as "never written"
 * changes no lookup. Spreads the table's freeing over the rehash and lowers its peak memory.
 */
export function releaseSegmentOf(t: Table, idx: u32): void {
  const dirSlot = t.directory + (<usize>(idx >> SEGMENT_BITS) << 2);
  const segment = load<usize>(dirSlot);
  if (segment != 0) {
    memFree(segment);
    store<usize>(dirSlot, 0);
  }
}

// @ts-ignore: decorator
@inline export function isLastOfSegment(idx: u32): bool {
  return (idx & SEGMENT_MASK) == SEGMENT_MASK;
}

/** First slot index of the segment after the one holding `idx` (to skip unwritten segments). */
// @ts-ignore: decorator
@inline export function nextSegmentStart(idx: u32): u32 {
  return (idx | SEGMENT_MASK) + 1;
}

// @ts-ignore: decorator
@inline export function slotEntry(slot: usize): u32 {
  return load<u32>(slot);
}
// @ts-ignore: decorator
@inline export function slotHash(slot: usize): u32 {
  return load<u32>(slot, 4);
}
// @ts-ignore: decorator
@inline export function setSlotEntry(slot: usize, e: usize): void {
  store<u32>(slot, <u32>e);
}

/** Index of the slot returned by the last successful tableFind / tableFindEntry. */
export let foundIndex: u32 = 0;

export function tableFind(t: Table, hash: u32, key: usize, klen: usize): usize {
  const mask = t.mask;
  let idx = hash & mask;
  while (true) {
    const slot = slotAt(t, idx);
    if (slot == 0) return 0;
    const e = slotEntry(slot);
    if (e == EMPTY) return 0;
    if (slotHash(slot) == hash && e != TOMBSTONE && keyLenOf(e) == klen && bytesEqual(keyPtrOf(e), key, klen)) {
      foundIndex = idx;
      return slot;
    }
    idx = (idx + 1) & mask;
  }
}

/** Finds the slot holding exactly entry `e` (known to have this hash). */
export function tableFindEntry(t: Table, hash: u32, e: usize): usize {
  const mask = t.mask;
  let idx = hash & mask;
  while (true) {
    const slot = slotAt(t, idx);
    if (slot == 0) return 0;
    const found = slotEntry(slot);
    if (found == EMPTY) return 0;
    if (found == <u32>e) {
      foundIndex = idx;
      return slot;
    }
    idx = (idx + 1) & mask;
  }
}

/** Inserts an entry known to be absent; returns its slot. Never used on a draining table. */
export function tableInsert(t: Table, hash: u32, e: usize): usize {
  const mask = t.mask;
  let idx = hash & mask;
  while (true) {
    const slot = writableSlotAt(t, idx);
    if (slotEntry(slot) == EMPTY) {
      store<u32>(slot, <u32>e);
      store<u32>(slot, hash, 4);
      t.used++;
      return slot;
    }
    idx = (idx + 1) & mask;
  }
}

/** Removes slot `idx` of a live table, shifting later members of the run back into place. */
export function tableRemove(t: Table, idx: u32): void {
  const mask = t.mask;
  let hole = idx;
  let holeSlot = slotAt(t, hole);
  let probe = hole;
  while (true) {
    probe = (probe + 1) & mask;
    const slot = slotAt(t, probe);
    if (slot == 0 || slotEntry(slot) == EMPTY) break;
    const home = slotHash(slot) & mask;
    // The entry may fill the hole unless its home lies cyclically in (hole, probe].
    if (((probe - home) & mask) >= ((probe - hole) & mask)) {
      store<u64>(holeSlot, load<u64>(slot));
      hole = probe;
      holeSlot = slot;
    }
  }
  store<u64>(holeSlot, 0);
  t.used--;
}

/** Removes slot `idx` of a draining table, keeping probe runs intact. */
export function tableBury(t: Table, idx: u32): void {
  store<u32>(slotAt(t, idx), TOMBSTONE);
  t.used--;
}
