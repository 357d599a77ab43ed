// Typed values (list, set, sorted set, hash) are objects in this engine's memory, owned by
// their key's entry: an ENC_OBJ entry's value is the object's address. This module is the one
// place that knows every type; the keyspace calls it when a key holding an object is deleted,
// overwritten, expired or flushed (freeObject), copied (duplicateObject), dumped or moved to
// another shard (serializeObject / deserializeObject), or asked for OBJECT ENCODING.
//
// Each type module (t_list.ts, t_set.ts, t_zset.ts, t_hash.ts) exports the same five
// functions: free, duplicate, encoding, serialize, deserialize.

import * as lists from "./t_list";
import * as sets from "./t_set";
import * as zsets from "./t_zset";
import * as hashes from "./t_hash";

export const TYPE_LIST: u32 = 1;
export const TYPE_SET: u32 = 2;
export const TYPE_ZSET: u32 = 3;
export const TYPE_HASH: u32 = 4;

/** OBJECT ENCODING codes; strings use 0-2 (keys.ts REPORT_*), names in src/engine/keyspace.ts. */
export const REPORT_LISTPACK: i32 = 4;
export const REPORT_QUICKLIST: i32 = 5;
export const REPORT_INTSET: i32 = 6;
export const REPORT_HASHTABLE: i32 = 7;
export const REPORT_SKIPLIST: i32 = 8;

export function freeObject(type: u32, obj: usize): void {
  if (type == TYPE_LIST) lists.free(obj);
  else if (type == TYPE_SET) sets.free(obj);
  else if (type == TYPE_ZSET) zsets.free(obj);
  else if (type == TYPE_HASH) hashes.free(obj);
}

/** A deep copy (COPY). */
export function duplicateObject(type: u32, obj: usize): usize {
  if (type == TYPE_LIST) return lists.duplicate(obj);
  if (type == TYPE_SET) return sets.duplicate(obj);
  if (type == TYPE_ZSET) return zsets.duplicate(obj);
  return hashes.duplicate(obj);
}

/** A REPORT_* code for OBJECT ENCODING. */
export function objectEncoding(type: u32, obj: usize): i32 {
  if (type == TYPE_LIST) return lists.encoding(obj);
  if (type == TYPE_SET) return sets.encoding(obj);
  if (type == TYPE_ZSET) return zsets.encoding(obj);
  return hashes.encoding(obj);
}

/** Appends the object's contents with bytewriter.ts (the caller has begun the writer). */
export function serializeObject(type: u32, obj: usize): void {
  if (type == TYPE_LIST) lists.serialize(obj);
  else if (type == TYPE_SET) sets.serialize(obj);
  else if (type == TYPE_ZSET) zsets.serialize(obj);
  else hashes.serialize(obj);
}

/** Rebuilds an object from serialize's bytes at [ptr, ptr + len); 0 when they are malformed. */
export function deserializeObject(type: u32, ptr: usize, len: usize): usize {
  if (type == TYPE_LIST) return lists.deserialize(ptr, len);
  if (type == TYPE_SET) return sets.deserialize(ptr, len);
  if (type == TYPE_ZSET) return zsets.deserialize(ptr, len);
  if (type == TYPE_HASH) return hashes.deserialize(ptr, len);
  return 0;
}
