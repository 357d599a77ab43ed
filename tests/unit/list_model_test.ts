// Randomized model test of the engine's lists (wasm/assembly/t_list.ts, through
// src/engine/list.ts) against plain arrays: every list command with random arguments, binary
// elements from 0 bytes to 20 KB (larger than a node), list-max-listpack-size changing
// between phases (so nodes of several fills coexist and split / merge), COPY, RENAME and
// DUMP + RESTORE round trips, and memory back to its baseline once every key is gone.
// Set LIST_TEST_SEED to replay a failure.
import assert from "node:assert/strict";
import {
  type ArgSource,
  CONDITION,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
  WRONG_TYPE,
} from "../../src/engine/keyspace.ts";
import {
  listIndex,
  listInsert,
  listLength,
  listMove,
  listNodeCount,
  listPop,
  listPos,
  listPush,
  listRange,
  listRemove,
  listSet,
  listTrim,
} from "../../src/engine/list.ts";
import { makeRandom } from "../helpers/random.ts";

const SEED = Number(Deno.env.get("LIST_TEST_SEED") ?? (Date.now() % 2 ** 31));
const OPS = Number(Deno.env.get("LIST_TEST_OPS") ?? 200_000);

const enc = new TextEncoder();
const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

/** A reusable request-like argument buffer (what handlers pass as ctx.args). */
class TestArgs implements ArgSource {
  argBuf = new Uint8Array(1 << 16);
  argStart = new Int32Array(64);
  argLen = new Int32Array(64);
  argc = 0;

  set(...parts: Uint8Array[]): this {
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (total > this.argBuf.length) this.argBuf = new Uint8Array(total * 2);
    let at = 0;
    parts.forEach((p, i) => {
      this.argBuf.set(p, at);
      this.argStart[i] = at;
      this.argLen[i] = p.length;
      at += p.length;
    });
    this.argc = parts.length;
    return this;
  }
}

function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function assertItems(got: Uint8Array[], expected: Uint8Array[], where: string): void {
  assert.equal(got.length, expected.length, where);
  for (let i = 0; i < got.length; i++) {
    if (!equalBytes(got[i], expected[i])) {
      assert.deepEqual(got[i], expected[i], `${where}: item ${i}`);
    }
  }
}

const POOL = ["", "a", "b", "pivot", "123", "-7", "\0\r\n\xff", "x".repeat(60), "y".repeat(130)]
  .map(latin1);
const FILLS = [-2, -1, -3, -4, -5, -9, 1, 2, 3, 5, 16, 128, 0, 1000];
const KEYS = ["k0", "k1", "k2", "k3", "k4", "\0bin\xff"].map(latin1);
const STRING_KEY = enc.encode("str");

function limits(listSize: number) {
  return {
    hashMaxListpackEntries: 128,
    hashMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    listMaxListpackSize: listSize,
  };
}

/** Redis's LPOS over a model list. */
function modelPos(
  list: Uint8Array[],
  el: Uint8Array,
  rank: number,
  count: number,
  maxlen: number,
): number[] {
  const fromTail = rank < 0;
  const want = Math.abs(rank);
  const out: number[] = [];
  let matches = 0;
  for (let i = 0; i < list.length && (maxlen === 0 || i < maxlen); i++) {
    const index = fromTail ? list.length - 1 - i : i;
    if (!equalBytes(list[index], el)) continue;
    matches++;
    if (matches < want) continue;
    out.push(index);
    if (count === -1 || (count > 0 && out.length >= count)) break;
  }
  return out;
}

/** Redis's LRANGE index rules: [start, end] inclusive, or null when empty. */
function normalizeRange(len: number, start: number, end: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  return [start, Math.min(end, len - 1)];
}

/** The steps after which an engine holds no key but has its buffers: the memory baseline. */
function baselineSteps(ks: Keyspace, args: TestArgs): void {
  args.set(enc.encode("RPUSH"), KEYS[0], POOL[1]);
  listPush(ks, 0, args, 3, false, false);
  ks.delete(0, KEYS[0]);
  args.set(enc.encode("LRANGE"), KEYS[0]);
  listRange(ks, 0, args, 0, -1);
}

