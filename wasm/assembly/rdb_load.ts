// RDB loading in bulk: one call stores a whole batch of key records that the coordinator cut
// out of an RDB file (src/persistence/load_batch.ts), so a string key costs no JS work, no
// JS <-> Wasm crossing and no intermediate blob. Other value types stop the loop: JS decodes
// that record (src/persistence/rdb codec) and calls again after it.
//
// Batch layout, records back to back (little endian):
//   u8 kind | u8 db | f64 expireAt (ms, 0 = none) | u32 n | n bytes
//   kind 0: an RDB key record as in the file: type byte, key string, value
//   kind 1: RESIZEDB hint, n = keys expected in db (no bytes): sizes an empty db's index once
// Strings come in any RDB string encoding (raw, INT8/16/32, LZF), for keys and values.

import { memAlloc, memFree, capacityOf } from "./alloc";
import { loading, nowMs } from "./clock";
import { Db, dbAt, findLiveKey, removeFound, reserveSlots } from "./db";
import { formatInteger } from "./numbers";
import { storeNew } from "./strings";

const RECORD_KEY: u8 = 0;
const RECORD_RESIZE: u8 = 1;
const RECORD_HEADER: usize = 14;
const RDB_TYPE_STRING: u8 = 0;
const ENC_INT8: u32 = 0;
const ENC_INT16: u32 = 1;
const ENC_INT32: u32 = 2;
const ENC_LZF: u32 = 3;
/** Returned for a malformed record (rdbLoadErrorAt() says where). */
export const LOAD_CORRUPT: i32 = -1;

let batch: usize = 0;
let loadedKeys: i32 = 0;
let errorAt: i32 = 0;

/** The batch area (kept between calls, grown as needed); 0 frees it. */
export function loadBuffer(n: usize): usize {
  if (batch != 0 && (n == 0 || capacityOf(batch) < n)) {
    memFree(batch);
    batch = 0;
  }
  if (n != 0 && batch == 0) batch = memAlloc(n);
  return batch;
}

/** Keys stored by rdbLoadRecords since the last call of this (then 0 again). */
export function takeLoadedKeys(): i32 {
  const n = loadedKeys;
  loadedKeys = 0;
  return n;
}

export function loadErrorAt(): i32 {
  return errorAt;
}

// Where decoded strings land when they are not used in place: one area for the key, one for
// the value (an integer's text or an LZF string's plain bytes).
let keyArea: usize = 0;
let valueArea: usize = 0;
/** The last decoded string and where the reader stands after it (0 = malformed). */
let strPtr: usize = 0;
let strLen: usize = 0;

function areaFor(area: usize, n: usize): usize {
  if (area != 0 && capacityOf(area) >= n) return area;
  if (area != 0) memFree(area);
  return memAlloc(max<usize>(n, 64));
}

/** rdbGenericLoadStringObject at `p`: sets strPtr / strLen; the position after it or 0. */
function readString(p: usize, end: usize, forKey: bool): usize {
  if (p >= end) return 0;
  const first = <u32>load<u8>(p);
  if (first >> 6 == 3) return readEncoded(first & 0x3f, p + 1, end, forKey);
  p = readLength(p, end);
  if (p == 0 || strLen > end - p) return 0;
  strPtr = p;
  return p + strLen;
}

/** rdbLoadLen at `p` (< end): sets strLen; the position after it, or 0 (malformed, or an
 * encoded-value prefix). */
function readLength(p: usize, end: usize): usize {
  if (p >= end) return 0;
  const first = <u32>load<u8>(p++);
  const kind = first >> 6;
  if (kind == 0) strLen = first & 0x3f;
  else if (kind == 1) {
    if (p >= end) return 0;
    strLen = ((first & 0x3f) << 8) | <u32>load<u8>(p++);
  } else if (first == 0x80) {
    if (p + 4 > end) return 0;
    strLen = bswap<u32>(load<u32>(p));
    p += 4;
  } else if (first == 0x81) {
    if (p + 8 > end) return 0;
    const wide = bswap<u64>(load<u64>(p));
    if (wide > 0x7fffffff) return 0;
    strLen = <usize>wide;
    p += 8;
  } else return 0;
  return p;
}

