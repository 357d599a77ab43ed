// Connection commands: PING, ECHO, HELLO, QUIT.
import type { Case } from "../case.ts";

export default [
  { name: "PING", cmds: [["PING"], ["ping"], ["PiNg"]] },
  { name: "PING with a message", cmds: [["PING", "hello"], ["PING", ""]] },
  { name: "PING wrong arity", cmds: [["PING", "a", "b"]] },
  { name: "ECHO", cmds: [["ECHO", "hello world"], ["ECHO", ""], ["echo", "\r\n"]] },
  { name: "ECHO wrong arity", cmds: [["ECHO"], ["ECHO", "a", "b"]] },
  // The reply's server/version/id values are masked (normalizer hello-server-identity).
  { name: "HELLO 2", cmds: [["HELLO", "2"]] },
  { name: "HELLO 3", cmds: [["HELLO", "3"], ["PING"], ["GET", "missing"]] },
  { name: "HELLO without a version keeps the protocol", cmds: [["HELLO"]] },
  { name: "HELLO back to 2 from 3", cmds: [["HELLO", "3"], ["HELLO", "2"], ["GET", "missing"]] },
  { name: "HELLO 4 NOPROTO", cmds: [["HELLO", "4"], ["HELLO", "1"], ["PING"]] },
  { name: "HELLO non-integer version", cmds: [["HELLO", "abc"], ["HELLO", "3.0"]] },
  { name: "QUIT", cmds: [["QUIT"]], expectClose: true },
  { name: "QUIT ignores arguments", cmds: [["QUIT", "now"]], expectClose: true },
  { name: "QUIT after other commands", raw: ["PING\r\nQUIT\r\nPING\r\n"], expectClose: true },
  {
    // getIntFromObjectOrReply: not a number, then outside a C int, then selectDb's range.
    name: "SELECT: database index errors",
    cmds: [
      ["SELECT", "15"],
      ["SELECT", "16"],
      ["SELECT", "-1"],
      ["SELECT", "abc"],
      ["SELECT", ""],
      ["SELECT", "1.5"],
      ["SELECT", "2147483647"],
      ["SELECT", "2147483648"],
      ["SELECT", "-2147483649"],
      ["SELECT", "9223372036854775807"],
      ["SELECT", "9223372036854775808"],
      ["SELECT", "0"],
    ],
  },
] satisfies Case[];
