// Scores as Redis 7.0 reads them: glibc strtod (decimal, hexadecimal, inf/infinity, nan), then
// string2d's checks for ZADD / ZINCRBY / WEIGHTS ("value is not a valid float") or
// zslParseRange's laxer ones for ZRANGEBYSCORE / ZCOUNT bounds ("min or max is not a float"),
// and zslParseLexRangeItem's "-", "+", "(x", "[x" for the lex commands.

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

/** Redis's string2d (getDoubleFromObject): the whole argument must be a number, no leading
 * space, no NaN, no overflow or underflow to zero. Null when not. */
export function parseScore(b: Uint8Array): number | null {
  if (b.length === 0 || isSpace(b[0])) return null;
  const r = strtod(b);
  if (r.end !== b.length || Number.isNaN(r.value)) return null;
  if (r.range && (r.value === Infinity || r.value === -Infinity || r.value === 0)) return null;
  return r.value;
}

/** One zslParseRange bound: "(" makes it exclusive; strtod must stop at the end (or a NUL). */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

export function parseScoreBound(b: Uint8Array): ScoreBound | null {
  const exclusive = b[0] === 0x28;
  const r = strtod(b, exclusive ? 1 : 0);
  if ((r.end < b.length && b[r.end] !== 0) || Number.isNaN(r.value)) return null;
  return { value: r.value, exclusive };
}

/** zslParseLexRangeItem: "+" / "-" (alone, as C strings), or "(" / "[" and the bytes after. */
export function validLexBound(b: Uint8Array): boolean {
  if (b[0] === 0x2b || b[0] === 0x2d) return b.length === 1 || b[1] === 0;
  return b[0] === 0x28 || b[0] === 0x5b;
}
