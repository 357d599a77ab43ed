// The request parser: inline commands, pipelining, frames split across writes, and protocol
// errors (which Redis answers with one error and then closes the connection).
import { type Case, concat, resp } from "../case.ts";

const PING = resp("PING");
/** Bytes past Redis's 64 KiB limit for a line (inline command or a * / $ header) with no CRLF yet. */
const OVERLONG = 70_000;

/** A malformed input that Redis answers with one error reply and then closes the connection. */
function fatal(name: string, ...raw: (string | Uint8Array)[]): Case {
  return { name, raw, expectClose: true };
}

export default [
  // Inline commands.
  { name: "inline PING", raw: ["PING\r\n"] },
  { name: "inline with LF only", raw: ["PING\nPING\r\n"] },
  { name: "inline empty and blank lines are ignored", raw: ["\r\n   \r\nPING\r\n"] },
  {
    name: "inline quoting",
    raw: [`SET "my key" 'v a l'\r\nGET "my key"\r\nECHO "\\x41\\n\\t"\r\nECHO 'it\\'s'\r\n`],
  },
  { name: "inline unknown command", raw: ["FOO a b\r\n"] },
  { name: "inline RESP type byte as a command", raw: ["+PING\r\n"] },
  fatal("inline unbalanced quotes", 'SET "a b\r\n'),
  fatal("inline closing quote followed by a character", 'SET "a"b c\r\n'),
  fatal("inline request too big", "A".repeat(OVERLONG)),

  // Pipelining and split frames.
  {
    name: "pipelined multibulk commands in one write",
    raw: [concat(resp("SET", "k", "1"), resp("INCR", "k"), resp("GET", "k"), PING)],
  },
  {
    name: "pipelined inline and multibulk mixed",
    raw: [concat("PING\r\n", resp("ECHO", "x"), "ECHO y\r\n", PING)],
  },
  {
    // With --shards 2 "a" and "foo" live on one shard, "b" and "bar" on the other: runs of
    // forwarded replies (copied in one piece), gaps left by CLIENT REPLY SKIP/OFF, errors,
    // split and fan-out replies all land in request order.
    name: "pipeline over keys of both shards",
    raw: [concat(
      resp("SET", "a", "1"),
      resp("SET", "foo", "2"),
      resp("SET", "b", "3"),
      resp("GET", "a"),
      resp("GET", "foo"),
      resp("CLIENT", "REPLY", "SKIP"),
      resp("GET", "a"),
      resp("GET", "foo"),
      resp("LPUSH", "bar", "x"),
      resp("GET", "bar"),
      resp("INCR", "foo"),
      resp("INCR", "a"),
      resp("CLIENT", "REPLY", "OFF"),
      resp("INCR", "a"),
      resp("GET", "foo"),
      resp("CLIENT", "REPLY", "ON"),
      resp("GET", "a"),
      resp("MGET", "a", "b", "foo", "bar", "nokey"),
      resp("GET", "foo"),
      resp("DBSIZE"),
      resp("DEL", "a", "b"),
      resp("GET", "a"),
      resp("GET", "foo"),
      resp("GET", "foo"),
      resp("HGETALL", "foo"),
      resp("GET", "nokey"),
      PING,
    )],
  },
  { name: "frame split across writes", raw: ["*2\r\n$4\r\nEC", "HO\r\n$5\r\nhel", "lo\r\n"] },
  {
    name: "frame split between CR and LF",
    raw: ["*1\r", "\n$4\r", "\nPING\r", "\n", "PING\r", "\n"],
  },
  {
    name: "frame sent one byte per write",
    raw: [...new TextDecoder().decode(resp("ECHO", "ab"))],
    pauseMs: 3,
  },
  {
    name: "pipeline ending in a partial frame completed later",
    raw: [concat(PING, "*2\r\n$4\r\nECHO\r\n$3\r\nab"), "c\r\n"],
  },
  {
    name: "empty and negative multibulk counts are skipped",
    raw: ["*0\r\n*-1\r\n*-5\r\nPING\r\n"],
  },
  // Redis skips the two bytes after a bulk payload without checking that they are CRLF.
  { name: "bulk terminator is not checked", raw: ["*1\r\n$4\r\nPINGxx", "PING\r\n"] },
  { name: "empty bulk argument", raw: ["*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"] },

  // Protocol errors: one error reply, then the connection closes.
  fatal("non-numeric bulk length", "*1\r\n$abc\r\n"),
  fatal("non-numeric multibulk count", "*abc\r\n"),
  fatal("bulk length above proto-max-bulk-len", "*1\r\n$536870913\r\n"),
  fatal("bulk length above 2^31", "*1\r\n$2147483648\r\n"),
  fatal("negative bulk length", "*2\r\n$4\r\nECHO\r\n$-1\r\n"),
  fatal("multibulk count too large", "*2147483648\r\n"),
  fatal("multibulk count with a plus sign", "*+1\r\n"),
  fatal("multibulk count with a leading zero", "*01\r\n$4\r\nPING\r\n"),
  fatal("bulk length with a leading space", "*1\r\n$ 4\r\nPING\r\n"),
  fatal("bulk length line ended by LF only", "*1\r\n$4\nPING\r\n"),
  fatal("multibulk element that is not a bulk", "*1\r\nfoo\r\n"),
  fatal("replies before the error are kept", concat(PING, "*1\r\n$x\r\n", PING)),
  fatal("multibulk count line too long", "*" + "1".repeat(OVERLONG)),
  fatal("bulk length line too long", "*1\r\n$" + "1".repeat(OVERLONG)),
] satisfies Case[];
