// Keys that move or duplicate: RENAME / RENAMENX, MOVE, COPY, SWAPDB within this engine, and
// DUMP / RESTORE blobs to carry one key's value to another engine instance (another shard).
//
// Object values (lists, sets, ...: objects.ts) move with their entry on RENAME and MOVE, are
// duplicated by COPY, and serialized into DUMP blobs. A key that a write replaces is freed
// with its object.

import { setAccessFrom, touchEntry } from "./access";
import { memFree } from "./alloc";
import { resultAt, scratchBase } from "./buffers";
import { writerBegin, writerLength, writerReserve } from "./bytewriter";
import { loading, nowMsExact } from "./clock";
import {
  Db, FRESH_ACCESS, cloneEntry, findEntry, findLiveKey, insertKeyed, newEntry, removeFound, unlinkFound,
} from "./db";
import {
  ENC_INT, ENC_OBJ, ENC_RAW, FLAG_RAW, TYPE_MAX, TYPE_STRING, entryEncoding, entryType, expireAtOf, hasTtl, lruOf, rawFlagOf,
  valueLenOf, valuePtrOf,
} from "./entry";
import { bytesEqual } from "./hash";
import { deserializeObject, duplicateObject, freeObject, serializeObject } from "./objects";
import { countLookup } from "./stats";
import { BAD_PAYLOAD, NOT_FOUND, SAME_KEY } from "./status";
import { STRING_MAX } from "./strings";

/**
 * RENAME (nx: RENAMENX) of the key at scratch to the key after it. 1 renamed (or the same
 * key), 0 when `nx` and the new key exists (also for the same key, as Redis), NOT_FOUND.
 * The value keeps its TTL, encoding and access field (touched, as Redis's lookupKeyWrite).
 */
export function renameKey(db: Db, klen: usize, nlen: usize, nx: bool): i32 {
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
    removeFound(db, d);
  }
  const moved = cloneEntry(e, newKey, nlen, <i32>lruOf(e));
  findEntry(db, e);
  unlinkFound(db, e);
  memFree(e); // its object (if any) now belongs to `moved`
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
 * The value is duplicated (an object deeply) with its encoding and TTL. The copy's access
 * field is fresh; the source's lookup counts as a read (Redis lookupKeyRead).
 */
export function copyKey(src: Db, klen: usize, dst: Db, nlen: usize, replace: bool): i32 {
  const key = scratchBase();
  const newKey = key + klen;
  if (src == dst && klen == nlen && bytesEqual(key, newKey, klen)) return SAME_KEY;
  const e = findLiveKey(src, key, klen);
  countLookup(e != 0);
  if (e == 0) return 0;
  touchEntry(e);
  const d = findLiveKey(dst, newKey, nlen);
  if (d != 0) {
    if (!replace) {
      touchEntry(d); // lookupKeyWrite of the target
      return 0;
    }
    removeFound(dst, d);
  }
  const copy = cloneEntry(e, newKey, nlen, FRESH_ACCESS);
  if (entryEncoding(e) == ENC_OBJ) store<u32>(valuePtrOf(copy), <u32>duplicateObject(entryType(e), load<u32>(valuePtrOf(e))));
  insertKeyed(dst, copy);
  return 1;
}

// ---- DUMP / RESTORE ----------------------------------------------------------------------------

/**
 * Blob layout (little endian), version 1:
 *   u8 version (1) | u8 type (0 string, 1.. objects.ts TYPE_*) | u8 encoding (0 bytes, 1 int64,
 *   2 object) | u8 flags (bit 0: raw)
 *   u32 access field (24-bit LRU clock or LFU minutes << 8 | counter)
 *   u32 value length n (8 for int64) | n value bytes (an object: its type module's serialize())
 * Neither the key nor the TTL is inside: restore takes both as arguments.
 */
const BLOB_VERSION: u8 = 1;
const BLOB_HEADER: usize = 12;
const BLOB_FLAG_RAW: u8 = 1;
export const RESTORE_REPLACE: i32 = 1;
export const RESTORE_KEEP_ACCESS: i32 = 2;

/** dumpKey flags: a client's DUMP (a counted read lookup); a look that leaves the key's
 * access data alone (LOOKUP_NOTOUCH: DEBUG DIGEST, what the AOF logs of a key). */
export const DUMP_READ: i32 = 1;
export const DUMP_NO_TOUCH: i32 = 2;

/** DUMP: the blob's length (bytes at the result pointer) or NOT_FOUND. Touches the key unless
 * DUMP_NO_TOUCH; a counted read lookup with DUMP_READ. */
export function dumpKey(db: Db, klen: usize, flags: i32): i32 {
  const e = findLiveKey(db, scratchBase(), klen);
  if (flags & DUMP_READ) countLookup(e != 0);
  if (e == 0) return NOT_FOUND;
  if (!(flags & DUMP_NO_TOUCH)) touchEntry(e);
  writerBegin();
  appendBlob(e);
  return <i32>writerLength();
}

