// Redis's own number parsers (src/util.c), reproduced exactly because CONFIG SET / redis.conf
// accept or reject values by these rules: e.g. "010" and "+1" are not integers, "1k" is 1000
// bytes while "1kb" is 1024, and huge sizes saturate/wrap like the C code does.

export const LLONG_MIN = -(2n ** 63n);
export const LLONG_MAX = 2n ** 63n - 1n;
export const ULLONG_MAX = 2n ** 64n - 1n;
export const INT_MAX = 2n ** 31n - 1n;
export const UINT_MAX = 2n ** 32n - 1n;

/** string2ll(): optional '-', no '+', no leading zeros or spaces, must fit a signed 64-bit. */
export function string2ll(s: string): bigint | null {
  if (s === "0") return 0n;
  if (!/^-?[1-9][0-9]*$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v < LLONG_MIN || v > LLONG_MAX ? null : v;
}

// Maps, not object literals: a unit like "constructor" must not find Object.prototype's.
const SIZE_UNITS = new Map<string, bigint>([
  ["", 1n],
  ["b", 1n],
  ["k", 1000n],
  ["kb", 1024n],
  ["m", 1000n ** 2n],
  ["mb", 1024n ** 2n],
  ["g", 1000n ** 3n],
  ["gb", 1024n ** 3n],
]);

/**
 * memtoull() of Redis 7.0: digits then an optional case-insensitive unit. No sign, no spaces.
 * The digits saturate at 2^64-1 (strtoull) and the product wraps modulo 2^64, as in C.
 * An empty digit string counts as 0 ("" and "kb" are both 0), also as in Redis.
 */
export function memtoull(s: string): bigint | null {
  const m = /^([0-9]*)(.*)$/s.exec(s)!;
  const [, digits, unit] = m;
  const mul = SIZE_UNITS.get(unit.toLowerCase());
  if (mul === undefined || digits.length >= 128) return null;
  let v = digits === "" ? 0n : BigInt(digits);
  if (v > ULLONG_MAX) v = ULLONG_MAX;
  return (v * mul) & ULLONG_MAX;
}

/**
 * C strtoll() for the whole string: leading whitespace and a sign are allowed; the rest must
 * be digits (an empty string is 0, like strtoll with endptr at the terminator). Saturates.
 */
export function strtollWhole(s: string): bigint | null {
  if (s === "") return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (!m) return null;
  let v = BigInt(m[2]);
  if (m[1] === "-") v = -v;
  return v < LLONG_MIN ? LLONG_MIN : v > LLONG_MAX ? LLONG_MAX : v;
}

/** Human form of a byte count when it is a whole number of kb/mb/gb (for docs and summaries). */
export function humanBytes(n: bigint): string {
  for (const [unit, mul] of [["gb", 1024n ** 3n], ["mb", 1024n ** 2n], ["kb", 1024n]] as const) {
    if (n >= mul && n % mul === 0n) return `${n / mul}${unit}`;
  }
  return `${n}`;
}
