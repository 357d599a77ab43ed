// Transparent huge pages for the engine's linear memory. A big keyspace is a walk over tens of
// megabytes in random order (hash probes, skiplist descents): with 4 KiB pages nearly every
// step also misses the TLB. Linux backs a region with 2 MiB pages when it is advised so
// (madvise(MADV_HUGEPAGE); distributions ship THP as "madvise" or "always"). Redis turns THP
// off (`disable-thp`) because fork's copy-on-write would copy 2 MiB per touched page;
// IronCache never forks. Deno has no madvise, so it is libc's through FFI, as the snapshot
// encoder's sched_setscheduler; without --allow-ffi or a glibc the memory keeps 4 KiB pages.

/** madvise(2)'s MADV_HUGEPAGE. */
const MADV_HUGEPAGE = 14;

type Libc = Deno.DynamicLibrary<{
  madvise: { parameters: ["pointer", "usize", "i32"]; result: "i32" };
}>;
let libc: Libc | null | undefined;

function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      madvise: { parameters: ["pointer", "usize", "i32"], result: "i32" },
    });
  } catch {
    libc = null;
  }
  return libc;
}

/** Advises huge pages for all of `memory` as it is now (the memory starts page-aligned; a
 * grown memory is advised again, see Keyspace.afterGrowth). True when the kernel took it. */
export function adviseHugePages(memory: WebAssembly.Memory): boolean {
  const c = openLibc();
  if (c === null) return false;
  const pointer = Deno.UnsafePointer.of(memory.buffer);
  if (pointer === null) return false;
  return c.symbols.madvise(pointer, BigInt(memory.buffer.byteLength), MADV_HUGEPAGE) === 0;
}
