// Value parsing and printing of config types, checked against what redis-server 7.0 does.
import assert from "node:assert/strict";
import { globMatch } from "../../src/config/glob.ts";
import { memtoull, string2ll } from "../../src/config/redis-numbers.ts";
import { splitArgs } from "../../src/config/split-args.ts";
import { entryFor } from "../../src/config/names.ts";
import { editDistance, nearest } from "../../src/config/nearest.ts";

const parse = (key: string, raw: string) => entryFor(key).type.parse(raw);
const text = (key: string, raw: string) => {
  const r = parse(key, raw);
  assert.ok(r.ok, `${key} ${JSON.stringify(raw)} should parse`);
  return r.text;
};
const redisError = (key: string, raw: string) => {
  const r = parse(key, raw);
  assert.ok(!r.ok, `${key} ${JSON.stringify(raw)} should fail`);
  return r.redisError;
};

Deno.test("sizes follow Redis's memtoull: k=1000, kb=1024, case-insensitive units, plain bytes", () => {
  const cases: [string, bigint | null][] = [
    ["0", 0n],
    ["100", 100n],
    ["1k", 1000n],
    ["1kb", 1024n],
    ["1KB", 1024n],
    ["1Kb", 1024n],
    ["1m", 1_000_000n],
    ["100mb", 104_857_600n],
    ["1g", 1_000_000_000n],
    ["1gb", 1_073_741_824n],
    ["1b", 1n],
    ["1B", 1n],
    ["010", 10n],
    // Redis quirks: an empty number is 0; huge values saturate then wrap modulo 2^64.
    ["", 0n],
    ["kb", 0n],
    ["99999999999999999999", 2n ** 64n - 1n],
    ["17179869184gb", 0n],
    ["9999999999999999gb", 11236551437959823360n],
    // Not sizes.
    ["12xb", null],
    ["-1", null],
    ["+1", null],
    [" 1", null],
    ["1 ", null],
    ["1.5gb", null],
    ["0x10", null],
    ["1 gb", null],
    ["1tb", null],
    ["1".repeat(130), null],
  ];
  for (const [input, want] of cases) {
    assert.equal(memtoull(input), want, `memtoull(${JSON.stringify(input)})`);
  }
  assert.equal(text("maxmemory", "1gb"), "1073741824");
  assert.equal(text("maxmemory", "18446744073709551615"), "18446744073709551615");
  assert.equal(text("maxmemory", "100MB"), "104857600");
  assert.equal(redisError("maxmemory", "12xb"), "argument must be a memory value");
  assert.equal(
    redisError("proto-max-bulk-len", "1000"),
    "argument must be between 1048576 and 9223372036854775807 inclusive",
  );
  // 2^63 and above read as negative for signed configs; Redis rejects them with the range text.
  assert.equal(
    redisError("client-query-buffer-limit", "8589934592gb"),
    "argument must be between 1048576 and 9223372036854775807 inclusive",
  );
});

Deno.test("integers follow Redis's string2ll: no '+', no leading zeros or spaces, 64-bit", () => {
  assert.equal(string2ll("0"), 0n);
  assert.equal(string2ll("-1"), -1n);
  assert.equal(string2ll("9223372036854775807"), 2n ** 63n - 1n);
  assert.equal(string2ll("-9223372036854775808"), -(2n ** 63n));
  for (
    const bad of [
      "",
      "-",
      "+1",
      "01",
      "-0",
      " 1",
      "1 ",
      "1e3",
      "0x10",
      "9223372036854775808",
      "1.0",
    ]
  ) {
    assert.equal(string2ll(bad), null, bad);
  }
  assert.equal(redisError("hz", "abc"), "argument couldn't be parsed into an integer");
  assert.equal(redisError("port", "70000"), "argument must be between 0 and 65535 inclusive");
  assert.equal(redisError("timeout", "-1"), "argument must be between 0 and 2147483647 inclusive");
  assert.equal(
    redisError("maxclients", "0"),
    "argument must be between 1 and 4294967295 inclusive",
  );
  // hz is clamped to 1..500 after validation, and CONFIG GET shows the clamped value.
  assert.equal(text("hz", "0"), "1");
  assert.equal(text("hz", "100000"), "500");
  const r = parse("port", "70000");
  assert.ok(!r.ok && r.why === "'70000' is out of range (0..65535)");
});

