// The reply formatter against the real thing: each reply is fetched from a real
// redis-server and formatted by us, and the same command is run through the real
// redis-cli 7 (--no-raw / --raw); the bytes must match exactly.
import assert from "node:assert/strict";
import { startRedis } from "../helpers/servers.ts";
import { CliConnection } from "../../src/cli/connection.ts";
import {
  formatHuman,
  formatInvalidatePush,
  formatRaw,
  quoteBytes,
} from "../../src/cli/reply_format.ts";
import type { RespReply } from "../../src/protocol/resp_reader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const NEWLINE = enc.encode("\n");

async function realRedisCli(
  port: number,
  args: string[],
  mode: { resp3: boolean; raw: boolean },
): Promise<string> {
  const flags = [mode.raw ? "--raw" : "--no-raw", ...(mode.resp3 ? ["-3"] : [])];
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(port), ...flags, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `redis-cli ${args.join(" ")} failed: ${dec.decode(out.stderr)}`);
  return latin1Text(out.stdout);
}

async function ourReply(
  port: number,
  args: (string | Uint8Array)[],
  resp3: boolean,
): Promise<RespReply> {
  const conn = await CliConnection.open({ host: "127.0.0.1", port });
  try {
    const toBytes = (a: string | Uint8Array) => typeof a === "string" ? enc.encode(a) : a;
    if (resp3) {
      await conn.send(["HELLO", "3"].map(toBytes));
      await conn.read();
    }
    await conn.send(args.map(toBytes));
    // redis-cli drops pushes when its stdout is not a terminal; so do we, here.
    for (;;) {
      const reply = await conn.read();
      if (reply.kind !== "push") return reply;
    }
  } finally {
    conn.close();
  }
}

/** Bytes as one char each, so binary output compares exactly and diffs stay readable. */
function latin1Text(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => String.fromCharCode(b)).join("");
}

const SETUP: (string | Uint8Array)[][] = [
  [
    "SET",
    "bin",
    Uint8Array.from([0, 1, 0x7f, 0x80, 0xff, 0x22, 0x5c, 10, 13, 9, 7, 8, 0x20, 0xc3, 0xa9, 0x27]),
  ],
  ["SET", "plain", 'say "hi"\\ now'],
  ["SET", "s", "text"],
  ["SET", "negative", "-5"],
  ["RPUSH", "list11", ...Array.from({ length: 11 }, (_, i) => `item${i + 1}`)],
  ["RPUSH", "list100", ...Array.from({ length: 100 }, (_, i) => String(i))],
  ["HSET", "h", "field1", "v1", "field2", "v2"],
  ["SADD", "set1", "only"],
  ["SADD", "set12", ...Array.from({ length: 12 }, (_, i) => String(i * 3))],
  ["ZADD", "z", "1.5", "a", "2", "b", "-0.25", "c"],
  ["XADD", "st", "1-1", "name", "ann", "age", "3"],
  ["XADD", "st", "2-1", "name", "bob"],
];

/** Commands whose replies cover every type, both protocols, nesting and escaping. */
const COMMANDS: string[][] = [
  ["PING"],
  ["SET", "k", "v"],
  ["GET", "missing"],
  ["INCRBY", "negative", "0"], // every command must be repeatable: both clients run it
  ["INCR", "s"],
  ["GET", "bin"],
  ["GET", "plain"],
  ["LRANGE", "list11", "0", "-1"],
  ["LRANGE", "list100", "0", "-1"],
  ["LRANGE", "missing", "0", "-1"],
  ["HGETALL", "h"],
  ["HGETALL", "missing"],
  ["SMEMBERS", "set1"],
  ["SMEMBERS", "set12"],
  ["SMEMBERS", "missing"],
  ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["ZSCORE", "z", "c"],
  ["XRANGE", "st", "-", "+"],
  ["EVAL", "return {1,{2,{3,'x'},{}},'s',{{}},{{{'deep'}}}}", "0"],
  [
    "EVAL",
    "return {1, redis.error_reply('My Error'), redis.status_reply('FINE'), true, false}",
    "0",
  ],
  ["EVAL", "return {map={a={1,2}, one={1}, e={}, n={map={x={1,2}}}}}", "0"],
  ["EVAL", "return {map={k={map={a=1}}}, set={x=true}}", "0"],
  ["EVAL", "return {double=3.5}", "0"],
  ["EVAL", "return {set={x=true, y=true}}", "0"],
  ["EVAL", "return {map={s={set={x=true}}, t={set={x=true, y=true}}}}", "0"],
  ["DEBUG", "PROTOCOL", "string"],
  ["DEBUG", "PROTOCOL", "integer"],
  ["DEBUG", "PROTOCOL", "double"],
  ["DEBUG", "PROTOCOL", "null"],
  ["DEBUG", "PROTOCOL", "array"],
  ["DEBUG", "PROTOCOL", "set"],
  ["DEBUG", "PROTOCOL", "map"],
  ["DEBUG", "PROTOCOL", "verbatim"],
  ["DEBUG", "PROTOCOL", "true"],
  ["DEBUG", "PROTOCOL", "false"],
  ["DEBUG", "PROTOCOL", "push"],
];

