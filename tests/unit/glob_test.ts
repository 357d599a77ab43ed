// src/commands/glob.ts against Redis itself: every pattern is run as KEYS on a real
// redis-server holding the candidate strings as keys, and must select exactly the same keys.
// nocase matching is checked through COMMAND LIST FILTERBY PATTERN (Redis matches command
// names with nocase = 1).
import assert from "node:assert/strict";
import { stringMatch } from "../../src/commands/glob.ts";
import { RawConnection, type RunningServer, startRedis } from "../helpers/servers.ts";

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The bulk strings of a flat array reply. */
function bulkItems(reply: Uint8Array): string[] {
  const text = latin1(reply);
  const items: string[] = [];
  let p = text.indexOf("\r\n") + 2;
  while (p < text.length) {
    const lineEnd = text.indexOf("\r\n", p);
    const len = Number(text.slice(p + 1, lineEnd));
    items.push(text.slice(lineEnd + 2, lineEnd + 2 + len));
    p = lineEnd + 2 + len + 2;
  }
  return items;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Hand-written cases: every construct and the C edge cases (trailing '[' or '\', ranges
// with bytes >= 0x80, which C compares as signed chars, escapes inside classes...).
const EDGE_STRINGS = [
  "",
  "a",
  "b",
  "ab",
  "abc",
  "aXc",
  "a*c",
  "a?c",
  "a[c",
  "a]c",
  "a\\c",
  "a-c",
  "hello",
  "hallo",
  "hxllo",
  "hllo",
  "heeeello",
  "[",
  "]",
  "\\",
  "-",
  "^",
  "*",
  "?",
  "\xff",
  "\x80",
  "\x7f",
  "\0",
  "a\0b",
  "A",
  "Z",
  "z",
  "aaaa",
  "aaab",
  "abab",
  "key:1",
  "key:12",
  "key:",
  "user:{1}",
];
const EDGE_PATTERNS = [
  "",
  "*",
  "**",
  "***",
  "?",
  "??",
  "a*",
  "*a",
  "*b*",
  "a?c",
  "a\\*c",
  "a\\?c",
  "a\\[c",
  "a\\",
  "\\",
  "\\\\",
  "h?llo",
  "h*llo",
  "h[ae]llo",
  "h[^e]llo",
  "h[a-b]llo",
  "[",
  "[a",
  "[^",
  "[^a",
  "a[",
  "a[]c",
  "a[]]c",
  "[]]",
  "[]",
  "[^]",
  "[\\]]",
  "[\\",
  "[a-]",
  "[-a]",
  "[z-a]",
  "[a-\xff]",
  "[\x80-\xff]",
  "[\x7f-\x80]",
  "[^\x80-\xff]",
  "[a\\-c]",
  "a[\\]]c",
  "a[x-z\\]]c",
  "*\\",
  "[*]",
  "[?]",
  "*[",
  "*?",
  "?*",
  "*?*",
  "a**b",
  "*a*a*a*b",
  "key:*",
  "key:?",
  "key:[0-9]",
  "key:[0-9]*",
  "user:{*}",
  "\0",
  "a\0b",
  "a?b",
  "[^a-z]",
  "[A-Z]",
  "[a-Z]",
  "[Z-a]",
  "*\0*",
];

let redis: RunningServer | undefined;
let conn: RawConnection | undefined;

async function connection(): Promise<RawConnection> {
  if (!conn) {
    redis = await startRedis();
    conn = await RawConnection.open(redis.port);
  }
  return conn;
}

Deno.test.afterAll(async () => {
  conn?.close();
  await redis?.stop();
});

/** Loads `strings` as keys, then checks every pattern's KEYS result against stringMatch. */
async function compareWithKeys(strings: string[], patterns: string[]): Promise<void> {
  const c = await connection();
  await c.command("FLUSHALL");
  const unique = [...new Set(strings)];
  for (const s of unique) await c.command("SET", bytes(s), "1");
  for (const pattern of patterns) {
    const expected = bulkItems(await c.command("KEYS", bytes(pattern))).sort();
    // KEYS answers "*" without matching (so "*" selects the empty key, which the matcher alone
    // does not): the same shortcut as src/commands/keys.ts.
    const actual = unique.filter((s) => pattern === "*" || stringMatch(bytes(pattern), bytes(s)))
      .sort();
    assert.deepEqual(actual, expected, `pattern ${JSON.stringify(pattern)}`);
  }
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "glob: hand-written edge cases match Redis's KEYS",
  ...opts,
  fn: () => compareWithKeys(EDGE_STRINGS, EDGE_PATTERNS),
});

Deno.test({
  name: "glob: random patterns over a small alphabet match Redis's KEYS",
  ...opts,
  fn: async () => {
    const next = rng(20240607);
    const pick = (alphabet: string, max: number) => {
      let s = "";
      const n = Math.floor(next() * (max + 1));
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    };
    const strings = Array.from({ length: 150 }, () => pick("abAB-]^\\\xe9\0", 6));
    const patterns = Array.from({ length: 400 }, () => pick("ab*?[]^-\\A\xe9", 7));
    await compareWithKeys(strings, patterns);
  },
});

Deno.test({
  name: "glob: the nesting limit (1000 stars) and the skip-longer-matches cut-off",
  ...opts,
  fn: async () => {
    const long = "a".repeat(1100);
    await compareWithKeys([long, long + "b", "a".repeat(30) + "b"], [
      "*a".repeat(999),
      "*a".repeat(1000),
      "*a".repeat(1001),
      "*a".repeat(1000) + "*",
      "*a".repeat(30) + "*c", // exponential without the cut-off
      "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    ]);
    assert.equal(stringMatch(bytes("*a".repeat(1000)), bytes(long)), true);
    assert.equal(stringMatch(bytes("*a".repeat(1001)), bytes(long)), false);
  },
});

Deno.test({
  name: "glob: nocase matching equals COMMAND LIST FILTERBY PATTERN",
  ...opts,
  fn: async () => {
    const c = await connection();
    const all = bulkItems(await c.command("COMMAND", "LIST"));
    for (
      const pattern of [
        "GET*",
        "*SET*",
        "Client|*",
        "[A-C]*",
        "[^a-y]*",
        "?ET",
        "*|KILL",
        "x[a-Z]*",
      ]
    ) {
      const expected = bulkItems(await c.command("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern))
        .sort();
      const actual = all.filter((name) => stringMatch(bytes(pattern), bytes(name), true)).sort();
      assert.deepEqual(actual, expected, `pattern ${pattern}`);
    }
  },
});
