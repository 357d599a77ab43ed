// SCAN over shards, against a real IronCache with 3 shards (not a power of two): a full walk
// returns every key exactly once whatever COUNT, MATCH and TYPE filter, keys present for the
// whole walk are returned even while others come and go, and the cursor parser follows
// Redis's strtoul rules.
import assert from "node:assert/strict";
import { parseCursor } from "../../src/commands/keys_scan.ts";
import { RawConnection, SHARED_SERVER_TEST_OPTIONS, sharedIronCache } from "../helpers/servers.ts";
import { parseFrame, type RespNode } from "../differential/resp.ts";

const text = (n: RespNode) => new TextDecoder().decode(n.payload ?? n.line);

const { connection } = sharedIronCache(["--shards", "3"]);
const opts = SHARED_SERVER_TEST_OPTIONS;

/** Sends many commands in one write and reads all their replies. */
function pipeline(c: RawConnection, cmds: string[][]): Promise<Uint8Array[]> {
  return c.pipeline(cmds);
}

/** A whole SCAN walk: the keys of every call, and how many calls it took. */
async function walk(
  c: RawConnection,
  options: string[] = [],
  between?: (call: number) => Promise<void>,
) {
  const keys: string[] = [];
  let cursor = "0", calls = 0;
  do {
    const reply = parseFrame(await c.command("SCAN", cursor, ...options));
    assert.equal(reply.type, "*");
    const [cur, list] = reply.children!;
    cursor = text(cur);
    for (const k of list.children!) keys.push(text(k));
    await between?.(++calls);
  } while (cursor !== "0");
  return { keys, calls };
}

const KEYS = Array.from({ length: 3000 }, (_, i) => `key:${i}`);

Deno.test({
  name: "SCAN: a full walk returns every key once, whatever COUNT",
  ...opts,
  fn: async () => {
    const c = await connection();
    await c.command("FLUSHALL");
    await pipeline(c, KEYS.map((k) => ["SET", k, "v"]));
    for (const count of ["1", "7", "100", "5000"]) {
      const { keys, calls } = await walk(c, ["COUNT", count]);
      assert.equal(keys.length, KEYS.length, `COUNT ${count}: ${keys.length} keys`);
      assert.deepEqual(new Set(keys), new Set(KEYS), `COUNT ${count}`);
      if (count === "5000") assert.ok(calls <= 3, `COUNT 5000 took ${calls} calls`);
    }
  },
});

Deno.test({
  name: "SCAN: MATCH and TYPE filter a walk",
  ...opts,
  fn: async () => {
    const c = await connection();
    await c.command("FLUSHALL");
    await pipeline(c, KEYS.map((k) => ["SET", k, "v"]));
    const { keys } = await walk(c, ["MATCH", "key:1*", "COUNT", "50"]);
    assert.deepEqual(new Set(keys), new Set(KEYS.filter((k) => k.startsWith("key:1"))));
    assert.equal((await walk(c, ["TYPE", "string"])).keys.length, KEYS.length);
    assert.equal((await walk(c, ["TYPE", "hash", "COUNT", "500"])).keys.length, 0);
  },
});

Deno.test({
  name: "SCAN: keys present for the whole walk are returned while others come and go",
  ...opts,
  fn: async () => {
    const c = await connection();
    await c.command("FLUSHALL");
    const stable = KEYS.slice(0, 1500), churn = KEYS.slice(1500);
    await pipeline(c, KEYS.map((k) => ["SET", k, "v"]));
    const { keys } = await walk(c, ["COUNT", "20"], async (call) => {
      // Deletes some keys and adds others (growing and shrinking the shards' tables).
      const batch = churn.slice((call * 20) % churn.length, (call * 20) % churn.length + 20);
      await pipeline(c, batch.map((k) => ["DEL", k]));
      await pipeline(c, batch.map((_, i) => ["SET", `new:${call}:${i}`, "v"]));
    });
    const seen = new Set(keys);
    for (const k of stable) assert.ok(seen.has(k), `missed ${k}`);
  },
});

Deno.test({
  name: "SCAN: an empty database ends at once; any cursor is accepted",
  ...opts,
  fn: async () => {
    const c = await connection();
    await c.command("FLUSHALL");
    const decoder = new TextDecoder();
    assert.equal(decoder.decode(await c.command("SCAN", "0")), "*2\r\n$1\r\n0\r\n*0\r\n");
    for (const cursor of ["1", "2", "3", "12345", "18446744073709551615"]) {
      const reply = decoder.decode(await c.command("SCAN", cursor));
      assert.equal(reply, "*2\r\n$1\r\n0\r\n*0\r\n", `cursor ${cursor}`);
    }
  },
});

Deno.test("SCAN cursor parsing follows strtoul", () => {
  const parse = (s: string) => parseCursor(Uint8Array.from(s, (ch) => ch.charCodeAt(0)));
  assert.equal(parse("0"), 0n);
  assert.equal(parse(""), 0n);
  assert.equal(parse("+7"), 7n);
  assert.equal(parse("-0"), 0n);
  assert.equal(parse("-1"), 18446744073709551615n);
  assert.equal(parse("18446744073709551615"), 18446744073709551615n);
  assert.equal(parse("007"), 7n);
  assert.equal(parse("12\0junk"), 12n); // C stops at the NUL
  for (
    const bad of [" 1", "1 ", "\t1", "x", "1x", "+", "-", "1.0", "18446744073709551616", "0x10"]
  ) {
    assert.equal(parse(bad), null, JSON.stringify(bad));
  }
});
