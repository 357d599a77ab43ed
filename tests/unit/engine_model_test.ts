// Randomized model test of the Wasm keyspace engine (through Keyspace) against plain Maps.
// Binary keys, values 0..300 bytes (sometimes 100 KB), integers in and out of range, TTLs,
// growth and shrinking with incremental rehash, SCAN under concurrent inserts/deletes.
// Set ENGINE_TEST_SEED to replay a failure.
import assert from "node:assert/strict";
import {
  CONDITION,
  DECREMENT_OVERFLOW,
  EXPIRE_GT,
  EXPIRE_LT,
  EXPIRE_NX,
  EXPIRE_XX,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
  NOT_INTEGER,
  OVERFLOW,
  SET_GET,
  SET_KEEPTTL,
  SET_NX,
  SET_XX,
  TYPE_STRING,
  WRONG_TYPE,
} from "../../src/engine/keyspace.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";

// ---- deterministic randomness ---------------------------------------------------------------

const SEED = Number(Deno.env.get("ENGINE_TEST_SEED") ?? (Date.now() % 2 ** 31));

/** sfc32: small, fast, seedable. */
function makeRandom(seed: number) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed | 0;
  const next = () => {
    a |= 0, b |= 0, c |= 0, d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)],
    bytes(len: number): Uint8Array {
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i++) out[i] = int(256);
      return out;
    },
  };
}
type Random = ReturnType<typeof makeRandom>;

// ---- bytes ----------------------------------------------------------------------------------

