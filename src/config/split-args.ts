// sdssplitargs() from Redis: splits a redis.conf line into words, honouring "double quotes"
// (with \n \r \t \b \a \\ \" \xHH escapes) and 'single quotes' (with \' only).
// Returns null for unbalanced quotes, or a closing quote not followed by a space.

const SPACE = /[ \n\r\t\v\f]/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };

export function splitArgs(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && SPACE.test(line[i])) i++;
    if (i >= line.length) return words;
    let word = "";
    let quote: '"' | "'" | null = null;
    for (;;) {
      const c = line[i];
      if (quote === '"') {
        if (c === undefined) return null;
        if (
          c === "\\" && line[i + 1] === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))
        ) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === "\\" && i + 1 < line.length) {
          i++;
          word += ESCAPES[line[i]] ?? line[i];
        } else if (c === '"') {
          if (i + 1 < line.length && !SPACE.test(line[i + 1])) return null;
          i++;
          break;
        } else {
          word += c;
        }
      } else if (quote === "'") {
        if (c === undefined) return null;
        if (c === "\\" && line[i + 1] === "'") {
          i++;
          word += "'";
        } else if (c === "'") {
          if (i + 1 < line.length && !SPACE.test(line[i + 1])) return null;
          i++;
          break;
        } else {
          word += c;
        }
      } else if (c === undefined || SPACE.test(c)) {
        break;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else {
        word += c;
      }
      i++;
    }
    words.push(word);
  }
}

/** Redis's multi-arg rule: a single non-empty argument is itself split into words. */
export function multiWordValue(args: string[]): string | null {
  const words = args.length === 1 && args[0] !== "" ? splitArgs(args[0]) : args;
  return words === null ? null : words.join(" ");
}
