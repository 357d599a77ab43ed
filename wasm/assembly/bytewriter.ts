// Appends bytes to the output area, growing it: used to serialize objects (DUMP, moving a
// key to another shard).

import { outputFor, outputGrow } from "./buffers";

let base: usize = 0;
let used: usize = 0;

export function writerBegin(): void {
  base = outputFor(0);
  used = 0;
}

/** Room for `n` bytes; returns where to write them (valid until the next write). */
export function writerReserve(n: usize): usize {
  base = outputGrow(used, n);
  const at = base + used;
  used += n;
  return at;
}

export function writeU32(v: u32): void {
  store<u32>(writerReserve(4), v);
}

export function writeF64(v: f64): void {
  store<f64>(writerReserve(8), v);
}

/** u32 length, then the bytes. */
export function writeBlob(ptr: usize, len: usize): void {
  const at = writerReserve(4 + len);
  store<u32>(at, <u32>len);
  memory.copy(at + 4, ptr, len);
}

export function writerLength(): usize {
  return used;
}

/** The writer's place (its length), to be given back to writerResume after bytes were written
 * aside (swapOutput); the base follows the output area. */
export function writerResume(length: usize, at: usize): void {
  base = at;
  used = length;
}

export function writerBaseAt(): usize {
  return base;
}
