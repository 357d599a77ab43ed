// RDB loading in bulk: one call stores a whole batch of key records that the coordinator cut
// out of an RDB file (src/persistence/load_batch.ts), so a string key costs no JS work, no
// JS <-> Wasm crossing and no intermediate blob. Other value types stop the loop: JS decodes
// that record (src/persistence/rdb codec) and calls again after it.
//
// Collections in the encodings Redis 7.0 writes (hash listpack or dict, quicklist 2 lists,
// dict sets that are no intset, sorted set listpacks with plain scores, skiplists) are turned
// into the engine's blob here and stored like RESTORE; the rest goes to JS.
//
// Batch layout, records back to back (little endian):
//   u8 kind | u8 db | i64 expireAt (ms, 0 = none) | u32 n | n bytes
//   kind 0: an RDB key record as in the file: type byte, key string, value
//   kind 1: RESIZEDB hint, n = keys expected in db (no bytes): sizes an empty db's index once
//   kind 2: a key record after an LRU idle time or an LFU counter (RDB's IDLE / FREQ opcodes):
//           i64 idle seconds | i32 freq (each -1 when absent) | u32 0, then the record as kind 0
// Strings come in any RDB string encoding (raw, INT8/16/32, LZF), for keys and values.

import { setAccessFrom } from "./access";
import { memAlloc, memFree, capacityOf } from "./alloc";
import { loading, nowMsExact } from "./clock";
import { Db, dbAt, findLiveKey, removeFound, reserveSlots } from "./db";
import { resultAt } from "./buffers";
import { writeBlob, writeF64, writeU32, writerBegin, writerLength, writerReserve } from "./bytewriter";
import { RESTORE_REPLACE, restoreAt, restoredEntry } from "./keymove";
import {
  hashMaxListpackEntries, hashMaxListpackValue, setMaxIntsetEntries, zsetMaxListpackEntries, zsetMaxListpackValue,
} from "./limits";
import { formatInteger, parseInteger } from "./numbers";
import { BAD_PAYLOAD } from "./status";
import { storeNew } from "./strings";

const RECORD_KEY: u8 = 0;
const RECORD_RESIZE: u8 = 1;
const RECORD_KEY_ACCESS: u8 = 2;
const RECORD_HEADER: usize = 14;
/** What a RECORD_KEY_ACCESS adds after the header. */
const ACCESS_BYTES: usize = 16;
const RDB_TYPE_STRING: u8 = 0;
const RDB_TYPE_SET: u8 = 2;
const RDB_TYPE_HASH: u8 = 4;
const RDB_TYPE_ZSET_2: u8 = 5;
const RDB_TYPE_SET_INTSET: u8 = 11;
const RDB_TYPE_HASH_LISTPACK: u8 = 16;
const RDB_TYPE_ZSET_LISTPACK: u8 = 17;
const RDB_TYPE_LIST_QUICKLIST_2: u8 = 18;
const QUICKLIST_PLAIN: usize = 1;
const QUICKLIST_PACKED: usize = 2;
// The engine's blob (keymove.ts) and serialized objects (value_codec.ts documents them).
const BLOB_HEADER: usize = 12;
const ENC_OBJ: u8 = 2;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const SET_INTSET: u32 = 1;
const SET_HASHTABLE: u32 = 2;
const COMPACT: u32 = 0;
const LARGE: u32 = 1;
// What storing one record did.
const STORED: i32 = 1;
const SKIPPED: i32 = 0; // an empty collection (Redis skips them) or already expired
const FOR_JS: i32 = 2;
const MALFORMED: i32 = -1;
const ENC_INT8: u32 = 0;
const ENC_INT16: u32 = 1;
const ENC_INT32: u32 = 2;
const ENC_LZF: u32 = 3;
/** Returned for a malformed record (loadErrorAt() says where). */
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

/** The entry storeRecord stored last (0: none, e.g. an expired key dropped). */
let storedEntry: usize = 0;

