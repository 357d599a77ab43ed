// Decimal <-> i64 with Redis's exact rules (util.c string2ll / ll2string), so that values
// stored in the int encoding read back byte for byte as they were written.

/** The longest canonical i64 text: "-9223372036854775808". */
export const MAX_INTEGER_TEXT: usize = 20;

/** The value parsed by the last successful parseInteger(). */
export let parsedInteger: i64 = 0;

const DIGIT_0: u32 = 48;
const MINUS: u32 = 45;

/**
 * Redis string2ll: optional '-', then either a lone "0" or a non-zero digit followed by
 * digits; no '+', spaces, leading zeros or "-0"; at most 20 bytes; must fit in i64.
 */
export function parseInteger(ptr: usize, len: usize): bool {
  if (len == 0 || len > MAX_INTEGER_TEXT) return false;
  if (len == 1 && load<u8>(ptr) == DIGIT_0) {
    parsedInteger = 0;
    return true;
  }
  let p = ptr;
  const end = ptr + len;
  const negative = load<u8>(p) == MINUS;
  if (negative) {
    p++;
    if (p == end) return false;
  }
  let digit = <u32>load<u8>(p) - DIGIT_0;
  if (digit == 0 || digit > 9) return false;
  let magnitude: u64 = digit;
  p++;
  while (p < end) {
    digit = <u32>load<u8>(p) - DIGIT_0;
    if (digit > 9) return false;
    if (magnitude > U64.MAX_VALUE / 10) return false;
    magnitude *= 10;
    if (magnitude > U64.MAX_VALUE - digit) return false;
    magnitude += digit;
    p++;
  }
  if (negative) {
    if (magnitude > (<u64>I64.MAX_VALUE) + 1) return false;
    parsedInteger = -(<i64>magnitude);
  } else {
    if (magnitude > <u64>I64.MAX_VALUE) return false;
    parsedInteger = <i64>magnitude;
  }
  return true;
}

/** How many decimal digits `magnitude` has (1 for 0). */
export function decimalDigits(magnitude: u64): usize {
  let digits: usize = 1;
  for (let probe = magnitude; probe >= 10; probe /= 10) digits++;
  return digits;
}

/** Writes the canonical decimal text of `value` at `dst`; returns its length (<= 20). */
export function formatInteger(value: i64, dst: usize): usize {
  const negative = value < 0;
  // Work on the magnitude as u64 so i64.MIN_VALUE needs no special case.
  let magnitude: u64 = negative ? 0 - <u64>value : <u64>value;
  const len = decimalDigits(magnitude) + (negative ? 1 : 0);
  let p = dst + len;
  do {
    p--;
    store<u8>(p, <u8>(DIGIT_0 + <u32>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) store<u8>(dst, <u8>MINUS);
  return len;
}
