import assert from "node:assert/strict";
import { NEED_MORE, PROTOCOL_ERROR, RequestParser } from "../../src/protocol/resp_parser.ts";
import { parseLongLong } from "../../src/protocol/numbers.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const parser = (maxBulkLen = 512 * 1024 * 1024, authRequired = false) =>
  new RequestParser({ maxBulkLen, authRequired });

function parseAll(input: string, p = parser()): { commands: string[][]; end: number | string } {
  const buf = enc(input);
  const commands: string[][] = [];
  let pos = 0;
  for (;;) {
    const next = p.next(buf, pos, buf.length);
    if (next === NEED_MORE) return { commands, end: pos };
    if (next === PROTOCOL_ERROR) return { commands, end: p.error };
    if (p.argc > 0) commands.push(Array.from({ length: p.argc }, (_, i) => p.text(i)));
    pos = next;
  }
}

Deno.test("multibulk commands, pipelined, with binary-safe arguments", () => {
  const r = parseAll("*2\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n*1\r\n$4\r\nPING\r\n");
  assert.deepEqual(r.commands, [["GET", "a\r\nb"], ["PING"]]);
});

Deno.test("empty and negative multibulk counts are skipped", () => {
  assert.deepEqual(parseAll("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n").commands, [["PING"]]);
});

Deno.test("partial frames resume without losing arguments", () => {
  const p = parser();
  const full = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n";
  const buf = enc(full);
  for (let cut = 1; cut < full.length; cut++) {
    const q = parser();
    assert.equal(q.next(buf, 0, cut), NEED_MORE, `cut ${cut}`);
    const end = q.next(buf, 0, buf.length);
    assert.equal(end, buf.length, `cut ${cut}`);
    assert.deepEqual([q.text(0), q.text(1), q.text(2)], ["SET", "k", "0123456789"]);
  }
  assert.equal(p.next(buf, 0, buf.length), buf.length);
});

Deno.test("bytesWanted tells how much of a large bulk is still missing", () => {
  const p = parser();
  const buf = enc("*2\r\n$3\r\nGET\r\n$100\r\nabc");
  assert.equal(p.next(buf, 0, buf.length), NEED_MORE);
  assert.equal(p.bytesWanted, 100 + 2 - 3);
});

Deno.test("protocol errors use Redis's texts", () => {
  assert.equal(parseAll("*abc\r\n").end, "Protocol error: invalid multibulk length");
  assert.equal(parseAll("*3000000000\r\n").end, "Protocol error: invalid multibulk length");
  assert.equal(parseAll("*1\r\n$abc\r\n").end, "Protocol error: invalid bulk length");
  assert.equal(parseAll("*1\r\n$-1\r\n").end, "Protocol error: invalid bulk length");
  assert.equal(parseAll("*1\r\n:1\r\n").end, "Protocol error: expected '$', got ':'");
  assert.equal(parseAll("*1\r\n$10\r\n", parser(5)).end, "Protocol error: invalid bulk length");
  assert.equal(
    parseAll("*11\r\n", parser(100, true)).end,
    "Protocol error: unauthenticated multibulk length",
  );
  assert.equal(
    parseAll("*1\r\n$16385\r\n", parser(1 << 20, true)).end,
    "Protocol error: unauthenticated bulk length",
  );
  assert.equal(parseAll("*" + "1".repeat(70000)).end, "Protocol error: too big mbulk count string");
  assert.equal(
    parseAll("*1\r\n$" + "1".repeat(70000)).end,
    "Protocol error: too big bulk count string",
  );
  assert.equal(parseAll("x".repeat(70000)).end, "Protocol error: too big inline request");
  assert.equal(parseAll('SET "a b\r\n').end, "Protocol error: unbalanced quotes in request");
  assert.equal(parseAll('SET "a"b\r\n').end, "Protocol error: unbalanced quotes in request");
});

Deno.test("inline commands split like sdssplitargs", () => {
  assert.deepEqual(parseAll("PING\r\n").commands, [["PING"]]);
  assert.deepEqual(parseAll("SET  k   v\n").commands, [["SET", "k", "v"]]);
  assert.deepEqual(parseAll("SET \"a b\" 'c\\'d'\r\n").commands, [["SET", "a b", "c'd"]]);
  assert.deepEqual(parseAll('ECHO "\\x41\\n\\t"\r\n').commands, [["ECHO", "A\n\t"]]);
  assert.deepEqual(parseAll("\r\n\n").commands, []);
  assert.deepEqual(parseAll('ECHO ""\r\n').commands, [["ECHO", ""]]);
});

Deno.test("parseLongLong follows string2ll", () => {
  const p = (s: string) => parseLongLong(enc(s), 0, s.length);
  assert.equal(p("0"), 0);
  assert.equal(p("-1"), -1);
  assert.equal(p("9223372036854775807"), 9223372036854775807);
  assert.equal(p("9223372036854775808"), null);
  assert.equal(p("-9223372036854775808"), -9223372036854775808);
  assert.equal(p("-9223372036854775809"), null);
  for (const bad of ["", "-", "01", "+1", " 1", "1 ", "-0", "1a", "123456789012345678901"]) {
    assert.equal(p(bad), null, bad);
  }
});

Deno.test("a whole frame parses the same in one read as split at every byte, at the one-pass path's bounds", () => {
  const frame = (args: string[]) =>
    `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
  const cases = [
    ["GET", "k"],
    Array.from({ length: 10 }, (_, i) => `a${i}`),
    Array.from({ length: 11 }, (_, i) => `b${i}`),
    ["SET", "k", "v".repeat(16384)],
    ["SET", "k", "w".repeat(16385)],
    ["SET", "", "0123456789"],
  ];
  for (const args of cases) {
    const buf = enc(frame(args));
    const whole = parser();
    assert.equal(whole.next(buf, 0, buf.length), buf.length);
    assert.deepEqual(Array.from({ length: whole.argc }, (_, i) => whole.text(i)), args);
    const split = parser();
    // Cut after the first "$": the general path takes the frame and resumes it.
    assert.equal(split.next(buf, 0, buf.indexOf(0x24) + 1), NEED_MORE);
    assert.ok(split.inFrame());
    assert.equal(split.next(buf, 0, buf.length), buf.length);
    assert.deepEqual(Array.from({ length: split.argc }, (_, i) => split.text(i)), args);
  }
  // Before AUTH, Redis's limits: 10 arguments and 16 KB pass, one more of either does not.
  const unauthenticated = (args: string[]) => parseAll(frame(args), parser(1 << 20, true)).end;
  assert.equal(unauthenticated(cases[1]), frame(cases[1]).length);
  assert.equal(unauthenticated(cases[2]), "Protocol error: unauthenticated multibulk length");
  assert.equal(unauthenticated(cases[3]), frame(cases[3]).length);
  assert.equal(unauthenticated(cases[4]), "Protocol error: unauthenticated bulk length");
});