/** The key record (after its type byte) at [p, end): STORED, SKIPPED, FOR_JS or MALFORMED. */
function storeRecord(db: Db, type: u8, p: usize, end: usize, expireAt: i64, replace: bool): i32 {
  if (
    type != RDB_TYPE_STRING && type != RDB_TYPE_SET && type != RDB_TYPE_SET_INTSET && type != RDB_TYPE_HASH &&
    type != RDB_TYPE_ZSET_2 &&
    type != RDB_TYPE_HASH_LISTPACK && type != RDB_TYPE_ZSET_LISTPACK && type != RDB_TYPE_LIST_QUICKLIST_2
  ) return FOR_JS;
  p = readString(p, end, true);
  if (p == 0) return MALFORMED;
  const key = strPtr, klen = strLen;
  storedEntry = 0;
  if (type == RDB_TYPE_STRING) {
    p = readString(p, end, false);
    if (p != end) return MALFORMED;
    const d = findLiveKey(db, key, klen);
    if (d != 0) {
      if (!replace) return MALFORMED; // a duplicate: JS says so (storeLoadBatch)
      removeFound(db, d);
    }
    if (expireAt > 0 && expireAt <= nowMsExact && !loading) return SKIPPED;
    storedEntry = storeNew(db, key, klen, strPtr, strLen, expireAt > 0, expireAt, false);
    return STORED;
  }
  writerBegin();
  writerReserve(BLOB_HEADER);
  let objType: u8;
  let status: i32;
  if (type == RDB_TYPE_HASH_LISTPACK) {
    objType = TYPE_HASH;
    status = hashFromListpack(p, end);
  } else if (type == RDB_TYPE_LIST_QUICKLIST_2) {
    objType = TYPE_LIST;
    status = listFromQuicklist(p, end);
  } else if (type == RDB_TYPE_SET) {
    objType = TYPE_SET;
    status = setFromStrings(p, end);
  } else if (type == RDB_TYPE_SET_INTSET) {
    objType = TYPE_SET;
    status = setFromIntset(p, end);
  } else if (type == RDB_TYPE_HASH) {
    objType = TYPE_HASH;
    status = hashFromPairs(p, end);
  } else if (type == RDB_TYPE_ZSET_2) {
    objType = TYPE_ZSET;
    status = zsetFromPairs(p, end);
  } else {
    objType = TYPE_ZSET;
    status = zsetFromListpack(p, end);
  }
  if (status != STORED) return status;
  const blob = resultAt, blen = writerLength();
  store<u8>(blob, 1); // blob version
  store<u8>(blob, objType, 1);
  store<u8>(blob, ENC_OBJ, 2);
  store<u8>(blob, 0, 3);
  store<u32>(blob, 0, 4); // access field: fresh (restore without KEEP_ACCESS)
  store<u32>(blob, <u32>(blen - BLOB_HEADER), 8);
  // 0: the key exists and may not be replaced, a duplicate (JS says so, storeLoadBatch).
  const stored = restoreAt(db, key, klen, blob, blen, expireAt, replace ? RESTORE_REPLACE : 0);
  if (stored == BAD_PAYLOAD || stored == 0) return MALFORMED;
  storedEntry = restoredEntry;
  return STORED;
}

// ---- listpacks (listpack.c), read entry by entry --------------------------------------------

let lpAt: usize = 0;
let lpEnd: usize = 0;
let lpDeclared: u32 = 0;
let lpSeen: u32 = 0;
/** The last entry: an integer (entryInt) or a string (strPtr / strLen). */
let entryIsInt = false;
let entryInt: i64 = 0;
const intText: usize = memory.data(24);

/** Starts reading the listpack at [lp, lp + len): false when its header or end is wrong. */
function lpOpen(lp: usize, len: usize): bool {
  if (len < 7 || <usize>load<u32>(lp) != len || load<u8>(lp + len - 1) != 0xff) return false;
  lpDeclared = <u32>load<u16>(lp, 4);
  lpSeen = 0;
  lpAt = lp + 6;
  lpEnd = lp + len - 1;
  return true;
}

