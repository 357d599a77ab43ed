// Redis's glob matcher, byte for byte: stringmatchlen() of util.c as Redis 7.0.15 ships it
// (with the CVE-2022-36021 "skip longer matches" cut-off and the CVE-2024-31228 nesting
// limit), used by KEYS and SCAN MATCH. `*` `?` `[abc]` `[^a-z]` `[a\]]` and `\x` escapes.
//
// The port keeps C's quirks, because they decide what matches:
// - a read just past the pattern sees the NUL that ends every sds string (index == length
//   reads 0), e.g. a trailing `[` or `\`;
// - `char` is signed: in a `[x-y]` range, bytes >= 0x80 compare as negative numbers;
// - `tolower` is the C locale's: only A-Z fold.
// Indexes replace C's moving pointers: `p` walks the pattern, `s` the string, and the
// remaining lengths are always `pattern.length - p` and `string.length - s`.

/** Redis gives up (no match) beyond this many nested `*` expansions. */
const MAX_NESTING = 1000;

/** Does `string` match the glob `pattern`? `nocase` folds ASCII letters. */
export function stringMatch(pattern: Uint8Array, string: Uint8Array, nocase = false): boolean {
  skipLongerMatches = false;
  return matchFrom(pattern, 0, string, 0, nocase, 0);
}

/** Set once some `*` found no match for the rest of the pattern anywhere in the rest of the
 * string: then no earlier `*` can match either (longer matches would start even later). */
let skipLongerMatches = false;

/** The pattern byte at i as C reads it: the terminating NUL at the end. */
function at(bytes: Uint8Array, i: number): number {
  return i < bytes.length ? bytes[i] : 0;
}

/** A byte as C's signed `char`. */
function signed(c: number): number {
  return c >= 0x80 ? c - 0x100 : c;
}

/** C-locale tolower of a (signed) char: only A-Z change. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchFrom(
  pat: Uint8Array,
  p: number,
  str: Uint8Array,
  s: number,
  nocase: boolean,
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  const pEnd = pat.length, sEnd = str.length;
  while (p < pEnd && s < sEnd) {
    switch (pat[p]) {
      case 0x2a: // '*'
        while (p < pEnd && at(pat, p + 1) === 0x2a) p++;
        if (pEnd - p === 1) return true;
        while (s < sEnd) {
          if (matchFrom(pat, p + 1, str, s, nocase, nesting + 1)) return true;
          if (skipLongerMatches) return false;
          s++;
        }
        skipLongerMatches = true;
        return false;
      case 0x3f: // '?'
        s++;
        break;
      case 0x5b: { // '['
        p++;
        const not = at(pat, p) === 0x5e; // '^'
        if (not) p++;
        const c = str[s];
        let match = false;
        for (;;) {
          if (at(pat, p) === 0x5c && pEnd - p >= 2) { // '\' escapes the next byte
            p++;
            if (pat[p] === c) match = true;
          } else if (at(pat, p) === 0x5d) { // ']'
            break;
          } else if (p === pEnd) { // unterminated class: stop on its last byte
            p--;
            break;
          } else if (pEnd - p >= 3 && pat[p + 1] === 0x2d) { // 'a-z'
            let start = signed(pat[p]), end = signed(pat[p + 2]), ch = signed(c);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            p += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? lower(pat[p]) === lower(c) : pat[p] === c) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        break;
      }
      case 0x5c: // '\'
        if (pEnd - p >= 2) p++;
        // falls through
      default:
        if (nocase ? lower(pat[p]) !== lower(str[s]) : pat[p] !== str[s]) return false;
        s++;
        break;
    }
    p++;
    if (s === sEnd) {
      while (at(pat, p) === 0x2a) p++;
      break;
    }
  }
  return p === pEnd && s === sEnd;
}
