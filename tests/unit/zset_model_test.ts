// Randomized model test of the engine's sorted sets (wasm/assembly/t_zset.ts through
// src/engine/zset.ts) against a plain Map: ZADD with every flag, ZREM, scores, ranks, rank /
// score / lex ranges with offsets and limits, counts, range removals, pops, stores, COPY and
// DUMP/RESTORE round trips, listpack <-> skiplist conversions under changing limits, and the
// engine's memory back to its baseline once every key is gone. ZSET_TEST_SEED replays a run.
import assert from "node:assert/strict";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";
import { formatDouble17g } from "../../src/protocol/numbers.ts";
import {
  type ArgSource,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
} from "../../src/engine/keyspace.ts";
import {
  BY_RANK,
  BY_SCORE,
  RANGE_COUNT,
  RANGE_MAXEX,
  RANGE_MINEX,
  RANGE_REMOVE,
  RANGE_REV,
  RANGE_WITHSCORES,
  type ScoredMember,
  ZADD_CH,
  ZADD_GT,
  ZADD_INCR,
  ZADD_LT,
  ZADD_NX,
  ZADD_XX,
  Zsets,
} from "../../src/engine/zset.ts";

const SEED = Number(Deno.env.get("ZSET_TEST_SEED") ?? (Date.now() % 2 ** 31));

function makeRandom(seed: number) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed | 0;
  return () => {
    a |= 0, b |= 0, c |= 0, d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

const random = makeRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]) => xs[int(xs.length)];

/** Arguments as a command would hold them: argument i is argBuf[argStart[i], + argLen[i]). */
function argsOf(list: Uint8Array[]): ArgSource {
  const total = list.reduce((n, a) => n + a.length, 0);
  const argBuf = new Uint8Array(total);
  const argStart = new Int32Array(list.length), argLen = new Int32Array(list.length);
  let at = 0;
  list.forEach((a, i) => {
    argBuf.set(a, at);
    argStart[i] = at;
    argLen[i] = a.length;
    at += a.length;
  });
  return { argBuf, argStart, argLen };
}

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Members: mostly short, some binary, a few long enough to force the skiplist. */
function randomMember(): string {
  const r = random();
  if (r < 0.6) return `m${int(300)}`;
  if (r < 0.9) return String.fromCharCode(...Array.from({ length: int(4) }, () => int(256)));
  return "L".repeat(20 + int(60)) + int(20);
}

function randomScore(): number {
  const r = random();
  if (r < 0.4) return int(50);
  if (r < 0.8) return (random() - 0.5) * 1000;
  if (r < 0.9) return pick([Infinity, -Infinity, 0, -0, 0.1, 1e300]);
  return int(5) / 4;
}

type Model = Map<string, number>;

