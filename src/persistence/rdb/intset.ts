// Intsets (Redis's intset.c), the compact form of small all-integer sets: u32 encoding (bytes
// per value: 2, 4 or 8, the smallest that fits every member) | u32 count | values sorted
// ascending, little endian.
import { RdbFormatError } from "./constants.ts";
import { canonicalInt64, int64Text } from "./integers.ts";
import { RdbWriter } from "./writer.ts";

/** The members' integer values when every one is a canonical 64-bit integer, else null. */
export function intsetValues(members: readonly Uint8Array[]): bigint[] | null {
  const values: bigint[] = [];
  for (const member of members) {
    const value = canonicalInt64(member);
    if (value === null) return null;
    values.push(value);
  }
  return values;
}

function widthFor(values: readonly bigint[]): 2 | 4 | 8 {
  let width: 2 | 4 | 8 = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) return 8;
    if (v < -32768n || v > 32767n) width = 4;
  }
  return width;
}

/** An intset of the (distinct) values, sorted as intsetAdd keeps them. */
export function encodeIntset(values: readonly bigint[]): Uint8Array {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const width = widthFor(sorted);
  const w = new RdbWriter({ compress: false });
  w.u32le(width).u32le(sorted.length);
  for (const v of sorted) {
    if (width === 2) w.u16le(Number(v) & 0xffff);
    else if (width === 4) w.u32le(Number(v) >>> 0);
    else w.i64le(v);
  }
  return w.bytes().slice();
}

/** The intset's members as decimal text; checks size, encoding and strict ascending order. */
export function decodeIntset(bytes: Uint8Array): Uint8Array[] {
  const fail = (why: string): never => {
    throw new RdbFormatError(`invalid intset: ${why}`);
  };
  if (bytes.length < 8) fail("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if (width !== 2 && width !== 4 && width !== 8) fail(`bad encoding ${width}`);
  if (bytes.length !== 8 + count * width) fail("size mismatch");
  const members: Uint8Array[] = [];
  let previous: bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const v = width === 2
      ? BigInt(view.getInt16(at, true))
      : width === 4
      ? BigInt(view.getInt32(at, true))
      : view.getBigInt64(at, true);
    if (previous !== null && v <= previous) fail("not sorted");
    previous = v;
    members.push(int64Text(v));
  }
  return members;
}
