// Exports of the bitmap commands (bitmap.ts); contract in wasm/README.md. The key is at
// scratch offset 0 as for every key operation; BITOP and BITFIELD stage more after it.

import { dbAt } from "./db";
import { bitCount, bitField, bitOpKeys, bitOpValues, bitPos, getBit, probeBits, setBit } from "./bitmap";

export function bitProbe(db: i32, klen: usize): i32 {
  return probeBits(dbAt(db), klen);
}

export function bitGet(db: i32, klen: usize, offset: f64): i32 {
  return getBit(dbAt(db), klen, offset);
}

export function bitSet(db: i32, klen: usize, offset: f64, on: i32): i32 {
  return setBit(dbAt(db), klen, offset, on);
}

export function bitCountRange(db: i32, klen: usize, start: f64, end: f64, unit: i32): f64 {
  return bitCount(dbAt(db), klen, start, end, unit);
}

export function bitPosition(db: i32, klen: usize, bit: i32, start: f64, end: f64, flags: i32): f64 {
  return bitPos(dbAt(db), klen, bit, start, end, flags);
}

export function bitOp(db: i32, op: i32, dlen: usize, count: usize): i32 {
  return bitOpKeys(dbAt(db), op, dlen, count);
}

export function bitOpOfValues(op: i32, count: usize): i32 {
  return bitOpValues(op, count);
}

export function bitFieldOps(db: i32, klen: usize, count: usize): i32 {
  return bitField(dbAt(db), klen, count);
}
