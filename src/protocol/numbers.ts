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

/**
 * C's printf("%.17g", d), which Redis 7.0 uses for doubles in replies (addReplyDouble:
 * scores, ZINCRBY, ...). V8's toExponential / toFixed round exactly, so the digits match.
 * Infinities are "inf" / "-inf" as Redis spells them.
 */
export function formatDouble17g(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const exponential = d.toExponential(16);
  const e = exponential.indexOf("e");
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 17) {
    const mantissa = stripZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  return stripZeros(d.toFixed(16 - exponent));
}

/** %g drops trailing zeros of the fraction, and the point when nothing follows it. */
function stripZeros(text: string): string {
  if (!text.includes(".")) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}

const STRTOD_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const STRTOD_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const STRTOD_INFINITY = /^([+-]?)(?:inf|infinity)$/i;

/**
 * C's strtod over a whole string, as Redis's SORT reads weights: leading white space is
 * skipped, parsing stops at a NUL byte, an empty string is 0; null when characters are left
 * over, for NaN, and for ERANGE (overflow, or a nonzero number that underflows to zero).
 */
export function parseStrtod(bytes: Uint8Array): number | null {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let start = 0;
  while (start < end && (bytes[start] === 0x20 || (bytes[start] >= 0x09 && bytes[start] <= 0x0d))) {
    start++;
  }
  if (start === end) return 0;
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  if (STRTOD_DECIMAL.test(text)) {
    const value = Number(text);
    if (!Number.isFinite(value)) return null;
    if (value === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ""))) return null;
    return value;
  }
  const hex = STRTOD_HEX.exec(text);
  if (hex && (hex[2] || hex[3])) {
    const fraction = hex[3] ?? "";
    const mantissa = parseInt((hex[2] || "0") + fraction, 16);
    const value = mantissa * 2 ** (Number(hex[4] ?? 0) - 4 * fraction.length);
    if (!Number.isFinite(value)) return null;
    return hex[1] === "-" ? -value : value;
  }
  const inf = STRTOD_INFINITY.exec(text);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  return null;
}
