// Multi-key string commands: MGET MSET MSETNX. IronCache runs these tests with 2 shards, and
// 20 keys k1..k20 land on both, so the split MGET and the atomic cross-shard MSET/MSETNX run.
import { bytes, type Case } from "../case.ts";

const KEYS = Array.from({ length: 20 }, (_, i) => `k${i + 1}`);
/** k1 v1 k2 v2 ... for MSET. */
const PAIRS = KEYS.flatMap((k, i) => [k, `v${i + 1}`]);
/** Fresh keys for MSETNX, also spread over both shards. */
const NEW_KEYS = Array.from({ length: 20 }, (_, i) => `n${i + 1}`);

export default [
  {
    name: "MGET of 20 keys, some missing",
    cmds: [
      ["SET", "k2", "two"],
      ["SET", "k7", ""],
      ["SET", "k11", bytes("\0\xff")],
      ["SET", "k20", "12345"],
      ["MGET", ...KEYS],
      ["MGET", "k20", "k2", "missing", "k2", "k11", "k20", "k1"],
      ["MGET", "k2"],
      ["MGET", "missing"],
      ["MGET", ""],
    ],
  },
  {
    name: "MSET of 20 keys across shards",
    cmds: [
      ["MSET", ...PAIRS],
      ["MGET", ...KEYS],
      ["DBSIZE"],
      ["MSET", "k1", "a", "k20", "b"],
      ["MGET", "k1", "k20", "k10"],
    ],
  },
  {
    name: "MSET with a key repeated: the last value wins",
    cmds: [
      ["MSET", "k1", "a", "k2", "b", "k1", "c", "k5", "d", "k2", "e"],
      ["MGET", "k1", "k2", "k5"],
      ["MSET", "x", "1", "x", "2", "x", "3"],
      ["GET", "x"],
    ],
  },
  {
    name: "MSET of binary and empty values",
    cmds: [
      ["MSET", bytes("\0"), bytes("\r\n"), "", "empty-key", "e", ""],
      ["MGET", bytes("\0"), "", "e"],
    ],
  },
  {
    name: "MSETNX all or nothing",
    cmds: [
      ["MSETNX", ...NEW_KEYS.flatMap((k) => [k, k.toUpperCase()])],
      ["MGET", ...NEW_KEYS],
      ["MSETNX", "fresh1", "x", "fresh2", "y", "n13", "z"],
      ["MGET", "fresh1", "fresh2", "n13"],
      ["MSETNX", ...KEYS.flatMap((k) => [k, "new"]), "n1", "clash"],
      ["MGET", ...KEYS],
      ["EXISTS", ...KEYS],
      ["MSETNX", ...KEYS.flatMap((k) => [k, "new"])],
      ["MGET", ...KEYS],
    ],
  },
  {
    name: "MSETNX with a key repeated",
    cmds: [
      ["MSETNX", "a", "1", "a", "2"],
      ["GET", "a"],
      ["MSETNX", "a", "3", "b", "4"],
      ["MGET", "a", "b"],
      ["MSETNX", "b", "5"],
      ["MSETNX", "c", "6"],
      ["MGET", "a", "b", "c"],
    ],
  },
  {
    name: "MSETNX and MSET after an expiry in the past",
    cmds: [
      ["SET", "k1", "v", "PXAT", "1"],
      ["MSETNX", "k1", "a", "k2", "b", "k3", "c"],
      ["MGET", "k1", "k2", "k3"],
    ],
  },
  {
    // An even number of arguments is the handler's arity error, whichever shards the keys
    // are on (k1 and k2 are on different IronCache shards, k2 and k3 on the same one).
    name: "MSET/MSETNX/MGET: wrong arity",
    cmds: [
      ["MSET"],
      ["MSET", "k1"],
      ["MSET", "k1", "1", "k2"],
      ["MSET", "k2", "1", "k3"],
      ["MSET", ...PAIRS, "k21"],
      ["MSETNX"],
      ["MSETNX", "k1"],
      ["MSETNX", "k1", "1", "k2"],
      ["MSETNX", "k2", "1", "k3"],
      ["msetnx", ...PAIRS, "k21"],
      ["MGET"],
      ["EXISTS", ...KEYS],
    ],
  },
] satisfies Case[];
