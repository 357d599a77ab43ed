// Listpacks (Redis's listpack.c), the compact form of small hashes and sorted sets and of
// quicklist nodes. Layout: u32 total bytes | u16 element count (65535 = unknown) | entries |
// 0xFF. An entry is an encoding byte (plus length bytes), the data, then "backlen": the
// entry's encoded size in 7-bit groups read from the end. Text that is a canonical 64-bit
// integer is stored as the smallest integer encoding, as lpAppend does.
import { RdbFormatError } from "./constants.ts";
import { canonicalInt64, int64Text } from "./integers.ts";
import { RdbWriter } from "./writer.ts";

const HEADER_SIZE = 6;
const NUMELE_UNKNOWN = 0xffff;
const EOF_BYTE = 0xff;

/** lpEncodeBacklen: the entry size `l` in 1-5 bytes, most significant group first. */
function backlenBytes(l: number): number[] {
  if (l <= 127) return [l];
  const groups: number[] = [];
  for (let rest = l; rest > 0; rest = Math.floor(rest / 128)) groups.unshift(rest % 128);
  // every byte but the first (the most significant group) has the continuation bit
  return groups.map((g, i) => (i === 0 ? g : g | 128));
}

/** One entry's encoding and data (lpEncodeGetType + lpEncodeString / the integer forms). */
function writeEntry(w: RdbWriter, element: Uint8Array): number {
  const start = w.length;
  const value = canonicalInt64(element);
  if (value !== null) writeInteger(w, value);
  else if (element.length < 64) w.u8(0x80 | element.length).raw(element);
  else if (element.length < 4096) {
    w.u8(0xe0 | (element.length >> 8)).u8(element.length & 0xff).raw(element);
  } else w.u8(0xf0).u32le(element.length).raw(element);
  const size = w.length - start;
  for (const b of backlenBytes(size)) w.u8(b);
  return size;
}

function writeInteger(w: RdbWriter, v: bigint): void {
  const n = Number(v);
  if (v >= 0n && v <= 127n) w.u8(n);
  else if (v >= -4096n && v <= 4095n) {
    const u = n < 0 ? (1 << 13) + n : n;
    w.u8(0xc0 | (u >> 8)).u8(u & 0xff);
  } else if (v >= -32768n && v <= 32767n) w.u8(0xf1).u16le(n & 0xffff);
  else if (v >= -8388608n && v <= 8388607n) {
    const u = n & 0xffffff;
    w.u8(0xf2).u8(u & 0xff).u8((u >> 8) & 0xff).u8(u >> 16);
  } else if (v >= -2147483648n && v <= 2147483647n) w.u8(0xf3).u32le(n >>> 0);
  else w.u8(0xf4).i64le(v);
}

/** An entry's size in a listpack (encoding, data, backlen) without writing it. */
export function listpackEntrySize(element: Uint8Array): number {
  const value = canonicalInt64(element);
  let size: number;
  if (value === null) {
    size = element.length + (element.length < 64 ? 1 : element.length < 4096 ? 2 : 5);
  } else if (value >= 0n && value <= 127n) size = 1;
  else if (value >= -4096n && value <= 4095n) size = 2;
  else if (value >= -32768n && value <= 32767n) size = 3;
  else if (value >= -8388608n && value <= 8388607n) size = 4;
  else if (value >= -2147483648n && value <= 2147483647n) size = 5;
  else size = 9;
  return size + backlenBytes(size).length;
}

/** The size of an empty listpack: header and terminator. */
export const EMPTY_LISTPACK_SIZE = HEADER_SIZE + 1;

/** A listpack holding `elements` in order, as Redis builds it by appending them one by one. */
export function encodeListpack(elements: readonly Uint8Array[]): Uint8Array {
  const w = new RdbWriter({ compress: false });
  w.u32le(0).u16le(Math.min(elements.length, NUMELE_UNKNOWN));
  for (const element of elements) writeEntry(w, element);
  w.u8(EOF_BYTE);
  const bytes = w.bytes().slice();
  new DataView(bytes.buffer).setUint32(0, bytes.length, true);
  return bytes;
}

/** The listpack's elements (integers as decimal text); checks the structure as it goes. */
export function decodeListpack(lp: Uint8Array): Uint8Array[] {
  if (lp.length < HEADER_SIZE + 1) invalid("too short");
  const view = new DataView(lp.buffer, lp.byteOffset, lp.byteLength);
  if (view.getUint32(0, true) !== lp.length) invalid("total bytes mismatch");
  if (lp[lp.length - 1] !== EOF_BYTE) invalid("no terminator");
  const declared = view.getUint16(4, true);
  const elements: Uint8Array[] = [];
  const end = lp.length - 1;
  let p = HEADER_SIZE;
  while (p < end) {
    const [element, size] = readEntry(lp, view, p, end);
    const backlen = backlenBytes(size);
    if (p + size + backlen.length > end) invalid("entry past the end");
    for (let i = 0; i < backlen.length; i++) {
      if (lp[p + size + i] !== backlen[i]) invalid("bad backlen");
    }
    p += size + backlen.length;
    elements.push(element);
  }
  if (declared !== NUMELE_UNKNOWN && declared !== elements.length) {
    invalid("element count mismatch");
  }
  return elements;
}

function invalid(why: string): never {
  throw new RdbFormatError(`invalid listpack: ${why}`);
}

/** The entry at p: its element and its encoded size (without the backlen). */
function readEntry(lp: Uint8Array, view: DataView, p: number, end: number): [Uint8Array, number] {
  const b = lp[p];
  const need = (n: number) => {
    if (p + n > end) invalid("entry past the end");
  };
  const text = (header: number, n: number): [Uint8Array, number] => {
    need(header + n);
    return [lp.subarray(p + header, p + header + n), header + n];
  };
  if (b < 0x80) return [int64Text(b), 1]; // 7-bit unsigned
  if ((b & 0xc0) === 0x80) return text(1, b & 0x3f); // 6-bit length string
  if ((b & 0xe0) === 0xc0) { // 13-bit signed
    need(2);
    const u = ((b & 0x1f) << 8) | lp[p + 1];
    return [int64Text(u >= 1 << 12 ? u - (1 << 13) : u), 2];
  }
  if ((b & 0xf0) === 0xe0) { // 12-bit length string
    need(2);
    return text(2, ((b & 0x0f) << 8) | lp[p + 1]);
  }
  switch (b) {
    case 0xf0: // 32-bit length string
      need(5);
      return text(5, view.getUint32(p + 1, true));
    case 0xf1:
      need(3);
      return [int64Text(view.getInt16(p + 1, true)), 3];
    case 0xf2: {
      need(4);
      const u = lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16);
      return [int64Text(u >= 1 << 23 ? u - (1 << 24) : u), 4];
    }
    case 0xf3:
      need(5);
      return [int64Text(view.getInt32(p + 1, true)), 5];
    case 0xf4:
      need(9);
      return [int64Text(view.getBigInt64(p + 1, true)), 9];
  }
  return invalid(`unknown entry encoding ${b}`);
}
