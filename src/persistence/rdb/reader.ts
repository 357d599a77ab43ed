// Reading RDB primitives (rdb.c's rdbLoad* helpers) from a byte array, with a clear
// RdbFormatError for anything truncated or malformed.
import {
  RDB_14BITLEN,
  RDB_32BITLEN,
  RDB_64BITLEN,
  RDB_6BITLEN,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_ENCVAL,
  RdbFormatError,
} from "./constants.ts";
import { int64Text } from "./integers.ts";
import { lzfDecompress } from "./lzf.ts";

const decoder = new TextDecoder("latin1");

/** A length, or a special string encoding (RDB_ENC_*) when `encoded`. */
export interface LoadedLength {
  value: number;
  encoded: boolean;
}

export class RdbReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  #need(n: number): number {
    if (n > this.#end - this.#pos) throw new RdbFormatError("unexpected end of RDB data");
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  u8(): number {
    return this.#buf[this.#need(1)];
  }

  /** n bytes (a view into the input). */
  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#buf.subarray(at, at + n);
  }

  u32le(): number {
    return this.#view.getUint32(this.#need(4), true);
  }

  i64le(): bigint {
    return this.#view.getBigInt64(this.#need(8), true);
  }

  /** rdbLoadLenByRef: a length (6/14/32/64-bit) or, when encoded, an RDB_ENC_* code. */
  loadLength(): LoadedLength {
    const first = this.u8();
    const kind = first >> 6;
    if (kind === RDB_ENCVAL) return { value: first & 0x3f, encoded: true };
    if (kind === RDB_6BITLEN) return { value: first & 0x3f, encoded: false };
    if (kind === RDB_14BITLEN) return { value: ((first & 0x3f) << 8) | this.u8(), encoded: false };
    if (first === RDB_32BITLEN) {
      return { value: this.#view.getUint32(this.#need(4), false), encoded: false };
    }
    if (first === RDB_64BITLEN) {
      const value = this.#view.getBigUint64(this.#need(8), false);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError("RDB length too large");
      return { value: Number(value), encoded: false };
    }
    throw new RdbFormatError(`unknown length encoding ${first} in RDB data`);
  }

  /** A plain length (an encoded one is an error here). */
  len(): number {
    const { value, encoded } = this.loadLength();
    if (encoded) throw new RdbFormatError("an encoded value where a length was expected");
    return value;
  }

  /** rdbGenericLoadStringObject: raw, INT8/16/32 (as decimal text) or LZF-compressed. */
  string(): Uint8Array {
    const { value, encoded } = this.loadLength();
    if (!encoded) return this.bytes(value);
    switch (value) {
      case RDB_ENC_INT8:
        return int64Text(this.#view.getInt8(this.#need(1)));
      case RDB_ENC_INT16:
        return int64Text(this.#view.getInt16(this.#need(2), true));
      case RDB_ENC_INT32:
        return int64Text(this.#view.getInt32(this.#need(4), true));
      case RDB_ENC_LZF: {
        const compressedLength = this.len();
        const length = this.len();
        const plain = lzfDecompress(this.bytes(compressedLength), length);
        if (plain === null) throw new RdbFormatError("Invalid LZF compressed string");
        return plain;
      }
      default:
        throw new RdbFormatError(`unknown RDB string encoding ${value}`);
    }
  }

  /** rdbLoadBinaryDoubleValue: 8 bytes little endian. */
  binaryDouble(): number {
    return this.#view.getFloat64(this.#need(8), true);
  }

  /** rdbLoadDoubleValue (old ZSET format): 255 -inf, 254 +inf, 253 nan, else text. */
  stringDouble(): number {
    const len = this.u8();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    return parseDoubleText(this.bytes(len));
  }
}

/** sscanf("%lg") / strtod over a whole field: a number, or a format error. */
export function parseDoubleText(bytes: Uint8Array): number {
  const text = decoder.decode(bytes);
  const lower = text.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) {
    throw new RdbFormatError(`invalid double "${text}" in RDB data`);
  }
  return Number(text);
}
