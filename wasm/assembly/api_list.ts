// JS-facing exports of the list type (t_list.ts). The key is at scratch 0 (`klen`), the other
// arguments are staged after it (args.ts); elements come back as reply items (items.ts).
// `front` / `fromFront` / `toFront` != 0 mean the head (LEFT), else the tail (RIGHT).

import { dbAt } from "./db";
import {
  indexCommand, insertCommand, lengthCommand, moveCommand, nodeCount, popCommand, posCommand, pushCommand,
  rangeCommand, removeCommand, setCommand, trimCommand,
} from "./t_list";
import { WRONG_TYPE_ENTRY, findObject, objectOf } from "./typed";

/** LPUSH / RPUSH (LPUSHX / RPUSHX with `onlyExisting`) of `nargs` staged elements. */
export function listPush(db: i32, klen: usize, nargs: i32, front: i32, onlyExisting: i32): i32 {
  return pushCommand(dbAt(db), klen, nargs, front != 0, onlyExisting != 0);
}

/** LPOP / RPOP; `count` < 0: one element, no COUNT. */
export function listPop(db: i32, klen: usize, front: i32, count: f64): i32 {
  return popCommand(dbAt(db), klen, front != 0, count);
}

/** LLEN (`read` != 0: counted as a read lookup). */
export function listLength(db: i32, klen: usize, read: i32): i32 {
  return lengthCommand(dbAt(db), klen, read != 0);
}

export function listRange(db: i32, klen: usize, start: f64, end: f64): i32 {
  return rangeCommand(dbAt(db), klen, start, end);
}

export function listIndex(db: i32, klen: usize, index: f64): i32 {
  return indexCommand(dbAt(db), klen, index);
}

export function listSet(db: i32, klen: usize, index: f64): i32 {
  return setCommand(dbAt(db), klen, index);
}

export function listInsert(db: i32, klen: usize, after: i32): i32 {
  return insertCommand(dbAt(db), klen, after != 0);
}

export function listRemove(db: i32, klen: usize, count: f64): i32 {
  return removeCommand(dbAt(db), klen, count);
}

export function listTrim(db: i32, klen: usize, start: f64, end: f64): i32 {
  return trimCommand(dbAt(db), klen, start, end);
}

/** LPOS; `count` -1: no COUNT option (one index at most), 0: every match. */
export function listPos(db: i32, klen: usize, fromTail: i32, rank: f64, count: f64, maxlen: f64): i32 {
  return posCommand(dbAt(db), klen, fromTail != 0, rank, count, maxlen);
}

/** LMOVE / RPOPLPUSH to the staged destination key. */
export function listMove(db: i32, klen: usize, fromFront: i32, toFront: i32): i32 {
  return moveCommand(dbAt(db), klen, fromFront != 0, toFront != 0);
}

/** How many nodes the list at the key has (tests: node fill limits), -1 when it is no list. */
export function listNodeCount(db: i32, klen: usize): i32 {
  const e = findObject(dbAt(db), klen, 1, false);
  if (e == 0 || e == WRONG_TYPE_ENTRY) return -1;
  return <i32>nodeCount(objectOf(e));
}
