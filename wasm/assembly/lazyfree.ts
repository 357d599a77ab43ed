// Freeing a whole table's entries costs ~0.3-0.7 us per key (one TLSF free each, at random
// addresses), i.e. seconds for 10 M keys. FLUSHDB ASYNC instead queues the detached tables
// here and frees them in bounded steps (Redis uses a background thread for the same thing).

import { freeEntry } from "./db";
import { TOMBSTONE, Table, nextSegmentStart, slotAt, slotEntry, tableFree } from "./table";

const MAX_PENDING: i32 = 64;
const pending: usize = memory.data(MAX_PENDING * 4);
let pendingCount: i32 = 0;
/** Next slot of the first pending table. */
let cursor: u32 = 0;

export function pendingFrees(): i32 {
  return pendingCount;
}

/** Slots the current freeing pass may still visit (an unwritten segment counts as one). */
let visitsLeft: u32 = 0;

/** Frees the entries of slots [from, ...) while visits are left; returns the next slot. */
function freeEntries(t: Table, from: u32): u32 {
  let idx = from;
  while (idx <= t.mask && visitsLeft > 0) {
    visitsLeft--;
    const slot = slotAt(t, idx);
    if (slot == 0) {
      idx = nextSegmentStart(idx);
      continue;
    }
    const e = slotEntry(slot);
    if (e > TOMBSTONE) freeEntry(e);
    idx++;
  }
  return idx;
}

/** Frees every entry of `t`, then the table itself. */
export function freeTableNow(t: Table): void {
  visitsLeft = U32.MAX_VALUE;
  freeEntries(t, 0);
  tableFree(t);
}

/** Queues a detached table (its keys already gone from the db); frees it now if the queue is full. */
export function freeTableLater(t: Table): void {
  if (pendingCount == MAX_PENDING) {
    freeTableNow(t);
    return;
  }
  store<usize>(pending + (<usize>pendingCount << 2), changetype<usize>(t));
  pendingCount++;
}

/** Frees queued tables, visiting at most `budget` slots; returns how many tables remain. */
export function lazyFree(budget: u32): i32 {
  visitsLeft = budget;
  while (pendingCount > 0 && visitsLeft > 0) {
    const t = changetype<Table>(load<usize>(pending));
    cursor = freeEntries(t, cursor);
    if (cursor <= t.mask) break;
    tableFree(t);
    pendingCount--;
    memory.copy(pending, pending + 4, <usize>pendingCount << 2);
    cursor = 0;
  }
  return pendingCount;
}
