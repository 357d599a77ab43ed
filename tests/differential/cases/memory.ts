// maxmemory, eviction and MEMORY: the replies that have one right answer. maxmemory 1 puts
// any server over its limit at once, so what is refused, evicted and kept is deterministic.
// Keys share a {hash tag} so that IronCache's --shards 2 keeps them on one shard (a shard
// evicts its own keys before a command; the others' follow on their own event loop). Every
// case that changes the limit puts it back (maxmemory 0, noeviction) at its end.
import type { Case } from "../case.ts";

const RESTORE = [["CONFIG", "SET", "maxmemory", "0"], [
  "CONFIG",
  "SET",
  "maxmemory-policy",
  "noeviction",
]];

const VOLATILE_POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"];
const ALLKEYS_POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random"];

export default [
  {
    name: "noeviction over maxmemory: denyoom commands get OOM, reads and deletes run",
    cmds: [
      ["SET", "{t}a", "1"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "{t}b", "2"],
      ["INCR", "{t}a"],
      ["LPUSH", "{t}l", "x"],
      ["SADD", "{t}s", "x"],
      ["HSET", "{t}h", "f", "v"],
      ["ZADD", "{t}z", "1", "m"],
      ["APPEND", "{t}a", "x"],
      ["MSET", "x1", "1", "x2", "2", "x3", "3"],
      ["GET", "{t}a"],
      ["EXISTS", "{t}b"],
      ["EXPIRE", "{t}a", "100"],
      ["DEL", "{t}a"],
      ["PING"],
      ...RESTORE,
      ["SET", "{t}b", "2"],
    ],
  },
  ...ALLKEYS_POLICIES.map((policy): Case => ({
    name: `${policy} over maxmemory 1: every key is evicted, then OOM`,
    cmds: [
      ["SET", "{t}a", "1"],
      ["RPUSH", "{t}l", "a", "b"],
      ["SET", "{t}v", "1", "EX", "100"],
      ["CONFIG", "SET", "maxmemory-policy", policy],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "{t}b", "2"],
      ["EXISTS", "{t}a", "{t}l", "{t}v", "{t}b"],
      ...RESTORE,
    ],
  })),
  ...VOLATILE_POLICIES.map((policy): Case => ({
    name: `${policy} evicts only keys with a TTL, then OOM`,
    cmds: [
      ["SET", "{t}p", "1"],
      ["SET", "{t}v1", "1", "EX", "100"],
      ["SET", "{t}v2", "2", "PX", "500000"],
      ["CONFIG", "SET", "maxmemory-policy", policy],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "{t}n", "1"],
      ["EXISTS", "{t}v1"],
      ["EXISTS", "{t}v2"],
      ["GET", "{t}p"],
      ...RESTORE,
    ],
  })),
  {
    name: "CONFIG SET / GET of the eviction settings and their errors",
    cmds: [
      ["CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"],
      ["CONFIG", "GET", "maxmemory-policy"],
      ["CONFIG", "SET", "maxmemory-policy", "lru"],
      ["CONFIG", "SET", "maxmemory-policy", ""],
      ["CONFIG", "SET", "maxmemory", "10MB"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory", "1.5mb"],
      ["CONFIG", "SET", "maxmemory", "-1"],
      ["CONFIG", "SET", "maxmemory", "2gb"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory-samples", "0"],
      ["CONFIG", "SET", "maxmemory-samples", "10"],
      ["CONFIG", "GET", "maxmemory-samples"],
      ["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
      ["CONFIG", "SET", "maxmemory-eviction-tenacity", "20"],
      ["CONFIG", "GET", "maxmemory-eviction-tenacity"],
      ["CONFIG", "SET", "lfu-log-factor", "-1"],
      ["CONFIG", "SET", "lfu-decay-time", "x"],
      ["CONFIG", "SET", "lfu-log-factor", "5", "lfu-decay-time", "2"],
      ["CONFIG", "GET", "lfu-log-factor"],
      ["CONFIG", "GET", "lfu-decay-time"],
      ["CONFIG", "SET", "lfu-log-factor", "10", "lfu-decay-time", "1"],
      ["CONFIG", "SET", "maxmemory-samples", "5", "maxmemory-eviction-tenacity", "10"],
      ...RESTORE,
    ],
  },
  {
    name: "OBJECT FREQ / IDLETIME follow the policy kind",
    // The writes and the reads of idle time / frequency share one EXEC: redis's LRU clock
    // (1 s) and LFU clock (1 min) do not advance inside a transaction, so a tick between
    // them cannot change the reply.
    cmds: [
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
      ["MULTI"],
      ["SET", "k", "v"],
      ["OBJECT", "FREQ", "k"],
      ["OBJECT", "FREQ", "missing"],
      ["OBJECT", "IDLETIME", "k"],
      ["EXEC"],
      ["CONFIG", "SET", "maxmemory-policy", "volatile-lfu"],
      ["OBJECT", "IDLETIME", "k"],
      ["MULTI"],
      ["SET", "fresh", "v"],
      ["OBJECT", "FREQ", "fresh"],
      ["GET", "fresh"],
      ["OBJECT", "FREQ", "fresh"],
      ["EXEC"],
      ...RESTORE,
      ["OBJECT", "FREQ", "k"],
    ],
  },
  {
    name: "MEMORY HELP and errors",
    cmds: [
      ["MEMORY", "HELP"],
      ["memory", "help"],
      ["MEMORY"],
      ["MEMORY", "FOO"],
      ["MEMORY", "USAGE"],
      ["MEMORY", "HELP", "extra"],
      ["MEMORY", "PURGE"],
      // Both servers hold well under 5 MB here: Redis's "empty instance" report.
      ["MEMORY", "DOCTOR"],
    ],
  },
  {
    name: "MEMORY USAGE: missing key, options parsed first",
    cmds: [
      ["MEMORY", "USAGE", "missing"],
      ["MEMORY", "USAGE", "missing", "SAMPLES", "0"],
      ["MEMORY", "USAGE", "missing", "SAMPLES", "-1"],
      ["MEMORY", "USAGE", "missing", "SAMPLES", "x"],
      ["MEMORY", "USAGE", "missing", "SAMPLES"],
      ["MEMORY", "USAGE", "missing", "FOO", "1"],
      ["SET", "k", "v"],
      ["MEMORY", "USAGE", "k", "samples", "-5"],
      ["MEMORY", "USAGE", "k", "SAMPLES", "1", "SAMPLES"],
    ],
  },
] satisfies Case[];