// Plain loops: Uint8Array.from / spreading are an order of magnitude slower, and these run
// a few million times.
function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
/** A Map key for bytes (one char per byte, so it is injective). */
function id(b: Uint8Array): string {
  if (b.length <= 4096) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertValue(actual: Uint8Array | number, expected: Uint8Array | number, what: string) {
  if (typeof expected === "number" || typeof actual === "number") {
    assert.equal(actual, expected, what);
  } else if (!sameBytes(actual, expected)) {
    assert.fail(
      `${what}: got ${JSON.stringify(id(actual).slice(0, 80))} (${actual.length} B), ` +
        `want ${JSON.stringify(id(expected).slice(0, 80))} (${expected.length} B)`,
    );
  }
}

// ---- Redis semantics, written independently of the engine -------------------------------------

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

/** Redis util.c string2ll. */
function string2ll(b: Uint8Array): bigint | null {
  if (b.length === 0 || b.length > 20) return null;
  const s = id(b);
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

type Entry = { value: Uint8Array; type: number; handle: number; expireAt: number }; // expireAt -1: none

class Model {
  readonly dbs: Map<string, Entry>[] = Array.from({ length: 16 }, () => new Map());
  now = 1_700_000_000_000;

  /** Lookup with lazy expiry, mirroring what every engine access does. */
  live(db: number, k: string): Entry | undefined {
    const e = this.dbs[db].get(k);
    if (e && e.expireAt !== -1 && this.now > e.expireAt) {
      this.dbs[db].delete(k);
      return undefined;
    }
    return e;
  }

  purgeExpired(db: number) {
    for (const k of [...this.dbs[db].keys()]) this.live(db, k);
  }

  volatileCount(db: number): number {
    let n = 0;
    for (const e of this.dbs[db].values()) if (e.expireAt !== -1) n++;
    return n;
  }
}

// ---- generators -------------------------------------------------------------------------------

const SPECIAL_KEYS = [
  "",
  "\0",
  "\r\n",
  "\xff",
  "\xff\xff\0\r\n",
  "a\0b",
  " ",
  "*1\r\n$3\r\nGET\r\n",
];

function makeKeyPool(rnd: Random, size: number, tag: number): Uint8Array[] {
  const pool: Uint8Array[] = SPECIAL_KEYS.map(latin1);
  pool.push(latin1("wide:" + "k".repeat(300)), latin1("x".repeat(1000)));
  while (pool.length < size) {
    const len = rnd.int(40);
    const k = rnd.chance(0.5) ? rnd.bytes(len) : latin1(`key:${tag}:${rnd.int(1e9)}`);
    pool.push(k);
  }
  return pool;
}

const NON_CANONICAL = [
  "007",
  "-0",
  "+5",
  " 5",
  "5 ",
  "9223372036854775808",
  "-9223372036854775809",
  "123456789012345678901",
  "1e3",
  "0x10",
  "",
  "-",
  "--1",
  "00",
  "1.0",
  "١",
];
const EDGE_INTEGERS = [
  0n,
  1n,
  -1n,
  10n,
  I64_MAX,
  I64_MIN,
  I64_MAX - 1n,
  I64_MIN + 1n,
  2n ** 32n,
  -(2n ** 31n),
];

function randomInteger(rnd: Random): bigint {
  if (rnd.chance(0.2)) return rnd.pick(EDGE_INTEGERS);
  const magnitude = rnd.chance(0.8)
    ? BigInt(rnd.int(1000))
    : BigInt(rnd.int(2 ** 31)) * BigInt(rnd.int(2 ** 31));
  return rnd.chance(0.3) ? -magnitude : magnitude;
}

const BIG_VALUE_BYTES = 100 * 1024;

function randomValue(rnd: Random): Uint8Array {
  const r = rnd.next();
  if (r < 0.3) return latin1(String(randomInteger(rnd)));
  if (r < 0.35) return latin1(rnd.pick(NON_CANONICAL));
  if (r < 0.35002) return rnd.bytes(BIG_VALUE_BYTES + rnd.int(1000));
  if (r < 0.5) return rnd.bytes(rnd.int(8));
  return rnd.bytes(rnd.int(300));
}

function randomDelta(rnd: Random): Uint8Array {
  if (rnd.chance(0.05)) return latin1(rnd.pick(NON_CANONICAL));
  return latin1(String(randomInteger(rnd)));
}

// ---- one checked operation per call -------------------------------------------------------------

class Checker {
  constructor(readonly ks: Keyspace, readonly model: Model, readonly rnd: Random) {}
  ops = 0;

  set(db: number, key: Uint8Array, value: Uint8Array) {
    const { ks, model, rnd } = this;
    const k = id(key);
    let flags = 0;
    const condition = rnd.next();
    if (condition < 0.1) flags |= SET_NX;
    else if (condition < 0.2) flags |= SET_XX;
    if (rnd.chance(0.1)) flags |= SET_KEEPTTL;
    if (rnd.chance(0.2)) flags |= SET_GET;
    let expireAt = 0;
    if (!(flags & SET_KEEPTTL)) {
      const r = rnd.next();
      if (r < 0.2) expireAt = model.now + 1 + rnd.int(5000);
      else if (r < 0.22) expireAt = model.now - rnd.int(1000);
    }
    const e = model.live(db, k);
    let expected = 0;
    let old: Uint8Array | number = NOT_FOUND;
    if (flags & SET_GET && e) old = e.type === TYPE_STRING ? e.value : WRONG_TYPE;
    if (old === WRONG_TYPE) {
      expected = WRONG_TYPE;
    } else if ((flags & SET_NX && e) || (flags & SET_XX && !e)) {
      expected = CONDITION;
    } else if (expireAt > 0 && expireAt <= model.now) {
      model.dbs[db].delete(k);
    } else {
      const ttl = expireAt > 0 ? expireAt : (flags & SET_KEEPTTL && e ? e.expireAt : -1);
      model.dbs[db].set(k, { value: value.slice(), type: TYPE_STRING, handle: 0, expireAt: ttl });
    }
    assert.equal(ks.setString(db, key, value, expireAt, flags), expected, `SET flags ${flags}`);
    if (flags & SET_GET) assertValue(ks.lastOld(), old, "SET GET old value");
  }

  get(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    const expected = !e ? NOT_FOUND : e.type === TYPE_STRING ? e.value : WRONG_TYPE;
    assertValue(this.ks.getString(db, key), expected, "GET");
  }

  incr(db: number, key: Uint8Array, delta: Uint8Array) {
    const { ks, model, rnd } = this;
    const negate = rnd.chance(0.2);
    let expected: Uint8Array | number;
    const parsed = string2ll(delta);
    if (parsed === null) expected = NOT_INTEGER;
    else if (negate && parsed === I64_MIN) expected = DECREMENT_OVERFLOW;
    else {
      const e = model.live(db, id(key));
      const current = !e ? 0n : e.type !== TYPE_STRING ? null : string2ll(e.value);
      if (e && e.type !== TYPE_STRING) expected = WRONG_TYPE;
      else if (current === null) expected = NOT_INTEGER;
      else {
        const result = current + (negate ? -parsed : parsed);
        if (result < I64_MIN || result > I64_MAX) expected = OVERFLOW;
        else {
          expected = latin1(String(result));
          model.dbs[db].set(id(key), {
            value: expected,
            type: TYPE_STRING,
            handle: 0,
            expireAt: e ? e.expireAt : -1,
          });
        }
      }
    }
    assertValue(
      ks.incrBy(db, key, delta, negate),
      expected,
      `INCRBY ${id(delta)} negate=${negate}`,
    );
  }

  del(db: number, key: Uint8Array) {
    const k = id(key);
    const existed = this.model.live(db, k) !== undefined;
    this.model.dbs[db].delete(k);
    assert.equal(this.ks.delete(db, key), existed, "DEL");
  }

  existsAndType(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    if (this.rnd.chance(0.5)) assert.equal(this.ks.exists(db, key), e !== undefined, "EXISTS");
    else assert.equal(this.ks.type(db, key), e ? e.type : -1, "TYPE");
  }

  expire(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const flags = rnd.pick([
      0,
      0,
      EXPIRE_NX,
      EXPIRE_XX,
      EXPIRE_GT,
      EXPIRE_LT,
      EXPIRE_XX | EXPIRE_GT,
      EXPIRE_XX | EXPIRE_LT,
    ]);
    const at = model.now + rnd.int(12000) - 2000;
    const e = model.live(db, id(key));
    let expected = 0;
    if (e) {
      const has = e.expireAt !== -1;
      const refused = (flags & EXPIRE_NX && has) || (flags & EXPIRE_XX && !has) ||
        (flags & EXPIRE_GT && (!has || at <= e.expireAt)) ||
        (flags & EXPIRE_LT && has && at >= e.expireAt);
      if (!refused) {
        expected = 1;
        if (at <= model.now) model.dbs[db].delete(id(key));
        else e.expireAt = at;
      }
    }
    assert.equal(ks.setExpire(db, key, at, flags), expected, `EXPIRE flags ${flags}`);
  }

  persist(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    const had = e !== undefined && e.expireAt !== -1;
    if (e) e.expireAt = -1;
    assert.equal(this.ks.persist(db, key), had, "PERSIST");
  }

  expireAt(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    assert.equal(this.ks.expireAt(db, key), e ? e.expireAt : -2, "PEXPIRETIME");
  }

  object(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const type = 1 + rnd.int(4);
    const e = model.live(db, id(key));
    if (rnd.chance(0.5)) {
      const handle = rnd.int(2 ** 31);
      model.dbs[db].set(id(key), {
        value: new Uint8Array(0),
        type,
        handle,
        expireAt: e ? e.expireAt : -1,
      });
      ks.setObject(db, key, type, handle);
    } else {
      const expected = !e ? NOT_FOUND : e.type === type ? e.handle : WRONG_TYPE;
      assert.equal(ks.getObject(db, key, type), expected, "getObject");
    }
  }

  checkSize(db: number) {
    assert.equal(this.ks.dbSize(db), this.model.dbs[db].size, `dbSize of db ${db}`);
  }

  /** Reclaims every expired key on both sides, then compares key sets through SCAN. */
  verifyDb(db: number) {
    const { ks, model } = this;
    let rounds = 0;
    while (ks.activeExpire(db, 2 * ks.volatileCount(db) + 16) > 0) rounds++;
    assert.ok(rounds < 50, "active expiry converges");
    model.purgeExpired(db);
    this.checkSize(db);
    assert.equal(ks.volatileCount(db), model.volatileCount(db), "volatileCount");
    const seen = scanAll(ks, db, 1 + this.rnd.int(200));
    assert.equal(seen.size, model.dbs[db].size, "a static scan returns every key exactly once");
    for (const k of model.dbs[db].keys()) assert.ok(seen.has(k), `scan found ${JSON.stringify(k)}`);
  }
}

/** Every key of a full scan, failing on duplicates (none are allowed while nothing changes). */
function scanAll(ks: Keyspace, db: number, count: number): Set<string> {
  const seen = new Set<string>();
  let cursor = 0;
  do {
    const step = ks.scan(db, cursor, count);
    for (const key of step.keys) {
      const k = id(key);
      assert.ok(!seen.has(k), "static scan returned a key twice");
      seen.add(k);
    }
    cursor = step.cursor;
  } while (cursor !== 0);
  return seen;
}

async function freshEngine() {
  const ks = new Keyspace(await instantiateEngine());
  const model = new Model();
  ks.setClock(model.now);
  return { ks, model };
}

// ---- tests ------------------------------------------------------------------------------------

Deno.test(`engine matches the model over 1.2M random operations (seed ${SEED})`, async () => {
  const rnd = makeRandom(SEED);
  const { ks, model } = await freshEngine();
  const check = new Checker(ks, model, rnd);
  const dbs = [0, 1, 2, 3, 15];
  const pools = dbs.map((db) => makeKeyPool(rnd, db === 3 ? 50 : 3000, db));
  // db 9 grows to ~60k fresh keys then drains to ~1k, repeatedly, under the other traffic:
  // incremental grow and shrink rehashes interleave with everything else.
  const cycling = 9;
  const cyclingKeys: Uint8Array[] = [];
  let cyclingUp = true;
  let serial = 0;
  const OPS = 1_200_000;
  for (let op = 1; op <= OPS; op++) {
    const slot = rnd.int(dbs.length);
    const db = dbs[slot];
    const key = rnd.pick(pools[slot]);
    const r = rnd.next();
    if (r < 0.28) check.set(db, key, randomValue(rnd));
    else if (r < 0.5) check.get(db, key);
    else if (r < 0.58) check.incr(db, key, randomDelta(rnd));
    else if (r < 0.65) check.del(db, key);
    else if (r < 0.7) check.existsAndType(db, key);
    else if (r < 0.76) check.expire(db, key);
    else if (r < 0.78) check.persist(db, key);
    else if (r < 0.8) check.expireAt(db, key);
    else if (r < 0.82) check.object(db, key);
    else {
      // the cycling db
      if (cyclingUp) {
        const k = latin1(`grow:${serial++}`);
        cyclingKeys.push(k);
        check.set(cycling, k, rnd.bytes(rnd.int(40)));
        if (cyclingKeys.length >= 60_000) cyclingUp = false;
      } else {
        const i = rnd.int(cyclingKeys.length);
        const k = cyclingKeys[i];
        cyclingKeys[i] = cyclingKeys[cyclingKeys.length - 1];
        cyclingKeys.pop();
        check.del(cycling, k);
        if (cyclingKeys.length <= 1_000) cyclingUp = true;
      }
      check.checkSize(cycling);
    }
    check.checkSize(db);
    if (rnd.chance(0.005)) ks.setClock(model.now += rnd.int(2000));
    if (op % 120_000 === 0) {
      for (const d of [...dbs, cycling]) check.verifyDb(d);
    }
    if (op % 300_000 === 0) {
      const d = rnd.pick(dbs);
      if (rnd.chance(0.5)) ks.flush(d);
      else ks.flushAsync(d); // freed by later inserts and lazyFreeStep
      model.dbs[d].clear();
      check.checkSize(d);
      assert.equal(ks.volatileCount(d), 0);
    }
  }
  for (const d of [...dbs, cycling]) check.verifyDb(d);
  // Everything freed returns every byte: only the scratch/output buffers remain.
  for (let d = 0; d < 16; d++) ks.flushAsync(d);
  while (ks.lazyFreeStep(1000) > 0);
  const idle = ks.memoryUsed();
  assert.ok(idle < 600_000, `memory after flushing everything: ${idle}`);
  for (let i = 0; i < 50_000; i++) {
    ks.setString(
      4,
      latin1(`leak:${i}`),
      latin1(i % 2 ? "v" : String(i)),
      i % 3 ? 0 : model.now + 1e6,
    );
  }
  for (let i = 0; i < 50_000; i += 2) ks.delete(4, latin1(`leak:${i}`));
  ks.flush(4);
  assert.equal(ks.memoryUsed(), idle, "no bytes leak through insert/delete/flush");
});

Deno.test(`SCAN returns every key present for the whole scan while the table grows and shrinks (seed ${SEED})`, async () => {
  const rnd = makeRandom(SEED + 1);
  const { ks } = await freshEngine();
  const db = 5;
  // Present keys by id, plus an array of them for O(1) random removal.
  const present = new Map<string, number>();
  const order: Uint8Array[] = [];
  let serial = 0;
  const insert = () => {
    const key = rnd.chance(0.1) ? rnd.bytes(rnd.int(24)) : latin1(`s:${serial++}`);
    ks.setString(db, key, latin1("v"));
    const k = id(key);
    if (present.has(k)) return;
    present.set(k, order.length);
    order.push(key);
  };
  const removeOne = (mustSee: Set<string>) => {
    if (order.length === 0) return;
    const i = rnd.int(order.length);
    const key = order[i];
    const k = id(key);
    assert.equal(ks.delete(db, key), true);
    const last = order.pop()!;
    if (i < order.length) {
      order[i] = last;
      present.set(id(last), i);
    }
    present.delete(k);
    mustSee.delete(k);
  };
  // Regimes: [starting size, inserts per scan step, deletes per scan step]
  const regimes: [number, number, number][] = [
    [1_000, 40, 0], // grows through several doublings during the scan
    [100_000, 0, 60], // shrinks through several halvings
    [20_000, 20, 20], // steady churn
    [5, 3, 0], // tiny table
  ];
  for (const [start, inserts, deletes] of regimes) {
    ks.flush(db);
    present.clear();
    order.length = 0;
    while (present.size < start) insert();
    const mustSee = new Set(present.keys());
    const returned = new Set<string>();
    let cursor = 0, steps = 0;
    do {
      const step = ks.scan(db, cursor, 1 + rnd.int(30));
      for (const key of step.keys) {
        const k = id(key);
        assert.ok(present.has(k), "scan returned a key that does not exist");
        returned.add(k);
      }
      cursor = step.cursor;
      for (let i = 0; i < inserts; i++) insert();
      for (let i = 0; i < deletes; i++) removeOne(mustSee);
      steps++;
    } while (cursor !== 0);
    for (const k of mustSee) {
      assert.ok(returned.has(k), `regime ${start}/${inserts}/${deletes}: key missed by scan`);
    }
    assert.equal(ks.dbSize(db), present.size);
    assert.ok(steps > 1 || start < 10);
  }
});

Deno.test("string encodings round-trip byte for byte; INCR works on SET integers", async () => {
  const { ks } = await freshEngine();
  const roundTrip = [
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "007",
    "-0",
    "+1",
    " 1",
    "12345678901234567890",
    "1".repeat(300),
    "",
    "\0\r\n\xff",
  ];
  for (const text of roundTrip) {
    assert.equal(ks.setString(0, latin1("k"), latin1(text)), 0);
    assertValue(
      ks.getString(0, latin1("k")),
      latin1(text),
      `GET after SET ${JSON.stringify(text)}`,
    );
  }
  ks.setString(0, latin1("n"), latin1("10"));
  assertValue(ks.incrBy(0, latin1("n"), latin1("5")), latin1("15"), "INCRBY");
  assertValue(ks.incrBy(0, latin1("n"), latin1("20"), true), latin1("-5"), "DECRBY");
  assertValue(
    ks.incrBy(0, latin1("missing"), latin1("-3")),
    latin1("-3"),
    "INCRBY on a missing key starts at 0",
  );
  ks.setString(0, latin1("max"), latin1("9223372036854775807"));
  assert.equal(ks.incrBy(0, latin1("max"), latin1("1")), OVERFLOW);
  assertValue(
    ks.getString(0, latin1("max")),
    latin1("9223372036854775807"),
    "overflow writes nothing",
  );
  assert.equal(
    ks.incrBy(0, latin1("max"), latin1("-9223372036854775808"), true),
    DECREMENT_OVERFLOW,
  );
  assert.equal(ks.incrBy(0, latin1("max"), latin1("+1")), NOT_INTEGER);
  ks.setString(0, latin1("raw"), latin1("007"));
  assert.equal(ks.incrBy(0, latin1("raw"), latin1("1")), NOT_INTEGER);
  ks.setObject(0, latin1("obj"), 2, 7);
  assert.equal(ks.incrBy(0, latin1("obj"), latin1("1")), WRONG_TYPE);
  assert.equal(
    ks.incrBy(0, latin1("obj"), latin1("x")),
    NOT_INTEGER,
    "a bad delta is reported first, as Redis does",
  );
  assert.equal(ks.getString(0, latin1("obj")), WRONG_TYPE);
  assert.equal(ks.setString(0, latin1("obj"), latin1("v"), 0, SET_GET), WRONG_TYPE);
  assert.equal(ks.lastOld(), WRONG_TYPE);
  assert.equal(ks.type(0, latin1("obj")), 2, "SET GET on a non-string writes nothing");
  assert.equal(ks.setString(0, latin1("obj"), latin1("v")), 0, "plain SET replaces any type");
  assert.equal(ks.type(0, latin1("obj")), TYPE_STRING);
  // The same key name in different dbs is a different key.
  ks.setString(1, latin1("k"), latin1("db1"));
  assertValue(ks.getString(2, latin1("k")), NOT_FOUND, "dbs are separate");
  // A value that grows past its block and shrinks back keeps the key intact.
  for (const len of [1, 200, 5000, 3, 100_000, 0]) {
    const value = new Uint8Array(len).fill(len % 251);
    ks.setString(0, latin1("resize"), value);
    assertValue(ks.getString(0, latin1("resize")), value, `resize to ${len}`);
  }
});

Deno.test("the server's Wasm ES-module import gives one working keyspace per realm", () => {
  const ks = createKeyspace();
  assert.equal(createKeyspace(), ks, "one engine instance per realm, so one wrapper");
  ks.setClock(Date.now());
  assert.equal(ks.setString(15, latin1("module"), latin1("\0\xff")), 0);
  assertValue(
    ks.getString(15, latin1("module")),
    latin1("\0\xff"),
    "GET through the module import",
  );
  const before = ks.memoryUsed();
  assert.ok(ks.reserveMemory(8 << 20) >= 8 << 20, "memory was pre-grown");
  assert.equal(ks.memoryUsed(), before, "reserving is not usage");
  ks.flush(15);
});

Deno.test("FLUSHDB ASYNC empties the db at once and frees its memory in bounded steps", async () => {
  const { ks } = await freshEngine();
  ks.scan(0, 0, 1);
  ks.exists(0, latin1("x")); // scratch and output areas exist before the baseline
  const empty = ks.memoryUsed();
  for (let i = 0; i < 100_000; i++) {
    ks.setString(7, latin1(`k${i}`), latin1("x".repeat(i % 50)), i % 2 ? 0 : 2e12);
  }
  ks.flushAsync(7);
  assert.equal(ks.dbSize(7), 0);
  assert.equal(ks.volatileCount(7), 0);
  assert.equal(ks.exists(7, latin1("k1")), false);
  assert.ok(ks.memoryUsed() > empty + 5_000_000, "memory is still held until lazily freed");
  ks.setString(7, latin1("k1"), latin1("new"));
  assertValue(ks.getString(7, latin1("k1")), latin1("new"), "the db is usable at once");
  let steps = 0;
  while (ks.lazyFreeStep(4096) > 0) steps++;
  assert.ok(steps >= 10, `freed in ${steps} bounded steps`);
  ks.delete(7, latin1("k1"));
  assert.equal(ks.memoryUsed(), empty, "every byte comes back");
});
