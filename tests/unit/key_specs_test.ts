// COMMAND GETKEYS's key finder (src/commands/key_specs.ts) on Redis's own key specs, including
// commands IronCache may not serve yet: the answers are what redis-server 7.0.15 gives.
import assert from "node:assert/strict";
import { commandKeys, hasKeys, keySpecsOf } from "../../src/commands/key_specs.ts";
import { redisCommandInfo } from "../../src/commands/meta.ts";
import type { CommandSpec } from "../../src/commands/spec.ts";

/** A CommandSpec built from Redis's metadata alone (no handler needed here). */
function specOf(name: string): CommandSpec {
  const info = redisCommandInfo(name)!;
  return {
    name,
    arity: info.arity,
    flags: info.flags,
    writes: info.flags.includes("write"),
    denyOom: info.flags.includes("denyoom"),
    categories: info.categories,
    keys: null,
    handler: () => {},
    info,
  };
}

const argv = (...a: string[]) => a.map((s) => new TextEncoder().encode(s));

function keysOf(...a: string[]): string[] | null {
  const keys = commandKeys(specOf(a[0]), argv(...a));
  return keys && keys.map((k) => a[k.pos]);
}

Deno.test("range specs: fixed, to the end, every other argument", () => {
  assert.deepEqual(keysOf("get", "k"), ["k"]);
  assert.deepEqual(keysOf("del", "a", "b", "c"), ["a", "b", "c"]);
  assert.deepEqual(keysOf("mset", "a", "1", "b", "2"), ["a", "b"]);
  assert.deepEqual(keysOf("mset", "a", "1", "b"), ["a", "b"]); // Redis doesn't check pairs here
});

Deno.test("keynum specs: EVAL, ZUNIONSTORE, LMPOP", () => {
  assert.deepEqual(keysOf("eval", "s", "1", "k"), ["k"]);
  assert.deepEqual(keysOf("eval", "s", "5", "k"), null); // numkeys beyond the arguments
  assert.deepEqual(keysOf("zunionstore", "d", "2", "a", "b"), ["d", "a", "b"]);
  assert.equal(keysOf("zunionstore", "d", "-1", "a"), null);
  assert.equal(keysOf("zunionstore", "d", "0", "a"), null);
  assert.deepEqual(keysOf("lmpop", "1", "a", "left"), ["a"]);
  assert.equal(keysOf("lmpop", "0", "a", "left"), null);
});

Deno.test("keyword specs: XREAD STREAMS with a limit", () => {
  assert.deepEqual(keysOf("xread", "streams", "a", "b", "1", "2"), ["a", "b"]);
  assert.deepEqual(keysOf("xread", "COUNT", "1", "STREAMS", "a", "0"), ["a"]);
});

Deno.test("flags: SET's depend on GET, others come from the spec", () => {
  assert.deepEqual(commandKeys(specOf("set"), argv("set", "a", "b"))![0].flags, ["OW", "update"]);
  assert.deepEqual(commandKeys(specOf("set"), argv("set", "a", "b", "GeT"))![0].flags, [
    "RW",
    "access",
    "update",
  ]);
  assert.deepEqual(commandKeys(specOf("del"), argv("del", "a"))![0].flags, ["RM", "delete"]);
  assert.deepEqual(commandKeys(specOf("get"), argv("get", "a"))![0].flags, ["RO", "access"]);
});

Deno.test("hasKeys and decoded specs", () => {
  assert.equal(hasKeys(specOf("ping")), false);
  assert.equal(hasKeys(specOf("get")), true);
  const [spec] = keySpecsOf(specOf("xread"));
  assert.deepEqual(spec.begin, { type: "keyword", keyword: "STREAMS", startfrom: 1 });
  assert.deepEqual(spec.find, { type: "range", lastkey: -1, keystep: 1, limit: 2 });
});
