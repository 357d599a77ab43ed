// Scores as Redis 7.0 reads them: glibc strtod (src/protocol/numbers.ts), then
// string2d's checks for ZADD / ZINCRBY / WEIGHTS ("value is not a valid float") or
// zslParseRange's laxer ones for ZRANGEBYSCORE / ZCOUNT bounds ("min or max is not a float"),
// and zslParseLexRangeItem's "-", "+", "(x", "[x" for the lex commands.

import { string2d, strtod } from "../protocol/numbers.ts";

/** Redis's string2d (getDoubleFromObject): the whole argument must be a number, no leading
 * space, no NaN, no overflow or underflow to zero. Null when not. */
export function parseScore(b: Uint8Array): number | null {
  return plainInteger(b, 0, b.length) ?? string2d(b);
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
  const value = scoreBoundAt(b, 0, b.length);
  return Number.isNaN(value) ? null : { value, exclusive: b[0] === 0x28 };
}

/** Whether the bound b[start, end) is exclusive ("(" first). */
export function boundExclusiveAt(b: Uint8Array, start: number, end: number): boolean {
  return end > start && b[start] === 0x28;
}

/**
 * The value of the zslParseRange bound b[start, end), or NaN when it is not one (a bound is
 * never NaN). The common bounds (a plain integer, [+-]inf) take no view and no strtod result:
 * ZRANGE BYSCORE parsed them at a cost comparable to the engine's whole descent.
 */
export function scoreBoundAt(b: Uint8Array, start: number, end: number): number {
  const from = boundExclusiveAt(b, start, end) ? start + 1 : start;
  const plain = plainInteger(b, from, end);
  if (plain !== null) return plain;
  const infinity = plainInfinity(b, from, end);
  if (infinity !== 0) return infinity;
  const text = b.subarray(start, end);
  const r = strtod(text, from - start);
  if ((r.end < text.length && text[r.end] !== 0) || Number.isNaN(r.value)) return NaN;
  return r.value;
}

/** b[start, end) as exactly [+-]inf in any case (what strtod reads as an infinity to the end):
 * the infinity, else 0. */
function plainInfinity(b: Uint8Array, start: number, end: number): number {
  const signed = b[start] === 0x2b || b[start] === 0x2d;
  const p = signed ? start + 1 : start;
  if (
    end - p !== 3 || (b[p] | 0x20) !== 0x69 || (b[p + 1] | 0x20) !== 0x6e ||
    (b[p + 2] | 0x20) !== 0x66
  ) {
    return 0;
  }
  return b[start] === 0x2d ? -Infinity : Infinity;
}

/** zslParseLexRangeItem: "+" / "-" (alone, as C strings), or "(" / "[" and the bytes after. */
export function validLexBound(b: Uint8Array): boolean {
  if (b[0] === 0x2b || b[0] === 0x2d) return b.length === 1 || b[1] === 0;
  return b[0] === 0x28 || b[0] === 0x5b;
}
