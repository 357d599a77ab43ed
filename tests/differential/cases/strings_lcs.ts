// LCS: the subsequence, LEN, IDX (a map in RESP3) with MINMATCHLEN and WITHMATCHLEN, on keys
// on one IronCache shard ({t}a, {t}b) and on two (a and b), plus its errors and limits.
import { bytes, type Case } from "../case.ts";

/** A deterministic pseudo-random string over `alphabet` (same bytes on every run). */
function pseudoRandom(length: number, alphabet: string, seed: number): string {
  let s = "";
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += alphabet[(x >> 16) % alphabet.length];
  }
  return s;
}

/** Every reply form of LCS for the pair of keys (a, b). */
function allForms(a: string, b: string): string[][] {
  return [
    ["LCS", a, b],
    ["LCS", a, b, "LEN"],
    ["LCS", a, b, "IDX"],
    ["LCS", a, b, "IDX", "WITHMATCHLEN"],
    ["LCS", a, b, "IDX", "MINMATCHLEN", "4"],
    ["LCS", a, b, "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
    ["LCS", b, a, "IDX", "WITHMATCHLEN"],
  ];
}

/** The documentation's example on a pair of keys. */
function documentationExample(a: string, b: string, where: string): Case {
  return {
    name: `LCS documentation example, ${where}`,
    cmds: [["SET", a, "ohmytext"], ["SET", b, "mynewtext"], ...allForms(a, b)],
  };
}

export default [
  documentationExample("{t}a", "{t}b", "keys on one shard"),
  documentationExample("a", "b", "keys on two shards"),
  {
    name: "LCS of missing and empty strings",
    cmds: [
      ["LCS", "a", "b"],
      ["LCS", "a", "b", "LEN"],
      ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
      ["SET", "a", "hello"],
      ["LCS", "a", "b"],
      ["LCS", "b", "a", "IDX"],
      ["SET", "b", ""],
      ["LCS", "a", "b", "LEN"],
      ["LCS", "a", "a"],
      ["LCS", "a", "a", "IDX", "WITHMATCHLEN"],
    ],
  },
  {
    name: "LCS of numbers and binary strings",
    cmds: [
      ["SET", "a", "1234567890"],
      ["SET", "b", "24680"],
      ...allForms("a", "b"),
      ["SET", "a", bytes("\0\r\n\xffab\0")],
      ["SET", "b", bytes("x\0\xff\0y")],
      ...allForms("a", "b"),
    ],
  },
  {
    name: "LCS with ties and repeated runs",
    cmds: [
      ["SET", "a", "abcabcabc"],
      ["SET", "b", "cbacbacba"],
      ...allForms("a", "b"),
      ["SET", "a", "aaaa"],
      ["SET", "b", "aa"],
      ...allForms("a", "b"),
    ],
  },
  {
    name: "LCS of longer pseudo-random strings",
    cmds: [
      ["SET", "a", pseudoRandom(300, "ACGT", 1)],
      ["SET", "b", pseudoRandom(280, "ACGT", 2)],
      ...allForms("a", "b"),
      ["LCS", "a", "b", "IDX", "MINMATCHLEN", "6", "WITHMATCHLEN"],
      ["SET", "{t}a", pseudoRandom(500, "abcdefghij", 3)],
      ["SET", "{t}b", pseudoRandom(500, "abcdefghij", 4)],
      ...allForms("{t}a", "{t}b"),
    ],
  },
  {
    name: "LCS options",
    cmds: [
      ["SET", "a", "ohmytext"],
      ["SET", "b", "mynewtext"],
      ["LCS", "a", "b", "len", "LEN"],
      ["LCS", "a", "b", "idx", "idx", "withmatchlen", "WITHMATCHLEN"],
      ["LCS", "a", "b", "MINMATCHLEN", "-5", "IDX"],
      ["LCS", "a", "b", "MINMATCHLEN", "100", "IDX"],
      ["LCS", "a", "b", "MINMATCHLEN", "2", "MINMATCHLEN", "0", "IDX"],
      ["LCS", "a", "b", "WITHMATCHLEN"],
      ["LCS", "a", "b", "MINMATCHLEN", "3"],
      ["LCS", "a", "b", "LEN", "WITHMATCHLEN", "MINMATCHLEN", "3"],
    ],
  },
  {
    name: "LCS option errors",
    cmds: [
      ["SET", "a", "ohmytext"],
      ["LCS", "a", "b", "IDX", "LEN"],
      ["LCS", "a", "b", "LEN", "IDX", "FOO"],
      ["LCS", "a", "b", "FOO"],
      ["LCS", "a", "b", "MINMATCHLEN"],
      ["LCS", "a", "b", "MINMATCHLEN", "abc"],
      ["LCS", "a", "b", "MINMATCHLEN", "1.5"],
      ["LCS", "a", "b", "MINMATCHLEN", "9223372036854775808"],
      ["LCS", "a", "b", "IDX", "MINMATCHLEN"],
      ["LCS", "a", "b", bytes("IDX\0x")],
      ["LCS", "a"],
      ["LCS"],
    ],
  },
  {
    // 4 bytes per table cell: (12000 + 1)^2 * 4 bytes is more than proto-max-bulk-len.
    name: "LCS table larger than proto-max-bulk-len",
    cmds: [
      ["SET", "a", "x".repeat(12000)],
      ["SET", "b", "y".repeat(12000)],
      ["LCS", "a", "b", "LEN"],
      ["SET", "{t}a", "x".repeat(12000)],
      ["SET", "{t}b", "y".repeat(12000)],
      ["LCS", "{t}a", "{t}b"],
    ],
  },
] satisfies Case[];
