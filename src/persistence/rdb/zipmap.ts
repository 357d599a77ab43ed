// Zipmaps (Redis 2.x's zipmap.c), the oldest compact hash form: read only, for old RDB files.
// Layout: u8 count (254 = unknown) | per pair: length, field, length, u8 free, value, free
// padding bytes | 0xFF. A length is 1 byte below 254, or 254 then a u32 (little endian).
import { RdbFormatError } from "./constants.ts";

function invalid(why: string): never {
  throw new RdbFormatError(`invalid zipmap: ${why}`);
}

/** The zipmap's [field, value] pairs in order. */
export function decodeZipmap(zm: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const view = new DataView(zm.buffer, zm.byteOffset, zm.byteLength);
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  let p = 1;
  const need = (n: number) => {
    if (p + n > zm.length) invalid("entry past the end");
  };
  const length = (): number => {
    need(1);
    const first = zm[p];
    if (first < 254) {
      p += 1;
      return first;
    }
    if (first === 255) invalid("unexpected end marker");
    need(5);
    const n = view.getUint32(p + 1, true);
    p += 5;
    return n;
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    p += n;
    return zm.subarray(p - n, p);
  };
  need(1);
  while (true) {
    need(1);
    if (zm[p] === 0xff) break;
    const field = bytes(length());
    const valueLength = length();
    need(1);
    const free = zm[p++];
    const value = bytes(valueLength);
    bytes(free);
    pairs.push([field, value]);
  }
  if (p + 1 !== zm.length) invalid("bytes after the end marker");
  if (zm[0] < 254 && zm[0] !== pairs.length) invalid("pair count mismatch");
  return pairs;
}
