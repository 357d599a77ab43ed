// The seam between the engine's values and the RDB codec: a key's engine blob (keyDump) <->
// the codec's plain RdbValue, for every type. A typed value's blob carries the engine's
// serializeObject bytes (wasm/assembly/t_*.ts serialize), read and built here:
//   list  u32 count | (u32 len | bytes)...
//   set   u32 kind (1 intset, 2 hashtable) | intset: u32 width | u32 n | n values LE
//                                           | hashtable: u32 n | (u32 len | bytes)...
//   zset  u32 kind (0 listpack, 1 skiplist) | u32 n | (f64 score | u32 len | bytes)...
//   hash  u32 kind (0 listpack, 1 hashtable) | u32 n | (u32 len | field | u32 len | value)...
import {
  blobStringValue,
  blobType,
  objectBlob,
  objectBytes,
  stringBlob,
} from "../engine/value_blob.ts";
import { TYPE_HASH, TYPE_LIST, TYPE_SET, TYPE_STRING, TYPE_ZSET } from "../engine/keyspace.ts";
import type { EncodingLimits } from "../engine/encoding_limits.ts";
import { canonicalInt64 } from "./rdb/integers.ts";
import { encodeIntset, intsetValues } from "./rdb/intset.ts";
import { RdbWriter } from "./rdb/writer.ts";
import type { HashEntry, RdbValue, ZsetEntry } from "./rdb/value.ts";

const SET_INTSET = 1, SET_HASHTABLE = 2;
const COMPACT = 0, LARGE = 1;

/** Reads the u32 / length-prefixed fields of a serialized object, bounds-checked. */
class ObjectReader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  i64(width: number): bigint {
    const at = this.at;
    this.at += width;
    if (width === 2) return BigInt(this.view.getInt16(at, true));
    if (width === 4) return BigInt(this.view.getInt32(at, true));
    return this.view.getBigInt64(at, true);
  }
  blob(): Uint8Array {
    const n = this.u32();
    if (this.at + n > this.bytes.length) throw new RangeError("malformed engine object");
    this.at += n;
    return this.bytes.subarray(this.at - n, this.at);
  }
}

/** A key's engine blob as the codec's value; `compact` is the engine's encoding. */
export function rdbValueFromBlob(blob: Uint8Array): RdbValue {
  const type = blobType(blob);
  if (type === TYPE_STRING) {
    const value = blobStringValue(blob);
    if (value === null) throw new Error("malformed engine string blob");
    return { kind: "string", value };
  }
  const r = new ObjectReader(objectBytes(blob));
  switch (type) {
    case TYPE_LIST: {
      const elements = Array.from({ length: r.u32() }, () => r.blob());
      return { kind: "list", elements };
    }
    case TYPE_SET: {
      if (r.u32() === SET_INTSET) {
        const width = r.u32();
        const members = Array.from({ length: r.u32() }, () => intText(r.i64(width)));
        return { kind: "set", members, compact: true };
      }
      return {
        kind: "set",
        members: Array.from({ length: r.u32() }, () => r.blob()),
        compact: false,
      };
    }
    case TYPE_ZSET: {
      const compact = r.u32() === COMPACT;
      const entries = Array.from({ length: r.u32() }, () => {
        const score = r.f64();
        return { member: r.blob(), score };
      });
      return { kind: "zset", entries, compact };
    }
    case TYPE_HASH: {
      const compact = r.u32() === COMPACT;
      const entries = Array.from({ length: r.u32() }, (): HashEntry => [r.blob(), r.blob()]);
      return { kind: "hash", entries, compact };
    }
  }
  throw new Error(`unknown engine type ${type}`);
}

const encoder = new TextEncoder();
function intText(v: bigint): Uint8Array {
  return encoder.encode(String(v));
}

function fitsListpack(lengths: number[], maxEntries: number, maxValue: number): boolean {
  return lengths.length <= maxEntries && lengths.every((n) => n <= maxValue);
}

/**
 * An engine blob for keyRestore holding `value` in the encoding Redis's rdbLoadObject leaves
 * it in under `limits`: a string as tryObjectEncoding; collections by the thresholds, except
 * that a listpack loaded as such stays one unless it has too many entries.
 */
export function blobFromRdbValue(value: RdbValue, limits: EncodingLimits): Uint8Array {
  if (value.kind === "string") return stringBlob(value.value, canonicalInt64(value.value));
  const w = new RdbWriter({ compress: false });
  const blob = (b: Uint8Array) => w.u32le(b.length).raw(b);
  switch (value.kind) {
    case "list":
      w.u32le(value.elements.length);
      value.elements.forEach(blob);
      return objectBlob(TYPE_LIST, w.bytes());
    case "set": {
      const ints = value.members.length <= limits.setMaxIntsetEntries
        ? intsetValues(value.members)
        : null;
      if (ints !== null) w.u32le(SET_INTSET).raw(encodeIntset([...new Set(ints)]));
      else {
        w.u32le(SET_HASHTABLE).u32le(value.members.length);
        value.members.forEach(blob);
      }
      return objectBlob(TYPE_SET, w.bytes());
    }
    case "zset": {
      const lengths = value.entries.map((e) => e.member.length);
      const compact = value.compact
        ? lengths.length <= limits.zsetMaxListpackEntries
        : fitsListpack(lengths, limits.zsetMaxListpackEntries, limits.zsetMaxListpackValue);
      w.u32le(compact ? COMPACT : LARGE).u32le(value.entries.length);
      for (const e of value.entries as ZsetEntry[]) {
        w.binaryDouble(e.score);
        blob(e.member);
      }
      return objectBlob(TYPE_ZSET, w.bytes());
    }
    case "hash": {
      const lengths = value.entries.flatMap(([f, v]) => [f.length, v.length]);
      const compact = value.compact
        ? value.entries.length <= limits.hashMaxListpackEntries
        : value.entries.length <= limits.hashMaxListpackEntries &&
          lengths.every((n) => n <= limits.hashMaxListpackValue);
      w.u32le(compact ? COMPACT : LARGE).u32le(value.entries.length);
      for (const [f, v] of value.entries) {
        blob(f);
        blob(v);
      }
      return objectBlob(TYPE_HASH, w.bytes());
    }
  }
}
