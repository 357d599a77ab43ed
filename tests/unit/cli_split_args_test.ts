import assert from "node:assert/strict";
import { splitArgs } from "../../src/protocol/split_args.ts";
import { startRedis } from "../helpers/servers.ts";
import { CliConnection } from "../../src/cli/connection.ts";

const enc = new TextEncoder();
const words = (line: string) =>
  splitArgs(line)?.map((w) => Array.from(w, (b) => String.fromCharCode(b)).join(""));

Deno.test("split_args: words, quotes and escapes like sdssplitargs", () => {
  assert.deepEqual(words("  SET   key\tvalue  "), ["SET", "key", "value"]);
  assert.deepEqual(words(""), []);
  assert.deepEqual(words("   "), []);
  assert.deepEqual(words('SET k "hello world"'), ["SET", "k", "hello world"]);
  assert.deepEqual(words('"\\x41\\x4a\\xff" "\\n\\r\\t\\b\\a\\q\\"\\\\"'), [
    "AJ\xff",
    '\n\r\t\b\x07q"\\',
  ]);
  assert.deepEqual(words('"\\xZZ"'), ["xZZ"]); // not hex: "\x" is just "x"
  assert.deepEqual(words("'it\\'s' 'no \\n escapes'"), ["it's", "no \\n escapes"]);
  assert.deepEqual(words('mid"dle quoted" x'), ["middle quoted", "x"]);
  assert.deepEqual(words("\"\" ''"), ["", ""]);
  assert.deepEqual(words("a\vb"), ["a\vb"]); // \v skips between words but does not end one
  assert.deepEqual(words("é"), ["\xc3\xa9"]); // UTF-8 bytes
  assert.deepEqual(words("a\0b c"), ["a"]); // C strings end at NUL
});

Deno.test("split_args: unbalanced quotes and text glued to a closing quote are rejected", () => {
  for (const bad of ['"open', "'open", '"closed"glued', "'a'b", '"ends with backslash\\']) {
    assert.equal(splitArgs(bad), null, bad);
  }
});

// Each value is typed after "SET k<i> " on a line piped into the real redis-cli; the bytes
// it stored (or its "Invalid argument(s)") must be what splitArgs makes of the same line.
const TYPED_VALUES = [
  "plain",
  '"hello world"',
  "'single \"double\" inside'",
  '"\\x41\\x4A\\x00\\xfe"',
  '"\\xZ1"',
  '"a\\nb\\r\\tc\\a\\b"',
  '"quote\\"in"',
  '"back\\\\slash"',
  "'it\\'s'",
  '"\\q\\\'"',
  'mid"dle q"',
  '""',
  "é",
  "tab\vinside",
  "plain\\x41",
  '"unterminated',
  '"closed"glued',
  "'x'y",
];

Deno.test("split_args: agrees with the real redis-cli on typed lines", async () => {
  const redis = await startRedis();
  try {
    const lines = TYPED_VALUES.map((value, i) => `SET k${i} ${value}`);
    const cli = new Deno.Command("redis-cli", {
      args: ["-p", String(redis.port)],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = cli.stdin.getWriter();
    await writer.write(enc.encode(lines.join("\n") + "\n"));
    await writer.close();
    const printed = new TextDecoder().decode((await cli.output()).stdout).split("\n").filter((l) =>
      l !== ""
    );
    assert.equal(printed.length, lines.length);

    assert.equal(printed.filter((l) => l === "Invalid argument(s)").length, 3); // both paths are exercised
    const conn = await CliConnection.open({ host: "127.0.0.1", port: redis.port });
    for (let i = 0; i < lines.length; i++) {
      const ours = splitArgs(lines[i]);
      if (printed[i] === "Invalid argument(s)") {
        assert.equal(ours, null, lines[i]);
        continue;
      }
      assert.equal(printed[i], "OK", lines[i]);
      await conn.send([enc.encode("GET"), enc.encode(`k${i}`)]);
      const stored = await conn.read();
      assert.equal(stored.kind, "bulk");
      assert.deepEqual(ours?.[2], (stored as { bytes: Uint8Array }).bytes, lines[i]);
    }
    conn.close();
  } finally {
    await redis.stop();
  }
});
