// Keyspace notifications: notify-keyspace-events and the events each command emits, in
// order. Client 0 listens on a pattern, client 1 runs commands; with IronCache (--shards 2)
// the keys, the writer and the listener are spread over both shards. Keys a command shares
// carry a {t} hash tag (one shard, as Redis Cluster would need too). Every case sets the
// setting first and clears it last (it outlives the case).
import { type Arg, type Case, type SessionStep } from "../case.ts";

const LISTEN = "__keyspace@*__:*";

/** Client 1 runs `cmd`; client 0 then reads the `events` notifications it caused. */
function emits(cmd: Arg[], events: number): SessionStep[] {
  const steps: SessionStep[] = [{ client: 1, cmd }];
  if (events > 0) steps.push({ client: 0, replies: events });
  return steps;
}

/** A session with `classes` on and client 0 subscribed to `pattern`. */
function session(
  name: string,
  classes: string,
  body: SessionStep[],
  pattern = LISTEN,
): Case {
  return {
    name,
    clients: 2,
    steps: [
      { client: 1, cmd: ["CONFIG", "SET", "notify-keyspace-events", classes] },
      { client: 0, cmd: ["PSUBSCRIBE", pattern] },
      ...body,
      { client: 1, cmd: ["CONFIG", "SET", "notify-keyspace-events", ""] },
    ],
  };
}