Deno.test(`lists match a model under random operations (seed ${SEED})`, async () => {
  const rnd = makeRandom(SEED);
  const ks = new Keyspace(await instantiateEngine());
  const args = new TestArgs();
  const model = new Map<string, Uint8Array[]>();
  const name = (k: Uint8Array) => String.fromCharCode(...k);
  const db = 0;
  baselineSteps(ks, args);
  ks.setString(db, STRING_KEY, enc.encode("v"));

  const element = (): Uint8Array => {
    const r = rnd.int(1000);
    if (r < 550) return rnd.pick(POOL);
    let n = r < 960 ? rnd.int(40) : r < 997 ? 100 + rnd.int(300) : 5000 + rnd.int(15000);
    const bytes = new Uint8Array(n);
    while (n-- > 0) bytes[n] = 97 + rnd.int(4);
    return bytes;
  };
  const anyKey = () => rnd.chance(0.03) ? STRING_KEY : rnd.pick(KEYS);
  const get = (k: Uint8Array) => model.get(name(k));
  const store = (k: Uint8Array, list: Uint8Array[]) => {
    if (list.length === 0) model.delete(name(k));
    else model.set(name(k), list);
  };
  const num = (n: number) => enc.encode(String(n));
  const items = (n: number) => {
    const reply = ks.replyItems();
    return Array.from({ length: n }, () => reply.nextBytes());
  };
  const verify = (k: Uint8Array, where: string) => {
    if (k === STRING_KEY) return;
    const list = get(k) ?? [];
    args.set(enc.encode("LRANGE"), k);
    const n = listRange(ks, db, args, 0, -1);
    assert.equal(n, list.length, `${where}: length`);
    const got = items(n);
    for (let i = 0; i < n; i++) assert.ok(equalBytes(got[i], list[i]), `${where}: element ${i}`);
    const nodes = listNodeCount(ks, db, k);
    if (list.length === 0) assert.equal(nodes, -1, `${where}: no key`);
    else assert.ok(nodes >= 1 && nodes <= list.length, `${where}: ${nodes} nodes`);
  };
  const randomIndex = (len: number) =>
    rnd.chance(0.02)
      ? rnd.pick([-(2 ** 63), 2 ** 63 - 1, -(2 ** 40)])
      : rnd.int(2 * len + 6) - len - 3;

  // Phases: each with its own list-max-listpack-size; in growing phases the lists get long
  // (thousands of elements over many nodes).
  let growing = false;
  for (let op = 0; op < OPS; op++) {
    if (op % 20_000 === 0) {
      ks.setEncodingLimits(limits(rnd.pick(FILLS)));
      growing = rnd.chance(0.5);
    }
    const key = anyKey();
    const list = get(key);
    const wrong = key === STRING_KEY;
    const where = `op ${op} (seed ${SEED})`;
    let r = rnd.int(100);
    if (growing && r < 22 && list && list.length > 1500) r = 22; // pop 200 instead
    if (r < 22) { // LPUSH RPUSH LPUSHX RPUSHX
      const front = rnd.chance(0.5), onlyExisting = rnd.chance(0.1);
      const els = Array.from(
        { length: 1 + rnd.int(growing ? 16 : rnd.chance(0.1) ? 40 : 4) },
        element,
      );
      args.set(enc.encode("PUSH"), key, ...els);
      const n = listPush(ks, db, args, args.argc, front, onlyExisting);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (onlyExisting && !list) assert.equal(n, 0, where);
      else {
        const next = list ?? [];
        for (const el of els) front ? next.unshift(el) : next.push(el);
        store(key, next);
        assert.equal(n, next.length, where);
      }
    } else if (r < 36) { // LPOP RPOP [count]
      const front = rnd.chance(0.5);
      const count: number = rnd.chance(0.5)
        ? -1
        : rnd.pick(growing ? [0, 1, 2, 3, 7, 200] : [0, 1, 2, 3, 7, 50, 2 ** 53]);
      args.set(enc.encode("POP"), key);
      const n = listPop(ks, db, args, 1, front, count);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, NOT_FOUND, where);
      else {
        const k = count < 0 ? 1 : Math.min(count, list.length);
        const expected = front ? list.splice(0, k) : list.splice(list.length - k, k).reverse();
        assert.equal(n, k, where);
        assertItems(items(n), expected, where);
        store(key, list);
      }
    } else if (r < 44) { // LRANGE
      const len = list?.length ?? 0;
      const start = randomIndex(len), end = randomIndex(len);
      args.set(enc.encode("LRANGE"), key);
      const n = listRange(ks, db, args, start, end);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else {
        const range = normalizeRange(len, start, end);
        const expected = range ? list!.slice(range[0], range[1] + 1) : [];
        assert.equal(n, expected.length, where);
        assertItems(items(n), expected, where);
      }
    } else if (r < 50) { // LINDEX
      const len = list?.length ?? 0;
      const index = randomIndex(len);
      args.set(enc.encode("LINDEX"), key);
      const n = listIndex(ks, db, args, index);
      const i = index < 0 ? index + len : index;
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, NOT_FOUND, where);
      else if (i < 0 || i >= len) assert.equal(n, 0, where);
      else {
        assert.equal(n, 1, where);
        assert.deepEqual(items(1)[0], list[i], where);
      }
    } else if (r < 57) { // LSET
      const len = list?.length ?? 0;
      const index = randomIndex(len);
      const el = element();
      args.set(enc.encode("LSET"), key, num(index), el);
      const n = listSet(ks, db, args, index);
      const i = index < 0 ? index + len : index;
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, NOT_FOUND, where);
      else if (i < 0 || i >= len) assert.equal(n, CONDITION, where);
      else {
        assert.equal(n, 0, where);
        list[i] = el;
      }
    } else if (r < 64) { // LINSERT
      const after = rnd.chance(0.5);
      const pivot = list && rnd.chance(0.5) ? rnd.pick(list) : rnd.pick(POOL);
      const el = element();
      args.set(enc.encode("LINSERT"), key, enc.encode(after ? "AFTER" : "BEFORE"), pivot, el);
      const n = listInsert(ks, db, args, after);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, 0, where);
      else {
        const at = list.findIndex((x) => equalBytes(x, pivot));
        if (at < 0) assert.equal(n, CONDITION, where);
        else {
          list.splice(after ? at + 1 : at, 0, el);
          assert.equal(n, list.length, where);
        }
      }
    } else if (r < 71) { // LREM
      const count = rnd.pick(growing ? [1, 2, -1, -2] : [0, 1, 2, 3, -1, -2, -3, 100, -100]);
      const el = list && rnd.chance(0.5) ? rnd.pick(list) : rnd.pick(POOL);
      args.set(enc.encode("LREM"), key, num(count), el);
      const n = listRemove(ks, db, args, count);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, 0, where);
      else {
        const limit = count === 0 ? Infinity : Math.abs(count);
        const order = [...list.keys()];
        if (count < 0) order.reverse();
        const drop = new Set<number>();
        for (const i of order) {
          if (drop.size < limit && equalBytes(list[i], el)) drop.add(i);
        }
        assert.equal(n, drop.size, where);
        store(key, list.filter((_, i) => !drop.has(i)));
      }
    } else if (r < 74) { // LTRIM
      const len = list?.length ?? 0;
      const start = rnd.chance(growing ? 0.99 : 0.7) ? rnd.int(3) : randomIndex(len);
      const end = rnd.chance(growing ? 0.99 : 0.7) ? -1 - rnd.int(3) : randomIndex(len);
      args.set(enc.encode("LTRIM"), key);
      const n = listTrim(ks, db, args, start, end);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else {
        assert.equal(n, 0, where);
        if (list) {
          const range = normalizeRange(len, start, end);
          store(key, range ? list.slice(range[0], range[1] + 1) : []);
        }
      }
    } else if (r < 81) { // LPOS
      const el = list && rnd.chance(0.6) ? rnd.pick(list) : rnd.pick(POOL);
      const rank = rnd.pick([1, 1, 2, 3, -1, -2, -3]);
      const count = rnd.pick([-1, 0, 1, 2, 5]);
      const maxlen = rnd.chance(0.7) ? 0 : rnd.int((list?.length ?? 0) + 2);
      args.set(enc.encode("LPOS"), key, el);
      const n = listPos(ks, db, args, rank < 0, Math.abs(rank), count, maxlen);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, NOT_FOUND, where);
      else {
        const expected = modelPos(list, el, rank, count, maxlen);
        assert.equal(n, expected.length, where);
        const reply = ks.replyItems();
        assert.deepEqual(expected.map(() => reply.nextNumber()), expected, where);
      }
    } else if (r < 90) { // LMOVE
      const dst = anyKey();
      const fromFront = rnd.chance(0.5), toFront = rnd.chance(0.5);
      args.set(enc.encode("LMOVE"), key, dst);
      const n = listMove(ks, db, args, fromFront, toFront);
      if (wrong) assert.equal(n, WRONG_TYPE, where);
      else if (!list) assert.equal(n, NOT_FOUND, where);
      else if (dst === STRING_KEY) assert.equal(n, WRONG_TYPE, where);
      else {
        assert.equal(n, 1, where);
        const el = fromFront ? list.shift()! : list.pop()!;
        assert.deepEqual(items(1)[0], el, where);
        store(key, list);
        const target = get(dst) ?? [];
        toFront ? target.unshift(el) : target.push(el);
        store(dst, target);
      }
    } else if (r < 94) { // LLEN
      args.set(enc.encode("LLEN"), key);
      const n = listLength(ks, db, args, true);
      assert.equal(n, wrong ? WRONG_TYPE : list ? list.length : NOT_FOUND, where);
    } else if (growing && r < 98) {
      verify(key, where); // the lists grow: no DEL, COPY, RENAME, RESTORE
    } else if (r < 95) { // DEL
      if (!wrong) {
        assert.equal(ks.delete(db, key), list !== undefined, where);
        model.delete(name(key));
      }
    } else if (r < 97) { // COPY (deep), RENAME
      const dst = rnd.pick(KEYS);
      if (wrong || dst === key) continue;
      if (rnd.chance(0.5)) {
        assert.equal(ks.copy(db, key, db, dst, true), list ? 1 : 0, where);
        if (list) store(dst, [...list]);
      } else {
        assert.equal(ks.rename(db, key, dst), list ? 1 : NOT_FOUND, where);
        if (list) {
          store(dst, list);
          model.delete(name(key));
        }
      }
      verify(dst, where);
    } else if (r < 98) { // DUMP + RESTORE under another key
      const dst = rnd.pick(KEYS);
      if (wrong || dst === key) continue;
      const blob = ks.dump(db, key);
      assert.equal(blob !== null, list !== undefined, where);
      if (blob) {
        assert.equal(ks.restore(db, dst, blob, 0, true), 1, where);
        store(dst, [...list!]);
        verify(dst, where);
      }
    } else verify(key, where);
    if (op % ((get(key)?.length ?? 0) < 200 ? 10 : 500) === 0) verify(key, where);
  }
  for (const key of KEYS) verify(key, "end");

  // Every key gone: memory back to the baseline, once the scratch and output areas are back
  // to their default size too (a call over 1 MB grows them, a small one shrinks them back).
  for (const key of KEYS) ks.delete(db, key);
  ks.delete(db, STRING_KEY);
  args.set(enc.encode("RPUSH"), KEYS[0], new Uint8Array(3 << 20));
  listPush(ks, db, args, 3, false, false);
  args.set(enc.encode("LRANGE"), KEYS[0]);
  listRange(ks, db, args, 0, -1);
  baselineSteps(ks, args);
  const fresh = new Keyspace(await instantiateEngine());
  baselineSteps(fresh, args);
  assert.equal(ks.memoryUsed(), fresh.memoryUsed(), "memory back to the baseline");
});