/** The next entry: 1, 0 at the end (when the declared count agrees), MALFORMED. */
function lpNext(): i32 {
  const p = lpAt;
  if (p >= lpEnd) return lpDeclared == 0xffff || lpDeclared == lpSeen ? 0 : MALFORMED;
  const b = <u32>load<u8>(p);
  let size: usize;
  entryIsInt = true;
  if (b < 0x80) {
    entryInt = b;
    size = 1;
  } else if ((b & 0xc0) == 0x80) {
    entryIsInt = false;
    strPtr = p + 1;
    strLen = b & 0x3f;
    size = 1 + strLen;
  } else if ((b & 0xe0) == 0xc0) {
    if (p + 2 > lpEnd) return MALFORMED;
    const u = ((b & 0x1f) << 8) | <u32>load<u8>(p, 1);
    entryInt = u >= 1 << 12 ? <i64>u - (1 << 13) : <i64>u;
    size = 2;
  } else if ((b & 0xf0) == 0xe0) {
    if (p + 2 > lpEnd) return MALFORMED;
    entryIsInt = false;
    strPtr = p + 2;
    strLen = ((b & 0x0f) << 8) | <u32>load<u8>(p, 1);
    size = 2 + strLen;
  } else if (b == 0xf0) {
    if (p + 5 > lpEnd) return MALFORMED;
    entryIsInt = false;
    strPtr = p + 5;
    strLen = <usize>load<u32>(p, 1);
    if (strLen > lpEnd - strPtr) return MALFORMED;
    size = 5 + strLen;
  } else if (b == 0xf1) {
    if (p + 3 > lpEnd) return MALFORMED;
    entryInt = load<i16>(p, 1);
    size = 3;
  } else if (b == 0xf2) {
    if (p + 4 > lpEnd) return MALFORMED;
    const u = <u32>load<u16>(p, 1) | (<u32>load<u8>(p, 3) << 16);
    entryInt = u >= 1 << 23 ? <i64>u - (1 << 24) : <i64>u;
    size = 4;
  } else if (b == 0xf3) {
    if (p + 5 > lpEnd) return MALFORMED;
    entryInt = load<i32>(p, 1);
    size = 5;
  } else if (b == 0xf4) {
    if (p + 9 > lpEnd) return MALFORMED;
    entryInt = load<i64>(p, 1);
    size = 9;
  } else return MALFORMED;
  if (size > lpEnd - p) return MALFORMED;
  // The back length: size in base-128 groups, most significant first, all but it flagged.
  let groups: usize = 1;
  for (let rest = size >> 7; rest > 0; rest >>= 7) groups++;
  if (size + groups > lpEnd - p) return MALFORMED;
  for (let i: usize = 0; i < groups; i++) {
    let g = <u32>((size >> (7 * (groups - 1 - i))) & 127);
    if (i > 0) g |= 128;
    if (<u32>load<u8>(p + size + i) != g) return MALFORMED;
  }
  lpAt = p + size + groups;
  lpSeen++;
  return 1;
}

/** Appends the last entry as u32 length | bytes (an integer as its decimal text). */
function writeEntry(): void {
  if (entryIsInt) writeBlob(intText, formatInteger(entryInt, intText));
  else writeBlob(strPtr, strLen);
}

/** Appends every entry of the listpack string at [p, end); their number, or -1. */
function writeListpackEntries(lp: usize, len: usize): i64 {
  if (!lpOpen(lp, len)) return -1;
  let n: i64 = 0;
  for (let r = lpNext(); r != 0; r = lpNext()) {
    if (r < 0) return -1;
    writeEntry();
    n++;
  }
  return n;
}

/** The offset in the blob being built where a u32 count goes (the output may move). */
function patchU32(offset: usize, value: u32): void {
  store<u32>(resultAt + offset, value);
}

// ---- the collections ----------------------------------------------------------------------

function hashFromListpack(p: usize, end: usize): i32 {
  p = readString(p, end, false);
  if (p != end) return MALFORMED;
  writerReserve(8);
  const entries = writeListpackEntries(strPtr, strLen);
  if (entries < 0 || (entries & 1) != 0) return MALFORMED;
  if (entries == 0) return SKIPPED;
  const pairs = <u32>(entries >> 1);
  // A listpack stays one unless it has too many entries (as rdbLoadObject leaves it).
  return patchKindAndCount(pairs <= hashMaxListpackEntries, pairs);
}

function listFromQuicklist(p: usize, end: usize): i32 {
  p = readLength(p, end);
  if (p == 0) return MALFORMED;
  let nodes = strLen;
  writerReserve(4);
  let count: i64 = 0;
  for (; nodes > 0; nodes--) {
    p = readLength(p, end);
    if (p == 0) return MALFORMED;
    const container = strLen;
    p = readString(p, end, false);
    if (p == 0) return MALFORMED;
    if (container == QUICKLIST_PLAIN) {
      writeBlob(strPtr, strLen);
      count++;
    } else if (container == QUICKLIST_PACKED) {
      const n = writeListpackEntries(strPtr, strLen);
      if (n < 0) return MALFORMED;
      count += n;
    } else return MALFORMED;
  }
  if (p != end || count > <i64>U32.MAX_VALUE) return MALFORMED;
  if (count == 0) return SKIPPED;
  patchU32(BLOB_HEADER, <u32>count);
  return STORED;
}

/** The widest string the last copyStrings() copied. */
let longest: usize = 0;

/** Appends `count` strings from `p` as u32 length | bytes; the position after them, or 0. */
function copyStrings(p: usize, end: usize, count: usize): usize {
  longest = 0;
  for (let i: usize = 0; i < count; i++) {
    p = readString(p, end, false);
    if (p == 0) return 0;
    writeBlob(strPtr, strLen);
    longest = max(longest, strLen);
  }
  return p;
}

