// Bitmap commands on string values, after Redis 7.0's bitops.c: GETBIT SETBIT BITCOUNT
// BITPOS BITOP BITFIELD. Bit 0 is the most significant bit of byte 0. Reads see an int-encoded
// value as its decimal text; writes turn the value into raw text first (Redis's
// dbUnshareStringValue), so OBJECT ENCODING says "raw" afterwards, and keep the TTL.
// Argument checks and their error order live in src/commands/bitmaps.ts.

import { touchEntry } from "./access";
import { memAlloc, memFree } from "./alloc";
import { outputFor, resultAt, scratchBase } from "./buffers";
import { Db, FRESH_ACCESS, findLiveKey, insertNew, newEntry, removeFound, reshapeFound } from "./db";
import { ENC_INT, ENC_RAW, FLAG_RAW, TYPE_STRING, entryEncoding, entryType, valueLenOf, valuePtrOf } from "./entry";
import { MAX_INTEGER_TEXT, formatInteger } from "./numbers";
import { countLookup } from "./stats";
import { NOT_FOUND, TOO_LARGE, WRONG_TYPE } from "./status";
import { STRING_MAX, readString, textLength, unshare } from "./strings";

/** Longest string a bit write may make: an offset below 512 MB * 8 plus a 64-bit field. */
export const BITS_MAX: usize = STRING_MAX + 8;

export const BITOP_AND: i32 = 0;
export const BITOP_OR: i32 = 1;
export const BITOP_XOR: i32 = 2;
export const BITOP_NOT: i32 = 3;

export const FIELD_GET: u32 = 0;
export const FIELD_SET: u32 = 1;
export const FIELD_INCRBY: u32 = 2;
export const OVERFLOW_WRAP: u32 = 0;
export const OVERFLOW_SAT: u32 = 1;
export const OVERFLOW_FAIL: u32 = 2;
/** One BITFIELD operation as JS stages it: f64 bit offset, i64 value, u8 opcode, u8 signed,
 * u8 bits, u8 overflow, 4 bytes padding. */
export const FIELD_OP_BYTES: usize = 24;

/** BITPOS flags. */
export const POS_START: i32 = 1;
export const POS_END: i32 = 2;
export const POS_BIT_UNIT: i32 = 4;

/** Where an int-encoded value's text is formatted while it is read. */
const intText: usize = memory.data(24, 8);

// The bytes of the string being read (set by viewOf).
let viewPtr: usize = 0;
let viewLen: usize = 0;

/** Points viewPtr / viewLen at a string entry's bytes; an int's text is formatted at `text`. */
function viewOf(e: usize, text: usize): void {
  if (entryEncoding(e) == ENC_INT) {
    viewLen = formatInteger(load<i64>(valuePtrOf(e)), text);
    viewPtr = text;
  } else {
    viewPtr = valuePtrOf(e);
    viewLen = valueLenOf(e);
  }
}

/** A read lookup for BITCOUNT / BITPOS / GETBIT before their arguments are checked (Redis 7.0
 * looks the key up first): 1 for a string, NOT_FOUND, WRONG_TYPE. */
export function probeBits(db: Db, klen: usize): i32 {
  const e = readString(db, klen);
  return e == 0 ? NOT_FOUND : e == 1 ? WRONG_TYPE : 1;
}

/** Status of the last writableBits call that returned 0. */
let writeStatus: i32 = 0;

/**
 * Redis's lookupStringForBitCommand: the key's value as raw text at least `minLen` bytes long
 * (a missing key is created zero-filled; a shorter value is zero-extended), TTL kept. Returns
 * the entry, or 0 with writeStatus WRONG_TYPE / TOO_LARGE.
 */