function compareEntries(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

const sorted = (m: Model) => [...m.entries()].sort(compareEntries);

function readScored(z: Zsets, n: number, withScores: boolean): [string, number][] {
  const items = z.items();
  const out: [string, number][] = [];
  for (let i = 0; i < n; i++) {
    out.push([latin1(items.nextBytes()), withScores ? items.nextNumber() : NaN]);
  }
  return out;
}

/** Grows the engine's buffers (score buffer, scratch) once, so memory baselines hold. */
function primeBuffers(ks: Keyspace, z: Zsets): void {
  const key = bytesOf("prime");
  z.store(0, key, Array.from({ length: 4096 }, (_, i) => ({ member: bytesOf(`p${i}`), score: i })));
  z.range(0, argsOf([key]), 0, BY_RANK, RANGE_WITHSCORES, 0, -1);
  ks.delete(0, key);
}

Deno.test(`sorted sets match the model over random operations (seed ${SEED})`, async () => {
  const ks = new Keyspace(await instantiateEngine());
  const z = new Zsets(ks);
  const db = 0;
  const keys = ["k0", "k1", "k2", bytesOf("\0\xff")].map((k) =>
    typeof k === "string" ? bytesOf(k) : k
  );
  const models: Model[] = keys.map(() => new Map());
  /** Encoding expected: skiplist once converted (never back, except by a store). */
  const skiplist = keys.map(() => false);
  let maxEntries = 128, maxValue = 64;
  const setLimits = (entries: number, value: number) => {
    [maxEntries, maxValue] = [entries, value];
    ks.setEncodingLimits({
      hashMaxListpackEntries: 512,
      hashMaxListpackValue: 64,
      setMaxIntsetEntries: 512,
      zsetMaxListpackEntries: entries,
      zsetMaxListpackValue: value,
      listMaxListpackSize: -2,
    });
  };
  setLimits(16, 40);
  // Baseline after the engine's buffers (scratch, output, score buffer) exist.
  primeBuffers(ks, z);
  const baseline = ks.memoryUsed();

  const keyArgs = (k: number, rest: Uint8Array[]) => argsOf([keys[k], ...rest]);
  const checkAll = (k: number) => {
    const model = models[k];
    const n = z.range(db, keyArgs(k, []), 0, BY_RANK, RANGE_WITHSCORES, 0, -1);
    if (model.size === 0) return assert.equal(n, NOT_FOUND);
    assert.deepEqual(readScored(z, n, true), sorted(model));
    assert.equal(ks.encoding(db, keys[k]), skiplist[k] ? 8 : 4);
    assert.ok(z.linksConsistent(db, keys[k]), "skiplist links agree with the order");
  };

  const OPS = 100_000;
  for (let op = 0; op < OPS; op++) {
    const k = int(keys.length);
    const model = models[k];
    const r = random();
    if (op % 20_000 === 0) setLimits(pick([0, 1, 4, 16, 128]), pick([0, 3, 8, 40, 64]));
    if (r < 0.3) {
      // ZADD with random flags
      let flags = 0;
      if (random() < 0.15) flags |= pick([ZADD_NX, ZADD_XX]);
      if (!(flags & ZADD_NX) && random() < 0.15) flags |= pick([ZADD_GT, ZADD_LT]);
      if (random() < 0.2) flags |= ZADD_CH;
      const incr = random() < 0.15;
      if (incr) flags |= ZADD_INCR;
      const count = incr ? 1 : 1 + int(5);
      const list: Uint8Array[] = [], scores: number[] = [];
      for (let i = 0; i < count; i++) {
        list.push(bytesOf("s"), bytesOf(randomMember()));
        scores.push(randomScore());
      }
      const result = z.add(db, keyArgs(k, list), 0, 2, scores, flags);
      // The model's zsetAdd.
      let added = 0, updated = 0, processed = 0, last = 0, nan = false;
      const existed = model.size > 0;
      if (!existed && (flags & ZADD_XX)) {
        assert.equal(result, 0);
        continue;
      }
      if (!existed && !skiplist[k]) {
        skiplist[k] = maxEntries === 0 || list[1].length > maxValue;
      }
      for (let i = 0; i < count; i++) {
        const m = latin1(list[2 * i + 1]);
        let s = scores[i];
        const cur = model.get(m);
        if (cur !== undefined) {
          if (flags & ZADD_NX) continue;
          if (incr) {
            s += cur;
            if (Number.isNaN(s)) {
              nan = true;
              break;
            }
          }
          if (((flags & ZADD_LT) && s >= cur) || ((flags & ZADD_GT) && s <= cur)) continue;
          last = s;
          processed++;
          if (s !== cur) {
            model.set(m, skiplist[k] || s !== 0 ? s : 0);
            updated++;
          }
        } else if (!(flags & ZADD_XX)) {
          if (!skiplist[k] && (model.size + 1 > maxEntries || m.length > maxValue)) {
            skiplist[k] = true;
          }
          model.set(m, skiplist[k] || s !== 0 ? s : 0);
          last = s;
          added++;
          processed++;
        }
      }
      if (nan) {
        assert.equal(result, -20);
        continue;
      }
      assert.equal(result, (flags & ZADD_CH) ? added + updated : added);
      if (incr) {
        const items = z.items();
        if (processed) assert.ok(Object.is(items.nextNumber(), last), "INCR reply");
      }
      // Skiplists keep -0; listpacks store 0 (the model stores what the encoding keeps).
    } else if (r < 0.4) {
      const list = Array.from({ length: 1 + int(4) }, () => bytesOf(randomMember()));
      let removed = 0;
      for (const m of new Set(list.map(latin1))) if (model.delete(m)) removed++;
      assert.equal(z.remove(db, keyArgs(k, list), 0, 1, list.length + 1), removed);
      if (model.size === 0) skiplist[k] = false;
    } else if (r < 0.48) {
      const list = Array.from({ length: 1 + int(4) }, () => bytesOf(randomMember()));
      const n = z.scores(db, keyArgs(k, list), 0, 1, list.length + 1);
      const out = new ReplyWriter(256);
      z.items().writeMany(out, n);
      const want = list.map((m) => {
        const score = model.get(latin1(m));
        return score === undefined
          ? "$-1\r\n"
          : `$${formatDouble17g(score).length}\r\n${formatDouble17g(score)}\r\n`;
      }).join("");
      assert.equal(latin1(out.bytes()), want);
    } else if (r < 0.54) {
      const entries = sorted(model);
      const m = random() < 0.8 && entries.length ? pick(entries)[0] : randomMember();
      const reverse = random() < 0.5;
      const got = z.rank(db, keyArgs(k, [bytesOf(m)]), 0, 1, reverse);
      const at = entries.findIndex((e) => e[0] === m);
      assert.equal(got, at < 0 ? NOT_FOUND : reverse ? entries.length - 1 - at : at);
    } else if (r < 0.64) {
      // rank range
      const entries = sorted(model);
      const len = entries.length;
      const start = int(len + 6) - 3 - (random() < 0.3 ? len : 0);
      const end = int(len + 6) - 3 - (random() < 0.3 ? len : 0);
      const reverse = random() < 0.4;
      const n = z.range(
        db,
        keyArgs(k, []),
        0,
        BY_RANK,
        (reverse ? RANGE_REV : 0) | RANGE_WITHSCORES,
        start,
        end,
      );
      if (len === 0) {
        assert.equal(n, NOT_FOUND);
        continue;
      }
      let s = start < 0 ? start + len : start, e = end < 0 ? end + len : end;
      if (s < 0) s = 0;
      if (e >= len) e = len - 1;
      const view = reverse ? [...entries].reverse() : entries;
      const want = s > e || s >= len ? [] : view.slice(s, e + 1);
      assert.deepEqual(readScored(z, n, true), want);
    } else if (r < 0.76) {
      // score range: emit, count or remove
      const entries = sorted(model);
      const bound = () => entries.length && random() < 0.7 ? pick(entries)[1] : randomScore();
      let min = bound(), max = bound();
      if (random() < 0.8 && min > max) [min, max] = [max, min];
      const minex = random() < 0.3, maxex = random() < 0.3;
      const inRange = entries.filter(([, s]) =>
        (minex ? s > min : s >= min) && (maxex ? s < max : s <= max)
      );
      const mode = random();
      const exFlags = (minex ? RANGE_MINEX : 0) | (maxex ? RANGE_MAXEX : 0);
      if (mode < 0.2) {
        const n = z.range(db, keyArgs(k, []), 0, BY_SCORE, RANGE_COUNT | exFlags, min, max);
        assert.equal(n, entries.length ? inRange.length : NOT_FOUND);
      } else if (mode < 0.35) {
        const n = z.range(db, keyArgs(k, []), 0, BY_SCORE, RANGE_REMOVE | exFlags, min, max);
        assert.equal(n, entries.length ? inRange.length : NOT_FOUND);
        for (const [m] of inRange) model.delete(m);
        if (model.size === 0) skiplist[k] = false;
      } else {
        const reverse = random() < 0.4;
        // Offsets past 32 jump by rank instead of walking (t_zset.ts emitSkiplistRange).
        const offset = random() < 0.5 ? 0 : random() < 0.8 ? int(5) - 1 : int(120);
        const limit = random() < 0.5 ? -1 : int(6);
        const n = z.range(
          db,
          keyArgs(k, []),
          0,
          BY_SCORE,
          exFlags | RANGE_WITHSCORES | (reverse ? RANGE_REV : 0),
          min,
          max,
          offset,
          limit,
        );
        if (!entries.length) {
          assert.equal(n, NOT_FOUND);
          continue;
        }
        const view = reverse ? [...inRange].reverse() : inRange;
        const want = offset < 0 ? [] : view.slice(offset, limit < 0 ? undefined : offset + limit);
        assert.deepEqual(readScored(z, n, true), want);
      }
    } else if (r < 0.8) {
      // rank removal
      const len = model.size;
      const start = int(len + 4) - 2, end = int(len + 4) - 2;
      const n = z.range(db, keyArgs(k, []), 0, BY_RANK, RANGE_REMOVE, start, end);
      if (!len) {
        assert.equal(n, NOT_FOUND);
        continue;
      }
      const entries = sorted(model);
      let s = start < 0 ? start + len : start, e = end < 0 ? end + len : end;
      if (s < 0) s = 0;
      if (e >= len) e = len - 1;
      const gone = s > e || s >= len ? [] : entries.slice(s, e + 1);
      assert.equal(n, gone.length);
      for (const [m] of gone) model.delete(m);
      if (model.size === 0) skiplist[k] = false;
    } else if (r < 0.86) {
      const fromTop = random() < 0.5;
      const count = int(6);
      const n = z.pop(db, keys[k], 0, count, fromTop);
      if (!model.size) {
        assert.equal(n, NOT_FOUND);
        continue;
      }
      const entries = sorted(model);
      const want = (fromTop ? entries.reverse() : entries).slice(0, count);
      assert.deepEqual(readScored(z, n, true), want);
      for (const [m] of want) model.delete(m);
      if (model.size === 0) skiplist[k] = false;
    } else if (r < 0.9) {
      // store: rebuild from a random subset of another key
      const from = int(keys.length);
      const members: ScoredMember[] = sorted(models[from]).filter(() => random() < 0.7)
        .map(([m, s]) => ({ member: bytesOf(m), score: s }));
      assert.equal(z.store(db, keys[k], members), members.length);
      const next: Model = new Map(members.map((e) => [latin1(e.member), e.score]));
      skiplist[k] = members.length > 0 &&
        (maxEntries === 0 || members.length > maxEntries ||
          members.some((e) => e.member.length > maxValue));
      if (!skiplist[k]) { for (const [m, s] of next) if (s === 0) next.set(m, 0); }
      models[k] = next;
    } else if (r < 0.93) {
      // COPY to a scratch key and DUMP/RESTORE back: both must equal the original.
      const tmp = bytesOf("tmp");
      if (ks.copy(db, keys[k], db, tmp, true) === 1) {
        const blob = ks.dump(db, tmp)!;
        ks.delete(db, tmp);
        assert.equal(ks.restore(db, tmp, blob), 1);
        const n = z.range(db, argsOf([tmp]), 0, BY_RANK, RANGE_WITHSCORES, 0, -1);
        assert.deepEqual(readScored(z, n, true), sorted(model));
        assert.equal(ks.encoding(db, tmp), skiplist[k] ? 8 : 4);
        ks.delete(db, tmp);
      }
    } else if (r < 0.96) {
      // lex ranges on a key whose scores are all equal
      const lexKey = bytesOf("lex");
      const lexModel = new Set<string>();
      const n0 = 1 + int(random() < 0.3 ? 200 : 40); // past 128: a skiplist (default limits)
      const list: Uint8Array[] = [];
      for (let i = 0; i < n0; i++) {
        const m = randomMember();
        lexModel.add(m);
        list.push(bytesOf("0"), bytesOf(m));
      }
      z.add(db, argsOf([lexKey, ...list]), 0, 2, new Array(n0).fill(0), 0);
      const all = [...lexModel].sort();
      const lexBound = () => {
        const x = random();
        if (x < 0.1) return "-";
        if (x < 0.2) return "+";
        return (random() < 0.5 ? "(" : "[") + (random() < 0.7 ? pick(all) : randomMember());
      };
      const lo = lexBound(), hi = lexBound();
      const gte = (m: string) =>
        lo === "-" ? true : lo === "+" ? false : lo[0] === "(" ? m > lo.slice(1) : m >= lo.slice(1);
      const lte = (m: string) =>
        hi === "+" ? true : hi === "-" ? false : hi[0] === "(" ? m < hi.slice(1) : m <= hi.slice(1);
      const want = all.filter((m) => gte(m) && lte(m));
      const args = argsOf([lexKey, bytesOf(lo), bytesOf(hi)]);
      assert.equal(z.lexRange(db, args, 0, 1, 2, RANGE_COUNT), want.length);
      const reverse = random() < 0.5;
      const offset = random() < 0.5 ? 0 : int(60) - 1, limit = random() < 0.5 ? -1 : int(8);
      const n = z.lexRange(db, args, 0, 1, 2, reverse ? RANGE_REV : 0, offset, limit);
      const view = reverse ? want.reverse() : want;
      const wanted = offset < 0 ? [] : view.slice(offset, limit < 0 ? undefined : offset + limit);
      assert.deepEqual(readScored(z, n, false).map((e) => e[0]), wanted);
      ks.delete(db, lexKey);
    } else {
      checkAll(k);
    }
    if (op % 20_000 === 0) { for (let i = 0; i < keys.length; i++) checkAll(i); }
  }
  for (let i = 0; i < keys.length; i++) {
    checkAll(i);
    ks.delete(db, keys[i]);
  }
  assert.equal(ks.memoryUsed(), baseline, "memory back to baseline");
});

Deno.test("a sorted set of 200k members converts, ranks and frees exactly", async () => {
  const ks = new Keyspace(await instantiateEngine());
  const z = new Zsets(ks);
  const key = bytesOf("big");
  primeBuffers(ks, z);
  const baseline = ks.memoryUsed();
  const cachedBefore = ks.memoryCached();
  const N = 200_000, BATCH = 1000;
  for (let i = 0; i < N; i += BATCH) {
    const list: Uint8Array[] = [], scores: number[] = [];
    for (let j = i; j < i + BATCH; j++) {
      list.push(bytesOf("s"), bytesOf(`member:${j}`));
      scores.push((j * 7919) % N);
    }
    assert.equal(z.add(0, argsOf([key, ...list]), 0, 2, scores, 0), BATCH);
  }
  assert.equal(z.card(0, argsOf([key]), 0), N);
  assert.equal(ks.encoding(0, key), 8);
  // member:j has score (j * 7919) % N, a permutation of 0..N-1: rank = score.
  for (let t = 0; t < 2000; t++) {
    const j = int(N);
    assert.equal(z.rank(0, argsOf([key, bytesOf(`member:${j}`)]), 0, 1, false), (j * 7919) % N);
  }
  assert.ok(z.linksConsistent(0, key), "skiplist links agree with the order");
  const perMember = (ks.memoryUsed() - baseline) / N;
  assert.ok(perMember < 80, `bytes per member: ${perMember.toFixed(1)}`);
  ks.delete(0, key);
  assert.equal(ks.memoryUsed(), baseline);
  // The nodes' slabs went back to the allocator but one per size class (alloc.ts slabAlloc).
  const kept = ks.memoryCached() - cachedBefore;
  assert.ok(kept <= 16 * 16384, `free bytes kept after the delete: ${kept}`);
});
