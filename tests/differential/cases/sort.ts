// SORT and SORT_RO over lists, sets and sorted sets, with BY / GET patterns that reach keys on
// every shard (IronCache runs these with 2 shards), LIMIT, ALPHA, DESC and STORE.
import type { Case } from "../case.ts";


const numbers = ["RPUSH", "n", "3", "10", "1", "-2.5", "2e1", "0x10", " 7"];
const weights = ["MSET", "w_a", "3", "w_b", "1", "w_c", "2", "w_d", "x"];
const hashes = [
  ["HSET", "h_a", "f", "30", "name", "alice"],
  ["HSET", "h_b", "f", "10", "name", "bob"],
  ["HSET", "h_c", "f", "20"],
];

export default [
  {
    name: "SORT numeric, DESC, LIMIT and conversion errors",
    cmds: [
      numbers,
      ["SORT", "n"],
      ["SORT", "n", "DESC"],
      ["SORT", "n", "LIMIT", "1", "3"],
      ["SORT", "n", "LIMIT", "-5", "2"],
      ["SORT", "n", "LIMIT", "2", "-1"],
      ["SORT", "n", "LIMIT", "100", "2"],
      ["SORT", "n", "LIMIT", "0", "0"],
      ["RPUSH", "ties", "1.0", "1", "01", "1e0"],
      ["SORT", "ties"],
      ["SORT", "ties", "DESC"],
      // After an ERANGE (1e400 below) Redis's errno stays set, failing later SORTs: keep last.
      ["RPUSH", "bad", "1", "x", "2"],
      ["SORT", "bad"],
      ["SORT", "bad", "ALPHA"],
      ["RPUSH", "nan", "nan"],
      ["SORT", "nan"],
      ["RPUSH", "big", "1e400", "1"],
      ["SORT", "big"],
    ],
  },
  {
    name: "SORT ALPHA and BY constant (no sorting) on lists and sorted sets",
    cmds: [
      ["RPUSH", "l", "banana", "apple", "cherry", "Apple", ""],
      ["SORT", "l", "ALPHA"],
      ["SORT", "l", "ALPHA", "DESC", "LIMIT", "1", "2"],
      ["SORT", "l", "BY", "nosort"],
      ["SORT", "l", "BY", "nosort", "DESC"],
      ["SORT", "l", "BY", "nosort", "LIMIT", "1", "2"],
      ["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
      ["ZADD", "z", "3", "c", "1", "a", "2", "b"],
      ["SORT", "z", "BY", "nosort"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"],
      ["SORT", "z", "ALPHA"],
      ["SORT", "z"],
      ["SORT", "missing"],
      ["SORT", "missing", "STORE", "dst"],
    ],
  },
  {
    name: "SORT BY and GET patterns over string keys and hash fields on any shard",
    cmds: [
      ["RPUSH", "ids", "a", "b", "c", "d"],
      weights,
      ...hashes,
      ["SORT", "ids", "BY", "w_*"],
      ["SORT", "ids", "BY", "w_*", "ALPHA"],
      ["SORT", "ids", "BY", "nokey_*"],
      ["SORT", "ids", "BY", "w_*", "LIMIT", "0", "2", "ALPHA"],
      ["SORT", "ids", "BY", "h_*->f", "GET", "#", "GET", "h_*->name", "GET", "w_*"],
      ["SORT", "ids", "BY", "h_*->f", "DESC", "GET", "h_*->f"],
      ["SORT", "ids", "ALPHA", "GET", "nopattern"],
      ["SORT", "ids", "ALPHA", "GET", "h_*->"],
      ["SORT", "ids", "ALPHA", "GET", "*"],
      ["SORT_RO", "ids", "BY", "h_*->f", "GET", "h_*->name"],
    ],
  },
  {
    name: "SORT of a set, STORE (replacing any type), and SORT_RO refusing STORE",
    cmds: [
      ["SADD", "s", "5", "2", "9", "1"],
      ["SORT", "s"],
      ["SORT", "s", "DESC", "LIMIT", "1", "2"],
      ["SADD", "words", "pear", "fig", "kiwi"],
      ["SORT", "words", "ALPHA"],
      ["SORT", "words", "BY", "nosort", "STORE", "out"],
      ["LRANGE", "out", "0", "-1"],
      ["SET", "dst", "string"],
      ["EXPIRE", "dst", "100"],
      ["SORT", "s", "STORE", "dst"],
      ["TYPE", "dst"],
      ["TTL", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SORT", "s", "GET", "nokey_*", "STORE", "dst2"],
      ["LRANGE", "dst2", "0", "-1"],
      ["SORT", "missing", "STORE", "dst"],
      ["EXISTS", "dst"],
      ["SORT_RO", "s", "STORE", "x"],
    ],
  },
  {
    name: "SORT errors",
    cmds: [
      ["SET", "str", "v"],
      ["SORT", "str"],
      ["HSET", "hash", "f", "v"],
      ["SORT", "hash"],
      ["SORT", "str", "FOO"],
      ["SORT", "n", "LIMIT", "1"],
      ["SORT", "n", "LIMIT", "x", "1"],
      ["SORT", "n", "LIMIT", "1", "1.5"],
      ["SORT", "n", "BY"],
      ["SORT", "n", "GET"],
      ["SORT", "n", "STORE"],
      ["SORT"],
      ["SORT_RO"],
    ],
  },
] satisfies Case[];
