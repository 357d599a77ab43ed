// HyperLogLog exports (logic in hyperloglog.ts; contract in wasm/README.md). Elements and values
// arrive in the scratch area like every other argument; counts come back as decimal text at the
// result pointer, so cardinalities beyond 2^53 stay exact.

import { dbAt } from "./db";
import {
  hllAdd as addElements, hllCountKey, hllDebug as debugKey, hllSelfTest as selfTest, mergeBegin, mergeCount, mergeKey,
  mergeResult, mergeStore, mergeValue,
} from "./hyperloglog";
import { scratchBase } from "./buffers";

/** PFADD: `count` elements after the key, each u32 length (LE) + bytes. */
export function hllAdd(db: i32, klen: usize, count: u32, sparseMaxBytes: f64): i32 {
  return addElements(dbAt(db), klen, count, sparseMaxBytes);
}

/** PFCOUNT of one key: the digits' length, or NOT_FOUND / WRONG_TYPE / NOT_HLL / INVALID_HLL. */
export function hllCount(db: i32, klen: usize): i32 {
  return hllCountKey(dbAt(db), klen);
}

/** Starts a union (PFCOUNT of several keys, PFMERGE): all registers 0. */
export function hllMergeBegin(): void {
  mergeBegin();
}

/** Adds a key of this engine to the union (a read lookup). 0 (also for a missing key) or an error status. */
export function hllMergeKey(db: i32, klen: usize): i32 {
  return mergeKey(dbAt(db), klen);
}

/** Adds a value read elsewhere (another shard) to the union: its bytes at the scratch start. */
export function hllMergeValue(vlen: usize): i32 {
  return mergeValue(scratchBase(), vlen);
}

/** The union's cardinality: the digits' length. */
export function hllMergeCount(): i32 {
  return mergeCount();
}

/** PFMERGE's write of the union into a key of this engine: 0 or INVALID_HLL. */
export function hllMergeStore(db: i32, klen: usize, sparseMaxBytes: f64): i32 {
  return mergeStore(dbAt(db), klen, sparseMaxBytes);
}

/** PFMERGE's new destination value from its current bytes at the scratch start (`vlen` -1:
 * missing): the new value's length (bytes at resultPtr) or INVALID_HLL. */
export function hllMergeResult(vlen: i32, sparseMaxBytes: f64): i32 {
  return mergeResult(vlen, sparseMaxBytes);
}

/** PFDEBUG: op 0 GETREG, 1 DECODE, 2 ENCODING, 3 TODENSE. */
export function hllDebug(db: i32, klen: usize, op: i32): i32 {
  return debugKey(dbAt(db), klen, op);
}

/** PFSELFTEST: 0 passed, else which check failed (1..4). */
export function hllSelfTest(sparseMaxBytes: f64): i32 {
  return selfTest(sparseMaxBytes);
}