function writableBits(db: Db, klen: usize, minLen: usize): usize {
  const key = scratchBase();
  const e = findLiveKey(db, key, klen);
  if (e == 0) {
    if (minLen > BITS_MAX) return fail(TOO_LARGE);
    const n = newEntry(TYPE_STRING, ENC_RAW, false, 0, key, klen, minLen, FLAG_RAW, FRESH_ACCESS);
    memory.fill(valuePtrOf(n), 0, minLen);
    insertNew(db, n);
    return n;
  }
  touchEntry(e); // lookupKeyWrite, before the type check
  if (entryType(e) != TYPE_STRING) return fail(WRONG_TYPE);
  const oldLen = textLength(e, intText);
  const newLen = max<usize>(oldLen, minLen);
  if (newLen > BITS_MAX) return fail(TOO_LARGE);
  const target = unshare(db, e, oldLen, newLen, intText);
  if (newLen > oldLen) memory.fill(valuePtrOf(target) + oldLen, 0, newLen - oldLen);
  return target;
}

function fail(status: i32): usize {
  writeStatus = status;
  return 0;
}

// ---- GETBIT / SETBIT ---------------------------------------------------------------------------

/** GETBIT: 0 or 1 (0 beyond the end or for a missing key), or WRONG_TYPE. A read lookup. */
export function getBit(db: Db, klen: usize, offset: f64): i32 {
  const e = readString(db, klen);
  if (e == 0) return 0;
  if (e == 1) return WRONG_TYPE;
  viewOf(e, intText);
  const bit = <u64>offset;
  const byte = bit >> 3;
  if (byte >= <u64>viewLen) return 0;
  return (<i32>load<u8>(viewPtr + <usize>byte) >> (7 - <i32>(bit & 7))) & 1;
}

/** SETBIT: the bit's old value, or WRONG_TYPE / TOO_LARGE. The string grows to hold the bit. */
export function setBit(db: Db, klen: usize, offset: f64, on: i32): i32 {
  if (offset >= <f64>BITS_MAX * 8) return TOO_LARGE;
  const bit = <u64>offset;
  const byte = <usize>(bit >> 3);
  const e = writableBits(db, klen, byte + 1);
  if (e == 0) return writeStatus;
  const at = valuePtrOf(e) + byte;
  const shift = 7 - <u32>(bit & 7);
  const old = <u32>load<u8>(at);
  store<u8>(at, <u8>((old & ~(<u32>1 << shift)) | (<u32>(on & 1) << shift)));
  return <i32>((old >> shift) & 1);
}

// ---- BITCOUNT / BITPOS ----------------------------------------------------------------------------

function popcount(p: usize, n: usize): u64 {
  let count: u64 = 0;
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) count += popcnt<u64>(load<u64>(p + i));
  for (; i < n; i++) count += <u64>popcnt<u32>(<u32>load<u8>(p + i));
  return count;
}

// Range bounds after Redis's index rules (normalizeRange), and the masks of the bits outside a
// BIT-unit range in its first and last byte.
let rangeStart: f64 = 0;
let rangeEnd: f64 = 0;
let firstByteNegMask: u32 = 0;
let lastByteNegMask: u32 = 0;

/** Negative indexes count from the end, then both are clamped to the string (in bits when
 * `bitUnit`, turned into bytes plus edge masks when the range is not empty). */
function normalizeRange(start: f64, end: f64, len: usize, bitUnit: bool): void {
  const total = bitUnit ? <f64>len * 8 : <f64>len;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  firstByteNegMask = 0;
  lastByteNegMask = 0;
  if (bitUnit && start <= end) {
    const s = <u64>start, e = <u64>end;
    firstByteNegMask = ~((<u32>1 << (8 - <u32>(s & 7))) - 1) & 0xff;
    lastByteNegMask = (<u32>1 << (7 - <u32>(e & 7))) - 1;
    start = <f64>(s >> 3);
    end = <f64>(e >> 3);
  }
  rangeStart = start;
  rangeEnd = end;
}

/**
 * BITCOUNT: `unit` 0 counts the whole string, 1 the bytes start..end, 2 the bits start..end
 * (inclusive, negative from the end). NOT_FOUND / WRONG_TYPE; a read lookup.
 */
