// MONITOR: the line format (escaping, redaction, db), which commands are fed, and commands of
// clients on every shard reaching a monitor on any shard (--shards 2 against IronCache).
import { bytes, type Case, read, step } from "../case.ts";

export default [
  {
    name: "lines of other clients, escaped, redacted, admin commands left out",
    clients: 3,
    steps: [
      step(0, ["MONITOR"]),
      step(1, ["SET", "foo", bytes('a "b"\\\r\n\t\x07\x08\x00\xff')]),
      read(0),
      step(2, ["GET", "bar"]),
      read(0),
      step(1, ["AUTH", "secret"]),
      read(0),
      step(1, ["HELLO", "2", "AUTH", "default", "pw"]),
      read(0),
      step(1, ["HELLO", "2", bytes("AUTH\0"), "default", "pw"]), // AUTH to Redis: redacted
      read(0),
      step(2, ["CONFIG", "GET", "maxmemory"]),
      step(2, ["NOSUCHCOMMAND"]),
      step(2, ["GET"]),
      step(2, ["SELECT", "1"]),
      read(0),
      step(2, ["Incr", "n"]),
      read(0),
      step(1, ["MGET", "foo", "bar"]),
      read(0),
      step(0, ["MONITOR"], 0),
      step(0, ["RESET"]),
      step(1, ["PING"]),
      step(0, ["PING"]),
    ],
  },
  {
    name: "a client's lines keep their order across shards",
    clients: 3,
    steps: [
      step(0, ["MONITOR"]),
      step(1, ["MONITOR"]),
      step(2, ["SET", "foo", "1"]),
      step(2, ["SET", "bar", "2"]),
      step(2, ["MSET", "foo", "3", "bar", "4"]),
      step(2, ["DEL", "foo", "bar"]),
      read(0, 4),
      read(1, 4),
    ],
  },
  {
    name: "MONITOR inside MULTI; a transaction's commands on a monitor",
    clients: 2,
    steps: [
      step(0, ["MULTI"]),
      step(0, ["MONITOR"]),
      step(0, ["EXEC"]),
      step(0, ["MONITOR"]),
      step(1, ["MULTI"]),
      read(0),
      step(1, ["SET", "foo", "1"]),
      step(1, ["GET", "bar"]),
      step(1, ["EXEC"]),
      read(0, 3),
    ],
  },
  {
    name: "a blocking command on a monitor",
    clients: 3,
    steps: [
      step(0, ["MONITOR"]),
      step(1, ["BLPOP", "foo", "0"], 0),
      step(2, ["LPUSH", "foo", "a"]),
      read(1),
      read(0, 2),
    ],
  },
] satisfies Case[];
