// HyperLogLog with Redis 7.0's exact representation (hyperloglog.c), so that HLL strings copied
// between Redis and IronCache read the same and PFADD writes the same bytes.
//
//   header (16 bytes): "HYLL" | u8 encoding (0 dense, 1 sparse) | 3 unused | u64 LE cached
//                      cardinality, its top bit set when the cache is stale
//   dense:  16384 registers of 6 bits, packed from each byte's LSB up (12288 bytes)
//   sparse: run-length opcodes: ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy
//           (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of value 1..32)
//
// HLL values are plain strings of the keyspace. A sparse value is edited in a work copy that can
// grow (and turn dense), then written back; a dense value is edited in place. Bytes past the end
// of a sparse value read as 0, as they do in Redis (the sds terminator).

import { touchEntry } from "./access";
import { capacityOf, memAlloc, memFree, memResize } from "./alloc";
import { outputFor, scratchBase, setResult } from "./buffers";
import { Db, FRESH_ACCESS, findLiveKey, insertNew, newEntry, reshapeFound } from "./db";
import {
  ENC_RAW, FLAG_RAW, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, markRaw, valueLenOf, valuePtrOf,
} from "./entry";
import { formatInteger, MAX_INTEGER_TEXT } from "./numbers";
import { nextRandom } from "./random";
import { countLookup } from "./stats";
import { INVALID_HLL, NOT_FOUND, NOT_HLL, NOT_SPARSE, WRONG_TYPE } from "./status";

const HLL_P: u32 = 14;
/** Hash bits left for the run of zeros once the register index is taken. */
const HLL_Q: u32 = 64 - HLL_P;
export const HLL_REGISTERS: u32 = 1 << HLL_P;
const REGISTER_MASK: u32 = 63;
export const HEADER_SIZE: usize = 16;
export const DENSE_SIZE: usize = HEADER_SIZE + ((<usize>HLL_REGISTERS * 6 + 7) >> 3);
const ENCODING_AT: usize = 4;
const CARD_AT: usize = 8;
/** The byte holding the cached cardinality's top bit ("stale"). */
const CARD_TOP: usize = 15;
const MAGIC: u32 = 0x4c4c5948; // "HYLL" read little endian
export const DENSE: u32 = 0;
export const SPARSE: u32 = 1;
const HASH_SEED: u64 = 0xadc83b19;
/** 0.5 / ln(2): the estimator's alpha as m grows to infinity. */
const ALPHA_INF: f64 = 0.721347520444481703680;

const VAL_MAX_VALUE: u32 = 32;
const VAL_MAX_LEN: u32 = 4;
const ZERO_MAX_LEN: i32 = 64;
const XZERO_MAX_LEN: u32 = 16384;

// ---- hashing -----------------------------------------------------------------------------------

/** MurmurHash2, 64-bit version (MurmurHash64A), as Redis hashes HLL elements. */
export function murmurHash64A(key: usize, len: usize, seed: u64): u64 {
  const m: u64 = 0xc6a4a7935bd1e995;
  let h: u64 = seed ^ (<u64>len * m);
  const end = key + (len & ~<usize>7);
  let p = key;
  while (p != end) {
    let k = load<u64>(p);
    k *= m;
    k ^= k >> 47;
    k *= m;
    h ^= k;
    h *= m;
    p += 8;
  }
  const rest = len & 7;
  if (rest != 0) {
    let tail: u64 = 0;
    for (let i = rest; i > 0; i--) tail = (tail << 8) | <u64>load<u8>(p + i - 1);
    h ^= tail;
    h *= m;
  }
  h ^= h >> 47;
  h *= m;
  h ^= h >> 47;
  return h;
}

/** Register index of the element hashed by the last patternLength call. */
let patternIndex: u32 = 0;

/** Redis's hllPatLen: length of the "000..1" run after the index bits (1..Q+1). */
function patternLength(ele: usize, len: usize): u32 {
  let hash = murmurHash64A(ele, len, HASH_SEED);
  patternIndex = <u32>hash & (HLL_REGISTERS - 1);
  hash = (hash >> HLL_P) | (<u64>1 << HLL_Q);
  return <u32>ctz(hash) + 1;
}

