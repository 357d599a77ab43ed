// String commands on a key of another type (a list): WRONGTYPE, the commands that read such a
// key as missing (MGET) or replace it (SET, MSET), and which error wins when there are several.
import { type Case } from "../case.ts";

/** Make "l" a list, run the commands, then check that the list is still there. */
function onList(name: string, cmds: string[][]): Case {
  return {
    name,
    cmds: [["RPUSH", "l", "a"], ...cmds, ["TYPE", "l"]],
  };
}

export default [
  onList("reads of a list are WRONGTYPE", [
    ["GET", "l"],
    ["GETDEL", "l"],
    ["GETEX", "l"],
    ["GETEX", "l", "PERSIST"],
    ["STRLEN", "l"],
    ["GETRANGE", "l", "0", "-1"],
    ["SUBSTR", "l", "0", "-1"],
    ["LCS", "l", "x"],
    ["LCS", "x", "l", "LEN"],
  ]),
  onList("writes to a list are WRONGTYPE", [
    ["APPEND", "l", "x"],
    ["SETRANGE", "l", "0", "x"],
    ["SETRANGE", "l", "0", ""],
    ["INCR", "l"],
    ["DECR", "l"],
    ["INCRBY", "l", "5"],
    ["DECRBY", "l", "5"],
    ["INCRBYFLOAT", "l", "1.5"],
    ["GETSET", "l", "v"],
    ["SET", "l", "v", "GET"],
    ["SET", "l", "v", "NX", "GET"],
  ]),
  onList("argument errors come before WRONGTYPE", [
    ["GETRANGE", "l", "a", "1"],
    ["SETRANGE", "l", "-1", "x"],
    ["SETRANGE", "l", "x", "x"],
    ["INCRBY", "l", "x"],
    ["DECRBY", "l", "-9223372036854775808"],
    ["SET", "l", "v", "GET", "EX", "0"],
    ["GETEX", "l", "FOO"],
    ["LCS", "l", "x", "FOO"],
  ]),
  onList("WRONGTYPE comes before value errors", [
    ["INCRBYFLOAT", "l", "abc"],
    ["GETEX", "l", "EX", "0"],
    ["GETEX", "l", "EX", "abc"],
  ]),
  onList("MGET reads a list as null; SETNX and MSETNX see it exists", [
    ["MGET", "l", "x", "l"],
    ["SETNX", "l", "v"],
    ["MSETNX", "x", "1", "l", "2"],
    ["EXISTS", "x"],
    ["SET", "l", "v", "XX", "NX"],
  ]),
  {
    name: "SET, SETEX and MSET replace a list",
    cmds: [
      ["RPUSH", "l1", "a"],
      ["RPUSH", "l2", "a"],
      ["RPUSH", "l3", "a"],
      ["RPUSH", "l4", "a"],
      ["SET", "l1", "v"],
      ["SETEX", "l2", "100", "v"],
      ["MSET", "l3", "v", "k1", "w"],
      ["SET", "l4", "v", "XX"],
      ["MGET", "l1", "l2", "l3", "l4"],
      ["TYPE", "l3"],
    ],
  },
] satisfies Case[];
