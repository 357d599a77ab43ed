// DUMP payloads (cluster.c createDumpPayload / verifyDumpPayload): the value's type byte and
// body as in an RDB file, then the RDB version (2 bytes, little endian) and the CRC-64 of
// everything before it (8 bytes, little endian).
import { RDB_VERSION } from "./constants.ts";
import { Crc64 } from "./crc64.ts";
import { RdbReader } from "./reader.ts";
import type { EncodeOptions, RdbValue } from "./value.ts";
import { REDIS_DEFAULTS } from "./value.ts";
import { readValue } from "./value_decode.ts";
import { writeValue } from "./value_encode.ts";
import { RdbWriter } from "./writer.ts";

const FOOTER_SIZE = 10;

/** Appends the footer to a type byte and body already in `w`; returns the payload. */
export function sealDumpPayload(w: RdbWriter): Uint8Array {
  w.u16le(RDB_VERSION);
  const crc = new Crc64().update(w.bytes()).bytes();
  return w.raw(crc).bytes().slice();
}

/** DUMP's reply for a value, as Redis 7.0 makes it. */
export function createDumpPayload(
  value: RdbValue,
  options: EncodeOptions = REDIS_DEFAULTS,
): Uint8Array {
  const w = new RdbWriter({ compress: options.compress });
  writeValue(w, value, options);
  return sealDumpPayload(w);
}

/** The RDB version in a payload's footer, or null when it is too short to have one. */
export function payloadVersion(payload: Uint8Array): number | null {
  if (payload.length < FOOTER_SIZE) return null;
  const at = payload.length - FOOTER_SIZE;
  return payload[at] | (payload[at + 1] << 8);
}

/** verifyDumpPayload: a footer with an RDB version Redis 7.0 reads and a matching CRC-64. */
export function verifyDumpPayload(payload: Uint8Array): boolean {
  const version = payloadVersion(payload);
  if (version === null || version > RDB_VERSION) return false;
  const end = payload.length - 8;
  const crc = new Crc64().update(payload, 0, end).bytes();
  for (let i = 0; i < 8; i++) if (crc[i] !== payload[end + i]) return false;
  return true;
}

/**
 * The value of a verified payload (RESTORE's rdbLoadObjectType + rdbLoadObject). Throws
 * RdbFormatError when the bytes do not parse ("Bad data format"). As in Redis, the reader
 * runs over the whole payload, footer included (a value may end inside it), and whatever
 * follows the value is ignored.
 */
export function parseDumpPayload(payload: Uint8Array): RdbValue {
  return readValue(new RdbReader(payload));
}
