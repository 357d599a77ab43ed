// Typed face of the hash exports (wasm/assembly/api_hash.ts): each function stages the key and
// the command's arguments (Keyspace.stageKeyAndArgs) and calls one engine operation. Results
// are status codes (keyspace.ts), lengths of bytes at ks.resultOffset() (write them with
// ks.writeBulk / ks.writeInteger), or item lists read with ks.replyItems().
import type { ArgSource, Keyspace } from "./keyspace.ts";

export interface HashExports {
  hashSet(db: number, klen: number, pairs: number, nx: number): number;
  hashGet(db: number, klen: number, read: number): number;
  hashMultiGet(db: number, klen: number, fields: number): number;
  hashDelete(db: number, klen: number, fields: number): number;
  hashLength(db: number, klen: number): number;
  hashFieldInfo(db: number, klen: number, strlen: number): number;
  hashGetAll(db: number, klen: number, what: number): number;
  hashIncrBy(db: number, klen: number): number;
  hashRandomField(db: number, klen: number): number;
  hashRandomFields(db: number, klen: number, count: number, flags: number): number;
  hashScan(db: number, klen: number, cursor: number, count: number): number;
  hashItemCount(): number;
}

function engine(ks: Keyspace): HashExports {
  return ks.exports as unknown as HashExports;
}

/** hashGetAll's `what`: HKEYS, HVALS, HGETALL. */
export const HASH_FIELDS = 1, HASH_VALUES = 2, HASH_PAIRS = 3;

/** HSET / HSETNX (`nx`): field/value arguments [first, end); the fields added, or WRONG_TYPE. */
export function hashSet(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  first: number,
  end: number,
  nx = false,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, first, end);
  return engine(ks).hashSet(db, klen, (end - first) >> 1, nx ? 1 : 0);
}

/** hashSet of fields and values held in JS (HINCRBYFLOAT's result). */
export function hashSetValues(
  ks: Keyspace,
  db: number,
  key: Uint8Array,
  fieldsAndValues: readonly Uint8Array[],
): number {
  const klen = ks.stageKeyAndValues(key, fieldsAndValues);
  return engine(ks).hashSet(db, klen, fieldsAndValues.length >> 1, 0);
}

/** HGET: the value's length (at ks.resultOffset()), NOT_FOUND or WRONG_TYPE. `read` false:
 * a write lookup, not counted in keyspace hits/misses (HINCRBYFLOAT). */
export function hashGet(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  fieldIndex: number,
  read = true,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, fieldIndex, fieldIndex + 1);
  return engine(ks).hashGet(db, klen, read ? 1 : 0);
}

/** HMGET: one item (value or null) per field in [first, end), or WRONG_TYPE. */
export function hashMultiGet(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  first: number,
  end: number,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, first, end);
  return engine(ks).hashMultiGet(db, klen, end - first);
}

/** HDEL: fields deleted (the key goes with the last one), or WRONG_TYPE. */
export function hashDelete(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  first: number,
  end: number,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, first, end);
  return engine(ks).hashDelete(db, klen, end - first);
}

/** HLEN: the field count (0 when missing), or WRONG_TYPE. */
export function hashLength(ks: Keyspace, db: number, args: ArgSource, keyIndex: number): number {
  return engine(ks).hashLength(db, ks.stageKeyAndArgs(args, keyIndex, 0, 0));
}

/** HEXISTS (1 / 0) or, with `strlen`, HSTRLEN (the value's length, 0 when missing); or
 * WRONG_TYPE. */
export function hashFieldInfo(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  fieldIndex: number,
  strlen: boolean,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, fieldIndex, fieldIndex + 1);
  return engine(ks).hashFieldInfo(db, klen, strlen ? 1 : 0);
}

/** HGETALL / HKEYS / HVALS (`what`: HASH_*): the field count (items follow), NOT_FOUND or
 * WRONG_TYPE. */
export function hashGetAll(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  what: number,
): number {
  return engine(ks).hashGetAll(db, ks.stageKeyAndArgs(args, keyIndex, 0, 0), what);
}

/** HINCRBY with the field and the increment text as arguments: the new value's digit count
 * (ks.writeInteger), or NOT_INTEGER (the stored value), OVERFLOW, WRONG_TYPE. */
export function hashIncrBy(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  fieldIndex: number,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, fieldIndex, fieldIndex + 2);
  return engine(ks).hashIncrBy(db, klen);
}

/** HRANDFIELD key: a random field's length (at ks.resultOffset()), NOT_FOUND, WRONG_TYPE. */
export function hashRandomField(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
): number {
  return engine(ks).hashRandomField(db, ks.stageKeyAndArgs(args, keyIndex, 0, 0));
}

/**
 * HRANDFIELD key count: `count` >= 0 distinct fields (all of them when count >= the size),
 * < 0 that many picks with repetition; items are fields, or field and value pairs. Returns the
 * pairs emitted, NOT_FOUND or WRONG_TYPE. `continuation`: a further call for the same command
 * (not counted as another lookup).
 */
export function hashRandomFields(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  count: number,
  withValues: boolean,
  continuation = false,
): number {
  const klen = ks.stageKeyAndArgs(args, keyIndex, 0, 0);
  return engine(ks).hashRandomFields(
    db,
    klen,
    count,
    (withValues ? 1 : 0) | (continuation ? 2 : 0),
  );
}

/** HSCAN step: the next cursor (field/value items follow; hashItemCount() of them), or
 * NOT_FOUND / WRONG_TYPE. Not counted as a lookup. */
export function hashScan(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  cursor: number,
  count: number,
): number {
  return engine(ks).hashScan(db, ks.stageKeyAndArgs(args, keyIndex, 0, 0), cursor, count);
}

export function hashItemCount(ks: Keyspace): number {
  return engine(ks).hashItemCount();
}
