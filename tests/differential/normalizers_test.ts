// Unit tests for the harness's pure parts: the lossless RESP tree, normalizers, escaping.
import assert from "node:assert/strict";
import { bytes } from "./case.ts";
import { describeCommand, escapeBytes } from "./escape.ts";
import { normalizeReply, NORMALIZERS } from "./normalizers.ts";
import { encodeFrame, parseFrame, splitFrames } from "./resp.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);

const HELLO2 =
  "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n" +
  "$2\r\nid\r\n:23\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

Deno.test("resp: parse then encode gives back every kind of frame byte for byte", () => {
  for (
    const frame of [
      "+OK\r\n",
      "-ERR x\r\n",
      ":-5\r\n",
      "$-1\r\n",
      "$3\r\na\r\n\r\n",
      "*-1\r\n",
      "*0\r\n",
      "_\r\n",
      ",1.5\r\n",
      "#t\r\n",
      "(123\r\n",
      "!3\r\nerr\r\n",
      "=7\r\ntxt:abc\r\n",
      "~1\r\n:1\r\n",
      ">2\r\n+a\r\n+b\r\n",
      "%1\r\n+k\r\n*2\r\n:1\r\n$0\r\n\r\n",
      "|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",
      HELLO2,
    ]
  ) assert.equal(text(encodeFrame(parseFrame(enc(frame)))), frame);
  const binary = bytes("$3\r\n\0\xff\n\r\n");
  assert.deepEqual(encodeFrame(parseFrame(binary)), binary);
});

Deno.test("resp: splitFrames splits a stream and rejects a partial one", () => {
  assert.deepEqual(splitFrames(enc("+A\r\n:1\r\n"))?.map(text), ["+A\r\n", ":1\r\n"]);
  assert.equal(splitFrames(enc("+A\r\n$5\r\nab")), null);
});

Deno.test("hello-server-identity masks server, version and id only, in RESP2 and RESP3", () => {
  const masked = text(normalizeReply(["HELLO", "2"], enc(HELLO2)));
  assert.match(
    masked,
    /\$6\r\nserver\r\n\$12\r\n<normalized>\r\n\$7\r\nversion\r\n\$12\r\n<normalized>\r\n/,
  );
  assert.match(masked, /\$2\r\nid\r\n:<normalized>\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n/);
  const other = HELLO2.replace("$5\r\nredis", "$9\r\nironcache").replace(":23", ":1");
  assert.equal(text(normalizeReply(["hello"], enc(other))), masked);
  const resp3 = "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n";
  assert.equal(
    text(normalizeReply(["HELLO", "3"], enc(resp3))),
    "%2\r\n$6\r\nserver\r\n$12\r\n<normalized>\r\n$5\r\nproto\r\n:3\r\n",
  );
});

Deno.test("normalizers leave other commands, errors and malformed replies alone", () => {
  const untouched: [string[], string][] = [
    [["GET", "k"], "*2\r\n$6\r\nserver\r\n$1\r\nx\r\n"],
    [["HELLO", "4"], "-NOPROTO x\r\n"],
    [["HELLO"], "%1\r\n$6\r\nser"],
  ];
  for (const [cmd, reply] of untouched) {
    assert.equal(text(normalizeReply(cmd, enc(reply))), reply);
  }
});

Deno.test("info-version-lines masks only the redis_version value", () => {
  const info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
  const out = text(normalizeReply(["INFO"], enc(`$${info.length}\r\n${info}\r\n`)));
  assert.match(out, /redis_version:<normalized>\r\nredis_mode:standalone\r\n/);
  assert.equal(
    Number(out.slice(1, out.indexOf("\r\n"))),
    info.length - "7.0.15".length + "<normalized>".length,
  );
});

Deno.test("every normalizer is documented in the README", async () => {
  const readme = await Deno.readTextFile(new URL("./README.md", import.meta.url));
  for (const n of NORMALIZERS) {
    assert.ok(readme.includes(`\`${n.name}\``), `README.md does not describe ${n.name}`);
  }
});

Deno.test("escapeBytes and describeCommand show bytes unambiguously", () => {
  assert.equal(escapeBytes(bytes('a\0\r\n\t"\\\xff\x7f')), '"a\\0\\r\\n\\t\\"\\\\\\xff\\x7f"');
  assert.equal(escapeBytes(enc("abcdef"), 3), '"abc" ... (6 bytes in all)');
  assert.equal(describeCommand(["SET", "k", bytes("\xff")]), 'SET "k" "\\xff"');
  assert.equal(describeCommand(["FOO\r\nBAR"]), '"FOO\\r\\nBAR"');
});