export function bitCount(db: Db, klen: usize, start: f64, end: f64, unit: i32): f64 {
  const e = readString(db, klen);
  if (e <= 1) return e == 0 ? NOT_FOUND : WRONG_TYPE;
  viewOf(e, intText);
  if (unit == 0) {
    rangeStart = 0;
    rangeEnd = <f64>viewLen - 1;
    firstByteNegMask = lastByteNegMask = 0;
  } else {
    if (start < 0 && end < 0 && start > end) return 0;
    normalizeRange(start, end, viewLen, unit == 2);
  }
  if (rangeStart > rangeEnd) return 0;
  const from = <usize>rangeStart, to = <usize>rangeEnd;
  let count = popcount(viewPtr + from, to - from + 1);
  // Take away the bits of the edge bytes that lie outside a BIT range.
  count -= <u64>popcnt<u32>(<u32>load<u8>(viewPtr + from) & firstByteNegMask);
  count -= <u64>popcnt<u32>(<u32>load<u8>(viewPtr + to) & lastByteNegMask);
  return <f64>count;
}

/** Redis's redisBitpos: the first bit equal to `bit` in n bytes; when absent, -1 for a 1 and
 * n * 8 (the first bit after them) for a 0. */
function firstBitIn(p: usize, n: usize, bit: i32): f64 {
  const skip: u64 = bit != 0 ? 0 : U64.MAX_VALUE;
  let i: usize = 0;
  while (i + 8 <= n && load<u64>(p + i) == skip) i += 8;
  for (; i < n; i++) {
    let byte = <u32>load<u8>(p + i);
    if (bit == 0) byte = ~byte & 0xff;
    if (byte != 0) return <f64>(i * 8) + <f64>(clz<u32>(byte) - 24);
  }
  return bit != 0 ? -1 : <f64>n * 8;
}

const posByte: usize = memory.data(1);

/** firstBitIn of one byte with the bits of `mask` forced to "not found". */
function firstBitInMasked(byte: u32, mask: u32, bit: i32): f64 {
  store<u8>(posByte, <u8>(bit != 0 ? byte & ~mask : byte | mask));
  return firstBitIn(posByte, 1, bit);
}

/**
 * BITPOS key bit [start [end [BYTE|BIT]]]: `flags` says which of start (POS_START), end
 * (POS_END) were given and whether they count bits (POS_BIT_UNIT). The position, -1, or
 * WRONG_TYPE; a missing key is all zeros (0 for a 0, -1 for a 1). A read lookup.
 */
export function bitPos(db: Db, klen: usize, bit: i32, start: f64, end: f64, flags: i32): f64 {
  const e = readString(db, klen);
  if (e == 0) return bit != 0 ? -1 : 0;
  if (e == 1) return WRONG_TYPE;
  viewOf(e, intText);
  const p = viewPtr;
  const endGiven = (flags & POS_END) != 0;
  if (flags & POS_START) {
    normalizeRange(start, endGiven ? end : <f64>viewLen - 1, viewLen, (flags & POS_BIT_UNIT) != 0);
  } else {
    rangeStart = 0;
    rangeEnd = <f64>viewLen - 1;
    firstByteNegMask = lastByteNegMask = 0;
  }
  if (rangeStart > rangeEnd) return -1;
  let from = <usize>rangeStart;
  const to = <usize>rangeEnd;
  let bytes = to - from + 1;
  let pos: f64 = 0;
  // The same steps as Redis: a masked first byte, the whole bytes, a masked last byte.
  do {
    if (firstByteNegMask != 0) {
      const mask = firstByteNegMask | (lastByteNegMask != 0 && bytes == 1 ? lastByteNegMask : 0);
      pos = firstBitInMasked(<u32>load<u8>(p + from), mask, bit);
      if (bytes == 1 || (pos != -1 && pos != 8)) break;
      from++;
      bytes--;
    }
    const whole = bytes - (lastByteNegMask != 0 ? 1 : 0);
    if (whole > 0) {
      pos = firstBitIn(p + from, whole, bit);
      if (bytes == whole || (pos != -1 && pos != <f64>whole * 8)) break;
      from += whole;
      bytes -= whole;
    }
    pos = firstBitInMasked(<u32>load<u8>(p + to), lastByteNegMask, bit);
  } while (false);
  // With an explicit end, a 0 found only past the range does not count.
  if (endGiven && bit == 0 && pos == <f64>bytes * 8) return -1;
  if (pos != -1) pos += <f64>from * 8;
  return pos;
}

