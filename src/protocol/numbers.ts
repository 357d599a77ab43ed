// Number parsing with Redis's exact rules (util.c).

/** Decimal digits of an integer in [0, 2 ** 32): compares, no divisions. */
export function decimalDigits(n: number): number {
  if (n < 100) return n < 10 ? 1 : 2;
  if (n < 10000) return n < 1000 ? 3 : 4;
  if (n < 1000000) return n < 100000 ? 5 : 6;
  if (n < 100000000) return n < 10000000 ? 7 : 8;
  return n < 1000000000 ? 9 : 10;
}

/**
 * Writes the `digits` decimal digits of an integer n in [0, 2 ** 32) to buf[at, at + digits),
 * without a string. Below 2 ** 31, `(x / 10) | 0` compiles to an integer division by a
 * constant (Math.floor of a float division showed among the top costs in CPU profiles).
 */
export function writeDecimalDigits(buf: Uint8Array, at: number, n: number, digits: number): void {
  let rest = n, p = at + digits;
  for (; rest > 0x7fffffff; rest = Math.floor(rest / 10)) buf[--p] = 48 + rest % 10;
  for (; p > at; rest = (rest / 10) | 0) buf[--p] = 48 + (rest % 10);
}

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

// glibc strtod (decimal, hexadecimal, inf/infinity, nan), exactly: Redis reads scores and
// SORT weights with it.

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const lower = (c: number) => c | 0x20;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (lower(c) >= 0x61 && lower(c) <= 0x66);

function matchesWord(b: Uint8Array, at: number, word: string): boolean {
  if (at + word.length > b.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(b[at + i]) !== word.charCodeAt(i)) return false;
  return true;
}

/** strtod's result: the value, where parsing stopped, and whether errno would be ERANGE. */
export interface Strtod {
  value: number;
  end: number;
  range: boolean;
}

/** m x 2^e rounded to the nearest double (ties to even), with subnormals; Infinity past the top. */
function scaleBinary(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  let shift = Math.max(bits - 53, -1074 - e);
  if (shift > 0) {
    const big = BigInt(shift);
    let q = m >> big;
    const rest = m - (q << big), half = 1n << (big - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
    m = q;
    e += shift;
  } else shift = 0;
  if (e > 1100) return Infinity;
  // Both factors are exact; their product rounds (or overflows) like the real value.
  return Number(m) * 2 ** e;
}

/** glibc strtod over b[start...] (C locale); `end` = start when nothing converts. */
export function strtod(b: Uint8Array, start = 0): Strtod {
  let p = start;
  while (p < b.length && isSpace(b[p])) p++;
  let negative = false;
  if (b[p] === 0x2b || b[p] === 0x2d) negative = b[p++] === 0x2d;
  const sign = negative ? -1 : 1;
  if (matchesWord(b, p, "inf")) {
    const end = matchesWord(b, p + 3, "inity") ? p + 8 : p + 3;
    return { value: sign * Infinity, end, range: false };
  }
  if (matchesWord(b, p, "nan")) {
    let end = p + 3;
    if (b[end] === 0x28) {
      let q = end + 1;
      while (
        q < b.length &&
        (isDigit(b[q]) || (lower(b[q]) >= 0x61 && lower(b[q]) <= 0x7a) || b[q] === 0x5f)
      ) q++;
      if (b[q] === 0x29) end = q + 1;
    }
    return { value: NaN, end, range: false };
  }
  if (b[p] === 0x30 && (b[p + 1] | 0x20) === 0x78) {
    let q = p + 2, digits = "", fraction = 0;
    while (q < b.length && isHex(b[q])) digits += String.fromCharCode(b[q++]);
    if (b[q] === 0x2e) {
      q++;
      while (q < b.length && isHex(b[q])) {
        digits += String.fromCharCode(b[q++]);
        fraction++;
      }
    }
    if (digits === "") return { value: sign * 0, end: p + 1, range: false }; // just the "0"
    let exponent = 0;
    if ((b[q] | 0x20) === 0x70) {
      let r = q + 1, expNegative = false;
      if (b[r] === 0x2b || b[r] === 0x2d) expNegative = b[r++] === 0x2d;
      if (isDigit(b[r])) {
        let text = "";
        while (r < b.length && isDigit(b[r])) text += String.fromCharCode(b[r++]);
        exponent = Math.min(Number(text), 1e6) * (expNegative ? -1 : 1);
        q = r;
      }
    }
    const m = BigInt("0x" + digits);
    const value = scaleBinary(m, exponent - 4 * fraction);
    return {
      value: sign * value,
      end: q,
      range: m !== 0n && (value === Infinity || value < 2 ** -1022),
    };
  }
  let q = p, text = "", nonzero = false;
  while (q < b.length && isDigit(b[q])) {
    if (b[q] !== 0x30) nonzero = true;
    text += String.fromCharCode(b[q++]);
  }
  let digits = text.length;
  if (b[q] === 0x2e) {
    let r = q + 1, fraction = "";
    while (r < b.length && isDigit(b[r])) {
      if (b[r] !== 0x30) nonzero = true;
      fraction += String.fromCharCode(b[r++]);
    }
    if (digits + fraction.length > 0) {
      text += "." + fraction;
      digits += fraction.length;
      q = r;
    }
  }
  if (digits === 0) return { value: 0, end: start, range: false };
  if ((b[q] | 0x20) === 0x65) {
    let r = q + 1, exp = "e";
    if (b[r] === 0x2b || b[r] === 0x2d) exp += String.fromCharCode(b[r++]);
    if (isDigit(b[r])) {
      while (r < b.length && isDigit(b[r])) exp += String.fromCharCode(b[r++]);
      text += exp;
      q = r;
    }
  }
  const value = Number(text);
  return {
    value: sign * value,
    end: q,
    range: value === Infinity || (nonzero && value < 2 ** -1022),
  };
}

/** Redis's string2d (util.c): the whole text must be a number (strtod: hex, "inf" and the rest),
 * no leading space, no NaN, no overflow, no underflow to zero. Null when not. */
export function string2d(b: Uint8Array): number | null {
  if (b.length === 0 || isSpace(b[0])) return null;
  const r = strtod(b);
  if (r.end !== b.length || Number.isNaN(r.value)) return null;
  if (r.range && (r.value === Infinity || r.value === -Infinity || r.value === 0)) return null;
  return r.value;
}

/**
 * C's strtod over a whole string, as Redis's SORT reads weights: parsing stops at a NUL byte,
 * an empty string is 0; null when characters are left over (or nothing converts), for NaN,
 * and for any ERANGE (overflow, or a result below the normal range).
 */
export function parseStrtod(bytes: Uint8Array): number | null {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  const r = strtod(bytes.subarray(0, end));
  if (r.end !== end || Number.isNaN(r.value)) return null;
  return r.range ? null : r.value;
}
