// Number parsing with Redis's exact rules (util.c).

/**
 * Redis's string2ll: optional '-', digits, no leading zeros, no '+', no spaces, fits in a
 * signed 64-bit integer. Returns null when the text is not such a number. Numbers beyond
 * 2^53 lose precision but keep their sign and magnitude, which is all callers compare.
 */
export function parseLongLong(buf: Uint8Array, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 20) return null;
  if (len === 1 && buf[start] === 48) return 0;
  let p = start;
  let negative = false;
  if (buf[p] === 0x2d) {
    negative = true;
    p++;
    if (p === end) return null;
  }
  if (buf[p] < 49 || buf[p] > 57) return null; // first digit 1-9
  let value = 0;
  let big = 0n;
  const useBig = end - p >= 16;
  for (; p < end; p++) {
    const d = buf[p] - 48;
    if (d < 0 || d > 9) return null;
    if (useBig) big = big * 10n + BigInt(d);
    else value = value * 10 + d;
  }
  if (useBig) {
    if (negative ? big > 9223372036854775808n : big > 9223372036854775807n) return null;
    return negative ? -Number(big) : Number(big);
  }
  return negative ? -value : value;
}
