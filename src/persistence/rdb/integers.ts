// Exact 64-bit integer text rules shared by the RDB string, listpack and intset encoders.

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Redis's string2ll / lpStringToInt64: the value when `bytes` is the canonical decimal form
 * of a signed 64-bit integer ("-" then digits, no leading zeros, no "+", no "-0"), else null.
 * Only such text can be stored as an integer and read back unchanged.
 */
export function canonicalInt64(bytes: Uint8Array): bigint | null {
  const len = bytes.length;
  if (len === 0 || len > 20) return null;
  if (len === 1 && bytes[0] === 0x30) return 0n;
  const negative = bytes[0] === 0x2d;
  const first = negative ? 1 : 0;
  if (first === len || bytes[first] < 0x31 || bytes[first] > 0x39) return null;
  for (let p = first + 1; p < len; p++) if (bytes[p] < 0x30 || bytes[p] > 0x39) return null;
  const value = BigInt(String.fromCharCode(...bytes));
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

const encoder = new TextEncoder();

/** A 64-bit integer as decimal ASCII bytes (Redis's ll2string). */
export function int64Text(value: bigint | number): Uint8Array {
  return encoder.encode(String(value));
}