Deno.test("list nodes respect list-max-listpack-size", async () => {
  const ks = new Keyspace(await instantiateEngine());
  const args = new TestArgs();
  const key = enc.encode("l");
  const push = (el: Uint8Array, front = false) => {
    args.set(enc.encode("RPUSH"), key, el);
    listPush(ks, 0, args, 3, front, false);
  };
  const fill = (listSize: number, count: number, size: number, front = false) => {
    ks.delete(0, key);
    ks.setEncodingLimits(limits(listSize));
    for (let i = 0; i < count; i++) push(new Uint8Array(size).fill(120), front);
    return listNodeCount(ks, 0, key);
  };
  assert.equal(fill(3, 10, 1), 4);
  assert.equal(fill(3, 10, 1, true), 4);
  assert.equal(fill(1, 5, 1), 5);
  assert.equal(fill(0, 5, 1), 5); // Redis: no node takes a second entry
  // A positive fill still stops at 8 KB: a 100-byte element takes 102 bytes.
  assert.equal(fill(1000, 200, 100), Math.ceil(200 / Math.floor(8192 / 102)));
  assert.equal(fill(-1, 200, 100), Math.ceil(200 / Math.floor(4096 / 102)));
  assert.equal(fill(-2, 200, 100), Math.ceil(200 / Math.floor(8192 / 102)));
  assert.equal(fill(-5, 2000, 100), Math.ceil(2000 / Math.floor(65536 / 102)));
  assert.equal(fill(-9, 2000, 100), Math.ceil(2000 / Math.floor(65536 / 102))); // as -5
  assert.equal(fill(-2, 3, 20_000), 3); // a big element gets a node of its own
  // x y x y ... in nodes of 4; removing the x's leaves half-full nodes that merge back.
  ks.delete(0, key);
  ks.setEncodingLimits(limits(4));
  for (let i = 0; i < 40; i++) push(enc.encode(i % 2 ? "y" : "x"));
  assert.equal(listNodeCount(ks, 0, key), 10);
  args.set(enc.encode("LREM"), key, enc.encode("0"), enc.encode("x"));
  assert.equal(listRemove(ks, 0, args, 0), 20);
  assert.equal(listNodeCount(ks, 0, key), 5, "20 y's in full nodes of 4");
  args.set(enc.encode("LREM"), key, enc.encode("-3"), enc.encode("y"));
  assert.equal(listRemove(ks, 0, args, -3), 3);
  assert.equal(listNodeCount(ks, 0, key), 5);
});
