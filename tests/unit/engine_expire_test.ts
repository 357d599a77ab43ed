// Expiry in the Wasm engine with a controlled clock: lazy expiry on access, Redis 7 EXPIRE
// flag semantics, SET's TTL rules, and active expiry reclaiming a mass expiry in bounded steps.
import assert from "node:assert/strict";
import {
  EXPIRE_GT,
  EXPIRE_LT,
  EXPIRE_NX,
  EXPIRE_XX,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
  SET_KEEPTTL,
  SET_NX,
} from "../../src/engine/keyspace.ts";
import { refreshClock } from "../../src/commands/keys_common.ts";

const T0 = 1_700_000_000_000;
const b = (s: string) => new TextEncoder().encode(s);
/** A value as text (a status code as its number, to show up in assertion messages). */
const text = (v: Uint8Array | number) =>
  typeof v === "number" ? `status ${v}` : new TextDecoder().decode(v);
const keyNumber = (key: Uint8Array) => Number(new TextDecoder().decode(key.subarray(1)));

async function keyspaceAt(now: number): Promise<Keyspace> {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(now);
  return ks;
}

Deno.test("lazy expiry: a key lives through its expiry ms, then every access reports it missing and reclaims it", async () => {
  const ks = await keyspaceAt(T0);
  ks.setString(0, b("k"), b("v"), T0 + 100);
  ks.setString(0, b("other"), b("v"), T0 + 100);
  assert.equal(ks.volatileCount(0), 2);
  ks.setClock(T0 + 100);
  assert.equal(text(ks.getString(0, b("k"))), "v", "Redis expires only when now > expireAt");
  ks.setClock(T0 + 101);
  assert.equal(ks.dbSize(0), 2, "DBSIZE still counts expired keys nobody touched");
  assert.equal(ks.getString(0, b("k")), NOT_FOUND);
  assert.equal(ks.dbSize(0), 1, "the access deleted it");
  assert.equal(ks.volatileCount(0), 1);
  for (
    const access of [
      () => ks.exists(0, b("other")),
      () => ks.type(0, b("other")) !== -1,
      () => ks.expireAt(0, b("other")) !== -2,
      () => ks.delete(0, b("other")),
      () => ks.persist(0, b("other")),
    ]
  ) {
    ks.setClock(T0);
    ks.setString(0, b("other"), b("v"), T0 + 100);
    ks.setClock(T0 + 101);
    assert.equal(access(), false);
    assert.equal(ks.dbSize(0), 0);
  }
  assert.equal(
    ks.setString(0, b("k"), b("new"), 0, SET_NX),
    0,
    "SET NX sees an expired key as missing",
  );
});

Deno.test("SET: a TTL is cleared by plain SET, kept by KEEPTTL and INCR, and a past time deletes", async () => {
  const ks = await keyspaceAt(T0);
  ks.setString(0, b("k"), b("1"), T0 + 5000);
  assert.equal(ks.expireAt(0, b("k")), T0 + 5000);
  assert.equal(text(ks.incrBy(0, b("k"), b("41"))), "42");
  assert.equal(ks.expireAt(0, b("k")), T0 + 5000, "INCR keeps the TTL");
  ks.setString(0, b("k"), b("x".repeat(100)), 0, SET_KEEPTTL);
  assert.equal(ks.expireAt(0, b("k")), T0 + 5000, "KEEPTTL");
  ks.setString(0, b("k"), b("y"));
  assert.equal(ks.expireAt(0, b("k")), -1, "plain SET clears the TTL");
  assert.equal(ks.volatileCount(0), 0);
  ks.setString(0, b("k"), b("z"), T0 - 1);
  assert.equal(ks.exists(0, b("k")), false, "SET ... PXAT in the past leaves no key");
  assert.equal(ks.dbSize(0), 0);
  ks.setString(0, b("k"), b("z"), T0);
  assert.equal(
    ks.dbSize(0),
    0,
    "an expiry equal to now has passed as well (Redis checkAlreadyExpired)",
  );
});