/** Fills in a hash's or sorted set's kind and count words (after the blob header). */
function patchKindAndCount(compact: bool, n: u32): i32 {
  patchU32(BLOB_HEADER, compact ? COMPACT : LARGE);
  patchU32(BLOB_HEADER + 4, n);
  return STORED;
}

/** A dict-encoded set: as a hashtable, unless it would load as an intset (JS does those). */
function setFromStrings(p: usize, end: usize): i32 {
  p = readLength(p, end);
  if (p == 0) return MALFORMED;
  const n = strLen;
  if (n == 0) return SKIPPED;
  if (<u64>n <= <u64>setMaxIntsetEntries) {
    let allIntegers = true;
    let q = p;
    for (let i: usize = 0; i < n && allIntegers; i++) {
      const encoded = q < end && load<u8>(q) >> 6 == 3 && (load<u8>(q) & 0x3f) != 3;
      q = readString(q, end, false);
      if (q == 0) return MALFORMED;
      allIntegers = encoded || parseInteger(strPtr, strLen);
    }
    if (allIntegers) return FOR_JS;
  }
  writeU32(SET_HASHTABLE);
  writeU32(<u32>n);
  return copyStrings(p, end, n) == end ? STORED : MALFORMED;
}

/** An intset (u32 width, u32 count, sorted values): an intset of the narrowest width while
 * set-max-intset-entries allows, else a hashtable of the values' text. */
function setFromIntset(p: usize, end: usize): i32 {
  p = readString(p, end, false);
  if (p != end || strLen < 8) return MALFORMED;
  const data = strPtr + 8;
  const width = <usize>load<u32>(strPtr), n = <usize>load<u32>(strPtr, 4);
  if ((width != 2 && width != 4 && width != 8) || strLen != 8 + n * width) return MALFORMED;
  if (n == 0) return SKIPPED;
  if (<u64>n > <u64>setMaxIntsetEntries) {
    writeU32(SET_HASHTABLE);
    writeU32(<u32>n);
    for (let i: usize = 0; i < n; i++) writeBlob(intText, formatInteger(intsetValue(data, width, i), intText));
    return STORED;
  }
  let narrowest: usize = 2;
  for (let i: usize = 0; i < n; i++) {
    const v = intsetValue(data, width, i);
    if (v < -2147483648 || v > 2147483647) narrowest = 8;
    else if ((v < -32768 || v > 32767) && narrowest < 4) narrowest = 4;
  }
  writeU32(SET_INTSET);
  writeU32(<u32>narrowest);
  writeU32(<u32>n);
  const out = writerReserve(n * narrowest);
  for (let i: usize = 0; i < n; i++) {
    const v = intsetValue(data, width, i);
    if (narrowest == 2) store<i16>(out + i * 2, <i16>v);
    else if (narrowest == 4) store<i32>(out + i * 4, <i32>v);
    else store<i64>(out + i * 8, v);
  }
  return STORED; // the engine's deserialize checks the order (strictly ascending)
}

function intsetValue(data: usize, width: usize, i: usize): i64 {
  if (width == 2) return load<i16>(data + i * 2);
  if (width == 4) return load<i32>(data + i * 4);
  return load<i64>(data + i * 8);
}

/** A dict-encoded hash: a listpack when it fits the limits (rdbLoadObject's choice). */
function hashFromPairs(p: usize, end: usize): i32 {
  p = readLength(p, end); // at most 2^31 - 1
  if (p == 0) return MALFORMED;
  const n = strLen;
  if (n == 0) return SKIPPED;
  writerReserve(8);
  if (copyStrings(p, end, n * 2) != end) return MALFORMED;
  return patchKindAndCount(<u64>n <= <u64>hashMaxListpackEntries && longest <= <usize>hashMaxListpackValue, <u32>n);
}

/** A skiplist sorted set with binary scores (a NaN score: JS refuses it with its words). */
function zsetFromPairs(p: usize, end: usize): i32 {
  p = readLength(p, end);
  if (p == 0) return MALFORMED;
  const n = strLen;
  if (n == 0) return SKIPPED;
  writerReserve(8);
  let widest: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    p = readString(p, end, false);
    if (p == 0 || end - p < 8) return MALFORMED;
    const score = load<f64>(p);
    if (isNaN(score)) return FOR_JS;
    writeF64(score);
    writeBlob(strPtr, strLen);
    widest = max(widest, strLen);
    p += 8;
  }
  if (p != end) return MALFORMED;
  return patchKindAndCount(<u64>n <= <u64>zsetMaxListpackEntries && widest <= <usize>zsetMaxListpackValue, <u32>n);
}

