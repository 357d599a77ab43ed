// Allocation wrappers that keep an exact count of the bytes the engine holds, so
// memoryUsed() reports what Redis calls used_memory (live blocks incl. their header,
// not free-list fragmentation).
//
// They read the TLSF block header: the u32 just before each payload holds the payload
// size in its upper bits and two tag bits below (AssemblyScript 0.28 std/assembly/rt/tlsf.ts,
// pinned in package.json). That lets entries be rewritten in place whenever they still fit.
//
// Freed blocks of 256 B .. 64 KiB are kept in exact-size free lists and handed out again
// first. TLSF alone never reuses a freed block of that range for a request of the same size:
// its search rounds the request up to the next size class (good fit in O(1)), so a block
// freed by an eviction waits until its neighbours are freed too, and a server churning at
// maxmemory grew its Wasm memory (resident pages) to about twice the data. The lists are
// bounded (CACHE_LIMIT); past that, and on MEMORY PURGE, blocks go back to TLSF.

const BLOCK_HEADER: usize = 4;
const TAG_BITS: u32 = 3;

let allocatedBytes: usize = 0;

/** Usable bytes of a block (may exceed what was asked for: sizes round up to 16). */
// @ts-ignore: decorator
@inline export function capacityOf(ptr: usize): usize {
  return load<u32>(ptr - BLOCK_HEADER) & ~TAG_BITS;
}

// @ts-ignore: decorator
@inline function footprint(ptr: usize): usize {
  return capacityOf(ptr) + BLOCK_HEADER;
}

/** TLSF's size classes are exact below this payload size (tlsf.ts SB_SIZE). */
const CACHE_MIN: usize = 256;
const CACHE_MAX: usize = 64 << 10;
/** TLSF payloads are 16k + 12 bytes (16-byte aligned blocks, 4-byte header): one list per k. */
const CACHE_LISTS: usize = (CACHE_MAX >> 4) + 1;
const cacheHeads: usize = memory.data(<i32>(CACHE_LISTS * 4), 4);
let cachedBytes: usize = 0;
/** The end of the highest block ever allocated: the Wasm pages below it have been touched
 * (resident), the ones above not (memory grows by doubling). */
let highWater: usize = 0;

/** Freed blocks kept for reuse: at most an eighth of the live data, or 1 MiB. */
// @ts-ignore: decorator
@inline function cacheLimit(): usize {
  return max<usize>(1 << 20, allocatedBytes >> 3);
}

/** TLSF's payload size for a request (tlsf.ts computeSize, above its minimum). */
// @ts-ignore: decorator
@inline function payloadFor(size: usize): usize {
  return ((size + BLOCK_HEADER + 15) & ~15) - BLOCK_HEADER;
}

// @ts-ignore: decorator
@inline function cacheable(capacity: usize): bool {
  return capacity >= CACHE_MIN && capacity <= CACHE_MAX;
}

export function memAlloc(size: usize): usize {
  const capacity = payloadFor(size);
  if (cacheable(capacity)) {
    const head = cacheHeads + ((capacity >> 4) << 2);
    const ptr = <usize>load<u32>(head);
    if (ptr != 0) {
      store<u32>(head, load<u32>(ptr));
      cachedBytes -= capacity + BLOCK_HEADER;
      allocatedBytes += capacity + BLOCK_HEADER;
      return ptr;
    }
  }
  const ptr = heap.alloc(size);
  allocatedBytes += footprint(ptr);
  highWater = max(highWater, ptr + capacityOf(ptr));
  return ptr;
}

export function memAllocZeroed(size: usize): usize {
  const ptr = memAlloc(size);
  memory.fill(ptr, 0, size);
  return ptr;
}

/** Grows or shrinks a block, keeping its contents (TLSF shrinks in place). */
export function memResize(ptr: usize, size: usize): usize {
  allocatedBytes -= footprint(ptr);
  const moved = heap.realloc(ptr, size);
  allocatedBytes += footprint(moved);
  highWater = max(highWater, moved + capacityOf(moved));
  return moved;
}

/** While set, memFree only adds up the blocks it is given (measureBlocks). */
let measuring: bool = false;
let measuredBytes: usize = 0;

export function memFree(ptr: usize): void {
  if (measuring) {
    measuredBytes += footprint(ptr);
    return;
  }
  const capacity = capacityOf(ptr);
  allocatedBytes -= capacity + BLOCK_HEADER;
  if (cacheable(capacity) && cachedBytes < cacheLimit()) {
    const head = cacheHeads + ((capacity >> 4) << 2);
    store<u32>(ptr, load<u32>(head));
    store<u32>(head, <u32>ptr);
    cachedBytes += capacity + BLOCK_HEADER;
    return;
  }
  heap.free(ptr);
}

/** Gives every block of the free lists back to TLSF (MEMORY PURGE), so that it can merge
 * them for other sizes; returns the bytes released. */
