// Key-level helpers for the type modules (t_list.ts, t_set.ts, t_zset.ts, t_hash.ts): find the
// key's object with Redis's lookup semantics, create the key for a new object, drop the key
// when its object becomes empty (Redis deletes empty collections).

import { touchEntry } from "./access";
import { scratchBase } from "./buffers";
import { Db, FRESH_ACCESS, findEntry, findLiveKey, insertKeyed, newEntry, removeFound } from "./db";
import { ENC_OBJ, entryEncoding, entryType, valuePtrOf } from "./entry";
import { countLookup } from "./stats";

/** findObject's answer for a key holding another type (no real entry sits at address 1). */
export const WRONG_TYPE_ENTRY: usize = 1;

/**
 * The entry of the key at scratch (length `klen`) when it holds an object of `type`; 0 when
 * the key is missing (or expired), WRONG_TYPE_ENTRY when it holds another type. `read`: a
 * read lookup (Redis lookupKeyRead: counted in keyspace hits/misses); writes are not counted.
 * Either way an existing key is touched (LRU/LFU), as Redis's lookups do.
 */
export function findObject(db: Db, klen: usize, type: u32, read: bool): usize {
  const e = findLiveKey(db, scratchBase(), klen);
  if (read) countLookup(e != 0);
  if (e == 0) return 0;
  if (entryType(e) != type || entryEncoding(e) != ENC_OBJ) return WRONG_TYPE_ENTRY;
  touchEntry(e);
  return e;
}

/** The object an entry holds. */
// @ts-ignore: decorator
@inline export function objectOf(e: usize): usize {
  return <usize>load<u32>(valuePtrOf(e));
}

/** Points the entry at a new object (after a conversion reallocated it). */
// @ts-ignore: decorator
@inline export function setObjectOf(e: usize, obj: usize): void {
  store<u32>(valuePtrOf(e), <u32>obj);
}

/** Creates the key at scratch (which must be absent) holding `obj`; returns its entry. */
export function createObjectKey(db: Db, klen: usize, type: u32, obj: usize): usize {
  const e = newEntry(type, ENC_OBJ, false, 0, scratchBase(), klen, 0, 0, FRESH_ACCESS);
  setObjectOf(e, obj);
  insertKeyed(db, e);
  return e;
}

/** Deletes a key whose object became empty (and frees the object). */
export function deleteObjectKey(db: Db, e: usize): void {
  findEntry(db, e);
  removeFound(db, e);
}
