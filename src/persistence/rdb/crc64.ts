// Redis's CRC-64 (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected, initial value
// 0, no final xor. It ends every RDB file and every DUMP payload (stored little endian).
// JS has no fast 64-bit integers, so the table and the running value are kept as two 32-bit
// halves; BigInt only builds the table once.

const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);
{
  const reflectedPoly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ reflectedPoly : crc >> 1n;
    TABLE_LO[i] = Number(crc & 0xffffffffn);
    TABLE_HI[i] = Number(crc >> 32n);
  }
}

/** A running CRC-64: update() over chunks, then bytes() / value(). */
export class Crc64 {
  #lo = 0;
  #hi = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let lo = this.#lo, hi = this.#hi;
    for (let i = start; i < end; i++) {
      const index = (lo ^ bytes[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index];
      hi = (hi >>> 8) ^ TABLE_HI[index];
    }
    this.#lo = lo >>> 0;
    this.#hi = hi >>> 0;
    return this;
  }

  value(): bigint {
    return (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
  }

  /** The 8 little-endian bytes Redis writes after an RDB file or a DUMP payload. */
  bytes(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.#lo, true);
    view.setUint32(4, this.#hi, true);
    return out;
  }
}

/** crc64(0, bytes[start..end)) as 8 little-endian bytes. */
export function crc64Bytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Crc64().update(bytes, start, end).bytes();
}

export function crc64(bytes: Uint8Array): bigint {
  return new Crc64().update(bytes).value();
}