let parsedScore: f64 = 0;

/**
 * A score's text as strtod reads it, when that is exact without a big-number algorithm
 * (Clinger's fast path: at most 15 significant digits, a power of ten up to 1e22, so one
 * correctly rounded division or product); false otherwise (JS parses it: "0.1" is saved as
 * "0.10000000000000001", 17 digits).
 */
function parseScore(p: usize, len: usize): bool {
  const end = p + len;
  const negative = p < end && load<u8>(p) == 0x2d;
  if (negative) p++;
  let mantissa: u64 = 0;
  let digits = 0, significant = 0, scale = 0;
  let dot = false;
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2e && !dot) {
      dot = true;
      continue;
    }
    const d = c - 0x30;
    if (d > 9) break;
    digits++;
    if (dot) scale--;
    if (mantissa == 0 && d == 0) continue; // leading zeros are not significant
    if (++significant > 15) return false;
    mantissa = mantissa * 10 + d;
  }
  if (digits == 0) return false;
  if (p < end) {
    const c = <u32>load<u8>(p++);
    if (c != 0x65 && c != 0x45) return false;
    let expNegative = false;
    if (p < end && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) expNegative = load<u8>(p++) == 0x2d;
    if (p == end) return false;
    let exponent = 0;
    for (; p < end; p++) {
      const d = <u32>load<u8>(p) - 0x30;
      if (d > 9 || exponent > 1000) return false;
      exponent = exponent * 10 + <i32>d;
    }
    scale += expNegative ? -exponent : exponent;
  }
  if (scale < -22 || scale > 22) return mantissa == 0 ? setScore(0, negative) : false;
  const power = POWERS_OF_TEN[<i32>abs(scale)];
  return setScore(scale < 0 ? <f64>mantissa / power : <f64>mantissa * power, negative);
}

const POWERS_OF_TEN: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

function setScore(value: f64, negative: bool): bool {
  parsedScore = negative ? -value : value;
  return true;
}

/** A sorted set listpack (scores as integers or text; text strtod can't do exactly -> JS). */
function zsetFromListpack(p: usize, end: usize): i32 {
  p = readString(p, end, false);
  if (p != end) return MALFORMED;
  if (!lpOpen(strPtr, strLen)) return MALFORMED;
  writerReserve(8);
  let n: u32 = 0;
  for (let r = lpNext(); r != 0; r = lpNext()) {
    if (r < 0) return MALFORMED;
    const memberIsInt = entryIsInt;
    const memberInt = entryInt, member = strPtr, memberLen = strLen;
    if (lpNext() != 1) return MALFORMED; // a member without its score
    if (entryIsInt) writeF64(<f64>entryInt);
    else if (parseScore(strPtr, strLen)) writeF64(parsedScore);
    else return FOR_JS;
    if (memberIsInt) writeBlob(intText, formatInteger(memberInt, intText));
    else writeBlob(member, memberLen);
    n++;
  }
  if (n == 0) return SKIPPED;
  return patchKindAndCount(n <= zsetMaxListpackEntries, n);
}

/**
 * Stores the records of the batch area from offset `at` to `end`; a key already there is
 * replaced when `replace` (DEBUG RELOAD MERGE), else its record is reported as bad. Returns
 * `end` when all are done, the offset of the first record JS must decode (a type other than
 * string), or LOAD_CORRUPT (loadErrorAt() = the bad record's offset).
 */
export function loadRecords(at: usize, end: usize, replace: i32): i32 {
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
    const head = kind == RECORD_KEY_ACCESS ? RECORD_HEADER + ACCESS_BYTES : RECORD_HEADER;
    if ((kind != RECORD_KEY && kind != RECORD_KEY_ACCESS) || n > end - at - head || n == 0) {
      return corrupt(at);
    }
    const record = p + head;
    const db = dbAt(dbIndex);
    const status = storeRecord(db, load<u8>(record), record + 1, record + n, load<i64>(p, 2), replace != 0);
    if (status == FOR_JS) return <i32>at;
    if (status == MALFORMED) return corrupt(at);
    if (status == STORED) {
      loadedKeys++;
      if (kind == RECORD_KEY_ACCESS) {
        // rdbLoad's objectSetLRUOrLFU on the key just stored.
        if (storedEntry != 0) {
          setAccessFrom(storedEntry, load<i32>(p, RECORD_HEADER + 8), load<i64>(p, RECORD_HEADER));
        }
      }
    }
    at += head + n;
  }
  return <i32>at;
}

function corrupt(at: usize): i32 {
  errorAt = <i32>at;
  return LOAD_CORRUPT;
}
