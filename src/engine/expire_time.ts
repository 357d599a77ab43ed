// Expiry times as Redis keeps them: a long long of ms, exact whatever its size.

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
