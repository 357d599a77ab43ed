// String keyspace basics: SET, GET, DEL, INCR, plus arity and unknown-command errors.
import { bytes, type Case, patternBytes } from "../case.ts";

const BINARY = bytes("\0\r\n\xff");

/** SET key to `value`, then INCR it and read it back: INCR's parsing of stored strings. */
function incrOn(value: string): Case {
  return {
    name: `INCR on ${JSON.stringify(value)}`,
    cmds: [["SET", "n", value], ["INCR", "n"], ["GET", "n"]],
  };
}

export default [
  { name: "SET/GET basic", cmds: [["SET", "k", "v"], ["GET", "k"], ["GET", "missing"]] },
  { name: "command names are case-insensitive", cmds: [["set", "k", "v"], ["gEt", "k"]] },
  { name: "SET overwrites", cmds: [["SET", "k", "a"], ["SET", "k", "b"], ["GET", "k"]] },
  {
    name: "empty value and empty key",
    cmds: [["SET", "k", ""], ["GET", "k"], ["SET", "", "v"], ["GET", ""]],
  },
  {
    name: "binary keys and values",
    cmds: [
      ["SET", BINARY, BINARY],
      ["GET", BINARY],
      ["SET", "k", bytes("a\0b")],
      ["GET", "k"],
      ["GET", bytes("\0")],
    ],
  },
  { name: "UTF-8 key and value", cmds: [["SET", "ключ", "значение ✓"], ["GET", "ключ"]] },
  { name: "1 MB value", cmds: [["SET", "big", patternBytes(1 << 20)], ["GET", "big"]] },
  {
    name: "SET NX/XX",
    cmds: [
      ["SET", "k", "a", "XX"],
      ["SET", "k", "a", "NX"],
      ["SET", "k", "b", "NX"],
      ["SET", "k", "c", "XX"],
      ["GET", "k"],
    ],
  },
  {
    name: "SET GET option",
    cmds: [["SET", "k", "a", "GET"], ["SET", "k", "b", "GET"], ["GET", "k"]],
  },
  {
    name: "SET option errors",
    cmds: [
      ["SET", "k", "v", "FOO"],
      ["SET", "k", "v", "NX", "XX"],
      ["SET", "k", "v", "EX", "0"],
      ["SET", "k", "v", "EX", "abc"],
      ["SET", "k", "v", "EX"],
      ["GET", "k"],
    ],
  },
  {
    name: "DEL several keys",
    cmds: [
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["DEL", "a", "b", "c", "a"],
      ["GET", "a"],
      ["GET", "b"],
    ],
  },
  { name: "DEL missing key", cmds: [["DEL", "missing"]] },
  {
    name: "INCR creates and counts",
    cmds: [
      ["INCR", "n"],
      ["INCR", "n"],
      ["GET", "n"],
      ["SET", "n", "41"],
      ["INCR", "n"],
      ["GET", "n"],
    ],
  },
  {
    name: "INCR on a non-integer",
    cmds: [
      ["SET", "n", "abc"],
      ["INCR", "n"],
      ["SET", "n", "1.5"],
      ["INCR", "n"],
      ["SET", "n", ""],
      ["INCR", "n"],
      ["GET", "n"],
    ],
  },
  {
    name: "INCR overflow",
    cmds: [["SET", "n", "9223372036854775806"], ["INCR", "n"], ["INCR", "n"], ["GET", "n"]],
  },
  { name: "INCR from the minimum", cmds: [["SET", "n", "-9223372036854775808"], ["INCR", "n"]] },
  ...["-0", " 1", "1 ", "01", "+1", "-1", "0", "9223372036854775808", "-9223372036854775809"]
    .map(incrOn),
  { name: "INCR on a binary value", cmds: [["SET", "n", bytes("1\0")], ["INCR", "n"]] },
  {
    name: "INCR and GET on a list are WRONGTYPE",
    cmds: [["RPUSH", "l", "a"], ["INCR", "l"], ["GET", "l"], ["SET", "l", "v"], ["GET", "l"]],
  },
  {
    name: "wrong arity",
    cmds: [
      ["SET"],
      ["SET", "k"],
      ["GET"],
      ["GET", "a", "b"],
      ["DEL"],
      ["INCR"],
      ["INCR", "a", "b"],
      ["set", "k"],
    ],
  },
  {
    name: "unknown command with args preview",
    cmds: [
      ["FOO", "a", "b"],
      ["FOO"],
      ["foo", "x"],
      ["FOO", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
    ],
  },
  {
    // Redis cuts the name and the preview at 128 characters and turns CR/LF into spaces.
    name: "unknown command with long and multi-line args",
    cmds: [
      ["X".repeat(200), "a"],
      ["FOO", "y".repeat(200), "z"],
      ["FOO", "a\r\nb", bytes("\xff")],
      ["FOO\r\nBAR"],
    ],
  },
] satisfies Case[];