// ---- dense registers ---------------------------------------------------------------------------

// A register whose 6 bits start at bit 0..2 of its byte never spills into the next byte: only
// the others touch it, so the last register never reads past the array.

// @ts-ignore: decorator
@inline function denseGet(registers: usize, index: u32): u32 {
  const bit = index * 6;
  const at = registers + (bit >> 3);
  const shift = bit & 7;
  let value = <u32>load<u8>(at) >> shift;
  if (shift > 2) value |= <u32>load<u8>(at, 1) << (8 - shift);
  return value & REGISTER_MASK;
}

// @ts-ignore: decorator
@inline function denseSet(registers: usize, index: u32, value: u32): void {
  const bit = index * 6;
  const at = registers + (bit >> 3);
  const shift = bit & 7;
  store<u8>(at, (<u32>load<u8>(at) & ~(REGISTER_MASK << shift)) | (value << shift));
  if (shift > 2) {
    store<u8>(at, (<u32>load<u8>(at, 1) & ~(REGISTER_MASK >> (8 - shift))) | (value >> (8 - shift)), 1);
  }
}

/** hllDenseSet: raises the register to `count`; true when it changed. */
function denseRaise(registers: usize, index: u32, count: u32): bool {
  if (count <= denseGet(registers, index)) return false;
  denseSet(registers, index, count);
  return true;
}

// ---- header ------------------------------------------------------------------------------------

/** Redis's isHLLObjectOrReply checks on a string's bytes. */
export function isHll(value: usize, len: usize): bool {
  if (len < HEADER_SIZE || load<u32>(value) != MAGIC) return false;
  const encoding = encodingOf(value);
  return encoding == SPARSE || (encoding == DENSE && len == DENSE_SIZE);
}

// @ts-ignore: decorator
@inline export function encodingOf(value: usize): u32 {
  return load<u8>(value, ENCODING_AT);
}

// @ts-ignore: decorator
@inline function invalidateCache(value: usize): void {
  store<u8>(value, load<u8>(value, CARD_TOP) | 0x80, CARD_TOP);
}

// ---- sparse opcodes ----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function isZeroOp(op: u32): bool {
  return (op & 0xc0) == 0;
}
// @ts-ignore: decorator
@inline function isXzeroOp(op: u32): bool {
  return (op & 0xc0) == 0x40;
}
// @ts-ignore: decorator
@inline function isValOp(op: u32): bool {
  return (op & 0x80) != 0;
}
// @ts-ignore: decorator
@inline function valValue(op: u32): u32 {
  return ((op >> 2) & 0x1f) + 1;
}
// @ts-ignore: decorator
@inline function valLength(op: u32): u32 {
  return (op & 3) + 1;
}
// @ts-ignore: decorator
@inline function valOp(value: u32, len: u32): u8 {
  return <u8>(((value - 1) << 2) | (len - 1) | 0x80);
}

/** An XZERO's run; its second byte reads as 0 when the value ends after the first. */
// @ts-ignore: decorator
@inline function xzeroLength(p: usize, end: usize): u32 {
  const low: u32 = p + 1 < end ? <u32>load<u8>(p, 1) : 0;
  return (((<u32>load<u8>(p) & 0x3f) << 8) | low) + 1;
}

/** Writes a ZERO or XZERO opcode for `len` zero registers at `p`; returns the bytes written. */
function putZeros(p: usize, len: i32): usize {
  if (len > ZERO_MAX_LEN) {
    store<u8>(p, <u8>(((len - 1) >> 8) | 0x40));
    store<u8>(p, <u8>((len - 1) & 0xff), 1);
    return 2;
  }
  store<u8>(p, <u8>(len - 1));
  return 1;
}

/** Writes the dense form of a sparse HLL at `dst` (header kept, encoding changed). False when
 * the opcodes do not cover exactly 16384 registers (Redis: a corrupted HLL). Debian's 7.0.15
 * carries the CVE-2025-32023 fix: a VAL run past the last register is corrupted too (here and
 * in mergeValue), where 7.0.15 itself stopped there and accepted it. */
