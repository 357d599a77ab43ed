// Splits a command line into arguments exactly like Redis's sdssplitargs (sds.c): used for
// inline requests, redis-cli input lines and redis.conf lines. Blanks separate words,
// "double quotes" understand \n \r \t \b \a \xHH and \<any>,
// 'single quotes' only understand \'. A closing quote must be followed by a blank or
// the end of the line. Works on bytes so "\xff" yields the byte 0xff, not U+00FF.

const encoder = new TextEncoder();

/** The arguments, or null for unbalanced quotes or text glued to a closing quote. */
export function splitArgs(input: Uint8Array | string): Uint8Array[] | null {
  let line = typeof input === "string" ? encoder.encode(input) : input;
  const nul = line.indexOf(0);
  if (nul >= 0) line = line.subarray(0, nul); // C strings end at NUL
  const args: Uint8Array[] = [];
  let p = 0;
  for (;;) {
    while (p < line.length && isSpace(line[p])) p++;
    if (p >= line.length) return args;
    const word: number[] = [];
    let quote: 0 | 0x22 | 0x27 = 0;
    for (;;) {
      const c = line[p]; // undefined at the end of the line
      if (quote === 0x22) {
        if (c === undefined) return null;
        if (
          c === 0x5c && line[p + 1] === 0x78 && isHexDigit(line[p + 2]) && isHexDigit(line[p + 3])
        ) {
          word.push(parseInt(String.fromCharCode(line[p + 2], line[p + 3]), 16));
          p += 4;
        } else if (c === 0x5c && p + 1 < line.length) {
          word.push(unescape(line[p + 1]));
          p += 2;
        } else if (c === 0x22) {
          if (p + 1 < line.length && !isSpace(line[p + 1])) return null;
          p++;
          break;
        } else {
          word.push(c);
          p++;
        }
      } else if (quote === 0x27) {
        if (c === undefined) return null;
        if (c === 0x5c && line[p + 1] === 0x27) {
          word.push(0x27);
          p += 2;
        } else if (c === 0x27) {
          if (p + 1 < line.length && !isSpace(line[p + 1])) return null;
          p++;
          break;
        } else {
          word.push(c);
          p++;
        }
      } else {
        if (c === undefined || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
        if (c === 0x22 || c === 0x27) quote = c;
        else word.push(c);
        p++;
      }
    }
    args.push(Uint8Array.from(word));
  }
}

const ESCAPES: Record<number, number> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x61: 0x07,
};

function unescape(c: number): number {
  return ESCAPES[c] ?? c;
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined &&
    ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
