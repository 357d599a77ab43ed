// MEMORY USAGE: the bytes a key takes in this engine, measured exactly (not estimated from
// samples as Redis does): its entry block, its index slot, its volatile-list slot when it
// has a TTL, and every block of its object (walked by the type's own free in measuring mode).

import { blockFootprint, measureBlocks } from "./alloc";
import { Db, findKey } from "./db";
import { ENC_OBJ, entryEncoding, entryType, hasTtl, valuePtrOf } from "./entry";
import { freeObject } from "./objects";
import { scratchBase } from "./buffers";

/** An index slot (entry address + hash) and a volatile list item. */
const SLOT_BYTES: f64 = 8;
const VOLATILE_ITEM_BYTES: f64 = 4;

let measuredType: u32 = 0;

function freeMeasured(obj: usize): void {
  freeObject(measuredType, obj);
}

/** Bytes of the key's entry and value, or -1 when missing (expired keys still count, as
 * Redis's dictFind). Neither counted as a lookup nor touched. */
export function keyMemoryUsage(db: Db, klen: usize): f64 {
  const e = findKey(db, scratchBase(), klen);
  if (e == 0) return -1;
  let bytes = <f64>blockFootprint(e) + SLOT_BYTES + (hasTtl(e) ? VOLATILE_ITEM_BYTES : 0);
  if (entryEncoding(e) == ENC_OBJ) {
    measuredType = entryType(e);
    bytes += <f64>measureBlocks<usize>(freeMeasured, <usize>load<u32>(valuePtrOf(e)));
  }
  return bytes;
}
