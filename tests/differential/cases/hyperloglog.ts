// HyperLogLog: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. The stored bytes (GET) must match
// Redis's, not only the counts: sparse opcodes, the sparse -> dense switch at
// hll-sparse-max-bytes, the cached cardinality in the header. With 2 shards, keys a, d, h1, h4,
// src2, src3 live on one shard and b, c, h2, h3, dest, src1 on the other, so the multi-key
// cases run the cross-shard paths.
import { bytes, type Case, concat } from "../case.ts";

/** `count` distinct elements prefix0.. (one PFADD argument each). */
function elements(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

const STALE_CARD = "\0\0\0\0\0\0\0\x80";

/** A HyperLogLog header: "HYLL", encoding, 3 unused bytes, the cached cardinality's 8 bytes. */
function header(encoding: number, card = STALE_CARD): Uint8Array {
  return bytes(`HYLL${String.fromCharCode(encoding)}\0\0\0${card}`);
}

/** A sparse HLL from its opcode bytes. */
function sparse(opcodes: number[], card = STALE_CARD): Uint8Array {
  return concat(header(1, card), new Uint8Array(opcodes));
}

/** A dense HLL whose register i holds registerOf(i) (6 bits each, packed from each byte's LSB). */
function dense(registerOf: (i: number) => number, card = STALE_CARD): Uint8Array {
  const registers = new Uint8Array(12288 + 1);
  for (let i = 0; i < 16384; i++) {
    const value = registerOf(i), bit = i * 6, at = bit >> 3, shift = bit & 7;
    registers[at] |= (value << shift) & 0xff;
    registers[at + 1] |= value >> (8 - shift);
  }
  return concat(header(0, card), registers.subarray(0, 12288));
}

/** PFADD of `total` elements in chunks of `chunk`, each followed by `after` commands. */
function addInChunks(key: string, total: number, chunk: number, after: string[][]): string[][] {
  const cmds: string[][] = [];
  for (let from = 0; from < total; from += chunk) {
    cmds.push(["PFADD", key, ...elements("e", from, Math.min(chunk, total - from))], ...after);
  }
  return cmds;
}

/** A sparse HLL as redis-server 7.0.15 stores PFADD hll 1 2 3 (cache stale). */
const REDIS_SPARSE = sparse([0x5d, 0x66, 0x80, 0x4d, 0x74, 0x80, 0x51, 0x2c, 0x8c, 0x43, 0xf3]);

export default [
  {
    name: "PFADD / PFCOUNT / GET of a small sparse HLL",
    cmds: [
      ["PFADD", "h1", "a", "b", "c"],
      ["GET", "h1"],
      ["PFCOUNT", "h1"],
      ["GET", "h1"], // the count is now cached in the header
      ["PFADD", "h1", "a"],
      ["GET", "h1"],
      ["PFADD", "h1", "d"],
      ["GET", "h1"],
      ["PFADD", "h1"],
      ["PFADD", "h2"],
      ["GET", "h2"],
      ["PFCOUNT", "h2"],
      ["PFCOUNT", "missing"],
      ["PFDEBUG", "ENCODING", "h1"],
      ["PFDEBUG", "DECODE", "h1"],
      ["PFDEBUG", "DECODE", "h2"],
      ["TYPE", "h1"],
      ["STRLEN", "h1"],
    ],
  },
  {
    name: "PFADD of empty, binary and long elements",
    cmds: [
      [
        "PFADD",
        "h1",
        "",
        bytes("\0\xff\r\n"),
        "x".repeat(7),
        "y".repeat(8),
        "z".repeat(9),
        "w".repeat(1000),
      ],
      ["GET", "h1"],
      ["PFCOUNT", "h1"],
      ["PFADD", "h1", "", bytes("\0\xff\r\n")],
      ["PFADD", "h1", ...elements("", 0, 50)],
      ["GET", "h1"],
      ["PFDEBUG", "DECODE", "h1"],
    ],
  },
  {
    name: "sparse grows to 3000 bytes, then turns dense",
    cmds: [
      ...addInChunks("h1", 2500, 50, [["STRLEN", "h1"], ["PFDEBUG", "ENCODING", "h1"], [
        "PFCOUNT",
        "h1",
      ]]),
      ["GET", "h1"],
    ],
  },
  {
    name: "PFCOUNT exact for 1..300 elements added one by one",
    cmds: addInChunks("h1", 300, 1, [["PFCOUNT", "h1"]]),
  },
  {
    name: "PFCOUNT exact up to 100000 elements, and the dense bytes",
    cmds: [...addInChunks("h1", 100000, 2500, [["PFCOUNT", "h1"]]), ["GET", "h1"]],
  },
  {
    name: "PFCOUNT of several keys: the union, nothing written, across shards",
    cmds: [
      ["PFADD", "a", ...elements("x", 0, 100)],
      ["PFADD", "b", ...elements("x", 50, 100)],
      ["PFADD", "c", ...elements("x", 0, 3000)],
      ["PFADD", "d", "only-d"],
      ["PFCOUNT", "a", "b"],
      ["PFCOUNT", "b", "c"],
      ["PFCOUNT", "a", "b", "c", "d", "missing"],
      ["PFCOUNT", "a", "a"],
      ["PFCOUNT", "missing", "other"],
      ["GET", "a"],
      ["GET", "b"],
      ["PFCOUNT", "b", "c"],
    ],
  },
  {
    name: "PFMERGE of sparse sources stays sparse",
    cmds: [
      ["PFADD", "src1", ...elements("x", 0, 30)],
      ["PFADD", "src2", ...elements("x", 20, 30)],
      ["PFMERGE", "dest", "src1", "src2", "missing"],
      ["GET", "dest"],
      ["PFDEBUG", "ENCODING", "dest"],
      ["PFCOUNT", "dest"],
      ["PFMERGE", "src1", "src2"], // dest and a source on different shards
      ["GET", "src1"],
      ["PFADD", "h3", "y"],
      ["PFMERGE", "h2", "h3", "src1"], // h2 and h3 share a shard, src1 does not
      ["PFMERGE", "h3", "h2"], // one shard
      ["GET", "h3"],
    ],
  },
  {
    name: "PFMERGE with a dense source makes the destination dense",
    cmds: [
      ["PFADD", "src1", ...elements("x", 0, 30)],
      ["PFADD", "src2", ...elements("y", 0, 4000)],
      ["PFADD", "dest", "z"],
      ["PFMERGE", "dest", "src1", "src2", "src3"],
      ["PFDEBUG", "ENCODING", "dest"],
      ["GET", "dest"],
      ["PFCOUNT", "dest"],
      ["PFMERGE", "src3", "src2"], // same shard
      ["GET", "src3"],
      ["PFCOUNT", "src1", "src2", "dest"],
    ],
  },
  {
    name: "PFMERGE keeps the destination's TTL; an empty merge creates an empty HLL",
    cmds: [
      ["PFADD", "dest", "x"],
      ["EXPIRE", "dest", "1000"],
      ["PFADD", "src2", "y"],
      ["PFMERGE", "dest", "src2"],
      ["PERSIST", "dest"],
      ["GET", "dest"],
      ["PFMERGE", "m"],
      ["GET", "m"],
      ["PFMERGE", "b", "a"],
      ["GET", "b"],
      ["PFADD", "h1", "x"],
      ["EXPIRE", "h1", "1000"],
      ["PFADD", "h1", "y"],
      ["PERSIST", "h1"],
    ],
  },
  {
    name: "SET of a Redis-made sparse HLL, then PFCOUNT / PFADD",
    cmds: [
      ["SET", "h1", REDIS_SPARSE],
      ["PFCOUNT", "h1"],
      ["GET", "h1"],
      ["PFADD", "h1", "4", "5"],
      ["GET", "h1"],
      ["SET", "a", REDIS_SPARSE],
      ["PFCOUNT", "a", "h1"],
      ["PFMERGE", "b", "a", "h1"],
      ["GET", "b"],
    ],
  },
  {
    name: "SET of dense HLLs: counts, cache, PFADD, GETREG",
    cmds: [
      ["SET", "h1", dense((i) => (i * 7) % 52)],
      ["PFCOUNT", "h1"],
      ["GETRANGE", "h1", "0", "15"],
      ["PFADD", "h1", ...elements("x", 0, 20)],
      ["GET", "h1"],
      ["PFDEBUG", "GETREG", "h1"],
      ["PFDEBUG", "DECODE", "h1"],
      ["PFDEBUG", "TODENSE", "h1"],
      ["SET", "h2", dense((i) => (i % 3 ? 1 : 0))],
      ["PFCOUNT", "h2"],
      ["SET", "h3", dense(() => 63)],
      ["PFCOUNT", "h3"],
      ["PFCOUNT", "h3", "h2"],
      ["SET", "h4", dense(() => 0)],
      ["PFCOUNT", "h4"],
      ["PFMERGE", "h4", "h2", "h1"],
      ["GET", "h4"],
    ],
  },
  {
    name: "a valid cached cardinality is returned as stored",
    cmds: [
      ["SET", "h1", sparse([0x7f, 0xff], "\x39\x30\0\0\0\0\0\0")],
      ["PFCOUNT", "h1"],
      ["SET", "h2", dense(() => 0, "\0\0\0\0\0\0\0\x7f")],
      ["PFCOUNT", "h2"],
      ["PFCOUNT", "h1", "h2"],
    ],
  },
  {
    name: "corrupted sparse HLLs",
    cmds: [
      ["SET", "h1", sparse([0x40, 0x63])], // covers 100 registers only
      ["PFCOUNT", "h1"],
      ["PFADD", "h1", "a", "b", "c"],
      ["GET", "h1"],
      ["PFCOUNT", "h1", "h2"],
      ["PFMERGE", "h2", "h1"],
      ["PFDEBUG", "DECODE", "h1"],
      ["PFDEBUG", "TODENSE", "h1"],
      ["PFDEBUG", "GETREG", "h1"],
      ["SET", "h2", sparse([0x7f, 0xff, 0x80])], // one register too many
      ["PFCOUNT", "h2"],
      ["PFCOUNT", "h2", "h3"],
      ["SET", "h3", sparse([])], // no opcodes at all
      ["PFCOUNT", "h3"],
      ["PFADD", "h3", "x"],
      ["PFDEBUG", "DECODE", "h3"],
      ["SET", "h4", sparse([0x7f])], // a truncated XZERO
      ["PFCOUNT", "h4"],
      ["SET", "a", sparse([0x8f, 0x7f, 0xff])], // VAL run past the last register
      ["PFCOUNT", "a", "b"],
      ["PFMERGE", "b", "a"],
      ["SET", "h1", sparse([0x7f, 0xfb, 0x87, 0x8b])], // VAL runs straddle the last register
      ["PFDEBUG", "TODENSE", "h1"],
      ["PFCOUNT", "h1", "h3"],
      ["PFADD", "h1", "a", "b"],
      ["GET", "h1"],
    ],
  },
  {
    name: "a final XZERO missing its second byte reads it as 0",
    cmds: [
      ["SET", "h1", sparse([0x40, 0xfe, 0x7f])],
      ["PFCOUNT", "h1"],
      ["PFADD", "h1", "a", "b", "c", "d", "e"],
      ["GET", "h1"],
      ["PFDEBUG", "DECODE", "h1"],
    ],
  },
  {
    name: "strings that are not HLLs",
    cmds: [
      ["SET", "h1", "abc"],
      ["PFADD", "h1", "x"],
      ["PFCOUNT", "h1"],
      ["PFDEBUG", "ENCODING", "h1"],
      ["SET", "h2", "12345"],
      ["PFADD", "h2", "x"],
      ["SET", "h3", concat(header(2), new Uint8Array([0x7f, 0xff]))], // unknown encoding
      ["PFCOUNT", "h3"],
      [
        "SET",
        "h4",
        concat(bytes("HYLX\x01\0\0\0"), bytes(STALE_CARD), new Uint8Array([0x7f, 0xff])),
      ],
      ["PFCOUNT", "h4"],
      ["SET", "a", dense(() => 1).subarray(0, 12303)], // dense one byte short
      ["PFCOUNT", "a"],
      ["SET", "b", header(1).subarray(0, 15)],
      ["PFCOUNT", "b"],
      ["PFCOUNT", "h1", "a"],
      ["PFCOUNT", "missing", "a"],
      ["PFMERGE", "dest", "src1", "h1"],
      ["PFMERGE", "h1", "h2"],
      ["EXISTS", "dest"],
      ["GET", "h1"],
    ],
  },
  {
    name: "other types",
    pendingUntil: "lists (LPUSH)",
    cmds: [
      ["LPUSH", "l", "x"],
      ["PFADD", "l", "x"],
      ["PFCOUNT", "l"],
      ["PFCOUNT", "l", "a"],
      ["PFMERGE", "l", "a"],
      ["PFMERGE", "dest", "l"],
      ["PFDEBUG", "GETREG", "l"],
    ],
  },
  {
    name: "PFDEBUG subcommands and errors",
    cmds: [
      ["PFADD", "h1", ...elements("x", 0, 20)],
      ["PFDEBUG", "decode", "h1"],
      ["PFDEBUG", "Encoding", "h1"],
      ["PFDEBUG", "GETREG", "h1"],
      ["PFDEBUG", "ENCODING", "h1"], // GETREG made it dense
      ["GET", "h1"],
      ["PFDEBUG", "TODENSE", "h1"],
      ["PFADD", "h2", "x"],
      ["PFDEBUG", "TODENSE", "h2"],
      ["GET", "h2"],
      ["PFDEBUG", "DECODE", "h2"],
      ["PFDEBUG", "NOPE", "h2"],
      ["PFDEBUG", "NOPE", "missing"],
      ["PFDEBUG", "GETREG", "missing"],
      ["PFDEBUG", "GETREG"],
      ["PFDEBUG", "GETREG", "h1", "extra"],
      ["PFADD"],
      ["PFCOUNT"],
      ["PFMERGE"],
    ],
  },
  {
    name: "hll-sparse-max-bytes moves the switch to dense",
    cmds: [
      ["CONFIG", "GET", "hll-sparse-max-bytes"],
      ["CONFIG", "SET", "hll-sparse-max-bytes", "200"],
      ["CONFIG", "GET", "hll-sparse-max-bytes"],
      ...addInChunks("h1", 200, 10, [["STRLEN", "h1"], ["PFDEBUG", "ENCODING", "h1"]]),
      ["PFADD", "a", ...elements("y", 0, 40)],
      ["PFADD", "b", ...elements("y", 30, 40)],
      ["PFMERGE", "b", "a"],
      ["PFDEBUG", "ENCODING", "b"],
      ["GET", "b"],
      ["CONFIG", "SET", "hll-sparse-max-bytes", "1kb"],
      ["CONFIG", "GET", "hll-sparse-max-bytes"],
      ["CONFIG", "SET", "hll-sparse-max-bytes", "-1"],
      ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"],
    ],
  },
  {
    name: "PFSELFTEST",
    cmds: [["PFSELFTEST"], ["PFSELFTEST", "extra"]],
  },
  {
    name: "PFDEBUG subcommands named like Object.prototype's properties are unknown",
    cmds: [
      ["PFADD", "h", "a"],
      ["PFDEBUG", "constructor", "h"],
      ["PFDEBUG", "__proto__", "h"],
      ["PFDEBUG", "toString", "h"],
      ["PFDEBUG", "ENCODING", "h"],
    ],
  },
  {
    // Redis checks key by key: a string that is no HyperLogLog errs before a later list does,
    // whether or not the keys share a shard (slots of {a} and {b} are on different halves).
    name: "PFMERGE and PFCOUNT report the first bad key in key order",
    cmds: [
      ["SET", "{b}str", "hello"],
      ["RPUSH", "{a}list", "x"],
      ["SET", "{a}str", "hello"],
      ["RPUSH", "{b}list", "x"],
      ["PFADD", "{a}hll", "a"],
      ["PFMERGE", "{a}dest", "{b}str", "{a}list"],
      ["PFMERGE", "{a}dest", "{a}str", "{b}list"],
      ["PFMERGE", "{a}dest", "{a}hll", "{b}list", "{b}str"],
      ["PFMERGE", "{a}dest", "{a}str", "{a}list"],
      ["PFCOUNT", "{a}hll", "{b}str", "{a}list"],
      ["PFCOUNT", "{a}hll", "{b}list", "{a}str"],
      ["PFCOUNT", "{a}str", "{a}list"],
      ["EXISTS", "{a}dest"],
    ],
  },
] satisfies Case[];
