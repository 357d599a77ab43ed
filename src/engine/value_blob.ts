// The engine's DUMP blob (keyDump / keyRestore, layout in wasm/README.md), read and built in
// TypeScript for the few fields the persistence code needs: the type, and a string's bytes.
//   u8 version (1) | u8 type | u8 encoding (0 bytes, 1 int64, 2 object) | u8 flags (bit 0 raw)
//   | u32 access field | u32 value length n | n value bytes
import { TYPE_STRING } from "./keyspace.ts";

const BLOB_VERSION = 1;
/** The header's length: a string's value bytes (or int64) follow it. */
export const BLOB_HEADER = 12;
/** Where the header holds the key's 24-bit access field (LRU clock or LFU data). */
export const BLOB_ACCESS = 4;
const HEADER = BLOB_HEADER;
/** A string blob's encodings. */
export const ENCODING_BYTES = 0, ENCODING_INT64 = 1;

/**
 * The encoding (ENCODING_BYTES / ENCODING_INT64) of a string blob at `b[at]`, or -1 when it is
 * not one: for readers that take the value in place, with no view made of it.
 */
export function stringBlobEncodingAt(b: Uint8Array, at: number): number {
  if (b[at] !== BLOB_VERSION || b[at + 1] !== TYPE_STRING) return -1;
  const encoding = b[at + 2];
  return encoding === ENCODING_BYTES || encoding === ENCODING_INT64 ? encoding : -1;
}

/** The engine type code (TYPE_STRING, TYPE_LIST, ...) of a blob. */
export function blobType(blob: Uint8Array): number {
  return blob[1];
}

/**
 * A string blob's value as text (an int64-encoded one in decimal, as GET shows it), or null
 * for a blob that is not a string.
 */
export function blobStringValue(blob: Uint8Array): Uint8Array | null {
  if (blob.length < HEADER || blob[0] !== BLOB_VERSION || blob[1] !== TYPE_STRING) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob[2] === ENCODING_INT64) {
    return new TextEncoder().encode(String(view.getBigInt64(HEADER, true)));
  }
  if (blob[2] !== ENCODING_BYTES) return null;
  return blob.subarray(HEADER, HEADER + view.getUint32(8, true));
}

/**
 * A blob for a string loaded from RDB data: as Redis's tryObjectEncoding leaves it, the int
 * encoding for the canonical text of a 64-bit integer, else bytes (embstr / raw by length),
 * never the raw flag; a fresh access field (keyRestore sets it).
 */
export function stringBlob(value: Uint8Array, asInteger: bigint | null): Uint8Array {
  const n = asInteger === null ? value.length : 8;
  const blob = new Uint8Array(HEADER + n);
  const view = new DataView(blob.buffer);
  blob[0] = BLOB_VERSION;
  blob[1] = TYPE_STRING;
  blob[2] = asInteger === null ? ENCODING_BYTES : ENCODING_INT64;
  view.setUint32(8, n, true);
  if (asInteger === null) blob.set(value, HEADER);
  else view.setBigInt64(HEADER, asInteger, true);
  return blob;
}

const ENCODING_OBJECT = 2;

/** A typed value's serialized object (the bytes after the header). */
export function objectBytes(blob: Uint8Array): Uint8Array {
  if (blob.length < HEADER || blob[0] !== BLOB_VERSION || blob[2] !== ENCODING_OBJECT) {
    throw new RangeError("not an engine object blob");
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return blob.subarray(HEADER, HEADER + view.getUint32(8, true));
}

/** A blob of type `type` (TYPE_LIST...) around serialize's bytes; a fresh access field. */
export function objectBlob(type: number, serialized: Uint8Array): Uint8Array {
  const blob = new Uint8Array(HEADER + serialized.length);
  blob[0] = BLOB_VERSION;
  blob[1] = type;
  blob[2] = ENCODING_OBJECT;
  new DataView(blob.buffer).setUint32(8, serialized.length, true);
  blob.set(serialized, HEADER);
  return blob;
}
