// Ziplists (Redis's ziplist.c, replaced by listpacks in Redis 7.0): read only, for RDB files
// and DUMP payloads of older versions. Layout: u32 total bytes | u32 offset of the last entry
// | u16 count (65535 = unknown) | entries | 0xFF. An entry is prevlen (1 byte, or 0xFE + u32)
// | encoding (string length in 1, 2 or 5 bytes, or an integer type) | data.
import { RdbFormatError } from "./constants.ts";
import { int64Text } from "./integers.ts";

const HEADER_SIZE = 10;
const END = 0xff;

function invalid(why: string): never {
  throw new RdbFormatError(`invalid ziplist: ${why}`);
}

/** The ziplist's elements (integers as decimal text). */
export function decodeZiplist(zl: Uint8Array): Uint8Array[] {
  if (zl.length < HEADER_SIZE + 1) invalid("too short");
  const view = new DataView(zl.buffer, zl.byteOffset, zl.byteLength);
  if (view.getUint32(0, true) !== zl.length) invalid("total bytes mismatch");
  if (zl[zl.length - 1] !== END) invalid("no terminator");
  const declared = view.getUint16(8, true);
  const end = zl.length - 1;
  const elements: Uint8Array[] = [];
  let previousSize = 0;
  let p = HEADER_SIZE;
  while (p < end) {
    const start = p;
    const need = (n: number) => {
      if (p + n > end) invalid("entry past the end");
    };
    need(1);
    let prevlen = zl[p];
    if (prevlen === 0xfe) {
      need(5);
      prevlen = view.getUint32(p + 1, true);
      p += 5;
    } else if (prevlen === END) invalid("prevlen 255");
    else p += 1;
    if (prevlen !== previousSize) invalid("prevlen mismatch");
    need(1);
    const e = zl[p];
    const text = (header: number, n: number) => {
      need(header + n);
      elements.push(zl.subarray(p + header, p + header + n));
      p += header + n;
    };
    const int = (size: number, read: () => bigint | number) => {
      need(1 + size);
      elements.push(int64Text(read()));
      p += 1 + size;
    };
    if (e >> 6 === 0) text(1, e & 0x3f);
    else if (e >> 6 === 1) {
      need(2);
      text(2, ((e & 0x3f) << 8) | zl[p + 1]);
    } else if (e === 0x80) {
      need(5);
      text(5, view.getUint32(p + 1, false));
    } else if (e === 0xc0) int(2, () => view.getInt16(p + 1, true));
    else if (e === 0xd0) int(4, () => view.getInt32(p + 1, true));
    else if (e === 0xe0) int(8, () => view.getBigInt64(p + 1, true));
    else if (e === 0xf0) int(3, () => (view.getInt32(p, true) >> 8)); // 24-bit: top 3 of 4 bytes
    else if (e === 0xfe) int(1, () => view.getInt8(p + 1));
    else if (e >= 0xf1 && e <= 0xfd) int(0, () => (e & 0x0f) - 1);
    else invalid(`unknown encoding ${e}`);
    previousSize = p - start;
  }
  if (declared !== 0xffff && declared !== elements.length) invalid("element count mismatch");
  return elements;
}
