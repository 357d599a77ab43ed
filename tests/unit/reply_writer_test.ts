import assert from "node:assert/strict";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";

function encode(resp: 2 | 3, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter(4);
  w.resp = resp;
  write(w);
  return new TextDecoder("latin1").decode(w.bytes());
}

Deno.test("null, map, set, boolean and push differ between RESP2 and RESP3", () => {
  assert.equal(encode(2, (w) => w.nullBulk()), "$-1\r\n");
  assert.equal(encode(3, (w) => w.nullBulk()), "_\r\n");
  assert.equal(encode(2, (w) => w.nullArray()), "*-1\r\n");
  assert.equal(encode(3, (w) => w.nullArray()), "_\r\n");
  assert.equal(encode(2, (w) => w.mapHeader(2)), "*4\r\n");
  assert.equal(encode(3, (w) => w.mapHeader(2)), "%2\r\n");
  assert.equal(encode(2, (w) => w.setHeader(3)), "*3\r\n");
  assert.equal(encode(3, (w) => w.setHeader(3)), "~3\r\n");
  assert.equal(encode(2, (w) => w.boolean(true)), ":1\r\n");
  assert.equal(encode(3, (w) => w.boolean(false)), "#f\r\n");
  assert.equal(encode(3, (w) => w.pushHeader(3)), ">3\r\n");
  assert.equal(encode(3, (w) => w.verbatim("hi")), "=6\r\ntxt:hi\r\n");
  assert.equal(encode(2, (w) => w.verbatim("hi")), "$2\r\nhi\r\n");
});

Deno.test("scalars, growth, and errors stay one line", () => {
  const big = new Uint8Array(100_000).fill(120);
  const w = new ReplyWriter(4);
  w.bulk(big);
  assert.equal(w.length, "$100000\r\n".length + 100_000 + 2);
  assert.equal(encode(2, (w) => w.integer(-9223372036854775808n)), ":-9223372036854775808\r\n");
  for (const n of [9, 10, 42, 99, 100, 1023, 1024, -5, -42]) {
    assert.equal(encode(2, (w) => w.integer(n)), `:${n}\r\n`);
  }
  const memory = new TextEncoder().encode("..member:12..");
  assert.equal(encode(2, (w) => w.bulkRange(memory, 2, 9)), "$9\r\nmember:12\r\n");
  assert.equal(encode(3, (w) => w.bulkRange(memory, 0, 0)), "$0\r\n\r\n");
  const long = new Uint8Array(300).fill(97);
  assert.equal(encode(2, (w) => w.bulkRange(long, 1, 299)), `$299\r\n${"a".repeat(299)}\r\n`);
  assert.equal(encode(2, (w) => w.integer(123456)), ":123456\r\n");
  assert.equal(encode(2, (w) => w.error("ERR bad\r\nthing")), "-ERR bad  thing\r\n");
  assert.equal(encode(2, (w) => w.error("ERR byte \xff")), "-ERR byte \xff\r\n");
  assert.equal(encode(2, (w) => w.simple("OK")), "+OK\r\n");
});

Deno.test("integers at every decimal length and around 2^31 and 2^32 are written exactly", () => {
  const values = [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 1e21, 0.5, -1024];
  for (let p = 1; p <= 1e10; p *= 10) values.push(p - 1, p, p + 1, 3 * p + 7);
  for (const n of values) assert.equal(encode(2, (w) => w.integer(n)), `:${n}\r\n`);
});
