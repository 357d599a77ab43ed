// Allocation wrappers that keep an exact count of the bytes the engine holds, so
// memoryUsed() reports what Redis calls used_memory (live blocks incl. their header,
// not free-list fragmentation).
//
// They read the TLSF block header: the u32 just before each payload holds the payload
// size in its upper bits and two tag bits below (AssemblyScript 0.28 std/assembly/rt/tlsf.ts,
// pinned in package.json). That lets entries be rewritten in place whenever they still fit.

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

export function memAlloc(size: usize): usize {
  const ptr = heap.alloc(size);
  allocatedBytes += footprint(ptr);
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
  allocatedBytes -= footprint(ptr);
  heap.free(ptr);
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