Deno.test("format: byte-identical to redis-cli 7 for real replies (RESP2 and RESP3, human and raw)", async (t) => {
  const redis = await startRedis(["--enable-debug-command", "yes"]);
  try {
    const setup = await CliConnection.open({ host: "127.0.0.1", port: redis.port });
    for (const args of SETUP) {
      await setup.send(args.map((a) => typeof a === "string" ? enc.encode(a) : a));
      await setup.read();
    }
    setup.close();
    for (const resp3 of [false, true]) {
      for (const raw of [false, true]) {
        await t.step(`${resp3 ? "RESP3" : "RESP2"} ${raw ? "--raw" : "--no-raw"}`, async () => {
          for (const args of COMMANDS) {
            const expected = await realRedisCli(redis.port, args, { resp3, raw });
            const reply = await ourReply(redis.port, args, resp3);
            const ours = raw ? [...formatRaw(reply, NEWLINE), ...NEWLINE] : [...formatHuman(reply)];
            assert.equal(latin1Text(Uint8Array.from(ours)), expected, `${args.join(" ")}`);
          }
        });
      }
    }
  } finally {
    await redis.stop();
  }
});

const b = (s: string) => enc.encode(s);
const human = (r: RespReply) => dec.decode(formatHuman(r));

Deno.test("format: replies redis-cli 7.0 cannot show (big numbers) and pushes", () => {
  // redis-cli 7.0 exits with "Unknown reply type: 13"; newer versions use this prefix.
  assert.equal(
    human({ kind: "bignum", text: "-1234567890123456789012345" }),
    "(big number) -1234567890123456789012345\n",
  );
  assert.equal(dec.decode(formatRaw({ kind: "bignum", text: "12" }, NEWLINE)), "12");
  const push: RespReply = {
    kind: "push",
    items: [{ kind: "bulk", bytes: b("message") }, { kind: "bulk", bytes: b("ch") }],
  };
  assert.equal(human(push), '1) "message"\n2) "ch"\n');
  assert.equal(human({ kind: "push", items: [] }), "(empty push)\n");
});

Deno.test("format: client-tracking invalidation pushes get redis-cli's one-line form", () => {
  const keys: RespReply = {
    kind: "array",
    items: [{ kind: "bulk", bytes: b("k1") }, { kind: "bulk", bytes: b("k2") }],
  };
  const push: RespReply = { kind: "push", items: [{ kind: "bulk", bytes: b("invalidate") }, keys] };
  assert.equal(dec.decode(formatInvalidatePush(push)!), "-> invalidate: 'k1', 'k2'\n");
  // FLUSHALL invalidates with a null key list: printed as an ordinary push.
  assert.equal(
    formatInvalidatePush({
      kind: "push",
      items: [{ kind: "bulk", bytes: b("invalidate") }, { kind: "nil" }],
    }),
    null,
  );
});

Deno.test("format: errors and statuses end at a NUL byte, as C's %s does", () => {
  assert.equal(
    human({ kind: "error", bytes: Uint8Array.from([69, 82, 82, 0, 88]) }),
    "(error) ERR\n",
  );
  assert.equal(human({ kind: "status", bytes: Uint8Array.from([79, 0, 75]) }), "O\n");
});

Deno.test("format: quoteBytes escapes like sdscatrepr", () => {
  assert.equal(
    quoteBytes(Uint8Array.from([0x22, 0x5c, 10, 13, 9, 7, 8, 0, 0x7f, 0x20, 0x7e, 0xff])),
    '"\\"\\\\\\n\\r\\t\\a\\b\\x00\\x7f ~\\xff"',
  );
});
