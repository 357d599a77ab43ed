// Introspection: SLOWLOG, LATENCY, CONFIG GET/SET with several patterns and pairs, INFO
// sections whose text is deterministic. Timings, ids and addresses are masked by the
// slowlog-volatile-fields normalizer; what a case logs must be the same on both servers.
import type { Case } from "../case.ts";

const long = "x".repeat(200);
const manyKeys = Array.from({ length: 40 }, (_, i) => `key:${i}`);

export default [
  {
    name: "SLOWLOG HELP and argument errors",
    cmds: [
      ["SLOWLOG", "HELP"],
      ["SLOWLOG", "GET", "abc"],
      ["SLOWLOG", "GET", "-2"],
      ["SLOWLOG", "LEN", "x"],
      ["SLOWLOG", "RESET", "x"],
      ["SLOWLOG", "foo"],
      ["SLOWLOG"],
    ],
  },
  {
    name: "SLOWLOG logs every command at threshold 0: truncation, redaction, client name",
    cmds: [
      ["CONFIG", "SET", "slowlog-log-slower-than", "0"],
      ["SLOWLOG", "RESET"],
      ["CLIENT", "SETNAME", "observer"],
      ["SET", "k", "v"],
      ["GET", "k"],
      ["SET", "long", long],
      ["DEL", ...manyKeys],
      ["AUTH", "secret"],
      ["AUTH", "someone", "secret"],
      ["CONFIG", "SET", "requirepass", ""],
      ["HELLO", "2", "AUTH", "default", "wrong"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET", "3"],
      ["SLOWLOG", "GET", "-1"],
      ["SLOWLOG", "GET", "0"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "10000"],
      ["SLOWLOG", "RESET"],
      ["SLOWLOG", "LEN"],
    ],
  },
  {
    name: "SLOWLOG keeps slowlog-max-len entries, newest first",
    cmds: [
      ["CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "3"],
      ["SLOWLOG", "RESET"],
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["INCR", "a"],
      ["GET", "b"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "-1", "slowlog-max-len", "128"],
      ["SLOWLOG", "RESET"],
      ["SET", "c", "3"],
      ["SLOWLOG", "LEN"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "10000"],
    ],
  },
  {
    name: "LATENCY with the monitor off, HELP and errors",
    cmds: [
      ["LATENCY", "LATEST"],
      ["LATENCY", "HISTORY", "command"],
      ["LATENCY", "RESET"],
      ["LATENCY", "RESET", "command", "fast-command"],
      ["LATENCY", "DOCTOR"],
      ["LATENCY", "GRAPH", "command"],
      ["LATENCY", "HISTOGRAM", "nosuchcommand"],
      ["LATENCY", "HISTORY"],
      ["LATENCY", "HELP"],
      ["LATENCY", "foo"],
      ["CONFIG", "SET", "latency-monitor-threshold", "-1"],
      ["CONFIG", "SET", "latency-monitor-threshold", "60000"],
      ["LATENCY", "DOCTOR"],
      ["CONFIG", "SET", "latency-monitor-threshold", "0"],
    ],
  },
  {
    name: "CONFIG GET several names, SET several pairs all or nothing",
    cmds: [
      ["CONFIG", "GET", "slowlog-log-slower-than"],
      ["CONFIG", "GET", "latency-tracking"],
      ["CONFIG", "GET", "latency-tracking-info-percentiles"],
      ["CONFIG", "GET", "latency-monitor-threshold"],
      ["CONFIG", "SET", "slowlog-max-len", "64", "hz", "abc"],
      ["CONFIG", "GET", "slowlog-max-len"],
      ["CONFIG", "SET", "slowlog-max-len", "64", "SLOWLOG-MAX-LEN", "32"],
      ["CONFIG", "SET", "slowlog-max-len", "64", "nosuch", "1"],
      ["CONFIG", "SET", "slowlog-max-len", "64", "databases", "1"],
      ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 abc"],
      ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"],
      ["CONFIG", "SET", "latency-tracking-info-percentiles", "1.5 99.90 50"],
      ["CONFIG", "GET", "latency-tracking-info-percentiles"],
      ["CONFIG", "SET", "latency-tracking-info-percentiles", ""],
      ["CONFIG", "GET", "latency-tracking-info-percentiles"],
      [
        "CONFIG",
        "SET",
        "latency-tracking-info-percentiles",
        "50 99 99.9",
        "latency-tracking",
        "no",
      ],
      ["CONFIG", "GET", "latency-tracking"],
      ["CONFIG", "SET", "latency-tracking", "yes", "slowlog-max-len", "128"],
    ],
  },
  {
    name: "CONFIG GET with several patterns",
    // Redis lists matches in its dict's order: RESP2's flat array is sorted on both sides.
    unordered: true,
    protocols: [2],
    cmds: [
      ["CONFIG", "GET", "slowlog-*", "latency-monitor-threshold", "slowlog-max-len"],
      ["CONFIG", "GET", "latency-*"],
    ],
  },
  {
    name: "INFO sections with fixed text",
    cmds: [
      ["INFO", "nosuchsection"],
      ["INFO", "modules"],
      ["INFO", "cluster"],
      ["INFO", "Cluster", "MODULES"],
      ["SET", "k", "v"],
      ["INFO", "keyspace"],
      ["INFO", "keyspace", "cluster", "nosuch"],
    ],
  },
] satisfies Case[];
