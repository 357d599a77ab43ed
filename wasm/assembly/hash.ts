// Keyed 32-bit hash of key bytes. 32 bits are enough: the table stores the full hash next to
// each entry pointer, so rehashing and SCAN never touch the entries, and the high bits
// beyond the table mask filter out most false key comparisons. The seed is set once from
// JS (random per process) so clients cannot precompute colliding keys.

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0x85EBCA77C2B2AE63;

let seed: u64 = 0x2545F4914F6CDD1D;

export function setHashSeed(value: u64): void {
  seed = value;
}

// @ts-ignore: decorator
@inline function mixWord(h: u64, word: u64): u64 {
  h ^= rotl<u64>(word * P2, 31) * P1;
  return rotl<u64>(h, 27) * P1 + P4;
}

/** Reads the 1..7 bytes left after the 8-byte words without touching memory beyond them. */
// @ts-ignore: decorator
@inline function tailWord(ptr: usize, n: usize): u64 {
  if (n >= 4) return <u64>load<u32>(ptr) | (<u64>load<u32>(ptr + n - 4) << 32);
  return <u64>load<u8>(ptr) | (<u64>load<u8>(ptr + (n >> 1)) << 8) | (<u64>load<u8>(ptr + n - 1) << 16);
}

export function hashBytes(ptr: usize, len: usize): u32 {
  let h: u64 = seed ^ (<u64>len * P3);
  let p = ptr;
  const end = ptr + len;
  while (p + 8 <= end) {
    h = mixWord(h, load<u64>(p));
    p += 8;
  }
  if (p < end) h = mixWord(h, tailWord(p, end - p));
  // xxHash64's avalanche so every input bit reaches the low (bucket) bits.
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return <u32>h;
}

/** Byte equality, 8 bytes at a time (keys are usually short, so no alignment games). */
export function bytesEqual(a: usize, b: usize, len: usize): bool {
  let i: usize = 0;
  while (i + 8 <= len) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
    i += 8;
  }
  while (i < len) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
  }
  return true;
}
