// Server and introspection commands: COMMAND, CONFIG, CLIENT, INFO, ROLE, LOLWUT, WAIT,
// SHUTDOWN and DEBUG (refused: Redis's enable-debug-command defaults to "no"). Only what has
// one right answer is compared here: values that differ by nature (TIME, ids, uptime, memory,
// the whole COMMAND table) are checked in tests/integration/server_commands_test.ts.
import { bytes, type Case, concat, resp } from "../case.ts";

export default [
  // ---- COMMAND: Redis's own entries, byte for byte, for commands IronCache has. A container's
  // subcommands come in Redis's hash-table order, which changes from run to run: containers
  // are compared in the integration tests. ----
  {
    name: "COMMAND INFO of implemented commands, unknown names are null",
    cmds: [
      ["COMMAND", "INFO", "get", "set", "del", "incr", "ping", "echo"],
      ["command", "info", "GET", "nosuchcommand", "Exists"],
    ],
  },
  {
    name: "COMMAND INFO of subcommands",
    cmds: [
      ["COMMAND", "INFO", "config|get", "CLIENT|ID", "command|getkeys"],
      ["COMMAND", "INFO", "get|x", "client|nosuch", "a|b|c", "|"],
    ],
  },
  {
    name: "COMMAND DOCS",
    cmds: [
      ["COMMAND", "DOCS", "get", "set"],
      ["COMMAND", "DOCS", "nosuch"],
      ["COMMAND", "DOCS", "GET", "nosuch", "incr"],
      ["COMMAND", "DOCS", "config|set", "client|list", "client|nosuch"],
    ],
  },
  {
    name: "COMMAND GETKEYS",
    cmds: [
      ["COMMAND", "GETKEYS", "set", "a", "b"],
      ["COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10"],
      ["COMMAND", "GETKEYS", "del", "a", "b", "c"],
      ["COMMAND", "GETKEYS", "exists", "x"],
      ["COMMAND", "GETKEYS", "get", bytes("k\0\xff")],
    ],
  },
  {
    name: "COMMAND GETKEYS errors",
    cmds: [
      ["COMMAND", "GETKEYS"],
      ["COMMAND", "GETKEYS", "get"],
      ["COMMAND", "GETKEYS", "nosuch", "a"],
      ["COMMAND", "GETKEYS", "get", "a", "b"],
      ["COMMAND", "GETKEYS", "ping", "x"],
      ["COMMAND", "GETKEYS", "client", "list"],
      ["COMMAND", "GETKEYS", "config", "get", "x"],
      ["COMMAND", "GETKEYS", "config", "nosuch", "x"],
      ["COMMAND", "GETKEYS", "client|list", "x"],
    ],
  },
  {
    name: "COMMAND GETKEYSANDFLAGS",
    cmds: [
      ["COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "get"],
      ["COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b", "NX", "GET"],
      ["COMMAND", "GETKEYSANDFLAGS", "del", "a", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "get", "k"],
      ["COMMAND", "GETKEYSANDFLAGS", "incr", "k"],
      ["COMMAND", "GETKEYSANDFLAGS", "echo", "k"],
    ],
  },
  {
    name: "COMMAND LIST with filters matching one command or none",
    cmds: [
      ["COMMAND", "LIST", "FILTERBY", "PATTERN", "decrby"],
      ["COMMAND", "LIST", "FILTERBY", "pattern", "config|g?t"],
      ["COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*"],
      ["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
      ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcategory"],
    ],
  },
  {
    name: "COMMAND LIST syntax errors",
    cmds: [
      ["COMMAND", "LIST", "x"],
      ["COMMAND", "LIST", "FILTERBY"],
      ["COMMAND", "LIST", "FILTERBY", "aclcat"],
      ["COMMAND", "LIST", "FILTERBY", "foo", "bar"],
      ["COMMAND", "LIST", "FILTERBY", "pattern", "a", "b"],
    ],
  },
  {
    name: "COMMAND HELP, arity and unknown subcommands",
    cmds: [["COMMAND", "HELP"], ["COMMAND", "HELP", "x"], ["COMMAND", "COUNT", "x"], [
      "COMMAND",
      "FOO",
    ]],
  },

  // ---- CONFIG ----
  {
    name: "CONFIG GET",
    cmds: [
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "GET", "MAXMEMORY"],
      ["CONFIG", "GET", "nosuch"],
      ["CONFIG", "GET", "maxmemory-polic?"],
      ["CONFIG", "GET"],
    ],
  },
  {
    name: "CONFIG SET then GET (and back)",
    cmds: [
      ["CONFIG", "SET", "hz", "20"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "SET", "hz", "10"],
      ["CONFIG", "GET", "hz"],
    ],
  },
  {
    name: "CONFIG SET errors",
    cmds: [
      ["CONFIG", "SET", "hz"],
      ["CONFIG", "SET", "hz", "20", "maxmemory"],
      ["CONFIG", "SET", "nosuch", "1"],
      ["CONFIG", "SET", "hz", "abc"],
      ["CONFIG", "GET", "hz"],
    ],
  },
  {
    name: "CONFIG RESETSTAT, REWRITE without a config file, HELP",
    cmds: [
      ["CONFIG", "RESETSTAT"],
      ["CONFIG", "RESETSTAT", "x"],
      ["CONFIG", "REWRITE"],
      ["CONFIG", "REWRITE", "x"],
      ["CONFIG", "HELP"],
      ["CONFIG", "FOO"],
      ["CONFIG"],
    ],
  },

  // ---- CLIENT ----
  {
    name: "CLIENT SETNAME and GETNAME",
    cmds: [
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "worker-1"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "a b"],
      ["CLIENT", "SETNAME", "tab\there"],
      ["CLIENT", "SETNAME", bytes("\xff")],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", ""],
      ["CLIENT", "GETNAME"],
    ],
  },
  {
    name: "CLIENT arity errors",
    cmds: [
      ["CLIENT"],
      ["CLIENT", "ID", "x"],
      ["CLIENT", "GETNAME", "x"],
      ["CLIENT", "SETNAME"],
      ["CLIENT", "SETNAME", "a", "b"],
      ["CLIENT", "INFO", "x"],
      ["CLIENT", "KILL"],
      ["CLIENT", "PAUSE"],
      ["CLIENT", "UNPAUSE", "x"],
      ["CLIENT", "REPLY"],
      ["CLIENT", "NO-EVICT"],
      ["CLIENT", "FOO"],
    ],
  },
  {
    // Issue #3 lists them, but they came with Redis 7.2: 7.0.15, the reference, knows neither.
    name: "CLIENT SETINFO and CLIENT NO-TOUCH (Redis 7.2) are unknown subcommands",
    cmds: [
      ["CLIENT", "SETINFO", "lib-name", "redis-py"],
      ["CLIENT", "SETINFO", "lib-ver", "5.0.1"],
      ["CLIENT", "NO-TOUCH", "on"],
      ["CLIENT", "NO-TOUCH", "off"],
      ["client", "setinfo"],
    ],
  },
  // Volatile fields (id, addresses, ages, buffer sizes) are masked: client-info-volatile-fields.
  {
    name: "CLIENT INFO describes the connection",
    cmds: [
      ["CLIENT", "INFO"],
      ["CLIENT", "SETNAME", "me"],
      ["SELECT", "3"],
      ["CLIENT", "NO-EVICT", "on"],
      ["CLIENT", "INFO"],
      ["CLIENT", "NO-EVICT", "off"],
      ["CLIENT", "INFO"],
    ],
  },
  {
    name: "CLIENT LIST filters that match no client, and errors",
    cmds: [
      ["CLIENT", "LIST", "TYPE", "pubsub"],
      ["CLIENT", "LIST", "TYPE", "master"],
      ["CLIENT", "LIST", "TYPE", "replica"],
      ["CLIENT", "LIST", "TYPE", "slave"],
      ["CLIENT", "LIST", "ID", "0"],
      ["CLIENT", "LIST", "ID", "-1", "99999999", "0"],
      ["CLIENT", "LIST", "x"],
      ["CLIENT", "LIST", "TYPE"],
      ["CLIENT", "LIST", "TYPE", "foo"],
      ["CLIENT", "LIST", "TYPE", "normal", "x"],
      ["CLIENT", "LIST", "ID"],
      ["CLIENT", "LIST", "ID", "abc"],
      ["CLIENT", "LIST", "ID", "1", "abc"],
      ["CLIENT", "LIST", "ID", "1", "TYPE", "normal"],
      ["CLIENT", "LIST", "TYPE", "NORMAL", "ID", "1"],
    ],
  },
  {
    name: "CLIENT KILL that kills nobody, and errors",
    cmds: [
      ["CLIENT", "KILL", "1.2.3.4:5"],
      ["CLIENT", "KILL", "ID"],
      ["CLIENT", "KILL", "ID", "99999999"],
      ["CLIENT", "KILL", "ADDR", "1.2.3.4:5"],
      ["CLIENT", "KILL", "LADDR", "1.2.3.4:5"],
      ["CLIENT", "KILL", "TYPE", "master"],
      ["CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "no"],
      ["CLIENT", "KILL", "SKIPME", "no", "ID", "99999999"],
      ["CLIENT", "KILL", "ID", "abc"],
      ["CLIENT", "KILL", "ID", "0"],
      ["CLIENT", "KILL", "ID", "-5"],
      ["CLIENT", "KILL", "TYPE", "foo"],
      ["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "maybe"],
      ["CLIENT", "KILL", "USER", "nobody"],
      ["CLIENT", "KILL", "MAXAGE", "10"],
      ["CLIENT", "KILL", "foo", "bar"],
      ["CLIENT", "KILL", "ID", "99999999", "TYPE"],
    ],
  },
  {
    name: "CLIENT PAUSE and UNPAUSE",
    cmds: [
      ["CLIENT", "PAUSE", "abc"],
      ["CLIENT", "PAUSE", "-1"],
      ["CLIENT", "PAUSE", "1.5"],
      ["CLIENT", "PAUSE", "10", "foo"],
      ["CLIENT", "PAUSE", "abc", "foo"],
      ["CLIENT", "PAUSE", "10", "all", "x"],
      ["CLIENT", "PAUSE", "0"],
      ["CLIENT", "PAUSE", "20", "WRITE"],
      ["GET", "k"],
      ["CLIENT", "UNPAUSE"],
      ["SET", "k", "v"],
      ["CLIENT", "PAUSE", "20", "all"],
      ["CLIENT", "UNPAUSE"],
    ],
  },
  {
    name: "CLIENT REPLY ON, NO-EVICT, syntax errors",
    cmds: [
      ["CLIENT", "REPLY", "ON"],
      ["CLIENT", "REPLY", "foo"],
      ["CLIENT", "NO-EVICT", "on"],
      ["CLIENT", "NO-EVICT", "OFF"],
      ["CLIENT", "NO-EVICT", "maybe"],
    ],
  },
  // OFF and SKIP silence replies, so the bytes are compared as one stream.
  {
    name: "CLIENT REPLY OFF and SKIP silence replies",
    raw: [
      concat(
        resp("CLIENT", "REPLY", "SKIP"),
        resp("PING", "skipped"),
        resp("PING", "seen"),
        resp("CLIENT", "REPLY", "OFF"),
        resp("SET", "k", "v"),
        resp("NOSUCHCOMMAND"),
        resp("CLIENT", "REPLY", "SKIP"),
        resp("CLIENT", "REPLY", "ON"),
        resp("GET", "k"),
      ),
    ],
  },
  { name: "CLIENT HELP", cmds: [["CLIENT", "HELP"], ["client", "help"]] },

  // ---- INFO: the sections whose content is fixed ----
  {
    name: "INFO keyspace over several databases",
    cmds: [
      ["INFO", "keyspace"],
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["SET", "c", "3"],
      ["SET", "d", "4"],
      ["SELECT", "5"],
      ["SET", "a", "1"],
      ["INFO", "keyspace"],
      ["INFO", "KEYSPACE"],
    ],
  },
  {
    name: "INFO sections: unknown names, case, output order",
    cmds: [
      ["INFO", "bogus"],
      ["INFO", "cluster"],
      ["INFO", "Cluster"],
      ["INFO", "modules"],
      ["INFO", "keyspace", "cluster", "bogus"],
      ["INFO", "cluster", "modules", "cluster"],
    ],
  },

  // ---- ROLE, LOLWUT, WAIT ----
  { name: "ROLE", cmds: [["ROLE"], ["ROLE", "x"]] },
  {
    name: "LOLWUT prints the version (VERSION 5 and 6 draw at random)",
    cmds: [
      ["LOLWUT"],
      ["LOLWUT", "foo"],
      ["LOLWUT", "VERSION"],
      ["LOLWUT", "VERSION", "1"],
      ["LOLWUT", "VERSION", "7", "x"],
      ["LOLWUT", "VERSION", "abc"],
      ["LOLWUT", "VERSION", "5", "abc"],
      ["LOLWUT", "VERSION", "6", "80", "x"],
    ],
  },
  {
    name: "WAIT without replicas",
    cmds: [
      ["WAIT", "0", "0"],
      ["WAIT", "-1", "0"],
      ["WAIT", "1", "1"],
      ["WAIT", "a", "0"],
      ["WAIT", "0", "a"],
      ["WAIT", "0", "-1"],
      ["WAIT"],
    ],
  },

  // ---- SHUTDOWN: only the forms that don't stop the server ----
  {
    name: "SHUTDOWN syntax errors and ABORT",
    cmds: [
      ["SHUTDOWN", "foo"],
      ["SHUTDOWN", "NOSAVE", "SAVE"],
      ["SHUTDOWN", "SAVE", "NOSAVE", "NOW"],
      ["SHUTDOWN", "ABORT", "NOW"],
      ["SHUTDOWN", "abort", "force"],
      ["SHUTDOWN", "ABORT"],
      ["SHUTDOWN", "ABORT", "ABORT"],
    ],
  },

  // ---- DEBUG is refused by default (enable-debug-command no), after the arity check ----
  {
    name: "DEBUG is not allowed by default",
    cmds: [["DEBUG"], ["DEBUG", "HELP"], ["DEBUG", "SLEEP", "0"], ["DEBUG", "OBJECT", "k"], [
      "debug",
      "nosuch",
    ]],
  },
  {
    // Names that JavaScript objects inherit (constructor, __proto__, toString...) are nothing
    // special to Redis: unknown commands, subcommands, config names, units and classes.
    name: "Object.prototype's names as commands, subcommands, config values and units",
    cmds: [
      ["constructor"],
      ["__proto__", "x"],
      ["CONFIG", "GET", "constructor"],
      ["CONFIG", "SET", "__proto__", "1"],
      ["CONFIG", "SET", "maxmemory", "1constructor"],
      ["CONFIG", "SET", "maxmemory", "1__proto__"],
      ["CONFIG", "SET", "maxmemory", "1toString"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "client-output-buffer-limit", "constructor 0 0 0"],
      ["CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 __proto__ 0 0 0"],
      ["CONFIG", "SET", "client-output-buffer-limit", "valueOf 0 0 0"],
      ["CONFIG", "GET", "client-output-buffer-limit"],
      ["CONFIG", "SET", "maxmemory-policy", "constructor"],
      ["CONFIG", "SET", "appendfsync", "toString"],
      ["COMMAND", "INFO", "constructor", "__proto__"],
      ["OBJECT", "constructor", "k"],
      ["CLIENT", "__proto__"],
      ["SCAN", "0", "TYPE", "constructor"],
      ["PING"],
    ],
  },
] satisfies Case[];
