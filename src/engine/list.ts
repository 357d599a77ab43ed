// TypeScript face of the engine's list operations (wasm/assembly/api_list.ts). Each call
// stages the key and its other arguments (Keyspace.stageKeyAndArgs) and returns the engine's
// answer: a count or length, or a status code (keyspace.ts NOT_FOUND, WRONG_TYPE, CONDITION).
// Elements come back as reply items: read them with ks.replyItems() before the next call.
import type { ArgSource, EngineExports, Keyspace } from "./keyspace.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";

/** The list exports (wasm/README.md); `front` 1 = head (LEFT), 0 = tail (RIGHT). */
export interface ListExports {
  listPush(db: number, klen: number, nargs: number, front: number, onlyExisting: number): number;
  listPop(db: number, klen: number, front: number, count: number): number;
  listLength(db: number, klen: number, read: number): number;
  listRange(db: number, klen: number, start: number, end: number): number;
  listIndex(db: number, klen: number, index: number): number;
  listSet(db: number, klen: number, index: number): number;
  listInsert(db: number, klen: number, after: number): number;
  listRemove(db: number, klen: number, count: number): number;
  listTrim(db: number, klen: number, start: number, end: number): number;
  listPos(
    db: number,
    klen: number,
    fromTail: number,
    rank: number,
    count: number,
    maxlen: number,
  ): number;
  listMove(db: number, klen: number, fromFront: number, toFront: number): number;
  listNodeCount(db: number, klen: number): number;
}

function engine(ks: Keyspace): ListExports {
  return ks.exports as EngineExports & ListExports;
}

/** Only the key is staged (argument `keyIndex`). */
function keyOnly(ks: Keyspace, args: ArgSource, keyIndex: number): number {
  return ks.stageKeyAndArgs(args, keyIndex, 0, 0);
}

/** LPUSH / RPUSH (`onlyExisting`: LPUSHX / RPUSHX) of arguments 2..argc-1: the new length,
 * 0 (missing key with onlyExisting), WRONG_TYPE. */
export function listPush(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  argc: number,
  front: boolean,
  onlyExisting: boolean,
): number {
  const klen = ks.stageKeyAndArgs(args, 1, 2, argc);
  return engine(ks).listPush(db, klen, argc - 2, front ? 1 : 0, onlyExisting ? 1 : 0);
}

/** Writes the one element item an operation left (LPOP / RPOP without a count, LMOVE,
 * LINDEX) as a bulk string, straight from Wasm memory: no ReplyItems reader per reply. */
export function writeElement(ks: Keyspace, out: ReplyWriter): void {
  ks.writeBulkItem(out);
}

/** LPOP / RPOP of the key at `keyIndex`: `count` < 0 pops one element, else up to `count`.
 * The number of items, NOT_FOUND, WRONG_TYPE. */
export function listPop(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  keyIndex: number,
  front: boolean,
  count: number,
): number {
  return engine(ks).listPop(db, keyOnly(ks, args, keyIndex), front ? 1 : 0, count);
}

/** The length, NOT_FOUND or WRONG_TYPE; `read`: a counted read lookup (LLEN). */
export function listLength(ks: Keyspace, db: number, args: ArgSource, read: boolean): number {
  return engine(ks).listLength(db, keyOnly(ks, args, 1), read ? 1 : 0);
}

/** LRANGE: the number of items (0 for a missing key) or WRONG_TYPE. */
export function listRange(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  start: number,
  end: number,
): number {
  return engine(ks).listRange(db, keyOnly(ks, args, 1), start, end);
}

/** LINDEX: 1 (one item), 0 out of range, NOT_FOUND, WRONG_TYPE. */
export function listIndex(ks: Keyspace, db: number, args: ArgSource, index: number): number {
  return engine(ks).listIndex(db, keyOnly(ks, args, 1), index);
}

/** LSET key index element: 0, NOT_FOUND, WRONG_TYPE, CONDITION (index out of range). */
export function listSet(ks: Keyspace, db: number, args: ArgSource, index: number): number {
  return engine(ks).listSet(db, ks.stageKeyAndArgs(args, 1, 3, 4), index);
}

/** LINSERT key BEFORE|AFTER pivot element: the new length, 0 (missing key), CONDITION (no
 * pivot), WRONG_TYPE. */
export function listInsert(ks: Keyspace, db: number, args: ArgSource, after: boolean): number {
  return engine(ks).listInsert(db, ks.stageKeyAndArgs(args, 1, 3, 5), after ? 1 : 0);
}

/** LREM key count element: how many went, or WRONG_TYPE. */
export function listRemove(ks: Keyspace, db: number, args: ArgSource, count: number): number {
  return engine(ks).listRemove(db, ks.stageKeyAndArgs(args, 1, 3, 4), count);
}

/** LTRIM: 0 or WRONG_TYPE. */
export function listTrim(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  start: number,
  end: number,
): number {
  return engine(ks).listTrim(db, keyOnly(ks, args, 1), start, end);
}

/** LPOS key element: the number of index items, NOT_FOUND, WRONG_TYPE. `count` -1: no COUNT
 * option; 0: every match. `maxlen` 0: no limit. */
export function listPos(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  fromTail: boolean,
  rank: number,
  count: number,
  maxlen: number,
): number {
  const klen = ks.stageKeyAndArgs(args, 1, 2, 3);
  return engine(ks).listPos(db, klen, fromTail ? 1 : 0, rank, count, maxlen);
}

/** LMOVE source destination: 1 (the element as one item), NOT_FOUND, WRONG_TYPE. */
export function listMove(
  ks: Keyspace,
  db: number,
  args: ArgSource,
  fromFront: boolean,
  toFront: boolean,
): number {
  const klen = ks.stageKeyAndArgs(args, 1, 2, 3);
  return engine(ks).listMove(db, klen, fromFront ? 1 : 0, toFront ? 1 : 0);
}

/** Nodes of the list at `key` (-1: not a list): for tests of the node fill limits. */
export function listNodeCount(ks: Keyspace, db: number, key: Uint8Array): number {
  return engine(ks).listNodeCount(db, ks.stageKeyAndValues(key, []));
}