export function releaseCachedBlocks(): usize {
  const released = cachedBytes;
  for (let k: usize = 0; k < CACHE_LISTS; k++) {
    let ptr = <usize>load<u32>(cacheHeads + (k << 2));
    while (ptr != 0) {
      const next = <usize>load<u32>(ptr);
      heap.free(ptr);
      ptr = next;
    }
    store<u32>(cacheHeads + (k << 2), 0);
  }
  cachedBytes = 0;
  return released + releaseEmptySlabs();
}

/** Bytes of freed blocks held for reuse (not in bytesAllocated), slabs' free room included. */
export function bytesCached(): usize {
  return cachedBytes + slabFreeBytes;
}

export function highestAddressUsed(): usize {
  return highWater;
}

/**
 * The bytes a structure's free function would release, without releasing anything: MEMORY
 * USAGE walks an object with its type's own `free` (which only reads and frees blocks).
 */
export function measureBlocks<T>(free: (obj: T) => void, obj: T): usize {
  measuring = true;
  measuredBytes = 0;
  free(obj);
  measuring = false;
  return measuredBytes;
}

/** The bytes one block takes, header included. */
export function blockFootprint(ptr: usize): usize {
  return footprint(ptr);
}

export function bytesAllocated(): usize {
  return allocatedBytes;
}

/** Largest chunk requested at once when reserving (TLSF blocks max out at 1 GB). */
const RESERVE_CHUNK: usize = 256 << 20;
const reserveHeld: usize = memory.data(16 * 4);
/** Reserving stops short of the 4 GB wasm32 limit (growing past it would trap). */
const RESERVE_LIMIT: u64 = <u64>3584 << 20;

/**
 * Grows Wasm memory to hold about `bytes` more now (by allocating and freeing), so that a
 * server can take the growth cost at startup instead of mid-traffic. Returns the memory size.
 */
export function reserveMemory(bytes: f64): f64 {
  let held: usize = 0;
  let remaining = bytes;
  while (remaining > 0 && held < 16) {
    const chunk = <usize>min<f64>(remaining, <f64>RESERVE_CHUNK);
    if ((<u64>memory.size() << 16) + <u64>chunk * 2 > RESERVE_LIMIT) break;
    store<usize>(reserveHeld + held * 4, heap.alloc(chunk));
    held++;
    remaining -= <f64>chunk;
  }
  for (let i: usize = 0; i < held; i++) heap.free(load<usize>(reserveHeld + i * 4));
  return <f64>memory.size() * 65536;
}

// ---- small blocks segregated by size (slabs) ---------------------------------------------------
//
// TLSF carves consecutive requests out of one free block, so the blocks of a structure lie in
// allocation order whatever their size. A skiplist then spreads its few tall nodes, the ones
// every descent reads, over all of its memory: each step of a search of a 1 M-member sorted set
// missed the cache. jemalloc, under Redis, keeps each size class in runs of its own, and since a
// node's size follows its level the tall nodes lie together and stay cached. slabAlloc does the
// same for the blocks it is given (skiplist nodes): one list of 16 KB slabs per 16-byte size
// class up to 256 bytes, a block's header (where TLSF keeps its size) holding its slab's
// address. A block's footprint is its stride, what TLSF would count for the
// same request, so used memory reads the same; an emptied slab goes back to TLSF (one per
// class is kept against churn; MEMORY PURGE releases those too).

// A TLSF payload size is 16k + 12, so bit 3 of a TLSF header is always set; a slab block's
// header is its slab's 16-byte aligned address, where it is clear.
const TLSF_SIZE_BIT: u32 = 8;
const SLAB_BYTES: usize = 16384;
const SLAB_MAX_STRIDE: usize = 256;
const SLAB_CLASSES: usize = SLAB_MAX_STRIDE >> 4;
// Slab header: stride | live blocks | free list | blocks never handed out yet (bump) | next and
// previous slab with free blocks in its class. The first block's payload is 16-byte aligned
// like TLSF's, so a node's 16-byte level entries never straddle a cache line.
const SL_STRIDE: usize = 0;
const SL_LIVE: usize = 4;
const SL_FREE: usize = 8;
const SL_BUMP: usize = 12;
const SL_NEXT: usize = 16;
const SL_PREV: usize = 20;
const SLAB_FIRST_BLOCK: usize = 28;
/** Per class: the first slab that has a free block (0: none). */
const slabsWithRoom: usize = memory.data(<i32>(SLAB_CLASSES * 4), 4);
let slabFreeBytes: usize = 0;