Deno.test("EXPIRE NX/XX/GT/LT follow Redis 7 (no TTL counts as infinite)", async () => {
  const ks = await keyspaceAt(T0);
  const key = b("k");
  // [has TTL beforehand, flags, new time relative to the old TTL (T0+1000), expected result]
  const cases: [boolean, number, number, number][] = [
    [false, 0, 500, 1],
    [false, EXPIRE_NX, 500, 1],
    [true, EXPIRE_NX, 500, 0],
    [false, EXPIRE_XX, 500, 0],
    [true, EXPIRE_XX, 500, 1],
    [false, EXPIRE_GT, 5000, 0],
    [true, EXPIRE_GT, 1000, 0],
    [true, EXPIRE_GT, 1001, 1],
    [false, EXPIRE_LT, 5000, 1],
    [true, EXPIRE_LT, 1000, 0],
    [true, EXPIRE_LT, 999, 1],
    [true, EXPIRE_XX | EXPIRE_GT, 2000, 1],
    [false, EXPIRE_XX | EXPIRE_LT, 10, 0],
  ];
  for (const [hasTtl, flags, at, expected] of cases) {
    ks.setString(0, key, b("v"), hasTtl ? T0 + 1000 : 0);
    const result = ks.setExpire(0, key, T0 + at, flags);
    assert.equal(result, expected, `ttl=${hasTtl} flags=${flags} at=+${at}`);
    assert.equal(ks.expireAt(0, key), expected ? T0 + at : hasTtl ? T0 + 1000 : -1);
  }
  assert.equal(ks.setExpire(0, b("missing"), T0 + 10), 0);
  ks.setString(0, key, b("v"));
  assert.equal(ks.setExpire(0, key, T0 - 5), 1, "a time in the past deletes the key and reports 1");
  assert.equal(ks.exists(0, key), false);
  ks.setString(0, key, b("v"));
  assert.equal(
    ks.setExpire(0, key, T0 - 5, EXPIRE_GT),
    0,
    "flags are checked before the past-time deletion",
  );
  assert.equal(ks.exists(0, key), true);
  assert.equal(ks.persist(0, key), false);
  ks.setExpire(0, key, T0 + 10);
  assert.equal(ks.persist(0, key), true);
  assert.equal(ks.expireAt(0, key), -1);
  assert.equal(text(ks.getString(0, key)), "v", "PERSIST keeps the value");
});

Deno.test("expired keys are skipped by SCAN and RANDOMKEY", async () => {
  const ks = await keyspaceAt(T0);
  for (let i = 0; i < 1000; i++) ks.setString(0, b(`k${i}`), b("v"), i % 2 ? T0 + 10 : 0);
  ks.setClock(T0 + 11);
  let cursor = 0, found = 0;
  do {
    const step = ks.scan(0, cursor, 50);
    for (const key of step.keys) assert.equal(keyNumber(key) % 2, 0, "scan skips expired keys");
    found += step.keys.length;
    cursor = step.cursor;
  } while (cursor !== 0);
  assert.equal(found, 500);
  for (let i = 0; i < 200; i++) {
    const key = ks.randomKey(0);
    assert.ok(key && keyNumber(key) % 2 === 0);
  }
  for (let i = 0; i < 1000; i += 2) ks.delete(0, b(`k${i}`));
  assert.equal(
    ks.randomKey(0),
    null,
    "only expired keys left: RANDOMKEY reclaims them and finds none",
  );
  assert.equal(ks.dbSize(0), 0);
});

Deno.test("active expiry reclaims 200k keys expiring in the same ms in bounded calls", async () => {
  const ks = await keyspaceAt(T0);
  const db = 3;
  const value = new Uint8Array(32).fill(120);
  const keyBuffer = b("exp:0000000000");
  const keyAt = (prefix: number, i: number) => {
    keyBuffer[0] = prefix;
    for (let p = keyBuffer.length - 1, n = i; p >= 4; p--, n = Math.floor(n / 10)) {
      keyBuffer[p] = 48 + (n % 10);
    }
    return keyBuffer;
  };
  const doomed = 200_000, later = 30_000, persistent = 30_000;
  ks.scan(db, 0, 1); // allocates the output area and
  ks.exists(db, b("x")); // the scratch area before the baseline
  const empty = ks.memoryUsed();
  for (let i = 0; i < persistent; i++) ks.setString(db, keyAt(112, i), value);
  const withPersistent = ks.memoryUsed();
  for (let i = 0; i < doomed; i++) ks.setString(db, keyAt(100, i), value, T0 + 1000);
  for (let i = 0; i < later; i++) ks.setString(db, keyAt(108, i), value, T0 + 1_000_000);
  assert.equal(ks.volatileCount(db), doomed + later);

  ks.setClock(T0 + 1001);
  const SAMPLES = 1000;
  let calls = 0, reclaimed = 0, slowest = 0;
  while (ks.volatileCount(db) > later) {
    const start = performance.now();
    const expired = ks.activeExpire(db, SAMPLES);
    slowest = Math.max(slowest, performance.now() - start);
    assert.ok(expired <= SAMPLES, "a call never goes beyond its sample budget");
    reclaimed += expired;
    calls++;
    assert.ok(calls < 2 * (doomed + later) / SAMPLES, "expiry makes steady progress");
  }
  assert.equal(reclaimed, doomed);
  assert.equal(ks.dbSize(db), later + persistent);
  // The work per call is bounded by its sample budget (asserted above); its time is only
  // reported (tests make no timing claims on a shared machine).
  console.log(`slowest activeExpire call: ${slowest.toFixed(2)} ms for ${SAMPLES} samples`);
  assert.equal(ks.activeExpire(db, SAMPLES), 0, "the survivors are not expired");
  for (let i = 0; i < later; i += 997) assert.ok(ks.exists(db, keyAt(108, i)));

  // The table shrinks and the memory comes back once the survivors go too.
  for (let i = 0; i < later; i++) ks.delete(db, keyAt(108, i));
  for (let i = 0; i < 1000; i++) ks.exists(db, keyAt(112, i)); // lets a pending shrink finish
  const remaining = ks.memoryUsed() - empty;
  const persistentCost = withPersistent - empty;
  assert.ok(
    remaining <= persistentCost * 1.5,
    `after expiry ${remaining} B remain, ${persistentCost} B for the rest`,
  );
  ks.flush(db);
  assert.equal(ks.memoryUsed(), empty);
});

