// The AOF's text formats: the manifest as Redis 7.0 writes and reads it, and the scan that
// finds complete commands, torn tails and unfinished MULTI blocks.
import assert from "node:assert/strict";
import {
  formatManifest,
  ManifestError,
  parseManifest,
} from "../../src/persistence/aof/manifest.ts";
import { scanCommands, valueCommands } from "../../src/persistence/aof/commands.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("manifest: Redis's lines round-trip; comments, quotes and bad manifests", () => {
  const text = "file appendonly.aof.1.base.rdb seq 1 type b\n" +
    "file appendonly.aof.1.incr.aof seq 1 type h\n" +
    "file appendonly.aof.2.incr.aof seq 2 type i\n" +
    "file appendonly.aof.3.incr.aof seq 3 type i\n";
  const m = parseManifest(text);
  assert.equal(m.base?.name, "appendonly.aof.1.base.rdb");
  assert.deepEqual(m.incrs.map((f) => f.seq), [2, 3]);
  assert.equal(m.history.length, 1);
  assert.equal(formatManifest(m), text);
  const quoted = parseManifest('# a comment\nfile "my aof.1.incr.aof" seq 1 type i\n');
  assert.equal(quoted.incrs[0].name, "my aof.1.incr.aof");
  assert.equal(formatManifest(quoted), 'file "my aof.1.incr.aof" seq 1 type i\n');
  // Redis's aofLoadManifestFromFile: a manifest listing no file to load is valid (the start
  // writes a base), CRLF ends are trimmed; comments only at the line's first byte.
  for (const none of ["# only a comment\n", "file a.3.base.rdb seq 3 type h\n", "#c"]) {
    const m = parseManifest(none);
    assert.deepEqual([m.base, m.incrs.length], [null, 0], JSON.stringify(none));
  }
  assert.equal(parseManifest("file a seq 1 type i\r\n").incrs[0].name, "a");
  const reasons: Array<[string, string]> = [
    ["", "Found an empty AOF manifest"],
    ["\n", "Invalid AOF manifest file format"],
    ["file a seq 1 type i\n\n", "Invalid AOF manifest file format"],
    ["  # indented\n", "Invalid AOF manifest file format"],
    ["file a seq 1 type i", "The AOF manifest file contains too long line"],
    [`file ${"a".repeat(1024)} seq 1 type i\n`, "The AOF manifest file contains too long line"],
  ];
  for (const [bad, reason] of reasons) {
    assert.throws(
      () => parseManifest(bad),
      (err) => err instanceof ManifestError && err.message === reason,
      JSON.stringify(bad),
    );
  }
  for (
    const bad of [
      "file a seq 1\n",
      "file a seq x type i\n",
      "file a seq 1 type z\n",
      "file a seq 1 type b\nfile b seq 2 type b\n",
      "file a seq 2 type i\nfile b seq 1 type i\n",
    ]
  ) assert.throws(() => parseManifest(bad), ManifestError, JSON.stringify(bad));
});

Deno.test("scanCommands: complete commands, a torn tail, garbage, an unfinished MULTI", () => {
  const set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
  const ok = scanCommands(enc.encode(set + set));
  assert.deepEqual([ok.state, ok.validEnd, ok.commands], ["ok", 2 * set.length, 2]);
  for (let cut = 1; cut < set.length; cut++) {
    const torn = scanCommands(enc.encode(set + set.slice(0, cut)));
    assert.equal(torn.state, "truncated", `cut at ${cut}`);
    assert.equal(torn.validEnd, set.length);
  }
  assert.equal(scanCommands(enc.encode(set + "+OK\r\n")).state, "bad");
  assert.equal(scanCommands(enc.encode("*1\r\n$3\r\nSETX\r\n")).state, "bad");
  const multi = "*1\r\n$5\r\nMULTI\r\n", exec = "*1\r\n$4\r\nEXEC\r\n";
  const open = scanCommands(enc.encode(set + multi + set));
  assert.deepEqual([open.state, open.validEnd, open.committedEnd], [
    "ok",
    2 * set.length + multi.length,
    set.length,
  ]);
  const closed = scanCommands(enc.encode(set + multi + set + exec));
  assert.equal(closed.committedEnd, closed.validEnd);
});

Deno.test("valueCommands: Redis's rewrite commands, 64 items per command", () => {
  const key = enc.encode("k");
  const items = Array.from({ length: 130 }, (_, i) => enc.encode(`e${i}`));
  const list = valueCommands(key, { kind: "list", elements: items });
  assert.deepEqual(list.map((argv) => argv.length), [66, 66, 4]);
  assert.equal(dec.decode(list[0][0]), "RPUSH");
  const zset = valueCommands(key, {
    kind: "zset",
    entries: [{ member: enc.encode("m"), score: 0.1 }],
  });
  assert.deepEqual(zset[0].map((a) => dec.decode(a)), ["ZADD", "k", "0.10000000000000001", "m"]);
  const hash = valueCommands(key, { kind: "hash", entries: [[enc.encode("f"), enc.encode("v")]] });
  assert.deepEqual(hash[0].map((a) => dec.decode(a)), ["HMSET", "k", "f", "v"]);
});
