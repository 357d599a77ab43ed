import cases from "./cases/sets.ts";
import { defineDifferentialSuite } from "./harness.ts";
import assert from "node:assert/strict";
import { parseFrame, type RespNode } from "./resp.ts";
import { SHARED_SERVER_TEST_OPTIONS, sharedIronCache } from "../helpers/servers.ts";

defineDifferentialSuite("sets", cases);

// ---- random picks: what Redis promises about them, checked on IronCache itself ----------------

const server = sharedIronCache(["--shards", "2"]);
const text = new TextDecoder();

async function call(...cmd: string[]): Promise<RespNode> {
  return parseFrame(await (await server.connection()).command(...cmd));
}

/** The members of an array / set reply, as text. */
const membersOf = (node: RespNode) => node.children!.map((c) => text.decode(c.payload!));
const integer = (node: RespNode) => Number(text.decode(node.line));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

async function fresh(key: string, members: string[]): Promise<void> {
  await call("DEL", key);
  await call("SADD", key, ...members);
}

Deno.test({
  ...SHARED_SERVER_TEST_OPTIONS,
  name: "sets: SPOP with a count pops distinct members and rebuilds the rest like Redis",
  async fn() {
    const all = range(1, 600);
    for (
      const [count, encoding] of [[10, "hashtable"], [550, "intset"], [599, "intset"]] as const
    ) {
      await fresh("k", all);
      const popped = membersOf(await call("SPOP", "k", String(count)));
      assert.equal(popped.length, count);
      assert.equal(new Set(popped).size, count);
      const rest = membersOf(await call("SMEMBERS", "k"));
      assert.deepEqual([...popped, ...rest].map(Number).sort((a, b) => a - b), all.map(Number));
      assert.equal(text.decode((await call("OBJECT", "ENCODING", "k")).payload!), encoding);
    }
    await fresh("k", ["a", "b", "c", "d", "e", "f"]);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(text.decode((await call("SPOP", "k")).payload!));
    assert.deepEqual(seen.sort(), ["a", "b", "c", "d", "e", "f"]);
    assert.equal(integer(await call("EXISTS", "k")), 0);
  },
});

Deno.test({
  ...SHARED_SERVER_TEST_OPTIONS,
  name: "sets: SRANDMEMBER counts give distinct (positive) or repeated (negative) members",
  async fn() {
    const all = range(1, 100).map((i) => `m${i}`);
    await fresh("k", all);
    for (const count of [2, 20, 40, 90, 99]) {
      const picked = membersOf(await call("SRANDMEMBER", "k", String(count)));
      assert.equal(picked.length, count);
      assert.equal(new Set(picked).size, count);
      for (const m of picked) assert.ok(all.includes(m));
    }
    const tally = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      for (const m of membersOf(await call("SRANDMEMBER", "k", "-1000"))) {
        tally.set(m, (tally.get(m) ?? 0) + 1);
      }
    }
    // 20,000 picks over 100 members: ~200 each; a fair picker stays far inside 100..300.
    assert.equal(tally.size, 100);
    for (const n of tally.values()) assert.ok(n > 100 && n < 300, `unfair pick count ${n}`);
    assert.equal(integer(await call("SCARD", "k")), 100);
  },
});

Deno.test({
  ...SHARED_SERVER_TEST_OPTIONS,
  name: "sets: SSCAN returns every member present for the whole walk, across resizes",
  async fn() {
    const stable = range(1, 2000).map((i) => `s${i}`);
    await fresh("k", stable);
    const seen = new Set<string>();
    let cursor = "0", calls = 0, extra = 0;
    do {
      const [next, found] = (await call("SSCAN", "k", cursor, "COUNT", "25")).children!;
      cursor = text.decode(next.payload!);
      for (const m of membersOf(found)) seen.add(m);
      // Grow and shrink the table under the walk.
      if (calls % 3 === 0) {
        await call("SADD", "k", ...range(extra, extra + 300).map((i) => `x${i}`));
      } else {
        await call("SREM", "k", ...range(extra, extra + 300).map((i) => `x${i}`));
        extra += 301;
      }
      calls++;
    } while (cursor !== "0");
    for (const m of stable) assert.ok(seen.has(m), `SSCAN missed ${m}`);
    assert.ok(calls > 10);
  },
});