// ---- BITOP ------------------------------------------------------------------------------------------

/** dst[0..n) op= src[0..n), eight bytes at a time. */
function combineInto(dst: usize, src: usize, n: usize, op: i32): void {
  let i: usize = 0;
  if (op == BITOP_AND) {
    for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(dst + i) & load<u64>(src + i));
    for (; i < n; i++) store<u8>(dst + i, load<u8>(dst + i) & load<u8>(src + i));
  } else if (op == BITOP_OR) {
    for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(dst + i) | load<u64>(src + i));
    for (; i < n; i++) store<u8>(dst + i, load<u8>(dst + i) | load<u8>(src + i));
  } else {
    for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(dst + i) ^ load<u64>(src + i));
    for (; i < n; i++) store<u8>(dst + i, load<u8>(dst + i) ^ load<u8>(src + i));
  }
}

/**
 * The BITOP result of `count` strings, given as (u32 pointer, u32 length) pairs at `sources`,
 * written to the output area; returns its length, the longest source's (shorter sources
 * count as zero-padded).
 */
function bitOpOf(op: i32, sources: usize, count: usize): usize {
  let maxLen: usize = 0;
  for (let k: usize = 0; k < count; k++) maxLen = max<usize>(maxLen, load<u32>(sources + k * 8, 4));
  const out = outputFor(maxLen);
  if (maxLen == 0) return 0;
  const firstLen = <usize>load<u32>(sources, 4);
  memory.copy(out, <usize>load<u32>(sources), firstLen);
  memory.fill(out + firstLen, 0, maxLen - firstLen);
  if (op == BITOP_NOT) {
    let i: usize = 0;
    for (; i + 8 <= maxLen; i += 8) store<u64>(out + i, ~load<u64>(out + i));
    for (; i < maxLen; i++) store<u8>(out + i, ~load<u8>(out + i));
    return maxLen;
  }
  for (let k: usize = 1; k < count; k++) {
    const len = <usize>load<u32>(sources + k * 8, 4);
    combineInto(out, <usize>load<u32>(sources + k * 8), len, op);
    if (op == BITOP_AND && len < maxLen) memory.fill(out + len, 0, maxLen - len);
  }
  return maxLen;
}

/**
 * BITOP op dest src...: the destination key first in the scratch area, then `count` sources
 * as [u32 length][key bytes]. Each source is a read lookup; a missing one is an empty string.
 * The result replaces dest as a raw string without TTL, or deletes dest when empty. Returns
 * the result length, or WRONG_TYPE (nothing written).
 */
export function bitOpKeys(db: Db, op: i32, dlen: usize, count: usize): i32 {
  const sources = memAlloc(count * (8 + MAX_INTEGER_TEXT));
  const texts = sources + count * 8;
  let at = scratchBase() + dlen;
  for (let k: usize = 0; k < count; k++) {
    const klen = <usize>load<u32>(at);
    const e = findLiveKey(db, at + 4, klen);
    countLookup(e != 0);
    at += 4 + klen;
    let ptr: usize = 0, len: usize = 0;
    if (e != 0) {
      touchEntry(e);
      if (entryType(e) != TYPE_STRING) {
        memFree(sources);
        return WRONG_TYPE;
      }
      viewOf(e, texts + k * MAX_INTEGER_TEXT);
      ptr = viewPtr;
      len = viewLen;
    }
    store<u32>(sources + k * 8, <u32>ptr);
    store<u32>(sources + k * 8, <u32>len, 4);
  }
  const len = bitOpOf(op, sources, count);
  memFree(sources);
  storeBitOpResult(db, dlen, resultAt, len);
  return <i32>len;
}

/** Redis's setKey of the `len` bytes at `result` under the key at scratch offset 0 (dbDelete
 * for an empty result). */
