// Randomized model test of the engine's set type (wasm/assembly/t_set.ts through SetOps)
// against plain JS Sets: SADD SREM SCARD SISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE, the
// SINTER/SUNION/SDIFF family (keys and gathered member lists, STORE and CARD forms), SSCAN,
// COPY / DUMP+RESTORE round trips, WRONGTYPE, and the intset/hashtable encoding Redis 7.0 would
// report after every step, with set-max-intset-entries changing under it. Ends with every key
// deleted and memoryUsed() back at its baseline. Set SET_TEST_SEED to replay a failure.
import assert from "node:assert/strict";
import { instantiateEngine, Keyspace, NOT_FOUND, WRONG_TYPE } from "../../src/engine/keyspace.ts";
import {
  COMBINE_CARD,
  COMBINE_STORE,
  SET_DIFF,
  SET_INTER,
  SET_UNION,
  type SetOp,
  type SetOps,
  setOps,
} from "../../src/engine/set.ts";
import { argsOf } from "../../src/commands/key_specs.ts";
import { makeRandom } from "../helpers/random.ts";

const SEED = Number(Deno.env.get("SET_TEST_SEED") ?? (Date.now() % 2 ** 31));
const OPERATIONS = Number(Deno.env.get("SET_TEST_OPERATIONS") ?? 150_000);

const enc = new TextEncoder(), dec = new TextDecoder("latin1");
const bytes = (s: string) => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};
const INTSET = 6, HASHTABLE = 7;

/** Redis's string2ll: is the member stored in an intset? */
const isInteger = (m: string) =>
  /^(0|-?[1-9][0-9]{0,18})$/.test(m) && BigInt(m) >= -(2n ** 63n) && BigInt(m) < 2n ** 63n;
/** Numeric order of integer members (Number first; BigInt only where doubles tie). */
const byValue = (a: string, b: string) => {
  const x = Number(a), y = Number(b);
  if (x !== y) return x - y;
  return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
};

interface ModelSet {
  members: Set<string>;
  intset: boolean;
}

