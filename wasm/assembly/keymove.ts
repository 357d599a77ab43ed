// Keys that move or duplicate: RENAME / RENAMENX, MOVE, COPY, SWAPDB within this engine, and
// DUMP / RESTORE blobs to carry one key's value to another engine instance (another shard).
//
// Object values (types 1..7) are handles to storage outside the engine: RENAME and MOVE carry
// the handle along (the object itself does not move); COPY needs the caller's duplicate of
// the object (a new handle); dump refuses them. When RENAME, COPY or restore replace a key that
// held an object, lastReplacedType/Handle report it so the caller can free the object.

import { touchEntry } from "./access";
import { outputFor, scratchBase } from "./buffers";
import { nowMs } from "./clock";
import {
  Db, FRESH_ACCESS, cloneEntry, findEntry, findLiveKey, insertKeyed, newEntry, removeFound, unlinkFound,
} from "./db";
import {
  ENC_INT, ENC_OBJ, ENC_RAW, FLAG_RAW, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, lruOf, rawFlagOf,
  valueLenOf, valuePtrOf,
} from "./entry";
import { bytesEqual } from "./hash";
import { countLookup } from "./stats";
import { BAD_PAYLOAD, NOT_FOUND, SAME_KEY, WRONG_TYPE } from "./status";
import { STRING_MAX } from "./strings";

let replacedType: i32 = -1;
let replacedHandle: i32 = 0;

export function lastReplacedType(): i32 {
  return replacedType;
}

export function lastReplacedHandle(): i32 {
  return replacedHandle;
}

/** Deletes the found entry `d` that a write replaces, noting an object it held. */
function replaceFound(db: Db, d: usize): void {
  if (entryEncoding(d) == ENC_OBJ) {
    replacedType = <i32>entryType(d);
    replacedHandle = <i32>load<u32>(valuePtrOf(d));
  }
  removeFound(db, d);
}

/**
 * RENAME (nx: RENAMENX) of the key at scratch to the key after it. 1 renamed (or the same
 * key), 0 when `nx` and the new key exists (also for the same key, as Redis), NOT_FOUND.
 * The value keeps its TTL, encoding and access field (touched, as Redis's lookupKeyWrite).
 */
export function renameKey(db: Db, klen: usize, nlen: usize, nx: bool): i32 {
  replacedType = -1;
  const key = scratchBase();
  const newKey = key + klen;
  const e = findLiveKey(db, key, klen);
  if (e == 0) return NOT_FOUND;
  touchEntry(e);
  if (klen == nlen && bytesEqual(key, newKey, klen)) return nx ? 0 : 1;
  const d = findLiveKey(db, newKey, nlen);
  if (d != 0) {
    if (nx) {
      touchEntry(d); // lookupKeyWrite of the new key
      return 0;
    }
    replaceFound(db, d);
  }
  const moved = cloneEntry(e, newKey, nlen, <i32>lruOf(e));
  findEntry(db, e);
  removeFound(db, e);
  insertKeyed(db, moved);
  return 1;
}

/** MOVE: 1 moved, 0 missing or the key exists in `dst`; SAME_KEY when the dbs are the same. */
export function moveKey(src: Db, dst: Db, klen: usize): i32 {
  if (src == dst) return SAME_KEY;
  const key = scratchBase();
  const e = findLiveKey(src, key, klen);
  if (e == 0) return 0;
  touchEntry(e);
  const d = findLiveKey(dst, key, klen);
  if (d != 0) {
    touchEntry(d); // lookupKeyWrite in the target db
    return 0;
  }
  // The same block changes db: no copy.
  findEntry(src, e);
  unlinkFound(src, e);
  insertKeyed(dst, e);
  return 1;
}

/**
 * COPY of the key at scratch (in `src`) to the key after it (in `dst`): 1 copied, 0 missing
 * source or existing destination without `replace`; SAME_KEY for the same key in the same db.
 * A string is duplicated with its encoding and TTL; an object source needs `handle` (>= 0), the
 * caller's duplicate of the object, else WRONG_TYPE and nothing is written. The copy's access
 * field is fresh; the source's lookup counts as a read (Redis lookupKeyRead).
 */
