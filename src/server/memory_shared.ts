// The SharedArrayBuffer behind the server-wide maxmemory (memory.ts), created by the main
// thread. Per shard, as f64s: memory in use, the coldness of its best eviction candidate
// (random policies: its number of candidates; +Infinity: not known yet, ask it; -Infinity:
// none); then as i32s: the bytes other shards asked it to free (in OWED_UNITs), and an
// "asked" flag (set while an eviction notice to it is on its way).
export const SLOT_F64 = 3, USED = 0, COLDNESS = 1;
export const SLOT_I32 = SLOT_F64 * 2, OWED_I32 = 4, ASKED_I32 = 5;
export const OWED_UNIT = 64;

export function sharedMemoryBuffer(shards: number): SharedArrayBuffer {
  return new SharedArrayBuffer(shards * SLOT_F64 * Float64Array.BYTES_PER_ELEMENT);
}

/** The server's memory in use: every shard's published figure, summed. */
export function usedMemoryOf(shared: Float64Array): number {
  let sum = 0;
  for (let i = USED; i < shared.length; i += SLOT_F64) sum += shared[i];
  return sum;
}
