// Expiry times as Redis keeps them: a long long of ms, exact whatever its size.
import { u32le } from "../protocol/bytes.ts";

/**
 * An absolute expiry time in ms: a number while it is a safe integer (every real time), a
 * bigint beyond (up to 2^63-1, which Redis accepts too).
 */
export type ExpireTime = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An exact int64 of ms as an ExpireTime: a number when safe, else the bigint. */
export function expireTime(ms: bigint): ExpireTime {
  return ms >= -MAX_SAFE && ms <= MAX_SAFE ? Number(ms) : ms;
}

const TWO_32 = 0x100000000;

/** The int64 at b[at..at+8) (little endian, as the RDB format, snapshot records and load
 * batches carry expiry times and int64 values) as a number when safe (no bigint made), else
 * the bigint. */
export function readInt64(b: Uint8Array, at: number): number | bigint {
  const high = b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24);
  if (high > -0x200000 && high < 0x200000) return high * TWO_32 + u32le(b, at);
  return expireTime(new DataView(b.buffer, b.byteOffset + at, 8).getBigInt64(0, true));
}

/** An expiry time at b[at..at+8). */
export const readExpireTime: (b: Uint8Array, at: number) => ExpireTime = readInt64;

/** Writes an integer as readInt64 reads it (a number: any integer in the int64 range). */
export function writeInt64(view: DataView, at: number, value: number | bigint): void {
  if (typeof value === "bigint") view.setBigInt64(at, value, true);
  else {
    view.setUint32(at, value >>> 0, true);
    view.setInt32(at + 4, Math.floor(value / TWO_32), true);
  }
}

/** Writes an expiry time as readExpireTime reads it. */
export const writeExpireTime: (view: DataView, at: number, ms: ExpireTime) => void = writeInt64;
