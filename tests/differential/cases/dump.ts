// DUMP and RESTORE of every type and encoding. DUMP of the deterministic encodings (strings,
// quicklists, intsets, listpacks, skiplists) is compared byte for byte; sets and hashes in a
// hashtable follow the order of Redis's randomly seeded dict, so they are checked through
// RESTOREs of payloads made by redis-server 7.0.15 and their contents.
import type { Case } from "../case.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
}

/** Redis 7.0.15's DUMP payloads. */
const PAYLOAD = {
  /** SADD hs a b c with set-max-intset-entries: a hashtable set. */
  setHashtable: hex("02030162016101630a0099cc80dd5982d255"),
  /** HSET hh f1 v1 f2 <"x" x 70>: a hashtable hash (the long value LZF-compressed). */
  hashHashtable: hex("0402026631027631026632c3094046017878e039000178780a0038df4bbb57b050ad"),
};

const many = (n: number, f: (i: number) => string[]) =>
  Array.from({ length: n }, (_, i) => f(i)).flat();

export default [
  {
    name: "DUMP of lists: small, LPUSHed, numbers, several quicklist nodes",
    cmds: [
      ["RPUSH", "l", "a", "b", "1", "-300", "70000", "3000000000", "12345678901234567890"],
      ["DUMP", "l"],
      ["LPUSH", "l2", "x", "y", "z"],
      ["DUMP", "l2"],
      ["RPUSH", "big", ...many(600, (i) => [`element-${i}-${"p".repeat(i % 40)}`])],
      ["DUMP", "big"],
      ["RPUSH", "huge", "x".repeat(9000), "y"],
      ["DUMP", "huge"],
    ],
  },
  {
    name: "DUMP of sets in an intset (16, 32, 64-bit) and of sorted sets and hashes in listpacks",
    cmds: [
      ["SADD", "s16", "3", "1", "-2"],
      ["DUMP", "s16"],
      ["SADD", "s32", "70000", "1"],
      ["DUMP", "s32"],
      ["SADD", "s64", "5000000000", "-1"],
      ["DUMP", "s64"],
      ["ZADD", "z", "1", "a", "2.5", "b", "-inf", "c", "1e20", "d", "1", "0"],
      ["DUMP", "z"],
      ["HSET", "h", "f1", "v1", "f2", "12", "n", "-7"],
      ["DUMP", "h"],
    ],
  },
  {
    name: "DUMP of a sorted set in a skiplist",
    cmds: [
      ["ZADD", "z", ...many(200, (i) => [String((i * 7919) % 1000 / 8), `m${i}`])],
      ["OBJECT", "ENCODING", "z"],
      ["DUMP", "z"],
      ["ZADD", "long", "1", "x".repeat(100)],
      ["DUMP", "long"],
    ],
  },
  {
    name: "RESTORE of hashtable sets and hashes from Redis payloads",
    unordered: true,
    cmds: [
      ["RESTORE", "s", "0", PAYLOAD.setHashtable],
      ["OBJECT", "ENCODING", "s"],
      ["SMEMBERS", "s"],
      ["RESTORE", "h", "0", PAYLOAD.hashHashtable],
      ["OBJECT", "ENCODING", "h"],
      ["HKEYS", "h"],
      ["HMGET", "h", "f1", "f2"],
    ],
  },
  {
    name: "RESTORE picks the encoding Redis's loader picks under the current limits",
    cmds: [
      ["CONFIG", "SET", "zset-max-listpack-entries", "1"],
      ["ZADD", "z", "1", "a", "2", "b"],
      ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
      ["OBJECT", "ENCODING", "z"],
      ["DUMP", "z"],
      ["SADD", "s", "1", "2"],
      ["SADD", "s", "x"],
      ["SREM", "s", "x"],
      ["OBJECT", "ENCODING", "s"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "1"],
      ["HSET", "h", "a", "1", "b", "2"],
      ["OBJECT", "ENCODING", "h"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
      ["CONFIG", "RESET", "hash-max-listpack-entries"],
    ],
  },
  {
    name: "RESTORE of typed values: REPLACE, ABSTTL, IDLETIME, FREQ, BUSYKEY",
    cmds: [
      ["RPUSH", "l", "a", "b"],
      ["RESTORE", "l", "0", PAYLOAD.setHashtable],
      // One EXEC: redis's 1 s LRU clock cannot tick between the RESTORE and the OBJECT.
      ["MULTI"],
      ["RESTORE", "l", "0", PAYLOAD.setHashtable, "REPLACE", "IDLETIME", "100"],
      ["TYPE", "l"],
      ["SCARD", "l"],
      ["OBJECT", "IDLETIME", "l"],
      ["EXEC"],
      ["RESTORE", "h", "4102444800000", PAYLOAD.hashHashtable, "ABSTTL"],
      ["PEXPIRETIME", "h"],
      ["HLEN", "h"],
      ["RESTORE", "h2", "0", PAYLOAD.hashHashtable, "FREQ", "5"],
      ["HGET", "h2", "f1"],
      ["RESTORE", "gone", "1", PAYLOAD.setHashtable, "ABSTTL"],
      ["EXISTS", "gone"],
    ],
  },
  {
    name: "RESTORE IDLETIME and FREQ set the key's access data (objectSetLRUOrLFU)",
    // Each RESTORE and its OBJECT share one EXEC: the LRU clock (1 s) and the LFU clock
    // (1 min) do not advance inside it.
    cmds: [
      ["MULTI"],
      ["RESTORE", "i", "0", PAYLOAD.setHashtable, "IDLETIME", "100"],
      ["OBJECT", "IDLETIME", "i"],
      ["RESTORE", "i0", "0", PAYLOAD.setHashtable, "IDLETIME", "0"],
      ["OBJECT", "IDLETIME", "i0"],
      ["RESTORE", "i", "0", PAYLOAD.hashHashtable, "REPLACE", "IDLETIME", "86400"],
      ["OBJECT", "IDLETIME", "i"],
      ["RESTORE", "f", "0", PAYLOAD.setHashtable, "FREQ", "9"], // no LFU policy: ignored
      ["OBJECT", "IDLETIME", "f"],
      ["EXEC"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
      ["MULTI"],
      ["RESTORE", "g", "0", PAYLOAD.setHashtable, "FREQ", "9"],
      ["OBJECT", "FREQ", "g"],
      ["RESTORE", "g0", "0", PAYLOAD.setHashtable, "FREQ", "0"],
      ["OBJECT", "FREQ", "g0"],
      ["RESTORE", "h", "0", PAYLOAD.setHashtable, "IDLETIME", "100"], // LFU policy: ignored
      ["OBJECT", "FREQ", "h"],
      ["EXEC"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    ],
  },
] satisfies Case[];
