// Entry layout: one heap block per key.
//
//   u32  meta      bits 0-2 type, 3-4 encoding, 5 has-TTL, 6 wide lengths, 7 raw (modified in
//                  place: Redis would hold a raw sds, not an embstr), 8-31 access field (LRU
//                  clock, or LFU minutes << 8 | counter: see access.ts)
//   [TTL] i64 expireAt (ms, exact as Redis's long long), u32 index in the db's volatile list   (only keys with a TTL pay)
//   klen          u8, or u32 when wide
//   [RAW] vlen    u8, or u32 when wide
//   key bytes
//   value: RAW bytes | INT i64 | OBJ u32 handle
//
// A 16-byte key with a 32-byte value is 54 bytes -> one 64-byte TLSF block.

export const TYPE_STRING: u32 = 0;
/** Types 1..TYPE_MAX are objects stored outside the engine (list, set, zset, hash, ...). */
export const TYPE_MAX: u32 = 7;

export const ENC_RAW: u32 = 0;
export const ENC_INT: u32 = 1;
export const ENC_OBJ: u32 = 2;

const TYPE_MASK: u32 = 7;
const ENC_SHIFT: u32 = 3;
const ENC_MASK: u32 = 3;
const FLAG_TTL: u32 = 1 << 5;
const FLAG_WIDE: u32 = 1 << 6;
/** The string was modified in place (APPEND, SETRANGE): OBJECT ENCODING says "raw" even when
 * short, as Redis's dbUnshareStringValue makes a raw sds that later writes keep. */
export const FLAG_RAW: u32 = 1 << 7;
const LRU_SHIFT: u32 = 8;
export const LRU_MASK: u32 = 0xffffff;

const META_BYTES: usize = 4;
const TTL_BYTES: usize = 12;
const NARROW_MAX: usize = 255;

// @ts-ignore: decorator
@inline export function entryType(e: usize): u32 {
  return load<u32>(e) & TYPE_MASK;
}
// @ts-ignore: decorator
@inline export function entryEncoding(e: usize): u32 {
  return (load<u32>(e) >> ENC_SHIFT) & ENC_MASK;
}
// @ts-ignore: decorator
@inline export function hasTtl(e: usize): bool {
  return (load<u32>(e) & FLAG_TTL) != 0;
}
// @ts-ignore: decorator
@inline export function expireAtOf(e: usize): i64 {
  return load<i64>(e, META_BYTES);
}
// @ts-ignore: decorator
@inline export function setExpireAtOf(e: usize, at: i64): void {
  store<i64>(e, at, META_BYTES);
}
// @ts-ignore: decorator
@inline export function volatileIndexOf(e: usize): u32 {
  return load<u32>(e, META_BYTES + 8);
}
// @ts-ignore: decorator
@inline export function setVolatileIndexOf(e: usize, index: u32): void {
  store<u32>(e, index, META_BYTES + 8);
}
// @ts-ignore: decorator
@inline export function rawFlagOf(e: usize): u32 {
  return load<u32>(e) & FLAG_RAW;
}
/** The 24-bit access field: LRU clock, or LFU (minutes << 8 | counter). */
// @ts-ignore: decorator
@inline export function lruOf(e: usize): u32 {
  return load<u32>(e) >> LRU_SHIFT;
}
// @ts-ignore: decorator
@inline export function setAccessOf(e: usize, field: u32): void {
  store<u32>(e, (load<u32>(e) & ((1 << LRU_SHIFT) - 1)) | (field << LRU_SHIFT));
}

/** Sets the raw flag in place (a value modified where it lies: PFADD, PFCOUNT's cache). */
// @ts-ignore: decorator
@inline export function markRaw(e: usize): void {
  store<u32>(e, load<u32>(e) | FLAG_RAW);
}

// @ts-ignore: decorator
@inline function lengthsAt(e: usize): usize {
  return e + META_BYTES + (hasTtl(e) ? TTL_BYTES : 0);
}
// @ts-ignore: decorator
@inline function isWide(e: usize): bool {
  return (load<u32>(e) & FLAG_WIDE) != 0;
}
// @ts-ignore: decorator
@inline function lengthFieldsBytes(encoding: u32, wide: bool): usize {
  return (encoding == ENC_RAW ? 2 : 1) << (wide ? 2 : 0);
}

export function keyLenOf(e: usize): usize {
  const at = lengthsAt(e);
  return isWide(e) ? <usize>load<u32>(at) : <usize>load<u8>(at);
}

export function keyPtrOf(e: usize): usize {
  return lengthsAt(e) + lengthFieldsBytes(entryEncoding(e), isWide(e));
}

/** Raw strings only. */
export function valueLenOf(e: usize): usize {
  const at = lengthsAt(e);
  return isWide(e) ? <usize>load<u32>(at, 4) : <usize>load<u8>(at, 1);
}

export function valuePtrOf(e: usize): usize {
  return keyPtrOf(e) + keyLenOf(e);
}

/** Bytes the value part takes: raw length, 8 for INT, 4 for an object handle. */
export function valueBytes(encoding: u32, rawLen: usize): usize {
  if (encoding == ENC_RAW) return rawLen;
  return encoding == ENC_INT ? 8 : 4;
}

// @ts-ignore: decorator
@inline function needsWide(encoding: u32, klen: usize, vlen: usize): bool {
  return klen > NARROW_MAX || (encoding == ENC_RAW && vlen > NARROW_MAX);
}

/** Total block size for an entry of this shape. */
export function entrySize(encoding: u32, ttl: bool, klen: usize, vlen: usize): usize {
  return META_BYTES + (ttl ? TTL_BYTES : 0) +
    lengthFieldsBytes(encoding, needsWide(encoding, klen, vlen)) + klen + valueBytes(encoding, vlen);
}

/** Where the key starts in an entry of this shape (for moving it before writing headers). */
export function keyOffsetFor(encoding: u32, ttl: bool, klen: usize, vlen: usize): usize {
  return META_BYTES + (ttl ? TTL_BYTES : 0) + lengthFieldsBytes(encoding, needsWide(encoding, klen, vlen));
}

/**
 * Writes meta and length fields (and the expiry when `ttl`) for the given shape. The key
 * bytes must already sit at keyOffsetFor(...) or be copied there afterwards; the caller
 * writes the value at valuePtrOf(e). The volatile index is left for the caller. `raw` is 0 or
 * FLAG_RAW.
 */
export function writeHeader(
  e: usize, type: u32, encoding: u32, ttl: bool, expireAt: i64, klen: usize, vlen: usize, lru: u32, raw: u32 = 0,
): void {
  const wide = needsWide(encoding, klen, vlen);
  store<u32>(e, type | (encoding << ENC_SHIFT) | (ttl ? FLAG_TTL : 0) | (wide ? FLAG_WIDE : 0) | raw | (lru << LRU_SHIFT));
  if (ttl) setExpireAtOf(e, expireAt);
  const at = lengthsAt(e);
  if (wide) {
    store<u32>(at, <u32>klen);
    if (encoding == ENC_RAW) store<u32>(at, <u32>vlen, 4);
  } else {
    store<u8>(at, <u8>klen);
    if (encoding == ENC_RAW) store<u8>(at, <u8>vlen, 1);
  }
}
