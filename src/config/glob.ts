// Redis's glob matcher (stringmatchlen in util.c), used by CONFIG GET: * ? [abc] [^a-z] and \x.

export function globMatch(pattern: string, str: string, nocase = true): boolean {
  return matchFrom(pattern, 0, str, 0, nocase);
}

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean): boolean {
  const same = (a: string, b: string) => (nocase ? a.toLowerCase() === b.toLowerCase() : a === b);
  while (pi < p.length) {
    switch (p[pi]) {
      case "*": {
        while (p[pi + 1] === "*") pi++;
        if (pi === p.length - 1) return true;
        for (; si < s.length; si++) if (matchFrom(p, pi + 1, s, si, nocase)) return true;
        return false;
      }
      case "?":
        if (si >= s.length) return false;
        si++;
        break;
      case "[": {
        pi++;
        const not = p[pi] === "^";
        if (not) pi++;
        let match = false;
        const c = s[si] ?? "";
        for (;;) {
          if (p[pi] === "\\" && pi + 1 < p.length) {
            pi++;
            if (p[pi] === c) match = true;
          } else if (p[pi] === "]") {
            break;
          } else if (pi >= p.length) {
            pi--; // unterminated class: Redis treats the end as its close
            break;
          } else if (p[pi + 1] === "-" && pi + 2 < p.length) {
            let [lo, hi] = [p[pi], p[pi + 2]];
            if (lo > hi) [lo, hi] = [hi, lo];
            const cc = nocase ? c.toLowerCase() : c;
            if (nocase) [lo, hi] = [lo.toLowerCase(), hi.toLowerCase()];
            if (cc !== "" && cc >= lo && cc <= hi) match = true;
            pi += 2;
          } else if (c !== "" && same(p[pi], c)) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match || si >= s.length) return false;
        si++;
        break;
      }
      case "\\":
        if (pi + 1 < p.length) pi++;
      // falls through
      default:
        if (si >= s.length || !same(p[pi], s[si])) return false;
        si++;
    }
    pi++;
    if (si >= s.length) {
      while (p[pi] === "*") pi++;
      break;
    }
  }
  return pi >= p.length && si >= s.length;
}

/** Whether a CONFIG GET argument is a pattern (Redis checks for any of "[*?"). */
export function isGlob(pattern: string): boolean {
  return /[[*?]/.test(pattern);
}
