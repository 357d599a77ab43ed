// Writing RDB primitives (rdb.c's rdbSave* helpers): lengths, strings with Redis's choice of
// integer / LZF / raw encoding, doubles, opcodes. An RdbWriter is a growable byte buffer.
import {
  RDB_14BITLEN,
  RDB_32BITLEN,
  RDB_64BITLEN,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_ENCVAL,
} from "./constants.ts";
import { canonicalInt64, int64Text } from "./integers.ts";
import { lzfCompress } from "./lzf.ts";
import { formatDouble17g } from "../../protocol/numbers.ts";
import { copyRange } from "../../protocol/bytes.ts";
import { writeInt64 } from "../../engine/expire_time.ts";

const encoder = new TextEncoder();

export interface StringOptions {
  /** rdbcompression: LZF-compress strings over 20 bytes when that saves at least 4 bytes. */
  compress: boolean;
}

export class RdbWriter {
  #buf: Uint8Array;
  #view: DataView;
  #length = 0;
  /** Whether string() LZF-compresses (settable: a snapshot's encoder reuses its writers). */
  compress: boolean;

  constructor(options: StringOptions = { compress: true }, capacity = 256) {
    this.compress = options.compress;
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view: valid until the next write). */
  /** Empties the writer, keeping its buffer. */
  reset(): this {
    this.#length = 0;
    return this;
  }

  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }

  #ensure(n: number): void {
    const need = this.#length + n;
    if (need <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
    grown.set(this.#buf.subarray(0, this.#length));
    this.#buf = grown;
    this.#view = new DataView(grown.buffer);
  }

  u8(value: number): this {
    this.#ensure(1);
    this.#buf[this.#length++] = value;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  u16le(value: number): this {
    this.#ensure(2);
    this.#view.setUint16(this.#length, value, true);
    this.#length += 2;
    return this;
  }

  u32le(value: number): this {
    this.#ensure(4);
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
    return this;
  }

  i64le(value: bigint | number): this {
    this.#ensure(8);
    // No bigint made for a safe number (every expiry time a snapshot writes).
    const exact = typeof value === "number" && !Number.isSafeInteger(value) ? BigInt(value) : value;
    writeInt64(this.#view, this.#length, exact);
    this.#length += 8;
    return this;
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian length. */
  len(len: number): this {
    if (len < 1 << 6) return this.u8(len);
    if (len < 1 << 14) return this.u8((RDB_14BITLEN << 6) | (len >> 8)).u8(len & 0xff);
    this.#ensure(9);
    if (len <= 0xffffffff) {
      this.u8(RDB_32BITLEN);
      this.#view.setUint32(this.#length, len, false);
      this.#length += 4;
    } else {
      this.u8(RDB_64BITLEN);
      this.#view.setBigUint64(this.#length, BigInt(len), false);
      this.#length += 8;
    }
    return this;
  }

  /**
   * rdbSaveRawString: an integer of up to 11 characters in its canonical form as INT8/16/32;
   * else, with compression and more than 20 bytes, LZF when it saves at least 4 bytes; else
   * the length and the bytes.
   */
  string(bytes: Uint8Array): this {
    if (bytes.length <= 11) {
      const value = canonicalInt64(bytes);
      if (value !== null && this.#tryInteger(value)) return this;
    }
    if (this.compress && bytes.length > 20) {
      const compressed = lzfCompress(bytes, bytes.length - 4);
      if (compressed !== null) {
        return this.u8((RDB_ENCVAL << 6) | RDB_ENC_LZF).len(compressed.length)
          .len(bytes.length).raw(compressed);
      }
    }
    return this.len(bytes.length).raw(bytes);
  }

  /**
   * string() of `src[from, from + n)`: the same bytes, with no view of the source made when
   * they are stored as they are (neither integer-like nor to be compressed).
   */
  stringAt(src: Uint8Array, from: number, n: number): this {
    const first = src[from];
    const integerLike = n <= 11 && (first === 0x2d || (first >= 0x30 && first <= 0x39));
    if (integerLike || (this.compress && n > 20)) return this.string(src.subarray(from, from + n));
    this.len(n).#ensure(n);
    copyRange(src, from, this.#buf, this.#length, n);
    this.#length += n;
    return this;
  }

  /** rdbSaveLongLongAsStringObject: INT8/16/32 when it fits, else the decimal text. */
  integerString(value: bigint | number): this {
    if (this.#tryInteger(value)) return this;
    const text = int64Text(value);
    return this.len(text.length).raw(text);
  }

  /** rdbEncodeInteger: false when the value needs more than 32 bits. */
  #tryInteger(value: bigint | number): boolean {
    if (value >= -128 && value <= 127) {
      this.u8((RDB_ENCVAL << 6) | RDB_ENC_INT8).u8(Number(value) & 0xff);
    } else if (value >= -32768 && value <= 32767) {
      this.u8((RDB_ENCVAL << 6) | RDB_ENC_INT16).u16le(Number(value) & 0xffff);
    } else if (value >= -2147483648 && value <= 2147483647) {
      this.u8((RDB_ENCVAL << 6) | RDB_ENC_INT32).u32le(Number(value) >>> 0);
    } else return false;
    return true;
  }

  /** rdbSaveBinaryDoubleValue: 8 bytes, little endian (ZSET_2 scores). */
  binaryDouble(value: number): this {
    this.#ensure(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
    return this;
  }

  /** rdbSaveDoubleValue (the old ZSET format): 253 nan, 254 +inf, 255 -inf, else "%.17g". */
  stringDouble(value: number): this {
    if (Number.isNaN(value)) return this.u8(253);
    if (value === Infinity) return this.u8(254);
    if (value === -Infinity) return this.u8(255);
    const text = encoder.encode(formatDouble17g(value));
    return this.u8(text.length).raw(text);
  }
}