Deno.test(`set engine vs a model (seed ${SEED})`, async () => {
  const ks = new Keyspace(await instantiateEngine());
  const sets: SetOps = setOps(ks);
  const rnd = makeRandom(SEED);
  let limit = 512;
  const applyLimit = (n: number) => {
    limit = n;
    ks.setEncodingLimits({
      hashMaxListpackEntries: 128,
      hashMaxListpackValue: 64,
      setMaxIntsetEntries: n,
      zsetMaxListpackEntries: 128,
      zsetMaxListpackValue: 64,
      listMaxListpackSize: -2,
    });
  };
  applyLimit(512);

  // Baseline with the db's index and the engine's buffers already in place.
  ks.setString(0, enc.encode("warm"), enc.encode("up"));
  ks.delete(0, enc.encode("warm"));
  sets.contains(0, argsOf([enc.encode("warm"), enc.encode("x")]), 0, 1, 2); // the output area
  const baseline = ks.memoryUsed();

  const KEYS = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
  const STRING_KEY = "str";
  ks.setString(0, enc.encode(STRING_KEY), enc.encode("v"));
  const model = new Map<string, ModelSet>();

  const universe: string[] = [];
  for (let i = -20; i < 80; i++) universe.push(String(i));
  for (const s of ["a", "b", "c", "xyz", "", "01", "-0", "+1", " 1", "1.5", "\0\r\n\xff"]) {
    universe.push(s);
  }
  universe.push(
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "4294967296",
    "-70000",
  );
  const member = () =>
    rnd.chance(0.05)
      ? String(rnd.int(2000) - 1000)
      : rnd.chance(0.3)
      ? `m${rnd.int(300)}`
      : rnd.pick(universe);

  // ---- model rules -------------------------------------------------------------------------
  const fits = (members: Iterable<string>) => {
    let n = 0;
    for (const m of members) {
      if (!isInteger(m)) return false;
      n++;
    }
    return n <= Math.min(limit, 2 ** 30);
  };
  /** setTypeAdd on the model, keeping Redis's one-way conversion. */
  const modelAdd = (s: ModelSet, m: string): boolean => {
    if (s.members.has(m)) return false;
    s.members.add(m);
    if (s.intset && (!isInteger(m) || s.members.size > Math.min(limit, 2 ** 30))) s.intset = false;
    return true;
  };
  const created = (first: string): ModelSet => ({ members: new Set(), intset: isInteger(first) });

  const argv = (...parts: string[]) => argsOf(parts.map(bytes));
  const readItems = (n: number) => {
    const items = sets.items();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(dec.decode(items.nextBytes()));
    return out;
  };

  const check = (key: string) => {
    const m = model.get(key);
    const a = argv(key);
    const n = sets.combine(0, a, SET_INTER, 0, 1);
    const got = readItems(n);
    if (!m) {
      assert.equal(n, 0, `${key} should not exist`);
      assert.equal(ks.exists(0, bytes(key)), false);
      return;
    }
    assert.deepEqual([...got].sort(), [...m.members].sort(), `members of ${key}`);
    if (m.intset) assert.deepEqual(got, [...m.members].sort(byValue), `intset order of ${key}`);
    assert.equal(ks.encoding(0, bytes(key)), m.intset ? INTSET : HASHTABLE, `encoding of ${key}`);
  };

  const combineModel = (op: SetOp, inputs: (ModelSet | undefined)[]) => {
    let result: Set<string>;
    let intset = true;
    if (op === SET_INTER) {
      if (inputs.some((s) => !s)) return { result: new Set<string>(), intset };
      result = new Set(
        [...inputs[0]!.members].filter((m) => inputs.every((s) => s!.members.has(m))),
      );
      intset = fits(result);
    } else if (op === SET_UNION) {
      result = new Set(inputs.flatMap((s) => s ? [...s.members] : []));
      intset = fits(result);
    } else {
      const first = inputs[0];
      if (!first) return { result: new Set<string>(), intset };
      result = new Set(
        [...first.members].filter((m) => !inputs.slice(1).some((s) => s?.members.has(m))),
      );
      let one = 0, two = 0;
      for (const s of inputs) {
        if (!s) continue;
        one += first.members.size;
        two += s.members.size;
      }
      one = Math.floor(one / 2);
      // Algorithm 2 adds the whole first set before removing: its encoding sticks.
      intset = one <= two ? fits(result) : fits(first.members) || result.size === 0;
    }
    return { result, intset };
  };

  let ops = 0;
  for (; ops < OPERATIONS; ops++) {
    const key = rnd.pick(KEYS);
    const m = model.get(key);
    const r = rnd.int(100);
    if (r < 25) {
      // SADD, sometimes many integers at once to cross the limit
      const members = rnd.chance(0.005)
        ? Array.from({ length: 100 + rnd.int(600) }, () => String(rnd.int(1500)))
        : Array.from({ length: 1 + rnd.int(4) }, member);
      const got = sets.add(0, argv(key, ...members), 0, 1, members.length + 1);
      const s = m ?? created(members[0]);
      let added = 0;
      for (const x of members) if (modelAdd(s, x)) added++;
      model.set(key, s);
      assert.equal(got, added, "SADD count");
    } else if (r < 40) {
      // SREM
      const members = rnd.chance(0.03) && m
        ? [...m.members].slice(0, 1 + rnd.int(m.members.size))
        : Array.from({ length: 1 + rnd.int(4) }, member);
      const got = sets.remove(0, argv(key, ...members), 0, 1, members.length + 1);
      let removed = 0;
      if (m) {
        for (const x of members) if (m.members.delete(x)) removed++;
        if (m.members.size === 0) model.delete(key);
      }
      assert.equal(got, removed, "SREM count");
    } else if (r < 47) {
      assert.equal(sets.card(0, argv(key), 0), m?.members.size ?? 0);
      const probes = [member(), member(), ...(m ? [rnd.pick([...m.members])] : [])];
      const n = sets.contains(0, argv(key, ...probes), 0, 1, probes.length + 1);
      assert.equal(n, probes.length);
      const items = sets.items();
      for (const p of probes) {
        assert.equal(items.nextNumber(), m?.members.has(p) ? 1 : 0, `SISMEMBER ${p}`);
      }
    } else if (r < 52) {
      // SPOP, with or without a count
      const withCount = rnd.chance(0.6);
      const count = withCount ? rnd.int((m?.members.size ?? 5) + 3) : null;
      const n = sets.pop(0, argv(key), 0, count);
      if (!m) {
        assert.equal(n, NOT_FOUND);
        continue;
      }
      const got = readItems(n);
      assert.equal(new Set(got).size, got.length);
      for (const x of got) assert.ok(m.members.has(x), "SPOP returned a non-member");
      const size = m.members.size;
      assert.equal(n, count === null ? 1 : Math.min(count, size));
      if (count !== null && count >= size && fits(m.members)) {
        assert.deepEqual(
          got,
          [...m.members].sort(byValue),
          "SPOP of everything goes through an intset",
        );
      }
      for (const x of got) m.members.delete(x);
      if (m.members.size === 0) model.delete(key);
      else if (count !== null && count > 0 && count < size && (size - count) * 5 <= count) {
        m.intset = fits(m.members); // rebuilt from the members left
      }
    } else if (r < 56) {
      // SRANDMEMBER
      const count = rnd.chance(0.2)
        ? null
        : rnd.int(2 * (m?.members.size ?? 4) + 2) - (m?.members.size ?? 4);
      const n = sets.random(0, argv(key), 0, count);
      if (!m) {
        assert.equal(n, NOT_FOUND);
        continue;
      }
      const got = readItems(n);
      for (const x of got) assert.ok(m.members.has(x), "SRANDMEMBER returned a non-member");
      if (count === null) assert.equal(n, 1);
      else if (count < 0) assert.equal(n, -count);
      else {
        assert.equal(n, Math.min(count, m.members.size));
        assert.equal(new Set(got).size, n);
      }
    } else if (r < 61) {
      // SMOVE
      const dst = rnd.chance(0.1) ? STRING_KEY : rnd.pick(KEYS);
      const x = m && rnd.chance(0.7) ? rnd.pick([...m.members]) : member();
      const got = sets.move(0, argv(key, dst, x), 0);
      const d = model.get(dst);
      if (!m) assert.equal(got, 0);
      else if (dst === STRING_KEY) assert.equal(got, WRONG_TYPE);
      else if (dst === key) assert.equal(got, m.members.has(x) ? 1 : 0);
      else if (!m.members.delete(x)) assert.equal(got, 0);
      else {
        assert.equal(got, 1);
        if (m.members.size === 0) model.delete(key);
        const target = d ?? created(x);
        modelAdd(target, x);
        model.set(dst, target);
      }
    } else if (r < 75) {
      // SINTER / SUNION / SDIFF, STORE, SINTERCARD; over keys or gathered member lists
      const op = rnd.pick([SET_INTER, SET_UNION, SET_DIFF] as const);
      const sources = Array.from(
        { length: 1 + rnd.int(4) },
        () => rnd.chance(0.05) ? "nokey" : rnd.pick(KEYS),
      );
      const inputs = sources.map((k) => model.get(k));
      const expected = combineModel(op, inputs);
      const mode = rnd.int(3); // 0 reply, 1 store, 2 card
      const limitArg = mode === 2 && rnd.chance(0.5) ? rnd.int(6) : 0;
      const viaValues = rnd.chance(0.3);
      if (viaValues) {
        const lists = inputs.map((s) => s ? [...s.members].map(bytes) : null);
        const flags = mode === 1 ? COMBINE_STORE : mode === 2 ? COMBINE_CARD : 0;
        const { result, encoding } = sets.combineValues(
          lists,
          mode === 2 ? SET_INTER : op,
          flags,
          limitArg,
        );
        if (mode === 2) {
          const card = combineModel(SET_INTER, inputs).result.size;
          assert.equal(result, limitArg ? Math.min(card, limitArg) : card);
          continue;
        }
        const got = readItems(result);
        assert.deepEqual(got.sort(), [...expected.result].sort(), "combine of member lists");
        if (mode === 1 && result > 0) assert.equal(encoding, expected.intset ? INTSET : HASHTABLE);
        continue;
      }
      if (mode === 0) {
        const a = argv(...sources);
        const n = sets.combine(0, a, op, 0, sources.length);
        assert.deepEqual(readItems(n).sort(), [...expected.result].sort(), "combine reply");
      } else if (mode === 2) {
        const n = sets.combine(
          0,
          argv(...sources),
          SET_INTER,
          0,
          sources.length,
          COMBINE_CARD,
          -1,
          limitArg,
        );
        const card = combineModel(SET_INTER, inputs).result.size;
        assert.equal(n, limitArg ? Math.min(card, limitArg) : card);
      } else {
        const dest = rnd.pick(KEYS);
        const n = sets.combine(
          0,
          argv(dest, ...sources),
          op,
          1,
          sources.length + 1,
          COMBINE_STORE,
          0,
        );
        assert.equal(n, expected.result.size);
        if (expected.result.size === 0) model.delete(dest);
        else model.set(dest, { members: new Set(expected.result), intset: expected.intset });
        check(dest);
      }
    } else if (r < 80) {
      // SSCAN a whole set
      let cursor = 0;
      const seen = new Set<string>();
      let steps = 0;
      do {
        const step = sets.scan(0, argv(key), 0, cursor, 5 + rnd.int(200));
        if (!m) {
          assert.equal(step.found, NOT_FOUND);
          break;
        }
        for (const x of readItems(step.found)) seen.add(x);
        cursor = step.next;
        assert.ok(++steps < 100_000);
      } while (cursor !== 0);
      if (m) assert.deepEqual([...seen].sort(), [...m.members].sort(), "SSCAN");
    } else if (r < 84) {
      // COPY or DUMP + RESTORE: the same members and encoding
      const dst = rnd.pick(KEYS);
      if (!m || dst === key) continue;
      if (rnd.chance(0.5)) assert.equal(ks.copy(0, bytes(key), 0, bytes(dst), true), 1);
      else assert.equal(ks.restore(0, bytes(dst), ks.dump(0, bytes(key))!, 0, true), 1);
      model.set(dst, { members: new Set(m.members), intset: m.intset });
      check(dst);
    } else if (r < 86) {
      // WRONGTYPE everywhere
      assert.equal(sets.add(0, argv(STRING_KEY, "x"), 0, 1, 2), WRONG_TYPE);
      assert.equal(sets.remove(0, argv(STRING_KEY, "x"), 0, 1, 2), WRONG_TYPE);
      assert.equal(sets.pop(0, argv(STRING_KEY), 0, null), WRONG_TYPE);
      assert.equal(sets.combine(0, argv(key, STRING_KEY), SET_UNION, 0, 2), WRONG_TYPE);
      assert.equal(
        sets.combine(0, argv(key, key, STRING_KEY), SET_INTER, 1, 3, COMBINE_STORE, 0),
        WRONG_TYPE,
      );
      check(key);
    } else if (r < 87 && rnd.chance(0.2)) {
      applyLimit(rnd.pick([0, 1, 3, 16, 64, 512, 512, 700]));
    } else if (rnd.chance(0.3)) {
      check(key);
    } else {
      assert.equal(sets.card(0, argv(key), 0), m?.members.size ?? 0);
    }
  }

  for (const key of KEYS) check(key);
  for (const key of [...KEYS, STRING_KEY]) ks.delete(0, bytes(key));
  assert.equal(ks.dbSize(0), 0);
  assert.equal(ks.memoryUsed(), baseline, "memory back to the baseline");
});
