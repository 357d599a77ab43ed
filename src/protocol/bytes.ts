// Byte helpers: commands compare and print arguments without decoding them to strings.

const encoder = new TextEncoder();

/** src[from, from + length) to dest at `to`, byte by byte: for short copies, cheaper than
 * TypedArray.set with the view of the range it needs (and a view is garbage). */
export function copyBytes(
  src: Uint8Array,
  from: number,
  dest: Uint8Array,
  to: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) dest[to + i] = src[from + i];
}

/** Copies up to this length are a byte loop in copyRange (measured: below it a view + set
 * costs more than the loop; callers with their own measurement pass theirs). */
export const COPY_LOOP_MAX = 64;

/** src[from, from + length) to dest at `to`: copyBytes when short, else TypedArray.set of a
 * view of the range (a memmove). */
export function copyRange(
  src: Uint8Array,
  from: number,
  dest: Uint8Array,
  to: number,
  length: number,
  loopMax = COPY_LOOP_MAX,
): void {
  if (length <= loopMax) copyBytes(src, from, dest, to, length);
  else dest.set(src.subarray(from, from + length), to);
}

/** FNV-1a (32-bit) of the bytes, as an int32: a cheap hash for byte-keyed tables. */
export function fnv1a(bytes: Uint8Array): number {
  return fnv1aRange(bytes, 0, bytes.length);
}

/** fnv1a of buf[start, start + length), without a view of the range. */
export function fnv1aRange(buf: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start, end = start + length; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h | 0;
}

export function asciiBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes as a latin1 string: one char per byte, so error texts echo raw bytes unchanged. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

/** Like latin1, but ends at the first NUL, as C's "%s" does in Redis's error messages. */
export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return latin1(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Case-insensitive compare of raw bytes with an ASCII word given in lower case. */
export function equalsLower(
  buf: Uint8Array,
  start: number,
  len: number,
  lowerWord: string,
): boolean {
  if (len !== lowerWord.length) return false;
  for (let i = 0; i < len; i++) {
    let c = buf[start + i];
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalsRange(a, b, 0, b.length);
}

/** True when `a` holds the bytes of buf[start, start + length) (no view of the range made). */
export function equalsRange(
  a: Uint8Array,
  buf: Uint8Array,
  start: number,
  length: number,
): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** The unsigned 32-bit little-endian integer at b[at..at+4) (the framing of the shard
 * rings, batches and snapshot records), without a DataView. */
export function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 16777216;
}

/** Stores `v` as an unsigned 32-bit little-endian integer at b[at..at+4) (see u32le). */
export function putU32le(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}
