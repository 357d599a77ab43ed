// TypeScript face of the engine's bitmap exports (wasm/assembly/api_bitmap.ts, contract in
// wasm/README.md). Keys are staged from the request buffer like Keyspace's `...Arg` methods;
// BITOP and BITFIELD stage more after the key (source keys or values, encoded operations).
import { type ArgSource, type EngineExports, Keyspace } from "./keyspace.ts";

export const BITOP_AND = 0, BITOP_OR = 1, BITOP_XOR = 2, BITOP_NOT = 3;
/** bitCount units: the whole string, a byte range, a bit range. */
export const COUNT_ALL = 0, COUNT_BYTES = 1, COUNT_BITS = 2;
/** bitPosition flags: which bounds were given, and whether they count bits. */
export const POS_START = 1, POS_END = 2, POS_BIT_UNIT = 4;
export const FIELD_GET = 0, FIELD_SET = 1, FIELD_INCRBY = 2;
export const OVERFLOW_WRAP = 0, OVERFLOW_SAT = 1, OVERFLOW_FAIL = 2;

/** One BITFIELD operation (wasm/assembly/bitmap.ts FIELD_OP_BYTES layout). */
export interface FieldOp {
  opcode: number;
  signed: boolean;
  bits: number;
  /** Bit offset (already multiplied for the `#N` form). */
  offset: number;
  /** SET's value or INCRBY's increment (0 for GET). */
  value: bigint;
  overflow: number;
}

const FIELD_OP_BYTES = 24;

interface BitmapExports {
  bitProbe(db: number, klen: number): number;
  bitGet(db: number, klen: number, offset: number): number;
  bitSet(db: number, klen: number, offset: number, on: number): number;
  bitCountRange(db: number, klen: number, start: number, end: number, unit: number): number;
  bitPosition(
    db: number,
    klen: number,
    bit: number,
    start: number,
    end: number,
    flags: number,
  ): number;
  bitOp(db: number, op: number, dlen: number, count: number): number;
  bitOpOfValues(op: number, count: number): number;
  bitFieldOps(db: number, klen: number, count: number): number;
}

const wrappers = new WeakMap<Keyspace, Bitmaps>();

/** The bitmap operations of a shard's keyspace. */
export function bitmapsOf(ks: Keyspace): Bitmaps {
  let bitmaps = wrappers.get(ks);
  if (!bitmaps) wrappers.set(ks, bitmaps = new Bitmaps(ks));
  return bitmaps;
}

export class Bitmaps {
  readonly #ks: Keyspace;
  readonly #engine: BitmapExports;

  constructor(ks: Keyspace) {
    this.#ks = ks;
    this.#engine = ks.exports as EngineExports & BitmapExports;
  }

  /** A read lookup only (Redis 7.0 looks the key up before checking BITCOUNT / BITPOS
   * arguments): 1 for a string, NOT_FOUND, WRONG_TYPE. */
  probe(db: number, args: ArgSource, keyIndex: number): number {
    this.#stageKey(args, keyIndex, 0);
    return this.#engine.bitProbe(db, args.argLen[keyIndex]);
  }

  /** GETBIT: 0 / 1, or WRONG_TYPE. */
  getBit(db: number, args: ArgSource, keyIndex: number, offset: number): number {
    this.#stageKey(args, keyIndex, 0);
    return this.#engine.bitGet(db, args.argLen[keyIndex], offset);
  }

  /** SETBIT: the old bit, or WRONG_TYPE / TOO_LARGE. */
  setBit(db: number, args: ArgSource, keyIndex: number, offset: number, on: number): number {
    this.#stageKey(args, keyIndex, 0);
    return this.#engine.bitSet(db, args.argLen[keyIndex], offset, on);
  }

  /** BITCOUNT: the count, or NOT_FOUND / WRONG_TYPE. `unit` COUNT_*; start / end inclusive,
   * negative from the end (ignored for COUNT_ALL). */
  count(
    db: number,
    args: ArgSource,
    keyIndex: number,
    start: number,
    end: number,
    unit: number,
  ): number {
    this.#stageKey(args, keyIndex, 0);
    return this.#engine.bitCountRange(db, args.argLen[keyIndex], start, end, unit);
  }

