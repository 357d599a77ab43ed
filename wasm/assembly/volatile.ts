// The keys of one db that carry a TTL, as a compact list of entry pointers (Redis keeps
// them in its `expires` dict). Active expiry walks it with a cursor, so it only ever
// samples keys that can expire. Each entry stores its index here, which makes removal
// O(1) (swap with the last). Pages of fixed size avoid copying a huge array on growth.

import { memAlloc, memFree, memResize } from "./alloc";
import { setVolatileIndexOf } from "./entry";

const PAGE_BITS: u32 = 14;
const PAGE_ITEMS: u32 = 1 << PAGE_BITS;
const PAGE_MASK: u32 = PAGE_ITEMS - 1;

@unmanaged export class VolatileList {
  /** Array of page pointers. */
  pages: usize;
  pageCapacity: u32;
  count: u32;
  /** Where active expiry continues. */
  cursor: u32;
}

// @ts-ignore: decorator
@inline function itemAt(list: VolatileList, index: u32): usize {
  const page = load<usize>(list.pages + (<usize>(index >> PAGE_BITS) << 2));
  return page + (<usize>(index & PAGE_MASK) << 2);
}

export function volatileGet(list: VolatileList, index: u32): usize {
  return load<u32>(itemAt(list, index));
}

/** Repoints an item after its entry moved to a new block. */
export function volatileSet(list: VolatileList, index: u32, e: usize): void {
  store<u32>(itemAt(list, index), <u32>e);
}

export function volatileAdd(list: VolatileList, e: usize): void {
  const index = list.count;
  const pageNo = index >> PAGE_BITS;
  if (pageNo >= list.pageCapacity) {
    const capacity = max<u32>(4, list.pageCapacity * 2);
    list.pages = list.pages == 0 ? memAlloc(<usize>capacity << 2) : memResize(list.pages, <usize>capacity << 2);
    memory.fill(list.pages + (<usize>list.pageCapacity << 2), 0, <usize>(capacity - list.pageCapacity) << 2);
    list.pageCapacity = capacity;
  }
  const pageSlot = list.pages + (<usize>pageNo << 2);
  if (load<usize>(pageSlot) == 0) store<usize>(pageSlot, memAlloc(<usize>PAGE_ITEMS << 2));
  store<u32>(itemAt(list, index), <u32>e);
  setVolatileIndexOf(e, index);
  list.count = index + 1;
}

export function volatileRemove(list: VolatileList, index: u32): void {
  const last = list.count - 1;
  if (index != last) {
    const moved = volatileGet(list, last);
    volatileSet(list, index, moved);
    setVolatileIndexOf(moved, index);
  }
  list.count = last;
  // Keep one spare page so a count hovering at a page boundary does not thrash.
  if ((last & PAGE_MASK) == 0) {
    const spare = (last >> PAGE_BITS) + 1;
    if (spare < list.pageCapacity) {
      const pageSlot = list.pages + (<usize>spare << 2);
      const page = load<usize>(pageSlot);
      if (page != 0) {
        memFree(page);
        store<usize>(pageSlot, 0);
      }
    }
  }
}

export function volatileClear(list: VolatileList): void {
  for (let i: u32 = 0; i < list.pageCapacity; i++) {
    const page = load<usize>(list.pages + (<usize>i << 2));
    if (page != 0) memFree(page);
  }
  if (list.pages != 0) memFree(list.pages);
  list.pages = 0;
  list.pageCapacity = 0;
  list.count = 0;
  list.cursor = 0;
}