function storeBitOpResult(db: Db, dlen: usize, result: usize, len: usize): void {
  const dest = scratchBase();
  const e = findLiveKey(db, dest, dlen);
  if (len == 0) {
    if (e != 0) removeFound(db, e);
    return;
  }
  let target: usize;
  if (e == 0) {
    target = newEntry(TYPE_STRING, ENC_RAW, false, 0, dest, dlen, len, FLAG_RAW, FRESH_ACCESS);
    insertNew(db, target);
  } else {
    touchEntry(e); // lookupKeyWrite; the overwrite keeps the access field, as SET does
    target = reshapeFound(db, e, TYPE_STRING, ENC_RAW, false, 0, len, 0, FLAG_RAW);
  }
  memory.copy(valuePtrOf(target), result, len);
}

/**
 * BITOP's computation alone, for sources read on other shards: `count` values in the scratch
 * area as [u32 length][bytes]; the result goes to the output area, its length is returned.
 */
export function bitOpValues(op: i32, count: usize): i32 {
  const sources = memAlloc(count * 8);
  let at = scratchBase();
  for (let k: usize = 0; k < count; k++) {
    const len = load<u32>(at);
    store<u32>(sources + k * 8, <u32>(at + 4));
    store<u32>(sources + k * 8, len, 4);
    at += 4 + <usize>len;
  }
  const len = bitOpOf(op, sources, count);
  memFree(sources);
  return <i32>len;
}

// ---- BITFIELD ---------------------------------------------------------------------------------------

/** Redis's getUnsignedBitfield; bits past `len` read as 0. */
function loadField(p: usize, len: usize, offset: u64, bits: u32): u64 {
  let value: u64 = 0;
  for (let j: u32 = 0; j < bits; j++, offset++) {
    const byte = offset >> 3;
    let bit: u64 = 0;
    if (byte < <u64>len) bit = <u64>(load<u8>(p + <usize>byte) >> (7 - <u32>(offset & 7))) & 1;
    value = (value << 1) | bit;
  }
  return value;
}

/** Redis's getSignedBitfield: the sign bit extended. */
function loadSignedField(p: usize, len: usize, offset: u64, bits: u32): i64 {
  let value = <i64>loadField(p, len, offset, bits);
  if (bits < 64 && (value & (<i64>1 << (bits - 1))) != 0) value |= <i64>-1 << bits;
  return value;
}

/** Redis's setUnsignedBitfield (also for signed values: their low `bits` bits). */
function storeField(p: usize, offset: u64, bits: u32, value: u64): void {
  for (let j: u32 = 0; j < bits; j++, offset++) {
    const at = p + <usize>(offset >> 3);
    const shift = 7 - <u32>(offset & 7);
    const bit = <u32>((value >> (bits - 1 - j)) & 1);
    store<u8>(at, <u8>((<u32>load<u8>(at) & ~(<u32>1 << shift)) | (bit << shift)));
  }
}

/** The value after an overflow (WRAP or SAT), set by the overflow checks below. */
let limited: i64 = 0;

/** Redis's checkUnsignedBitfieldOverflow, with its exact wrapping arithmetic: 1 above, -1
 * below the range, else 0. */
function unsignedOverflow(value: u64, incr: i64, bits: u32, overflow: u32): i32 {
  const maxValue: u64 = (<u64>1 << bits) - 1; // bits <= 63
  const maxIncr = <i64>(maxValue - value);
  const minIncr = -<i64>value;
  let result: i32 = 0;
  if (value > maxValue || (incr > 0 && incr > maxIncr)) {
    result = 1;
    if (overflow == OVERFLOW_SAT) limited = <i64>maxValue;
  } else if (incr < 0 && incr < minIncr) {
    result = -1;
    if (overflow == OVERFLOW_SAT) limited = 0;
  }
  if (result != 0 && overflow == OVERFLOW_WRAP) limited = <i64>((value + <u64>incr) & ~(<u64>-1 << bits));
  return result;
}