Deno.test("expiry times are exact int64 ms: beyond 2^53 as bigints, compared and kept exactly", async () => {
  const ks = await keyspaceAt(T0);
  const times = [2n ** 53n + 1n, 2n ** 62n + 1n, 2n ** 63n - 1n];
  for (const at of times) {
    ks.setString(0, b("k"), b("v"), at);
    assert.equal(ks.expireAt(0, b("k")), at, `SET with ${at}`);
    assert.equal(ks.setExpire(0, b("k"), at - 1n), 1);
    assert.equal(ks.expireAt(0, b("k")), at - 1n, `EXPIRE to ${at - 1n}`);
    // LT/GT see the one-ms difference a double would lose.
    assert.equal(ks.setExpire(0, b("k"), at, EXPIRE_LT), 0);
    assert.equal(ks.setExpire(0, b("k"), at, EXPIRE_GT), 1);
    assert.equal(ks.expireAt(0, b("k")), at);
    const blob = ks.dump(0, b("k"))!.slice();
    assert.equal(ks.restore(0, b("r"), blob, at, true), 1);
    assert.equal(ks.expireAt(0, b("r")), at, `RESTORE with ${at}`);
  }
  // Safe times stay numbers; a bigint past now is live, a bigint as old as -2^62 expired.
  ks.setString(0, b("n"), b("v"), T0 + 5);
  assert.equal(ks.expireAt(0, b("n")), T0 + 5);
  assert.equal(text(ks.getString(0, b("k"))), "v");
  assert.equal(ks.setExpire(0, b("k"), -(2n ** 62n)), 1, "a time in the past deletes the key");
  assert.equal(ks.exists(0, b("k")), false);
});

Deno.test("readExpireTime / writeExpireTime: exact int64 both ways, a number while safe", async () => {
  const { readExpireTime, writeExpireTime } = await import("../../src/engine/expire_time.ts");
  const bytes = new Uint8Array(8), view = new DataView(bytes.buffer);
  const values = [
    0,
    1,
    -1,
    4102444800000,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    0x100000000,
    0xffffffff,
  ];
  for (const value of values) {
    writeExpireTime(view, 0, value);
    assert.equal(view.getBigInt64(0, true), BigInt(value), `written ${value}`);
    const read = readExpireTime(bytes, 0);
    assert.equal(BigInt(read), BigInt(value));
    assert.equal(
      typeof read,
      Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === BigInt(value)
        ? "number"
        : "bigint",
      `${value}`,
    );
  }
});

Deno.test("a mid-batch clock refresh moves expiry only: the LRU stamp and idle time keep the batch's second", async () => {
  // The batch starts 999 ms into a second; a command re-reads the time 2 ms later, in the next
  // second. Redis's LRU clock is the cron's cached value, so a write and OBJECT IDLETIME in one
  // batch (or EXEC) see no tick between them.
  const batchStart = T0 + 999;
  const ks = await keyspaceAt(batchStart);
  ks.setString(0, b("k"), b("v"));
  ks.setString(0, b("short"), b("v"), batchStart + 1);
  ks.setExpiryClock(batchStart + 2);
  assert.equal(ks.idleMs(0, b("k")), 0, "no LRU tick inside the batch");
  assert.equal(ks.getString(0, b("short")), NOT_FOUND, "expiry follows the refreshed time");
  ks.setClock(batchStart + 2); // the next batch
  assert.equal(ks.idleMs(0, b("k")), 1000, "the next batch's clock is one tick on");

  // Commands refresh through refreshClock: a batch clock 5 s old gives no idle time either.
  const late = await keyspaceAt(Date.now() - 5000);
  late.setString(0, b("k"), b("v"));
  refreshClock(late);
  assert.equal(late.idleMs(0, b("k")), 0);
});
