// Bytes as readable, unambiguous text for failure messages.

const NAMED: Record<number, string> = {
  0: "\\0",
  9: "\\t",
  10: "\\n",
  13: "\\r",
  34: '\\"',
  92: "\\\\",
};

/** Quoted text: printable ASCII as is, \r \n \t \0 \" \\ escaped, other bytes as \xHH. */
export function escapeBytes(b: Uint8Array, maxBytes = 400): string {
  let out = '"';
  const shown = Math.min(b.length, maxBytes);
  for (let i = 0; i < shown; i++) {
    const c = b[i];
    out += NAMED[c] ??
      (c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`);
  }
  out += '"';
  if (shown < b.length) out += ` ... (${b.length} bytes in all)`;
  return out;
}

/** Offset of the first byte where a and b differ, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return firstDifference(a, b) === -1;
}

/** Two byte strings, escaped; when long, also the region around their first difference. */
export function describeBoth(labelA: string, a: Uint8Array, labelB: string, b: Uint8Array): string {
  const width = Math.max(labelA.length, labelB.length) + 1;
  const lines = [
    `  ${(labelA + ":").padEnd(width)} ${escapeBytes(a)}`,
    `  ${(labelB + ":").padEnd(width)} ${escapeBytes(b)}`,
  ];
  const at = firstDifference(a, b);
  if (at > 200) {
    const from = at - 40;
    lines.push(
      `  first difference at byte ${at}:`,
      `  ${(labelA + ":").padEnd(width)} ...${escapeBytes(a.subarray(from, at + 80))}`,
      `  ${(labelB + ":").padEnd(width)} ...${escapeBytes(b.subarray(from, at + 80))}`,
    );
  }
  return lines.join("\n");
}

/** A command as text, e.g. `SET "k" "v\r\n"` (arguments escaped and quoted, the name bare). */
export function describeCommand(args: (string | Uint8Array)[]): string {
  const enc = new TextEncoder();
  return args.map((a, i) => {
    const b = typeof a === "string" ? enc.encode(a) : a;
    const quoted = escapeBytes(b, 60);
    // The command name bare when that is unambiguous, like a user would type it.
    return i === 0 && /^"[!-~]+"$/.test(quoted) && !quoted.includes("\\")
      ? quoted.slice(1, -1)
      : quoted;
  }).join(" ");
}