function readEncoded(encoding: u32, p: usize, end: usize, forKey: bool): usize {
  let value: i64;
  if (encoding == ENC_INT8) {
    if (p + 1 > end) return 0;
    value = load<i8>(p);
    p += 1;
  } else if (encoding == ENC_INT16) {
    if (p + 2 > end) return 0;
    value = load<i16>(p);
    p += 2;
  } else if (encoding == ENC_INT32) {
    if (p + 4 > end) return 0;
    value = load<i32>(p);
    p += 4;
  } else if (encoding == ENC_LZF) {
    p = readLength(p, end);
    if (p == 0) return 0;
    const compressed = strLen;
    p = readLength(p, end);
    if (p == 0 || compressed > end - p) return 0;
    const plain = strLen;
    const out = forKey ? (keyArea = areaFor(keyArea, plain)) : (valueArea = areaFor(valueArea, plain));
    if (!lzfDecompress(p, compressed, out, plain)) return 0;
    strPtr = out;
    strLen = plain;
    return p + compressed;
  } else return 0;
  const out = forKey ? (keyArea = areaFor(keyArea, 24)) : (valueArea = areaFor(valueArea, 24));
  strPtr = out;
  strLen = formatInteger(value, out);
  return p;
}

/** lzf_decompress of exactly `outLen` bytes; false when the input does not make them. */
function lzfDecompress(ip: usize, inLen: usize, op: usize, outLen: usize): bool {
  const inEnd = ip + inLen;
  const outStart = op;
  const outEnd = op + outLen;
  while (ip < inEnd) {
    let ctrl = <usize>load<u8>(ip++);
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > inEnd) return false;
      memory.copy(op, ip, ctrl);
      ip += ctrl;
      op += ctrl;
    } else {
      let len = ctrl >> 5;
      if (ip >= inEnd) return false;
      if (len == 7) {
        len += <usize>load<u8>(ip++);
        if (ip >= inEnd) return false;
      }
      const back = ((ctrl & 0x1f) << 8) + <usize>load<u8>(ip++) + 1;
      len += 2;
      if (op + len > outEnd || back > op - outStart) return false;
      let ref = op - back;
      for (let i: usize = 0; i < len; i++) store<u8>(op++, load<u8>(ref++)); // may overlap
    }
  }
  return op == outEnd;
}

/** A string key record's key and value at [p, end): stored (replacing), or false. */
function storeStringRecord(db: Db, p: usize, end: usize, expireAt: f64): bool {
  p = readString(p, end, true);
  if (p == 0) return false;
  const key = strPtr, klen = strLen;
  p = readString(p, end, false);
  if (p != end) return false;
  const d = findLiveKey(db, key, klen);
  if (d != 0) removeFound(db, d);
  if (expireAt > 0 && expireAt <= nowMs && !loading) return true;
  storeNew(db, key, klen, strPtr, strLen, expireAt > 0, expireAt, false);
  loadedKeys++;
  return true;
}

/**
 * Stores the records of the batch area from offset `at` to `end`. Returns `end` when all are
 * done, the offset of the first record JS must decode (a type other than string), or
 * LOAD_CORRUPT (loadErrorAt() = the bad record's offset).
 */
export function loadRecords(at: usize, end: usize): i32 {
  const base = batch;
  while (at < end) {
    if (end - at < RECORD_HEADER) return corrupt(at);
    const p = base + at;
    const kind = load<u8>(p);
    const dbIndex = <i32>load<u8>(p, 1);
    if (dbIndex >= 16) return corrupt(at);
    const n = <usize>load<u32>(p, 10);
    if (kind == RECORD_RESIZE) {
      reserveSlots(dbAt(dbIndex), <u32>n);
      at += RECORD_HEADER;
      continue;
    }
    if (kind != RECORD_KEY || n > end - at - RECORD_HEADER || n == 0) return corrupt(at);
    const record = p + RECORD_HEADER;
    if (load<u8>(record) != RDB_TYPE_STRING) return <i32>at;
    if (!storeStringRecord(dbAt(dbIndex), record + 1, record + n, load<f64>(p, 2))) return corrupt(at);
    at += RECORD_HEADER + n;
  }
  return <i32>at;
}

function corrupt(at: usize): i32 {
  errorAt = <i32>at;
  return LOAD_CORRUPT;
}