Deno.test("booleans and enums are case-insensitive and print lower-case", () => {
  assert.equal(text("appendonly", "YES"), "yes");
  assert.deepEqual(parse("protected-mode", "No"), { ok: true, value: false, text: "no" });
  assert.equal(redisError("appendonly", "maybe"), "argument must be 'yes' or 'no'");
  assert.equal(text("maxmemory-policy", "AllKeys-LRU"), "allkeys-lru");
  assert.equal(
    redisError("maxmemory-policy", "lru"),
    "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, " +
      "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
  );
  assert.equal(
    redisError("loglevel", "nothing"), // added in Redis 7.2; 7.0 does not have it
    "argument(s) must be one of the following: debug, verbose, notice, warning",
  );
  const typo = parse("loglevel", "warnin");
  assert.ok(!typo.ok && typo.why.includes("did you mean 'warning'?"));
});

Deno.test("save schedules validate like Redis 7.0 and print normalized", () => {
  assert.equal(text("save", ""), "");
  assert.equal(text("save", "900 1 300 10"), "900 1 300 10");
  assert.equal(text("save", "+900 -0"), "900 0");
  assert.equal(text("save", "900 "), "900 0"); // strtoll("") is 0, as in Redis
  assert.equal(text("save", "900 4294967297"), "900 1"); // changes is a C int
  for (const bad of ["900", "900 1  300 10", " 900 1", "0 0", "a b", "-1 5", "900 1 300"]) {
    assert.equal(redisError("save", bad), "Invalid save parameters", bad);
  }
});

Deno.test("notify-keyspace-events prints Redis's canonical form; the value lists every class", () => {
  const cases: [string, string][] = [
    ["KEA", "AKE"],
    ["Egx", "gxE"],
    ["$lshzxeKE", "$lshzxeKE"],
    ["gKEA$", "AKE"],
    ["KA", "AK"],
    ["An", "A"],
    ["nKg", "gnK"],
    ["g$lshzxetd", "A"],
    ["dtn", "tdn"],
    ["mEK", "KEm"],
    ["Am", "Am"],
    ["", ""],
  ];
  for (const [input, want] of cases) {
    assert.equal(text("notify-keyspace-events", input), want, input);
  }
  const r = parse("notify-keyspace-events", "An");
  assert.ok(r.ok && String(r.value).includes("n") && String(r.value).includes("x"));
  assert.equal(
    redisError("notify-keyspace-events", "Q"),
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
  );
});

Deno.test("dir must exist and becomes absolute; dbfilename must not be a path", () => {
  assert.equal(text("dir", "./"), Deno.cwd());
  assert.equal(text("dir", "/tmp/../tmp/."), "/tmp");
  assert.equal(redisError("dir", "/nonexistent-ironcache-dir"), "No such file or directory");
  assert.equal(redisError("dbfilename", "a/b.rdb"), "dbfilename can't be a path, just a filename");
  assert.equal(text("dbfilename", "x.rdb"), "x.rdb");
});

Deno.test("glob matching is Redis's stringmatch (case-insensitive for CONFIG GET)", () => {
  const yes: [string, string][] = [
    ["*", "port"],
    ["max*", "maxmemory"],
    ["MAX*", "maxmemory"],
    ["po?t", "port"],
    ["[mp]ort", "port"],
    ["[^a]ort", "port"],
    ["[a-z]ort", "port"],
    ["*memory*", "maxmemory-policy"],
    ["p\\ort", "port"],
    ["**y", "maxmemory"],
    ["[A-Z]ort", "port"],
  ];
  const no: [string, string][] = [
    ["max", "maxmemory"],
    ["po?", "port"],
    ["[^p]ort", "port"],
    ["*x", "port"],
    ["port?", "port"],
    ["", "port"],
  ];
  for (const [p, s] of yes) assert.ok(globMatch(p, s), `${p} ~ ${s}`);
  for (const [p, s] of no) assert.ok(!globMatch(p, s), `${p} !~ ${s}`);
  assert.ok(!globMatch("PORT", "port", false));
});

Deno.test("redis.conf word splitting follows sdssplitargs", () => {
  assert.deepEqual(splitArgs("port 7004"), ["port", "7004"]);
  assert.deepEqual(splitArgs('  save ""  '), ["save", ""]);
  assert.deepEqual(splitArgs(`requirepass "a b\\"c\\x41\\n"`), ["requirepass", 'a b"cA\n']);
  assert.deepEqual(splitArgs(`requirepass 'it\\'s'`), ["requirepass", "it's"]);
  assert.deepEqual(splitArgs(`bind a"b c"`), ["bind", "ab c"]);
  assert.equal(splitArgs('requirepass "open'), null);
  assert.equal(splitArgs('requirepass "a"b'), null);
  assert.deepEqual(splitArgs(""), []);
});

Deno.test("typo suggestions use edit distance with adjacent swaps", () => {
  assert.equal(editDistance("maxmemroy", "maxmemory"), 1);
  assert.equal(nearest("maxmemroy", ["maxmemory", "maxclients"]), "maxmemory");
  assert.equal(nearest("zzzzzz", ["port", "maxmemory"]), undefined);
});
