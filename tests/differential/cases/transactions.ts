// MULTI EXEC DISCARD WATCH UNWATCH (Redis's multi.c, tests/unit/multi.tcl). Keys "a" and "b"
// hash to slots 15495 and 3300: with --shards 2 they live on different shards, so these
// cases exercise EXEC under the locks of both and WATCH registered on another shard.
import { type Case, concat, resp } from "../case.ts";

const exec = (...queued: string[][]) => [["MULTI"], ...queued, ["EXEC"]];
const emptyExec = exec(["PING"]);

export default [
  {
    name: "MULTI/EXEC over both shards",
    cmds: [
      ...exec(["SET", "a", "1"], ["SET", "b", "2"], ["INCR", "a"], ["GET", "b"], [
        "MGET",
        "a",
        "b",
      ]),
      ["MGET", "a", "b"],
    ],
  },
  { name: "empty EXEC", cmds: [["MULTI"], ["EXEC"]] },
  {
    name: "errors at run time: the other commands still run",
    cmds: [
      ...exec(["SET", "a", "x"], ["INCR", "a"], ["LPUSH", "a", "v"], ["SET", "b", "y"], [
        "GET",
        "a",
      ]),
      ["MGET", "a", "b"],
    ],
  },
  {
    name: "unknown command while queueing: EXECABORT, nothing runs",
    cmds: [["MULTI"], ["SET", "a", "1"], ["NOSUCH", "x"], ["SET", "b", "1"], ["EXEC"], [
      "MGET",
      "a",
      "b",
    ], ["EXEC"]],
  },
  {
    name: "wrong arity while queueing: EXECABORT",
    cmds: [["MULTI"], ["SET", "a"], ["SET", "b", "1"], ["EXEC"], ["GET", "b"]],
  },
  {
    name: "a command refused inside MULTI (no-multi): EXECABORT",
    cmds: [["MULTI"], ["SET", "a", "1"], ["SHUTDOWN"], ["EXEC"], ["GET", "a"]],
  },
  {
    name: "DEBUG while enable-debug-command forbids it: EXECABORT",
    cmds: [["MULTI"], ["SET", "a", "1"], ["DEBUG", "SLEEP", "0"], ["EXEC"], ["GET", "a"]],
  },
  {
    name: "unknown subcommand while queueing: EXECABORT",
    cmds: [["MULTI"], ["CLIENT", "NOSUCH"], ["EXEC"]],
  },
  {
    name: "nested MULTI and WATCH inside MULTI are errors that do not abort",
    cmds: [["MULTI"], ["MULTI"], ["WATCH", "a"], ["SET", "a", "1"], ["EXEC"], ["GET", "a"]],
  },
  {
    name: "EXEC and DISCARD without MULTI",
    cmds: [["EXEC"], ["DISCARD"], ["MULTI"], ["DISCARD"], ["DISCARD"]],
  },
  {
    name: "DISCARD drops the queue",
    cmds: [["MULTI"], ["SET", "a", "1"], ["SET", "b", "1"], ["DISCARD"], ["MGET", "a", "b"]],
  },
  {
    name: "SELECT inside a transaction stays in effect",
    cmds: [
      ...exec(["SET", "a", "0"], ["SELECT", "1"], ["SET", "a", "1"], ["SET", "b", "1"]),
      ["MGET", "a", "b"],
      ["SELECT", "0"],
      ["MGET", "a", "b"],
    ],
  },
  {
    name: "fan-out and split commands inside EXEC",
    cmds: exec(
      ["MSET", "a", "1", "b", "2"],
      ["DBSIZE"],
      ["EXISTS", "a", "b", "c"],
      ["RENAME", "a", "c"],
      ["MGET", "a", "b", "c"],
      ["DEL", "b", "c"],
      ["FLUSHALL"],
      ["DBSIZE"],
    ),
  },
  {
    name: "SORT with BY and GET patterns over both shards inside EXEC",
    cmds: [
      ["RPUSH", "l", "1", "2", "3"],
      ["MSET", "w_1", "30", "w_2", "10", "w_3", "20", "o_1", "a", "o_2", "b", "o_3", "c"],
      ...exec(
        ["SORT", "l", "BY", "w_*", "GET", "o_*", "GET", "#"],
        ["SORT", "l", "BY", "w_*", "STORE", "b"],
        [
          "LRANGE",
          "b",
          "0",
          "-1",
        ],
        ["SCAN", "0", "COUNT", "1000"],
        ["DEBUG", "SLEEP", "0"],
      ),
    ],
    unordered: true,
  },
  {
    name: "commands after EXEC in one pipeline",
    cmds: [["MULTI"], ["SET", "a", "1"], ["EXEC"], ["SET", "b", "2"], ["MGET", "a", "b"]],
  },
  {
    name: "WATCH: a key the client itself changed fails EXEC",
    cmds: [["WATCH", "a", "b"], ["SET", "b", "1"], ...exec(["SET", "a", "1"]), ["GET", "a"]],
  },
  {
    name: "WATCH: untouched keys on both shards let EXEC run",
    cmds: [
      ["SET", "a", "0"],
      ["WATCH", "a", "b"],
      ["GET", "a"],
      ...exec(["SET", "a", "1"], [
        "SET",
        "b",
        "1",
      ]),
    ],
  },
  {
    name: "WATCH: writes that change nothing do not touch",
    cmds: [
      ["SET", "a", "1"],
      ["SADD", "s", "m"],
      ["WATCH", "a", "b", "s"],
      ["SET", "a", "2", "NX"],
      ["DEL", "b"],
      ["SADD", "s", "m"],
      ["SREM", "s", "x"],
      ["EXPIRE", "b", "100"],
      ["PERSIST", "a"],
      ...emptyExec,
    ],
  },
  {
    name: "WATCH: EXPIRE touches the key",
    cmds: [["SET", "b", "1"], ["WATCH", "b"], ["EXPIRE", "b", "100"], ...emptyExec],
  },
  {
    name: "WATCH: DEL of an existing key touches it",
    cmds: [["SET", "b", "1"], ["WATCH", "b"], ["DEL", "a", "b"], ...emptyExec],
  },
  {
    name: "WATCH: EXEC unwatches, even a failed one",
    cmds: [
      ["WATCH", "a"],
      ...emptyExec,
      ["SET", "a", "1"],
      ...emptyExec,
      ["WATCH", "a"],
      ["SET", "a", "2"],
      ...emptyExec,
      ["SET", "a", "3"],
      ...emptyExec,
    ],
  },
  {
    name: "WATCH: UNWATCH and DISCARD forget the keys and the dirty flag",
    cmds: [
      ["WATCH", "a", "b"],
      ["UNWATCH"],
      ["SET", "a", "1"],
      ...emptyExec,
      ["WATCH", "b"],
      ["SET", "b", "1"],
      ["MULTI"],
      ["DISCARD"],
      ...emptyExec,
      ["UNWATCH"],
    ],
  },
  {
    name: "WATCH: a key is watched in its db",
    cmds: [
      ["WATCH", "a"],
      ["SELECT", "1"],
      ["SET", "a", "1"],
      ...emptyExec,
      ["SELECT", "0"],
      ["WATCH", "b"],
      ["SELECT", "1"],
      ["SET", "b", "1"],
      ["SELECT", "0"],
      ...emptyExec,
    ],
  },
  {
    name: "WATCH: FLUSHDB and FLUSHALL touch watched keys that exist",
    cmds: [
      ["SET", "a", "1"],
      ["WATCH", "a", "b"],
      ["FLUSHDB"],
      ...emptyExec,
      ["SET", "b", "1"],
      ["WATCH", "b"],
      ["FLUSHALL"],
      ...emptyExec,
    ],
  },
  {
    name: "WATCH: FLUSHALL does not touch watched keys that do not exist",
    cmds: [["SET", "c", "1"], ["WATCH", "a", "b"], ["FLUSHALL"], ["FLUSHDB"], ...emptyExec],
  },
  {
    name: "WATCH: SWAPDB touches watched keys that exist on either side",
    cmds: [
      ["SELECT", "1"],
      ["SET", "b", "1"],
      ["SELECT", "0"],
      ["WATCH", "b"],
      ["SWAPDB", "0", "1"],
      ...emptyExec,
      ["WATCH", "a"],
      ["SWAPDB", "0", "1"],
      ...emptyExec,
    ],
  },
  {
    name: "WATCH of the same key twice, and of many keys",
    cmds: [
      ["WATCH", "a", "a", "b"],
      ["WATCH", "a", "c", "d", "e"],
      ["SET", "e", "1"],
      ...emptyExec,
    ],
  },
  {
    name: "RESET leaves MULTI and forgets watched keys",
    cmds: [
      ["WATCH", "a"],
      ["SET", "a", "1"],
      ["MULTI"],
      ["SET", "b", "1"],
      ["RESET"],
      ["EXEC"],
      ["GET", "b"],
      ...emptyExec,
    ],
  },
  { name: "QUIT inside MULTI", cmds: [["MULTI"], ["SET", "a", "1"], ["QUIT"]], expectClose: true },
  {
    name: "pipelined transaction",
    raw: [
      "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n" +
      "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n",
    ],
  },
  {
    name: "CLIENT REPLY OFF and SKIP queued inside MULTI",
    raw: [
      resp("MULTI"),
      resp("SET", "b", "1"),
      resp("CLIENT", "REPLY", "OFF"),
      resp("GET", "a"),
      resp("SET", "a", "1"),
      resp("EXEC"),
      resp("PING"),
      resp("CLIENT", "REPLY", "ON"),
      resp("MGET", "a", "b"),
      concat(resp("MULTI"), resp("CLIENT", "REPLY", "SKIP"), resp("GET", "b"), resp("EXEC")),
      resp("PING"),
      resp("PING"),
      concat(resp("CLIENT", "REPLY", "SKIP"), resp("MULTI"), resp("GET", "b"), resp("EXEC")),
      concat(resp("CLIENT", "REPLY", "OFF"), resp("MULTI"), resp("GET", "b"), resp("EXEC")),
      resp("CLIENT", "REPLY", "ON"),
    ],
  },
  {
    name: "WATCH pipelined after a write of the same key does not see it",
    raw: [
      "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n*2\r\n$5\r\nWATCH\r\n$1\r\nb\r\n" +
      "*1\r\n$5\r\nMULTI\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nEXEC\r\n",
    ],
  },
  {
    name: "WATCH: a watched key that expires fails EXEC",
    clients: 1,
    steps: [
      { client: 0, cmd: ["SET", "b", "1", "PX", "40"] },
      { client: 0, cmd: ["WATCH", "b"] },
      { client: 0, cmd: ["MULTI"], pauseMs: 120 },
      { client: 0, cmd: ["PING"] },
      { client: 0, cmd: ["EXEC"] },
    ],
  },
  {
    name: "WATCH: a key already expired when watched does not fail EXEC",
    clients: 1,
    steps: [
      { client: 0, cmd: ["SET", "b", "1", "PX", "10"] },
      { client: 0, cmd: ["WATCH", "b"], pauseMs: 60 },
      { client: 0, cmd: ["GET", "b"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["PING"] },
      { client: 0, cmd: ["EXEC"] },
    ],
  },
  {
    name: "WATCH race: another client's write fails EXEC",
    clients: 2,
    steps: [
      { client: 0, cmd: ["WATCH", "a", "b"] },
      { client: 1, cmd: ["SET", "b", "theirs"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "b", "mine"] },
      { client: 0, cmd: ["SET", "a", "mine"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 1, cmd: ["MGET", "a", "b"] },
    ],
  },
  {
    // Keys of one shard ({t}): IronCache's shards each evict their own keys.
    name: "WATCH: an evicted watched key fails EXEC",
    clients: 2,
    steps: [
      { client: 0, cmd: ["SET", "{t}w", "v"] },
      { client: 0, cmd: ["WATCH", "{t}w"] },
      { client: 1, cmd: ["CONFIG", "SET", "maxmemory-policy", "allkeys-random"] },
      { client: 1, cmd: ["CONFIG", "SET", "maxmemory", "1"] },
      { client: 1, cmd: ["SET", "{t}other", "v"] },
      { client: 1, cmd: ["CONFIG", "SET", "maxmemory", "0"] },
      { client: 1, cmd: ["CONFIG", "SET", "maxmemory-policy", "noeviction"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "{t}w", "mine"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 1, cmd: ["EXISTS", "{t}w"] },
    ],
  },
  {
    name: "WATCH race: another client's write to the other shard's key fails EXEC",
    clients: 2,
    steps: [
      { client: 0, cmd: ["WATCH", "a"] },
      { client: 1, cmd: ["INCR", "a"] },
      { client: 0, cmd: ["WATCH", "b"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "b", "mine"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 1, cmd: ["MGET", "a", "b"] },
    ],
  },
  {
    name: "WATCH race: reads and no-op writes of another client do not fail EXEC",
    clients: 2,
    steps: [
      { client: 1, cmd: ["SET", "b", "0"] },
      { client: 0, cmd: ["WATCH", "a", "b"] },
      { client: 1, cmd: ["GET", "b"] },
      { client: 1, cmd: ["SET", "b", "1", "NX"] },
      { client: 1, cmd: ["DEL", "a"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["INCR", "b"] },
      { client: 0, cmd: ["EXEC"] },
    ],
  },
  {
    name: "WATCH race: after EXEC another client's write touches nothing",
    clients: 2,
    steps: [
      { client: 0, cmd: ["WATCH", "a", "b"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "a", "1"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 1, cmd: ["SET", "b", "2"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["GET", "b"] },
      { client: 0, cmd: ["EXEC"] },
    ],
  },
  {
    name: "WATCH race: FLUSHALL by another client",
    clients: 2,
    steps: [
      { client: 1, cmd: ["SET", "a", "1"] },
      { client: 0, cmd: ["WATCH", "a"] },
      { client: 1, cmd: ["FLUSHALL"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["PING"] },
      { client: 0, cmd: ["EXEC"] },
    ],
  },
  {
    name: "ACL: refused while queueing aborts; rules changed before EXEC refuse at EXEC",
    clients: 2,
    steps: [
      { client: 1, cmd: ["ACL", "LOG", "RESET"] },
      { client: 1, cmd: ["ACL", "SETUSER", "u1", "reset", "on", "nopass", "+@all", "~*"] },
      { client: 0, cmd: ["AUTH", "u1", "x"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "a", "1"] },
      { client: 0, cmd: ["GET", "b"] },
      { client: 0, cmd: ["PING"] },
      { client: 1, cmd: ["ACL", "SETUSER", "u1", "-set", "resetkeys", "~a*"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 0, cmd: ["MULTI"] },
      { client: 0, cmd: ["SET", "a", "1"] },
      { client: 0, cmd: ["EXEC"] },
      { client: 1, cmd: ["ACL", "DELUSER", "u1"] },
      { client: 1, cmd: ["ACL", "LOG", "RESET"] },
    ],
  },
  {
    // Redis's rejectCommand: an EXEC refused before it runs (arity, NOPERM, the RESP2
    // subscribed context) answers EXECABORT with the reason and discards the transaction,
    // also outside MULTI.
    name: "a refused EXEC is EXECABORT and ends the transaction",
    cmds: [
      ["EXEC", "x"],
      ["MULTI"],
      ["SET", "a", "1"],
      ["EXEC", "x"],
      ["EXEC"],
      ["GET", "a"],
      ["ACL", "SETUSER", "txu", "on", ">p", "+@all", "-exec", "~*", "&*"],
      ["AUTH", "txu", "p"],
      ["EXEC"],
      ["MULTI"],
      ["SET", "a", "2"],
      ["EXEC"],
      ["GET", "a"],
      ["AUTH", "default", "x"],
      ["ACL", "DELUSER", "txu"],
      ["SUBSCRIBE", "c"],
      ["EXEC"],
      ["RESET"],
    ],
  },
] satisfies Case[];