export function copyKey(src: Db, klen: usize, dst: Db, nlen: usize, replace: bool, handle: i32): i32 {
  replacedType = -1;
  const key = scratchBase();
  const newKey = key + klen;
  if (src == dst && klen == nlen && bytesEqual(key, newKey, klen)) return SAME_KEY;
  const e = findLiveKey(src, key, klen);
  countLookup(e != 0);
  if (e == 0) return 0;
  touchEntry(e);
  const isObject = entryEncoding(e) == ENC_OBJ;
  if (isObject && handle < 0) return WRONG_TYPE;
  const d = findLiveKey(dst, newKey, nlen);
  if (d != 0) {
    if (!replace) {
      touchEntry(d); // lookupKeyWrite of the target
      return 0;
    }
    replaceFound(dst, d);
  }
  const copy = cloneEntry(e, newKey, nlen, FRESH_ACCESS);
  if (isObject) store<u32>(valuePtrOf(copy), <u32>handle);
  insertKeyed(dst, copy);
  return 1;
}

// ---- DUMP / RESTORE ----------------------------------------------------------------------------

/**
 * Blob layout (little endian), version 1:
 *   u8 version (1) | u8 type (0 string) | u8 encoding (0 bytes, 1 int64) | u8 flags (bit 0: raw)
 *   u32 access field (24-bit LRU clock or LFU minutes << 8 | counter)
 *   u32 value length n (8 for int64) | n value bytes
 * Neither the key nor the TTL is inside: restore takes both as arguments.
 */
const BLOB_VERSION: u8 = 1;
const BLOB_HEADER: usize = 12;
const BLOB_FLAG_RAW: u8 = 1;
export const RESTORE_REPLACE: i32 = 1;
export const RESTORE_KEEP_ACCESS: i32 = 2;

/** DUMP: the blob's length (bytes at the result pointer), NOT_FOUND, or WRONG_TYPE for an
 * object value (its storage is outside the engine). Touches the key, counts nothing. */
export function dumpKey(db: Db, klen: usize): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  if (e == 0) return NOT_FOUND;
  if (entryType(e) != TYPE_STRING) return WRONG_TYPE;
  touchEntry(e);
  const encoding = entryEncoding(e);
  const n: usize = encoding == ENC_INT ? 8 : valueLenOf(e);
  const out = outputFor(BLOB_HEADER + n);
  store<u8>(out, BLOB_VERSION);
  store<u8>(out, <u8>TYPE_STRING, 1);
  store<u8>(out, encoding == ENC_INT ? 1 : 0, 2);
  store<u8>(out, rawFlagOf(e) != 0 ? BLOB_FLAG_RAW : 0, 3);
  store<u32>(out, lruOf(e), 4);
  store<u32>(out, <u32>n, 8);
  memory.copy(out + BLOB_HEADER, valuePtrOf(e), n);
  return <i32>(BLOB_HEADER + n);
}

/**
 * RESTORE the blob after the key at scratch: 1 written, 0 when the key exists without
 * RESTORE_REPLACE, BAD_PAYLOAD for a malformed blob. `expireAt` 0 = no TTL; a time <= now
 * writes nothing (an existing key is deleted when replacing) and returns 1, as Redis.
 * RESTORE_KEEP_ACCESS keeps the blob's access field (RENAME/MOVE across shards), otherwise
 * it is fresh (COPY, RESTORE).
 */
export function restoreKey(db: Db, klen: usize, blen: usize, expireAt: f64, flags: i32): i32 {
  replacedType = -1;
  const key = scratchBase();
  const blob = key + klen;
  if (blen < BLOB_HEADER || load<u8>(blob) != BLOB_VERSION || load<u8>(blob, 1) != <u8>TYPE_STRING) return BAD_PAYLOAD;
  const encodingByte = load<u8>(blob, 2);
  const blobFlags = load<u8>(blob, 3);
  const n = <usize>load<u32>(blob, 8);
  if (encodingByte > 1 || (blobFlags & ~BLOB_FLAG_RAW) != 0 || n != blen - BLOB_HEADER || n > STRING_MAX) {
    return BAD_PAYLOAD;
  }
  const isInt = encodingByte == 1;
  if (isInt && n != 8) return BAD_PAYLOAD;
  const d = findLiveKey(db, key, klen);
  if (d != 0) {
    if (!(flags & RESTORE_REPLACE)) return 0;
    replaceFound(db, d);
  }
  if (expireAt > 0 && expireAt <= nowMs) return 1;
  const ttl = expireAt > 0;
  const access: i32 = (flags & RESTORE_KEEP_ACCESS) ? <i32>(load<u32>(blob, 4) & 0xffffff) : FRESH_ACCESS;
  const raw: u32 = (blobFlags & BLOB_FLAG_RAW) != 0 && !isInt ? FLAG_RAW : 0;
  const e = newEntry(TYPE_STRING, isInt ? ENC_INT : ENC_RAW, ttl, ttl ? expireAt : 0, key, klen, isInt ? 0 : n, raw, access);
  memory.copy(valuePtrOf(e), blob + BLOB_HEADER, n);
  insertKeyed(db, e);
  return 1;
}
