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
  return released;
}

/** Bytes of freed blocks held for reuse (not in bytesAllocated). */
export function bytesCached(): usize {
  return cachedBytes;
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