export default [
  {
    name: "CONFIG SET / GET notify-keyspace-events: parse and print order",
    cmds: [
      ["CONFIG", "SET", "notify-keyspace-events", "KEA"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", "EKxg$"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", "AnmK"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", "zhsl$gxetdnm"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", "Kq"],
      ["CONFIG", "GET", "notify-keyspace-events"],
      ["CONFIG", "SET", "notify-keyspace-events", ""],
      ["CONFIG", "GET", "notify-keyspace-events"],
    ],
  },
  session("string commands", "KA", [
    ...emits(["SET", "k", "v"], 1),
    ...emits(["SET", "k", "v", "EX", "100"], 2),
    ...emits(["SET", "k", "v", "NX"], 0),
    ...emits(["SET", "missing", "v", "XX"], 0),
    ...emits(["SET", "k", "w", "GET"], 1),
    ...emits(["SETNX", "k", "v"], 0),
    ...emits(["SETNX", "n", "v"], 1),
    ...emits(["SETEX", "s", "100", "v"], 2),
    ...emits(["PSETEX", "p", "100000", "v"], 2),
    ...emits(["GETSET", "k", "x"], 1),
    ...emits(["APPEND", "k", "y"], 1),
    ...emits(["SETRANGE", "k", "0", ""], 0),
    ...emits(["SETRANGE", "k", "1", "z"], 1),
    ...emits(["INCR", "i"], 1),
    ...emits(["DECRBY", "i", "3"], 1),
    ...emits(["INCRBYFLOAT", "f", "1.5"], 1),
    ...emits(["GETEX", "i", "EX", "100"], 1),
    ...emits(["GETEX", "i", "PERSIST"], 1),
    ...emits(["GETDEL", "k"], 1),
    ...emits(["GETDEL", "k"], 0),
    ...emits(["MSET", "{t}a", "1", "{t}b", "2"], 2),
    ...emits(["SETBIT", "bits", "3", "1"], 1),
    ...emits(["PFADD", "h", "a"], 1),
    ...emits(["PFADD", "h", "a"], 0),
  ]),
  session("generic commands", "KA", [
    ...emits(["SET", "k", "v"], 1),
    ...emits(["EXPIRE", "k", "100"], 1),
    ...emits(["EXPIRE", "missing", "100"], 0),
    ...emits(["PERSIST", "k"], 1),
    ...emits(["PERSIST", "k"], 0),
    ...emits(["EXPIRE", "k", "0"], 1),
    ...emits(["SET", "{t}a", "1"], 1),
    ...emits(["RENAME", "{t}a", "{t}b"], 2),
    ...emits(["RENAME", "{t}b", "{t}b"], 0),
    ...emits(["COPY", "{t}b", "{t}c"], 1),
    ...emits(["MOVE", "{t}c", "1"], 2),
    ...emits(["DEL", "{t}b"], 1),
    ...emits(["DEL", "{t}b"], 0),
    ...emits(["SET", "u", "1"], 1),
    ...emits(["UNLINK", "u"], 1),
  ]),
  session("list commands: pops that empty a list emit del", "KA", [
    ...emits(["RPUSH", "l", "a", "b"], 1),
    ...emits(["LPUSH", "l", "c"], 1),
    ...emits(["LPUSHX", "missing", "c"], 0),
    ...emits(["LINSERT", "l", "BEFORE", "a", "x"], 1),
    ...emits(["LINSERT", "l", "BEFORE", "nope", "x"], 0),
    ...emits(["LSET", "l", "0", "y"], 1),
    ...emits(["LREM", "l", "1", "y"], 1),
    ...emits(["LTRIM", "l", "0", "0"], 1),
    ...emits(["RPOP", "l"], 2),
    ...emits(["RPUSH", "{t}src", "only"], 1),
    ...emits(["RPOPLPUSH", "{t}src", "{t}dst"], 3),
    ...emits(["LMOVE", "{t}dst", "{t}src", "LEFT", "RIGHT"], 3),
    ...emits(["LMPOP", "2", "{t}none", "{t}src", "LEFT"], 2),
    ...emits(["LPOP", "l"], 0),
  ]),
  session("set, hash and sorted set commands", "KA", [
    ...emits(["SADD", "s", "a", "b"], 1),
    ...emits(["SADD", "s", "a"], 0),
    ...emits(["SREM", "s", "a"], 1),
    ...emits(["SPOP", "s"], 2),
    ...emits(["SADD", "{t}s1", "x"], 1),
    ...emits(["SADD", "{t}s2", "x"], 1),
    ...emits(["SINTERSTORE", "{t}d", "{t}s1", "{t}s2"], 1),
    ...emits(["SMOVE", "{t}s1", "{t}s3", "x"], 3),
    ...emits(["HSET", "h", "f", "1"], 1),
    ...emits(["HSETNX", "h", "f", "1"], 0),
    ...emits(["HINCRBY", "h", "n", "2"], 1),
    ...emits(["HINCRBYFLOAT", "h", "n", "0.5"], 1),
    ...emits(["HDEL", "h", "f", "n"], 2),
    ...emits(["ZADD", "z", "1", "a", "2", "b"], 1),
    ...emits(["ZINCRBY", "z", "1", "a"], 1),
    ...emits(["ZADD", "z", "INCR", "1", "a"], 1),
    ...emits(["ZREM", "z", "a"], 1),
    ...emits(["ZREM", "z", "a"], 0),
    ...emits(["ZPOPMIN", "z"], 2),
    ...emits(["ZADD", "{t}z1", "1", "a"], 1),
    ...emits(["ZUNIONSTORE", "{t}zd", "1", "{t}z1"], 1),
    ...emits(["ZREMRANGEBYSCORE", "{t}zd", "0", "5"], 2),
  ]),
  // With IronCache's two shards these keys live on different shards (a, d, l1, s1, z2 on one;
  // b, c, l2, s2, z1 on the other): the coordinating shard reports the command's events.
  session("commands whose keys span shards", "KA", [
    ...emits(["MSET", "a", "1", "b", "2"], 2),
    ...emits(["RENAME", "a", "c"], 2),
    ...emits(["COPY", "c", "d"], 1),
    ...emits(["RPUSH", "l1", "x", "y"], 1),
    ...emits(["LMOVE", "l1", "l2", "LEFT", "RIGHT"], 2),
    ...emits(["SADD", "s1", "m"], 1),
    ...emits(["SADD", "s2", "m2"], 1),
    ...emits(["SINTERSTORE", "z1", "s1", "s2"], 0),
    ...emits(["SUNIONSTORE", "z2", "s1", "s2"], 1),
  ]),
  session("keyspace then keyevent, one pattern for both", "KEA", [
    ...emits(["SET", "k", "v"], 2),
    ...emits(["LPUSH", "l", "v"], 2),
    ...emits(["LPOP", "l"], 4),
  ], "__key*@0__:*"),
  session("only the enabled classes: lists and generic, keyevent only", "Elg", [
    ...emits(["SET", "k", "v"], 0),
    ...emits(["RPUSH", "l", "a"], 1),
    ...emits(["SADD", "s", "a"], 0),
    ...emits(["DEL", "k", "s"], 2),
    ...emits(["RPOP", "l"], 2),
  ], "__keyevent@0__:*"),
  session("expired keys emit expired", "Kx", [
    ...emits(["SET", "e", "v", "PX", "20"], 0),
    { client: 1, cmd: ["GET", "e"], pauseMs: 100 },
    { client: 0, replies: 1 },
    ...emits(["SET", "e", "v", "PX", "20"], 0),
    { client: 0, replies: 1, pauseMs: 400 }, // active expiry (hz 10) finds it meanwhile
    ...emits(["SET", "w", "v", "PX", "20"], 0),
    // The write's lookup expires it first (its own set event is not enabled here).
    { client: 1, cmd: ["SET", "w", "v2"], pauseMs: 60 },
    { client: 0, replies: 1 },
  ]),
  // Eviction: keys of one shard ({t}), as IronCache's shards each evict their own keys.
  session("evicted keys emit evicted", "Ke", [
    ...emits(["SET", "{t}old", "v"], 0),
    { client: 1, cmd: ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"] },
    { client: 1, cmd: ["CONFIG", "SET", "maxmemory", "1"] },
    // Everything is evicted, then the write is still over the limit: OOM.
    { client: 1, cmd: ["SET", "{t}new", "v"] },
    { client: 0, replies: 1 },
    { client: 1, cmd: ["CONFIG", "SET", "maxmemory", "0"] },
    { client: 1, cmd: ["CONFIG", "SET", "maxmemory-policy", "noeviction"] },
  ]),
  session("nothing is published without K or E", "A", [
    ...emits(["SET", "k", "v"], 0),
    { client: 1, cmd: ["CONFIG", "SET", "notify-keyspace-events", "K$"] },
    ...emits(["SET", "k", "v"], 1),
    ...emits(["LPUSH", "l", "v"], 0),
  ]),
] satisfies Case[];