// @ts-ignore: decorator
@inline function strideFor(size: usize): usize {
  return (size + BLOCK_HEADER + 15) & ~15;
}
// @ts-ignore: decorator
@inline function classHead(stride: usize): usize {
  return slabsWithRoom + (((stride >> 4) - 1) << 2);
}
// @ts-ignore: decorator
@inline function blocksPerSlab(stride: usize): usize {
  return (SLAB_BYTES - SLAB_FIRST_BLOCK) / stride;
}
// @ts-ignore: decorator
@inline function slabOf(ptr: usize): usize {
  return <usize>load<u32>(ptr - BLOCK_HEADER);
}
// @ts-ignore: decorator
@inline function isSlabBlock(ptr: usize): bool {
  return (load<u32>(ptr - BLOCK_HEADER) & TLSF_SIZE_BIT) == 0;
}

function unlinkSlab(slab: usize, head: usize): void {
  const next = load<u32>(slab, SL_NEXT);
  const prev = <usize>load<u32>(slab, SL_PREV);
  if (prev != 0) store<u32>(prev, next, SL_NEXT);
  else store<u32>(head, next);
  if (next != 0) store<u32>(<usize>next, <u32>prev, SL_PREV);
}

function pushSlab(slab: usize, head: usize): void {
  const first = load<u32>(head);
  store<u32>(slab, first, SL_NEXT);
  store<u32>(slab, 0, SL_PREV);
  if (first != 0) store<u32>(<usize>first, <u32>slab, SL_PREV);
  store<u32>(head, <u32>slab);
}

function newSlab(stride: usize, head: usize): usize {
  const slab = heap.alloc(SLAB_BYTES);
  highWater = max(highWater, slab + capacityOf(slab));
  store<u32>(slab, <u32>stride, SL_STRIDE);
  store<u32>(slab, 0, SL_LIVE);
  store<u32>(slab, 0, SL_FREE);
  store<u32>(slab, 0, SL_BUMP);
  pushSlab(slab, head);
  slabFreeBytes += blocksPerSlab(stride) * stride;
  return slab;
}

/** A block of at least `size` bytes from its size class's slabs (TLSF above 256 bytes). Free
 * it with slabFree. */
export function slabAlloc(size: usize): usize {
  const stride = strideFor(size);
  if (stride > SLAB_MAX_STRIDE) return memAlloc(size);
  const head = classHead(stride);
  let slab = <usize>load<u32>(head);
  if (slab == 0) slab = newSlab(stride, head);
  let ptr = <usize>load<u32>(slab, SL_FREE);
  if (ptr != 0) {
    store<u32>(slab, load<u32>(ptr), SL_FREE);
  } else {
    const bump = load<u32>(slab, SL_BUMP);
    ptr = slab + SLAB_FIRST_BLOCK + <usize>bump * stride + BLOCK_HEADER;
    store<u32>(slab, bump + 1, SL_BUMP);
    store<u32>(ptr - BLOCK_HEADER, <u32>slab);
  }
  const live = load<u32>(slab, SL_LIVE) + 1;
  store<u32>(slab, live, SL_LIVE);
  if (<usize>live == blocksPerSlab(stride)) unlinkSlab(slab, head);
  allocatedBytes += stride;
  slabFreeBytes -= stride;
  return ptr;
}

export function slabFree(ptr: usize): void {
  if (!isSlabBlock(ptr)) {
    memFree(ptr);
    return;
  }
  const slab = slabOf(ptr);
  const stride = <usize>load<u32>(slab, SL_STRIDE);
  if (measuring) {
    measuredBytes += stride;
    return;
  }
  allocatedBytes -= stride;
  slabFreeBytes += stride;
  const head = classHead(stride);
  const live = load<u32>(slab, SL_LIVE) - 1;
  store<u32>(slab, live, SL_LIVE);
  if (<usize>live + 1 == blocksPerSlab(stride)) pushSlab(slab, head); // it was full
  store<u32>(ptr, load<u32>(slab, SL_FREE));
  store<u32>(slab, <u32>ptr, SL_FREE);
  // An emptied slab goes back to TLSF unless it is its class's only one with room.
  if (live == 0 && (load<u32>(head) != <u32>slab || load<u32>(slab, SL_NEXT) != 0)) {
    releaseSlab(slab, head);
  }
}

/** Gives an empty slab back to TLSF. */
function releaseSlab(slab: usize, head: usize): void {
  const stride = <usize>load<u32>(slab, SL_STRIDE);
  unlinkSlab(slab, head);
  slabFreeBytes -= blocksPerSlab(stride) * stride;
  heap.free(slab);
}

/** Gives the empty slabs kept against churn back to TLSF; the bytes released. */
function releaseEmptySlabs(): usize {
  let released: usize = 0;
  for (let k: usize = 0; k < SLAB_CLASSES; k++) {
    const head = slabsWithRoom + (k << 2);
    let slab = <usize>load<u32>(head);
    while (slab != 0) {
      const next = <usize>load<u32>(slab, SL_NEXT);
      if (load<u32>(slab, SL_LIVE) == 0) {
        released += SLAB_BYTES;
        releaseSlab(slab, head);
      }
      slab = next;
    }
  }
  return released;
}