  /** BITPOS: the position or -1 (a missing key reads as zeros), or WRONG_TYPE (-2). */
  position(
    db: number,
    args: ArgSource,
    keyIndex: number,
    bit: number,
    start: number,
    end: number,
    flags: number,
  ): number {
    this.#stageKey(args, keyIndex, 0);
    return this.#engine.bitPosition(db, args.argLen[keyIndex], bit, start, end, flags);
  }

  /** BITOP with every key on this shard: arguments `first`..`last` are the sources. The
   * result length (dest written or deleted), or WRONG_TYPE. */
  opKeys(
    db: number,
    op: number,
    args: ArgSource,
    destIndex: number,
    first: number,
    last: number,
  ): number {
    let extra = 0;
    for (let i = first; i <= last; i++) extra += 4 + args.argLen[i];
    const dlen = args.argLen[destIndex];
    let at = this.#stageKey(args, destIndex, extra) + dlen;
    const bytes = this.#ks.memoryBytes();
    for (let i = first; i <= last; i++) {
      at = putLength(bytes, at, args.argLen[i]);
      const start = args.argStart[i];
      bytes.set(args.argBuf.subarray(start, start + args.argLen[i]), at);
      at += args.argLen[i];
    }
    return this.#engine.bitOp(db, op, dlen, last - first + 1);
  }

  /** BITOP of values read elsewhere (other shards): the result's length; its bytes are at
   * the keyspace's resultOffset() (copyResult). */
  opValues(op: number, values: Uint8Array[]): number {
    let total = 0;
    for (const value of values) total += 4 + value.length;
    let at = this.#ks.scratchFor(total);
    const bytes = this.#ks.memoryBytes();
    for (const value of values) {
      at = putLength(bytes, at, value.length);
      bytes.set(value, at);
      at += value.length;
    }
    return this.#engine.bitOpOfValues(op, values.length);
  }

  /** BITFIELD: one reply per operation (null: an OVERFLOW FAIL that wrote nothing), or
   * WRONG_TYPE / TOO_LARGE. */
  field(db: number, args: ArgSource, keyIndex: number, ops: FieldOp[]): (bigint | null)[] | number {
    const klen = args.argLen[keyIndex];
    let at = this.#stageKey(args, keyIndex, ops.length * FIELD_OP_BYTES) + klen;
    const view = new DataView(this.#ks.memoryBytes().buffer);
    for (const op of ops) {
      view.setFloat64(at, op.offset, true);
      view.setBigInt64(at + 8, op.value, true);
      view.setUint8(at + 16, op.opcode);
      view.setUint8(at + 17, op.signed ? 1 : 0);
      view.setUint8(at + 18, op.bits);
      view.setUint8(at + 19, op.overflow);
      at += FIELD_OP_BYTES;
    }
    const status = this.#engine.bitFieldOps(db, klen, ops.length);
    if (status < 0) return status;
    const out = new DataView(this.#ks.memoryBytes().buffer);
    const results = this.#ks.resultOffset();
    const nulls = results + ops.length * 8;
    return ops.map((_, k) =>
      out.getUint8(nulls + k) ? null : out.getBigInt64(results + k * 8, true)
    );
  }

  /** Copies argument `keyIndex` to scratch offset 0 with room for `extra` bytes after it;
   * returns the scratch area's offset in memoryBytes(). */
  #stageKey(args: ArgSource, keyIndex: number, extra: number): number {
    const len = args.argLen[keyIndex];
    const at = this.#ks.scratchFor(len + extra);
    const start = args.argStart[keyIndex];
    const bytes = this.#ks.memoryBytes();
    for (let k = 0; k < len; k++) bytes[at + k] = args.argBuf[start + k];
    return at;
  }
}

/** Writes a u32 length (little endian) at `at`; returns the offset after it. */
function putLength(bytes: Uint8Array, at: number, n: number): number {
  bytes[at] = n & 0xff;
  bytes[at + 1] = (n >>> 8) & 0xff;
  bytes[at + 2] = (n >>> 16) & 0xff;
  bytes[at + 3] = (n >>> 24) & 0xff;
  return at + 4;
}
