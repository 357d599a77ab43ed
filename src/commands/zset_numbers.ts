// Scores as Redis 7.0 reads them: glibc strtod (src/protocol/numbers.ts), then
// string2d's checks for ZADD / ZINCRBY / WEIGHTS ("value is not a valid float") or
// zslParseRange's laxer ones for ZRANGEBYSCORE / ZCOUNT bounds ("min or max is not a float"),
// and zslParseLexRangeItem's "-", "+", "(x", "[x" for the lex commands.

import { strtod } from "../protocol/numbers.ts";

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Redis's string2d (getDoubleFromObject): the whole argument must be a number, no leading
 * space, no NaN, no overflow or underflow to zero. Null when not. */
export function parseScore(b: Uint8Array): number | null {
  const plain = plainInteger(b, 0, b.length);
  if (plain !== null) return plain;
  if (b.length === 0 || isSpace(b[0])) return null;
  const r = strtod(b);
  if (r.end !== b.length || Number.isNaN(r.value)) return null;
  if (r.range && (r.value === Infinity || r.value === -Infinity || r.value === 0)) return null;
  return r.value;
}

/** b[start, end) if it is [-]digits, at most 15 of them, as strtod reads it (exact, so no rounding to get right):
 * the common score, without strtod's general path. Null for anything else. */
export function plainInteger(b: Uint8Array, start: number, end: number): number | null {
  const negative = b[start] === 0x2d, from = negative ? start + 1 : start;
  if (end === from || end - from > 15) return null;
  let n = 0;
  for (let i = from; i < end; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** One zslParseRange bound: "(" makes it exclusive; strtod must stop at the end (or a NUL). */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

export function parseScoreBound(b: Uint8Array): ScoreBound | null {
  const exclusive = b[0] === 0x28;
  const plain = plainInteger(b, exclusive ? 1 : 0, b.length);
  if (plain !== null) return { value: plain, exclusive };
  const r = strtod(b, exclusive ? 1 : 0);
  if ((r.end < b.length && b[r.end] !== 0) || Number.isNaN(r.value)) return null;
  return { value: r.value, exclusive };
}

/** zslParseLexRangeItem: "+" / "-" (alone, as C strings), or "(" / "[" and the bytes after. */
export function validLexBound(b: Uint8Array): boolean {
  if (b[0] === 0x2b || b[0] === 0x2d) return b.length === 1 || b[1] === 0;
  return b[0] === 0x28 || b[0] === 0x5b;
}