/** Redis's checkSignedBitfieldOverflow, likewise. */
function signedOverflow(value: i64, incr: i64, bits: u32, overflow: u32): i32 {
  const maxValue: i64 = bits == 64 ? I64.MAX_VALUE : (<i64>1 << (bits - 1)) - 1;
  const minValue: i64 = -maxValue - 1;
  const maxIncr = <i64>(<u64>maxValue - <u64>value);
  const minIncr = minValue - value;
  let result: i32 = 0;
  if (value > maxValue || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr)) {
    result = 1;
    if (overflow == OVERFLOW_SAT) limited = maxValue;
  } else if (value < minValue || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr)) {
    result = -1;
    if (overflow == OVERFLOW_SAT) limited = minValue;
  }
  if (result != 0 && overflow == OVERFLOW_WRAP) {
    let c = <u64>value + <u64>incr;
    if (bits < 64) {
      const mask = <u64>-1 << bits;
      c = (c & (<u64>1 << (bits - 1))) != 0 ? c | mask : c & ~mask;
    }
    limited = <i64>c;
  }
  return result;
}

/**
 * BITFIELD: `count` operations follow the key in the scratch area (FIELD_OP_BYTES each).
 * Only GETs: a read lookup (a missing key reads as zeros). Otherwise the string is made long
 * enough for the farthest write first (even if every write then fails). The output area gets
 * `count` i64 replies, then `count` bytes (1: null, an OVERFLOW FAIL that wrote nothing).
 * Returns `count`, or WRONG_TYPE / TOO_LARGE.
 */
export function bitField(db: Db, klen: usize, count: usize): i32 {
  const ops = scratchBase() + klen;
  let writes = false;
  let highest: f64 = 0;
  for (let k: usize = 0; k < count; k++) {
    const op = ops + k * FIELD_OP_BYTES;
    if (<u32>load<u8>(op, 16) == FIELD_GET) continue;
    writes = true;
    highest = max<f64>(highest, load<f64>(op) + <f64>load<u8>(op, 18) - 1);
  }
  let p: usize = 0, len: usize = 0;
  if (writes) {
    if (highest >= <f64>BITS_MAX * 8) return TOO_LARGE;
    const e = writableBits(db, klen, <usize>(<u64>highest >> 3) + 1);
    if (e == 0) return writeStatus;
    p = valuePtrOf(e);
    len = valueLenOf(e);
  } else {
    const e = readString(db, klen);
    if (e == 1) return WRONG_TYPE;
    if (e != 0) {
      viewOf(e, intText);
      p = viewPtr;
      len = viewLen;
    }
  }
  const out = outputFor(count * 9);
  const nulls = out + count * 8;
  for (let k: usize = 0; k < count; k++) {
    const op = ops + k * FIELD_OP_BYTES;
    const offset = <u64>load<f64>(op);
    const arg = load<i64>(op, 8);
    const opcode = <u32>load<u8>(op, 16);
    const signed = load<u8>(op, 17) != 0;
    const bits = <u32>load<u8>(op, 18);
    const overflow = <u32>load<u8>(op, 19);
    store<u8>(nulls + k, 0);
    if (opcode == FIELD_GET) {
      store<i64>(out + k * 8, signed ? loadSignedField(p, len, offset, bits) : <i64>loadField(p, len, offset, bits));
      continue;
    }
    let old: i64, next: i64, reply: i64, over: i32;
    if (signed) {
      old = loadSignedField(p, len, offset, bits);
      if (opcode == FIELD_INCRBY) {
        over = signedOverflow(old, arg, bits, overflow);
        next = over != 0 ? limited : old + arg;
        reply = next;
      } else {
        over = signedOverflow(arg, 0, bits, overflow);
        next = over != 0 ? limited : arg;
        reply = old;
      }
    } else {
      old = <i64>loadField(p, len, offset, bits);
      if (opcode == FIELD_INCRBY) {
        over = unsignedOverflow(<u64>old, arg, bits, overflow);
        next = over != 0 ? limited : old + arg;
        reply = next;
      } else {
        over = unsignedOverflow(<u64>arg, 0, bits, overflow);
        next = over != 0 ? limited : arg;
        reply = old;
      }
    }
    if (over != 0 && overflow == OVERFLOW_FAIL) {
      store<u8>(nulls + k, 1);
      store<i64>(out + k * 8, 0);
      continue;
    }
    store<i64>(out + k * 8, reply);
    storeField(p, offset, bits, <u64>next);
  }
  return <i32>count;
}