/** Appends the entry's DUMP blob to the writer's output (a snapshot writes many in a row). */
export function appendBlob(e: usize): void {
  const start = writerLength();
  const encoding = entryEncoding(e);
  const header = writerReserve(BLOB_HEADER);
  store<u8>(header, BLOB_VERSION);
  store<u8>(header, <u8>entryType(e), 1);
  store<u8>(header, <u8>encoding, 2);
  store<u8>(header, rawFlagOf(e) != 0 ? BLOB_FLAG_RAW : 0, 3);
  store<u32>(header, lruOf(e), 4);
  if (encoding == ENC_OBJ) {
    serializeObject(entryType(e), load<u32>(valuePtrOf(e)));
  } else {
    const n: usize = encoding == ENC_INT ? 8 : valueLenOf(e);
    memory.copy(writerReserve(n), valuePtrOf(e), n);
  }
  // The output may have moved while growing: resultAt is its start now.
  store<u32>(resultAt + start, <u32>(writerLength() - start - BLOB_HEADER), 8);
}

/**
 * RESTORE the blob after the key at scratch: 1 written, 0 when the key exists without
 * RESTORE_REPLACE, BAD_PAYLOAD for a malformed blob. `expireAt` 0 = no TTL; a time <= now
 * writes nothing (an existing key is deleted when replacing) and returns 1, as Redis.
 * RESTORE_KEEP_ACCESS keeps the blob's access field (RENAME/MOVE across shards), otherwise
 * it is fresh (COPY, RESTORE), or RESTORE's FREQ / IDLETIME when given (-1: not given; Redis's
 * objectSetLRUOrLFU on the new key).
 */
export function restoreKey(
  db: Db, klen: usize, blen: usize, expireAt: i64, flags: i32, freq: i32, idleSeconds: i64,
): i32 {
  const status = restoreAt(db, scratchBase(), klen, scratchBase() + klen, blen, expireAt, flags);
  if (restoredEntry != 0) setAccessFrom(restoredEntry, freq, idleSeconds);
  return status;
}

/** The entry the last restoreAt stored (0: it stored nothing), for its caller's access data. */
export let restoredEntry: usize = 0;

/** restoreKey of a key and blob anywhere in memory (rdb_load.ts builds blobs elsewhere). */
export function restoreAt(db: Db, key: usize, klen: usize, blob: usize, blen: usize, expireAt: i64, flags: i32): i32 {
  restoredEntry = 0;
  if (blen < BLOB_HEADER || load<u8>(blob) != BLOB_VERSION) return BAD_PAYLOAD;
  const type = <u32>load<u8>(blob, 1);
  const encodingByte = load<u8>(blob, 2);
  const blobFlags = load<u8>(blob, 3);
  const n = <usize>load<u32>(blob, 8);
  if ((blobFlags & ~BLOB_FLAG_RAW) != 0 || n != blen - BLOB_HEADER || n > STRING_MAX) return BAD_PAYLOAD;
  const isObject = encodingByte == <u8>ENC_OBJ;
  if (isObject ? type == TYPE_STRING || type > TYPE_MAX : type != TYPE_STRING || encodingByte > 1) return BAD_PAYLOAD;
  const isInt = encodingByte == 1;
  if (isInt && n != 8) return BAD_PAYLOAD;
  // Rebuilt before anything is replaced, so a malformed blob changes nothing.
  let obj: usize = 0;
  if (isObject) {
    obj = deserializeObject(type, blob + BLOB_HEADER, n);
    if (obj == 0) return BAD_PAYLOAD;
  }
  const d = findLiveKey(db, key, klen);
  if (d != 0) {
    if (!(flags & RESTORE_REPLACE)) {
      if (isObject) freeObject(type, obj);
      return 0;
    }
    removeFound(db, d);
  }
  if (expireAt > 0 && expireAt <= nowMsExact && !loading) {
    if (isObject) freeObject(type, obj);
    return 1;
  }
  const ttl = expireAt > 0;
  const access: i32 = (flags & RESTORE_KEEP_ACCESS) ? <i32>(load<u32>(blob, 4) & 0xffffff) : FRESH_ACCESS;
  const raw: u32 = (blobFlags & BLOB_FLAG_RAW) != 0 && !isInt ? FLAG_RAW : 0;
  const encoding = isObject ? ENC_OBJ : isInt ? ENC_INT : ENC_RAW;
  const e = newEntry(type, encoding, ttl, ttl ? expireAt : 0, key, klen, isInt || isObject ? 0 : n, raw, access);
  if (isObject) store<u32>(valuePtrOf(e), <u32>obj);
  else memory.copy(valuePtrOf(e), blob + BLOB_HEADER, n);
  insertKeyed(db, e);
  restoredEntry = e;
  return 1;
}