function sparseToDense(src: usize, len: usize, dst: usize): bool {
  memory.copy(dst, src, HEADER_SIZE);
  store<u8>(dst, <u8>DENSE, ENCODING_AT);
  const registers = dst + HEADER_SIZE;
  memory.fill(registers, 0, DENSE_SIZE - HEADER_SIZE);
  const end = src + len;
  let p = src + HEADER_SIZE;
  let index: i32 = 0;
  while (p < end) {
    const op = <u32>load<u8>(p);
    if (isZeroOp(op)) {
      index += (op & 0x3f) + 1;
      p++;
    } else if (isXzeroOp(op)) {
      index += xzeroLength(p, end);
      p += 2;
    } else {
      const run = valLength(op), value = valValue(op);
      if (run + index > HLL_REGISTERS) return false; // Redis with the CVE-2025-32023 fix
      for (let i: u32 = 0; i < run; i++) denseSet(registers, index++, value);
      p++;
    }
  }
  return index == HLL_REGISTERS;
}

// ---- the value being modified ------------------------------------------------------------------

/** The HLL being modified (sparse copy, or dense once promoted), and a spare buffer the dense
 * conversion writes into before the two swap. */
let work: usize = 0;
let workLen: usize = 0;
let spare: usize = 0;

function reserveWork(n: usize): void {
  if (work == 0) work = memAlloc(max<usize>(n, 256));
  else if (capacityOf(work) < n) work = memResize(work, max<usize>(n, capacityOf(work) * 2));
}

function loadWork(value: usize, len: usize): void {
  reserveWork(len + 4);
  memory.copy(work, value, len);
  workLen = len;
}

/** A new HLL as Redis's createHLLObject makes it: sparse, one XZERO:16384, cache 0. */
function loadEmptyWork(): void {
  reserveWork(HEADER_SIZE + 6);
  memory.fill(work, 0, HEADER_SIZE);
  store<u32>(work, MAGIC);
  store<u8>(work, <u8>SPARSE, ENCODING_AT);
  putZeros(work + HEADER_SIZE, <i32>HLL_REGISTERS);
  workLen = HEADER_SIZE + 2;
}

/** Converts the sparse work copy to dense; false (nothing changed) when it is corrupted. */
function workToDense(): bool {
  if (spare == 0 || capacityOf(spare) < DENSE_SIZE) spare = spare == 0 ? memAlloc(DENSE_SIZE) : memResize(spare, DENSE_SIZE);
  if (!sparseToDense(work, workLen, spare)) return false;
  const sparse = work;
  work = spare;
  spare = sparse;
  workLen = DENSE_SIZE;
  return true;
}

const splitOps: usize = memory.data(8);

/**
 * Redis's hllSparseSet on the work copy: raises register `index` to `count`. 1 changed, 0 not,
 * -1 corrupted. Turns the copy dense when the value cannot be a VAL opcode or the copy would
 * outgrow `sparseMax` bytes (hll-sparse-max-bytes).
 */
