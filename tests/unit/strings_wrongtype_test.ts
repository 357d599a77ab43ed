// The string handlers on a key of another type, called directly on one shard: IronCache has
// no list commands yet (tests/differential/cases/strings_wrongtype.ts waits for them), so the
// non-string key is made with the engine's setObject. Expected replies are redis-server 7.0's.
import assert from "node:assert/strict";
import { Args } from "../../src/protocol/args.ts";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { TYPE_LIST } from "../../src/engine/keyspace.ts";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { Client } from "../../src/server/client.ts";
import { commandByName } from "../../src/commands/table.ts";
import type { CommandContext } from "../../src/commands/spec.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const keyspace = createKeyspace();
const shard = new Shard(0, 1, keyspace, new ConfigStore(await loadConfig([], {})));
const client = new Client("127.0.0.1:1", "127.0.0.1:2");
const WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

function argsOf(argv: string[]): Args {
  const args = new Args();
  const parts = argv.map((a) => encoder.encode(a));
  args.argBuf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  args.argStart = new Int32Array(Math.max(16, parts.length));
  args.argLen = new Int32Array(Math.max(16, parts.length));
  let at = 0;
  parts.forEach((p, i) => {
    args.argBuf.set(p, at);
    args.argStart[i] = at;
    args.argLen[i] = p.length;
    at += p.length;
  });
  args.argc = parts.length;
  return args;
}

/** Runs one command's handler on the shard (resp 2 or 3); returns its reply text. */
function run(argv: string[], resp: 2 | 3 = 2): string {
  const spec = commandByName(argv[0]);
  assert.ok(spec, argv[0]);
  const out = new ReplyWriter();
  out.resp = resp;
  const ctx: CommandContext = { args: argsOf(argv), client, out, shard, spec, cross: null };
  const result = spec.handler(ctx);
  assert.equal(result, undefined, "string handlers are synchronous");
  return decoder.decode(out.bytes());
}

function makeList(key: string): void {
  keyspace.flush(0);
  assert.equal(keyspace.setObject(0, encoder.encode(key), TYPE_LIST, 1), 0);
}

function assertStillList(key: string): void {
  assert.equal(keyspace.type(0, encoder.encode(key)), TYPE_LIST);
}

Deno.test("reads and writes of a list are WRONGTYPE, and leave it alone", () => {
  const commands = [
    ["GET", "l"],
    ["GETDEL", "l"],
    ["GETEX", "l"],
    ["GETEX", "l", "PERSIST"],
    ["STRLEN", "l"],
    ["GETRANGE", "l", "0", "-1"],
    ["SUBSTR", "l", "0", "-1"],
    ["APPEND", "l", "x"],
    ["SETRANGE", "l", "0", "x"],
    ["SETRANGE", "l", "0", ""],
    ["INCR", "l"],
    ["DECR", "l"],
    ["INCRBY", "l", "5"],
    ["DECRBY", "l", "5"],
    ["INCRBYFLOAT", "l", "1.5"],
    ["INCRBYFLOAT", "l", "abc"],
    ["GETSET", "l", "v"],
    ["SET", "l", "v", "GET"],
    ["SET", "l", "v", "NX", "GET"],
    ["GETEX", "l", "EX", "0"],
    ["GETEX", "l", "EX", "abc"],
  ];
  makeList("l");
  for (const argv of commands) {
    assert.equal(run(argv), WRONGTYPE, argv.join(" "));
    assertStillList("l");
  }
});

Deno.test("argument errors come before WRONGTYPE", () => {
  makeList("l");
  const expected: [string[], string][] = [
    [["GETRANGE", "l", "a", "1"], "-ERR value is not an integer or out of range\r\n"],
    [["SETRANGE", "l", "-1", "x"], "-ERR offset is out of range\r\n"],
    [["SETRANGE", "l", "x", "x"], "-ERR value is not an integer or out of range\r\n"],
    [["INCRBY", "l", "x"], "-ERR value is not an integer or out of range\r\n"],
    [["DECRBY", "l", "-9223372036854775808"], "-ERR decrement would overflow\r\n"],
    [["SET", "l", "v", "GET", "EX", "0"], "-ERR invalid expire time in 'set' command\r\n"],
    [["GETEX", "l", "FOO"], "-ERR syntax error\r\n"],
    [["LCS", "l", "x", "FOO"], "-ERR The specified keys must contain string values\r\n"],
    [["LCS", "x", "l", "LEN"], "-ERR The specified keys must contain string values\r\n"],
  ];
  for (const [argv, reply] of expected) assert.equal(run(argv), reply, argv.join(" "));
  assertStillList("l");
});

Deno.test("MGET reads a list as null; SETNX and MSETNX see that it exists", () => {
  makeList("l");
  assert.equal(run(["MGET", "l", "x", "l"]), "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  assert.equal(run(["MGET", "l", "x"], 3), "*2\r\n_\r\n_\r\n");
  assert.equal(run(["SETNX", "l", "v"]), ":0\r\n");
  assert.equal(run(["MSETNX", "x", "1", "l", "2"]), ":0\r\n");
  assert.equal(run(["EXISTS", "x"]), ":0\r\n");
  assertStillList("l");
});

Deno.test("SET, SETEX and MSET replace a list", () => {
  for (
    const argv of [["SET", "l", "v"], ["SETEX", "l", "100", "v"], ["MSET", "l", "v", "k", "w"], [
      "SET",
      "l",
      "v",
      "XX",
    ]]
  ) {
    makeList("l");
    assert.equal(run(argv), "+OK\r\n", argv.join(" "));
    assert.equal(run(["GET", "l"]), "$1\r\nv\r\n");
  }
});
