import assert from "node:assert/strict";
import { RespProtocolError, RespReader, type RespReply } from "../../src/protocol/resp_reader.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

/** Feeds `wire` in chunks of `chunkSize` bytes, collecting every reply as it completes. */
function readAll(wire: string | Uint8Array, chunkSize?: number): RespReply[] {
  const data = typeof wire === "string" ? bytes(wire) : wire;
  const step = chunkSize ?? data.length;
  const reader = new RespReader();
  const replies: RespReply[] = [];
  for (let i = 0; i < data.length; i += step) {
    reader.feed(data.subarray(i, i + step));
    for (let r = reader.next(); r; r = reader.next()) replies.push(r);
  }
  return replies;
}

const EVERY_TYPE =
  "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n_\r\n,3.14\r\n,inf\r\n#t\r\n#f\r\n" +
  "(123456789012345678901234567890\r\n=15\r\ntxt:Some string\r\n*2\r\n:1\r\n*1\r\n$0\r\n\r\n" +
  "%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n>2\r\n$10\r\ninvalidate\r\n*0\r\n*0\r\n%0\r\n:9223372036854775807\r\n";

const EXPECTED: RespReply[] = [
  { kind: "status", bytes: bytes("OK") },
  { kind: "error", bytes: bytes("ERR bad") },
  { kind: "integer", value: -42n },
  { kind: "bulk", bytes: bytes("he\r\no") },
  { kind: "nil" },
  { kind: "nil" },
  { kind: "nil" },
  { kind: "double", text: "3.14" },
  { kind: "double", text: "inf" },
  { kind: "boolean", value: true },
  { kind: "boolean", value: false },
  { kind: "bignum", text: "123456789012345678901234567890" },
  { kind: "verbatim", format: "txt", bytes: bytes("Some string") },
  {
    kind: "array",
    items: [{ kind: "integer", value: 1n }, {
      kind: "array",
      items: [{ kind: "bulk", bytes: bytes("") }],
    }],
  },
  {
    kind: "map",
    items: [{ kind: "status", bytes: bytes("k") }, {
      kind: "set",
      items: [{ kind: "integer", value: 1n }, { kind: "integer", value: 2n }],
    }],
  },
  {
    kind: "push",
    items: [{ kind: "bulk", bytes: bytes("invalidate") }, { kind: "array", items: [] }],
  },
  { kind: "array", items: [] },
  { kind: "map", items: [] },
  { kind: "integer", value: 9223372036854775807n },
];

Deno.test("resp_reader: decodes every RESP2 and RESP3 reply type", () => {
  assert.deepEqual(readAll(EVERY_TYPE), EXPECTED);
});

Deno.test("resp_reader: any split of the input gives the same replies", () => {
  for (const size of [1, 2, 3, 7, 16]) {
    assert.deepEqual(readAll(EVERY_TYPE, size), EXPECTED, `chunks of ${size}`);
  }
});

Deno.test("resp_reader: incomplete input yields nothing until the reply is whole", () => {
  const reader = new RespReader();
  reader.feed(bytes("*2\r\n$3\r\nfoo\r\n$3\r\nba"));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.pending, true);
  reader.feed(bytes("r\r\n"));
  assert.deepEqual(reader.next(), {
    kind: "array",
    items: [{ kind: "bulk", bytes: bytes("foo") }, { kind: "bulk", bytes: bytes("bar") }],
  });
  assert.equal(reader.pending, false);
});

Deno.test("resp_reader: attributes are dropped, the reply they annotate is kept", () => {
  const wire = "|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.19\r\n$5\r\nhello\r\n" +
    "*2\r\n|1\r\n+ttl\r\n:10\r\n:1\r\n:2\r\n";
  assert.deepEqual(readAll(wire), [
    { kind: "bulk", bytes: bytes("hello") },
    { kind: "array", items: [{ kind: "integer", value: 1n }, { kind: "integer", value: 2n }] },
  ]);
});

Deno.test("resp_reader: binary bulk payloads survive buffer reuse and growth", () => {
  const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
  const header = bytes(`$${payload.length}\r\n`);
  const wire = new Uint8Array(header.length + payload.length + 2 + 5);
  wire.set(header);
  wire.set(payload, header.length);
  wire.set(bytes("\r\n+OK\r\n"), header.length + payload.length);
  const replies = readAll(wire, 4096);
  assert.equal(replies.length, 2);
  assert.deepEqual(replies[0], { kind: "bulk", bytes: payload });
  assert.deepEqual(replies[1], { kind: "status", bytes: bytes("OK") });
});

Deno.test("resp_reader: protocol errors use hiredis's words", () => {
  const error = (wire: string) => {
    try {
      readAll(wire);
    } catch (e) {
      assert.ok(e instanceof RespProtocolError);
      return e.message;
    }
    return "no error";
  };
  assert.equal(error("HTTP/1.1 400\r\n"), 'Protocol error, got "H" as reply type byte');
  assert.equal(error(":12a\r\n"), "Bad integer value");
  assert.equal(error(",abc\r\n"), "Bad double value");
  assert.equal(error("#x\r\n"), "Bad bool value");
  assert.equal(error("_x\r\n"), "Bad nil value");
});