function sparseRaise(index: u32, count: u32, sparseMax: f64): i32 {
  if (count > VAL_MAX_VALUE) return promoteAndRaise(index, count);
  // Room for the worst split (XZERO -> XZERO VAL XZERO: +3) and the byte a split of a
  // truncated final XZERO writes past the end (as Redis's memcpy does).
  reserveWork(workLen + 4);
  const sparse = work + HEADER_SIZE;
  let end = work + workLen;

  // Step 1: find the opcode covering the register.
  let p = sparse;
  let prev: usize = 0;
  let first: i64 = 0;
  let span: i64 = 0;
  while (p < end) {
    const op = <u32>load<u8>(p);
    let opLen: usize = 1;
    if (isZeroOp(op)) span = (op & 0x3f) + 1;
    else if (isValOp(op)) span = valLength(op);
    else {
      span = xzeroLength(p, end);
      opLen = 2;
    }
    if (<i64>index <= first + span - 1) break;
    prev = p;
    p += opLen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;
  const op = <u32>load<u8>(p);
  let next: usize = isXzeroOp(op) ? p + 2 : p + 1;
  if (next >= end) next = 0;

  // Step 2: the cases that change one byte in place.
  const isZero = isZeroOp(op), isXzero = isXzeroOp(op);
  const run: i64 = isZero ? (op & 0x3f) + 1 : isXzero ? xzeroLength(p, end) : valLength(op);
  let done = false;
  if (!isZero && !isXzero) {
    if (valValue(op) >= count) return 0;
    done = run == 1;
  } else {
    done = isZero && run == 1;
  }
  if (done) {
    store<u8>(p, valOp(count, 1));
  } else {
    // Split the opcode: [zeros or old value before] VAL [zeros or old value after].
    const last = <i32>(first + span - 1);
    const at = <i32>index;
    let n = splitOps;
    if (isZero || isXzero) {
      if (at != <i32>first) n += putZeros(n, at - <i32>first);
      store<u8>(n++, valOp(count, 1));
      if (at != last) n += putZeros(n, last - at);
    } else {
      const current = valValue(op);
      if (at != <i32>first) store<u8>(n++, valOp(current, <u32>(at - <i32>first)));
      store<u8>(n++, valOp(count, 1));
      if (at != last) store<u8>(n++, valOp(current, <u32>(last - at)));
    }
    // Step 3: put the new opcodes in place of the old one.
    const seqLen = <i32>(n - splitOps);
    const delta = seqLen - (isXzero ? 2 : 1);
    if (delta > 0 && <f64>(<i64>workLen + delta) > sparseMax) return promoteAndRaise(index, count);
    if (delta != 0 && next != 0) memory.copy(next + delta, next, end - next);
    workLen += delta;
    memory.copy(p, splitOps, seqLen);
    end += delta;
  }

  // Step 4: merge adjacent VAL opcodes of the same value, from the previous opcode on.
  p = prev != 0 ? prev : sparse;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const here = <u32>load<u8>(p);
    if (isXzeroOp(here)) {
      p += 2;
      continue;
    }
    if (isZeroOp(here)) {
      p++;
      continue;
    }
    if (p + 1 < end) {
      const after = <u32>load<u8>(p, 1);
      if (isValOp(after) && valValue(here) == valValue(after)) {
        const len = valLength(here) + valLength(after);
        if (len <= VAL_MAX_LEN) {
          store<u8>(p, valOp(valValue(here), len), 1);
          memory.copy(p, p + 1, end - p - 1);
          workLen--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(work);
  return 1;
}

/** The promote path of hllSparseSet: dense conversion, then the register is raised. */
function promoteAndRaise(index: u32, count: u32): i32 {
  if (!workToDense()) return -1;
  denseRaise(work + HEADER_SIZE, index, count);
  return 1;
}

/** hllAdd on the work copy: 1 changed, 0 not, -1 corrupted. */
function addToWork(ele: usize, len: usize, sparseMax: f64): i32 {
  const count = patternLength(ele, len);
  if (encodingOf(work) == DENSE) return denseRaise(work + HEADER_SIZE, patternIndex, count) ? 1 : 0;
  return sparseRaise(patternIndex, count, sparseMax);
}

// ---- counting ----------------------------------------------------------------------------------

/** Register value histogram (values 0..63). */
const histogram: usize = memory.data(64 * 4);

// @ts-ignore: decorator
@inline function bump(value: u32, by: u32): void {
  const at = histogram + (<usize>value << 2);
  store<u32>(at, load<u32>(at) + by);
}

// @ts-ignore: decorator
@inline function histogramAt(value: u32): f64 {
  return <f64>load<i32>(histogram + (<usize>value << 2));
}

function denseHistogram(registers: usize): void {
  // Four registers in every three bytes.
  const end = registers + (DENSE_SIZE - HEADER_SIZE);
  for (let p = registers; p < end; p += 3) {
    const b0 = <u32>load<u8>(p), b1 = <u32>load<u8>(p, 1), b2 = <u32>load<u8>(p, 2);
    bump(b0 & 63, 1);
    bump(((b0 >> 6) | (b1 << 2)) & 63, 1);
    bump(((b1 >> 4) | (b2 << 4)) & 63, 1);
    bump(b2 >> 2, 1);
  }
}

/** False when the opcodes do not cover exactly 16384 registers. */
function sparseHistogram(value: usize, len: usize): bool {
  const end = value + len;
  let p = value + HEADER_SIZE;
  let index: i32 = 0;
  while (p < end) {
    const op = <u32>load<u8>(p);
    if (isZeroOp(op)) {
      const run = (op & 0x3f) + 1;
      index += run;
      bump(0, run);
      p++;
    } else if (isXzeroOp(op)) {
      const run = xzeroLength(p, end);
      index += run;
      bump(0, run);
      p += 2;
    } else {
      const run = valLength(op);
      index += run;
      bump(valValue(op), run);
      p++;
    }
  }
  return index == HLL_REGISTERS;
}

/** Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches",
 * arXiv:1702.01284), evaluated in the same order as Redis so the doubles match bit for bit. */
function sigma(x: f64): f64 {
  if (x == 1) return Infinity;
  let y = 1.0;
  let z = x;
  let previous: f64;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

function tau(x: f64): f64 {
  if (x == 0 || x == 1) return 0;
  let y = 1.0;
  let z = 1 - x;
  let previous: f64;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    const gap = 1 - x;
    z -= gap * gap * y; // Redis: pow(1 - x, 2) * y, which GCC folds into this product
  } while (previous != z);
  return z / 3;
}

/** The estimate from the histogram, rounded like llroundl; out of i64 range gives llroundl's
 * x86 result (the i64 minimum), as Redis would return it. */
function estimate(): u64 {
  const m = <f64>HLL_REGISTERS;
  let z = m * tau((m - histogramAt(HLL_Q + 1)) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histogramAt(j);
    z *= 0.5;
  }
  z += m * sigma(histogramAt(0) / m);
  const e = ALPHA_INF * m * m / z;
  if (!(e < 9223372036854775808.0)) return <u64>1 << 63;
  let rounded = Math.floor(e);
  if (e - rounded >= 0.5) rounded += 1;
  return <u64>rounded;
}

/** hllCount of a valid HLL string; `countValid` is false when a sparse one is corrupted. */
let countValid = true;

function countOf(value: usize, len: usize): u64 {
  memory.fill(histogram, 0, 64 * 4);
  countValid = true;
  if (encodingOf(value) == DENSE) denseHistogram(value + HEADER_SIZE);
  else countValid = sparseHistogram(value, len);
  return estimate();
}

// ---- merging (PFCOUNT of several keys, PFMERGE) ------------------------------------------------

/** One byte per register: the maximum over the HLLs merged so far. */
let maxRegisters: usize = 0;
/** A dense HLL was merged: PFMERGE's destination becomes dense. */
let mergedDense = false;

export function mergeBegin(): void {
  if (maxRegisters == 0) maxRegisters = memAlloc(HLL_REGISTERS);
  memory.fill(maxRegisters, 0, HLL_REGISTERS);
  mergedDense = false;
}

/** hllMerge of a string's bytes: 0, NOT_HLL, or INVALID_HLL for a corrupted sparse one. */
export function mergeValue(value: usize, len: usize): i32 {
  if (!isHll(value, len)) return NOT_HLL;
  if (encodingOf(value) == DENSE) {
    mergedDense = true;
    const registers = value + HEADER_SIZE;
    for (let i: u32 = 0; i < HLL_REGISTERS; i++) {
      const v = <u8>denseGet(registers, i);
      if (v > load<u8>(maxRegisters + i)) store<u8>(maxRegisters + i, v);
    }
    return 0;
  }
  const end = value + len;
  let p = value + HEADER_SIZE;
  let index: i32 = 0;
  while (p < end) {
    const op = <u32>load<u8>(p);
    if (isZeroOp(op)) {
      index += (op & 0x3f) + 1;
      p++;
    } else if (isXzeroOp(op)) {
      index += xzeroLength(p, end);
      p += 2;
    } else {
      const run = valLength(op), v = <u8>valValue(op);
      if (run + index > HLL_REGISTERS) return INVALID_HLL;
      for (let i: u32 = 0; i < run; i++, index++) {
        if (v > load<u8>(maxRegisters + index)) store<u8>(maxRegisters + index, v);
      }
      p++;
    }
  }
  return index == HLL_REGISTERS ? 0 : INVALID_HLL;
}

/** Merges a key's HLL (a read lookup, as Redis's lookupKeyRead): 0 also for a missing key. */
export function mergeKey(db: Db, klen: usize): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  countLookup(e != 0);
  if (e == 0) return 0;
  touchEntry(e);
  const status = checkHllEntry(e);
  return status < 0 ? status : mergeValue(valuePtrOf(e), valueLenOf(e));
}

/** The union's cardinality, as decimal text at the result pointer. */
export function mergeCount(): i32 {
  memory.fill(histogram, 0, 64 * 4);
  for (let i: u32 = 0; i < HLL_REGISTERS; i++) bump(load<u8>(maxRegisters + i), 1);
  return emitCount(estimate());
}

/**
 * PFMERGE's write into the work copy: the destination's current bytes (`len` < 0: none, a new
 * HLL) raised to the merged registers; dense when any merged HLL was. 0 or INVALID_HLL.
 */
function buildMerged(value: usize, len: isize, sparseMax: f64): i32 {
  if (len < 0) loadEmptyWork();
  else loadWork(value, <usize>len);
  if (mergedDense) {
    if (encodingOf(work) == SPARSE && !workToDense()) return INVALID_HLL;
    const registers = work + HEADER_SIZE;
    for (let i: u32 = 0; i < HLL_REGISTERS; i++) denseSet(registers, i, load<u8>(maxRegisters + i));
  } else {
    for (let i: u32 = 0; i < HLL_REGISTERS; i++) {
      const v = <u32>load<u8>(maxRegisters + i);
      if (v == 0) continue;
      // Redis ignores a failed sparse write here (the sources were validated).
      if (encodingOf(work) == SPARSE) sparseRaise(i, v, sparseMax);
      else denseRaise(work + HEADER_SIZE, i, v);
    }
  }
  invalidateCache(work);
  return 0;
}

/** PFMERGE into a key of this engine (its current value was merged as a source). */
export function mergeStore(db: Db, klen: usize, sparseMax: f64): i32 {
  const key = scratchBase();
  const e = findLiveKey(db, key, klen);
  if (e != 0) touchEntry(e);
  const status = e != 0 ? buildMerged(valuePtrOf(e), <isize>valueLenOf(e), sparseMax) : buildMerged(0, -1, sparseMax);
  if (status < 0) return status;
  storeWork(db, e, key, klen);
  return 0;
}

/** PFMERGE for a destination on another shard: the new value's bytes at the result pointer,
 * from its current bytes in the scratch area (`len` < 0: the key is missing). */
export function mergeResult(len: i32, sparseMax: f64): i32 {
  const status = buildMerged(scratchBase(), len, sparseMax);
  if (status < 0) return status;
  setResult(work);
  return <i32>workLen;
}

// ---- keys --------------------------------------------------------------------------------------

/** 0 when the entry holds a valid HLL string, else WRONG_TYPE / NOT_HLL. */
function checkHllEntry(e: usize): i32 {
  if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
  if (entryEncoding(e) != ENC_RAW || !isHll(valuePtrOf(e), valueLenOf(e))) return NOT_HLL;
  return 0;
}

/** Writes the work copy as the key's value (the entry found by the last lookup, or a new key
 * when `e` is 0), raw-encoded as Redis's unshared sds, keeping the TTL. */
function storeWork(db: Db, e: usize, key: usize, klen: usize): void {
  if (e == 0) {
    const created = newEntry(TYPE_STRING, ENC_RAW, false, 0, key, klen, workLen, FLAG_RAW, FRESH_ACCESS);
    memory.copy(valuePtrOf(created), work, workLen);
    insertNew(db, created);
    return;
  }
  const ttl = hasTtl(e);
  // No spare room for growth: every write copies the value through the work copy anyway, so a
  // block that fits exactly costs no more CPU and keeps sparse HLLs small.
  const target = reshapeFound(db, e, TYPE_STRING, ENC_RAW, ttl, ttl ? expireAtOf(e) : 0, workLen, 0, FLAG_RAW);
  memory.copy(valuePtrOf(target), work, workLen);
}

function emitCount(count: u64): i32 {
  return <i32>formatInteger(<i64>count, outputFor(MAX_INTEGER_TEXT));
}

/**
 * PFADD: `count` elements follow the key in the scratch area, each as u32 length + bytes.
 * 1 when a register changed (or the key was created), 0, WRONG_TYPE, NOT_HLL, INVALID_HLL
 * (registers changed before the corruption was met stay changed, as in Redis).
 */
export function hllAdd(db: Db, klen: usize, count: u32, sparseMax: f64): i32 {
  const key = scratchBase();
  const e = findLiveKey(db, key, klen);
  let element = key + klen;
  if (e != 0) {
    touchEntry(e);
    const status = checkHllEntry(e);
    if (status < 0) return status;
    markRaw(e);
    const value = valuePtrOf(e);
    if (encodingOf(value) == DENSE) {
      let changed = false;
      for (let i: u32 = 0; i < count; i++) {
        const len = <usize>load<u32>(element);
        const run = patternLength(element + 4, len);
        if (denseRaise(value + HEADER_SIZE, patternIndex, run)) changed = true;
        element += 4 + len;
      }
      if (changed) invalidateCache(value);
      return changed ? 1 : 0;
    }
    loadWork(value, valueLenOf(e));
  } else {
    loadEmptyWork();
  }
  let changed = e == 0;
  let status = 0;
  for (let i: u32 = 0; i < count; i++) {
    const len = <usize>load<u32>(element);
    const result = addToWork(element + 4, len, sparseMax);
    if (result < 0) {
      status = INVALID_HLL;
      break;
    }
    if (result == 1) changed = true;
    element += 4 + len;
  }
  if (changed && status == 0) invalidateCache(work);
  storeWork(db, e, key, klen);
  return status < 0 ? status : changed ? 1 : 0;
}

/** PFCOUNT of one key: the cached cardinality, or a fresh one (then cached in the header), as
 * decimal text; NOT_FOUND (0), WRONG_TYPE, NOT_HLL, INVALID_HLL. */
export function hllCountKey(db: Db, klen: usize): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  countLookup(e != 0);
  if (e == 0) return NOT_FOUND;
  touchEntry(e);
  const status = checkHllEntry(e);
  if (status < 0) return status;
  markRaw(e);
  const value = valuePtrOf(e);
  if ((load<u8>(value, CARD_TOP) & 0x80) == 0) return emitCount(load<u64>(value, CARD_AT));
  const count = countOf(value, valueLenOf(e));
  if (!countValid) return INVALID_HLL;
  store<u64>(value, count, CARD_AT);
  return emitCount(count);
}

// ---- PFDEBUG / PFSELFTEST ----------------------------------------------------------------------

export const DEBUG_GETREG: i32 = 0;
export const DEBUG_DECODE: i32 = 1;
export const DEBUG_ENCODING: i32 = 2;
export const DEBUG_TODENSE: i32 = 3;

/** Converts a sparse key to dense in place of its value: false when corrupted. */
function keyToDense(db: Db, e: usize): bool {
  loadWork(valuePtrOf(e), valueLenOf(e));
  if (!workToDense()) return false;
  storeWork(db, e, scratchBase(), 0);
  return true;
}

/**
 * PFDEBUG `op` on a key (looked up for writing). GETREG: 16384 register bytes at the result
 * pointer (a sparse key is made dense first); DECODE: the opcodes as Redis prints them;
 * ENCODING: 0 dense / 1 sparse; TODENSE: 1 converted / 0 already dense. Errors: NOT_FOUND,
 * WRONG_TYPE, NOT_HLL, INVALID_HLL, NOT_SPARSE (DECODE of a dense key).
 */
export function hllDebug(db: Db, klen: usize, op: i32): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  if (e == 0) return NOT_FOUND;
  touchEntry(e);
  const status = checkHllEntry(e);
  if (status < 0) return status;
  markRaw(e);
  const sparse = encodingOf(valuePtrOf(e)) == SPARSE;
  if (op == DEBUG_ENCODING) return sparse ? 1 : 0;
  if (op == DEBUG_TODENSE) {
    if (!sparse) return 0;
    return keyToDense(db, e) ? 1 : INVALID_HLL;
  }
  if (op == DEBUG_DECODE) return sparse ? decodeSparse(valuePtrOf(e), valueLenOf(e)) : NOT_SPARSE;
  // GETREG
  if (sparse && !keyToDense(db, e)) return INVALID_HLL;
  const registers = work; // keyToDense left the dense bytes in the work copy
  const source = sparse ? registers + HEADER_SIZE : valuePtrOf(e) + HEADER_SIZE;
  const out = outputFor(HLL_REGISTERS);
  for (let i: u32 = 0; i < HLL_REGISTERS; i++) store<u8>(out + i, <u8>denseGet(source, i));
  return <i32>HLL_REGISTERS;
}

/** "Z:n z:n v:value,run ..." (Redis's PFDEBUG DECODE) at the result pointer. */
function decodeSparse(value: usize, len: usize): i32 {
  const end = value + len;
  const out = outputFor(len * 8 + 8);
  let o = out;
  let p = value + HEADER_SIZE;
  while (p < end) {
    const op = <u32>load<u8>(p);
    if (isZeroOp(op) || isXzeroOp(op)) {
      store<u8>(o++, isZeroOp(op) ? 0x7a : 0x5a); // 'z' / 'Z'
      store<u8>(o++, 0x3a); // ':'
      const run = isZeroOp(op) ? (op & 0x3f) + 1 : xzeroLength(p, end);
      o += formatInteger(run, o);
      p += isZeroOp(op) ? 1 : 2;
    } else {
      store<u8>(o++, 0x76); // 'v'
      store<u8>(o++, 0x3a);
      o += formatInteger(valValue(op), o);
      store<u8>(o++, 0x2c); // ','
      o += formatInteger(valLength(op), o);
      p++;
    }
    store<u8>(o++, 0x20);
  }
  if (o > out) o--; // the trailing space (sdstrim)
  return <i32>(o - out);
}

/** PFSELFTEST's outcomes (0 = passed). */
export const SELFTEST_REGISTERS: i32 = 1;
export const SELFTEST_NOT_SPARSE: i32 = 2;
export const SELFTEST_DISAGREE: i32 = 3;
export const SELFTEST_ERROR: i32 = 4;

/**
 * Redis's PFSELFTEST: random register writes read back, then 10 million elements added to a
 * dense HLL and (through the sparse encoding) to the work copy, checked at each power of ten
 * for agreement and an error within 6 standard errors.
 */
export function hllSelfTest(sparseMax: f64): i32 {
  const dense = memAlloc(DENSE_SIZE);
  const expected = memAlloc(HLL_REGISTERS);
  const status = selfTest(dense, expected, sparseMax);
  memFree(dense);
  memFree(expected);
  return status;
}

function selfTest(dense: usize, expected: usize, sparseMax: f64): i32 {
  const registers = dense + HEADER_SIZE;
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i: u32 = 0; i < HLL_REGISTERS; i++) {
      const r = <u32>nextRandom() & REGISTER_MASK;
      store<u8>(expected + i, <u8>r);
      denseSet(registers, i, r);
    }
    for (let i: u32 = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(registers, i) != <u32>load<u8>(expected + i)) return SELFTEST_REGISTERS;
    }
  }
  memory.fill(dense, 0, DENSE_SIZE);
  store<u32>(dense, MAGIC);
  loadEmptyWork();
  const relativeError = 1.04 / Math.sqrt(<f64>HLL_REGISTERS);
  let checkpoint: i64 = 1;
  const seed = nextRandom();
  const element = expected; // 8 bytes of scratch for the element
  for (let j: i64 = 1; j <= 10000000; j++) {
    store<u64>(element, <u64>j ^ seed);
    const count = patternLength(element, 8);
    denseRaise(registers, patternIndex, count);
    addToWork(element, 8, sparseMax);
    if (j != checkpoint) continue;
    if (<f64>j < Math.floor(sparseMax / 2) && encodingOf(work) != SPARSE) return SELFTEST_NOT_SPARSE;
    const denseCount = countOf(dense, DENSE_SIZE);
    if (denseCount != countOf(work, workLen)) return SELFTEST_DISAGREE;
    let error = checkpoint - <i64>denseCount;
    if (error < 0) error = -error;
    const maxError = j == 10 ? 1 : <i64>Math.ceil(relativeError * 6 * <f64>checkpoint);
    if (error > maxError) return SELFTEST_ERROR;
    checkpoint *= 10;
  }
  return 0;
}
