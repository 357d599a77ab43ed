// The engine's side of maxmemory (wasm/assembly/evict.ts, access.ts, memusage.ts): Redis's
// LFU counter against the expectation of its own formulas, the eviction pool's choices,
// memory reuse after evictions, MEMORY USAGE, and the tenacity time limit.
import assert from "node:assert/strict";
import {
  EVICT_ALLKEYS,
  EVICT_LFU,
  EVICT_LRU,
  EVICT_PICK,
  EVICT_RANDOM,
  EVICT_TTL,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
} from "../../src/engine/keyspace.ts";
import { evictionTimeLimitMs } from "../../src/server/memory.ts";
import { Shard } from "../../src/server/shard.ts";
import { appendToBatch, createBatchExecutor } from "../../src/server/executor.ts";
import { infoStatsOf } from "../../src/server/info_stats.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ByteBuffer } from "../../src/protocol/byte_buffer.ts";
import { encodeCommand } from "../helpers/servers.ts";

const NOW = 1_700_000_000_000;
const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);

async function engine(): Promise<Keyspace> {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(NOW);
  return ks;
}

/** Redis's LFU: LFU_INIT_VAL 5; LFULogIncr bumps counter c with p = 1 / ((c - 5) * f + 1)
 * (p = 1 at or below 5). The expected number of hits to climb from c is 1 / p, so the
 * expected counter after `hits` is where the running sum of those expectations ends. */
function expectedCounter(factor: number, hits: number): number {
  let counter = 5, spent = 0;
  while (counter < 255) {
    const cost = Math.max(0, counter - 5) * factor + 1;
    if (spent + cost > hits) return counter + (hits - spent) / cost;
    spent += cost;
    counter++;
  }
  return 255;
}

Deno.test("LFU counter grows logarithmically as Redis's LFULogIncr (lfu-log-factor 1, 10, 100)", async () => {
  const ks = await engine();
  // redis.conf's table (hits -> counter) for comparison; its figures were taken with an
  // earlier initial value, so they are checked loosely and the formula closely. Each point
  // is the mean over several keys (a single key's counter is a sum of geometric waits).
  const redisConfTable: Record<number, Array<[number, number, number]>> = {
    1: [[100, 18, 40], [1000, 49, 20]],
    10: [[100, 10, 40], [1000, 18, 20], [100_000, 142, 4]],
    100: [[1000, 11, 20], [100_000, 49, 4], [1_000_000, 143, 2]],
  };
  for (const [factorText, rows] of Object.entries(redisConfTable)) {
    const factor = Number(factorText);
    ks.setEvictionMode("lfu", factor, 1);
    for (const [hits, fromTable, keys] of rows) {
      let sum = 0;
      for (let k = 0; k < keys; k++) {
        const key = b(`f${factor}:${hits}:${k}`);
        ks.setString(0, key, b("v"));
        for (let i = 0; i < hits; i++) ks.touch(0, key);
        sum += ks.freq(0, key);
      }
      const mean = sum / keys, expected = expectedCounter(factor, hits);
      // The engine's random seed differs per run. At lfu-log-factor 100 and 100k hits the mean
      // of 4 keys has a standard deviation of about 1.9 (simulated): 0.35 x 50 / 2 = 8.8 is 4.5
      // of them (0.25 was 3.2, and failed once in a CI run with 43.75); a wrong factor moves the
      // mean by tens.
      assert.ok(
        Math.abs(mean - expected) <= Math.max(2.5, expected * 0.35 / Math.sqrt(keys)),
        `factor ${factor}, ${hits} hits: mean ${mean}, formula expects ${expected.toFixed(1)}`,
      );
      assert.ok(
        Math.abs(mean - fromTable) <= Math.max(3, fromTable * 0.15),
        `factor ${factor}, ${hits} hits: mean ${mean}, redis.conf says ${fromTable}`,
      );
    }
  }
});

Deno.test("LFU decay: one per lfu-decay-time minutes on the 16-bit minute clock, also across its wrap", async () => {
  const ks = await engine();
  // 1 minute before the 16-bit minute clock wraps to 0.
  const wrapAt = Math.ceil(NOW / 60_000 / 65536) * 65536 * 60_000;
  ks.setClock(wrapAt - 60_000);
  ks.setEvictionMode("lfu", 0, 2); // factor 0: every hit counts
  ks.setString(0, b("k"), b("v"));
  for (let i = 0; i < 25; i++) ks.touch(0, b("k"));
  assert.equal(ks.freq(0, b("k")), 30);
  ks.setClock(wrapAt + 4 * 60_000 + 1000); // 5 minutes later, past the wrap
  assert.equal(ks.freq(0, b("k")), 28, "5 minutes / lfu-decay-time 2 = 2 periods");
  ks.setEvictionMode("lfu", 0, 0);
  assert.equal(ks.freq(0, b("k")), 30, "lfu-decay-time 0: no decay");
});

Deno.test("evictKey: volatile-ttl evicts the soonest expiry first, never a key without TTL", async () => {
  const ks = await engine();
  ks.setString(0, b("persistent"), b("v"));
  const order = [7, 3, 9, 1, 5];
  for (const s of order) ks.setString(0, b(`t${s}`), b("v"), NOW + s * 1000);
  ks.setString(3, b("t2-db3"), b("v"), NOW + 2000);
  const evicted: string[] = [];
  for (;;) {
    const len = ks.evictKey(EVICT_TTL, 16);
    if (len < 0) {
      assert.equal(len, NOT_FOUND);
      break;
    }
    evicted.push(`${ks.evictedDb()}:${new TextDecoder().decode(ks.copyResult(len))}`);
  }
  assert.deepEqual(evicted, ["0:t1", "3:t2-db3", "0:t3", "0:t5", "0:t7", "0:t9"]);
  assert.ok(ks.exists(0, b("persistent")));
  for (const policy of [EVICT_LRU, EVICT_LFU, EVICT_RANDOM]) {
    assert.equal(ks.evictKey(policy, 5), NOT_FOUND, "volatile policies with no TTL left");
  }
  assert.ok(ks.evictKey(EVICT_RANDOM | EVICT_ALLKEYS, 5) > 0);
  assert.equal(ks.dbSize(0), 0);
});

Deno.test("evictKey: allkeys-lru takes the longest idle, allkeys-lfu the least used", async () => {
  const ks = await engine();
  for (let i = 0; i < 8; i++) {
    ks.setClock(NOW + i * 1000); // key i last used at second i
    ks.setString(0, b(`k${i}`), b("v"));
  }
  ks.setClock(NOW + 20_000);
  ks.touch(0, b("k0")); // now the most recent
  const lruOrder: string[] = [];
  for (let i = 0; i < 4; i++) {
    lruOrder.push(
      new TextDecoder().decode(ks.copyResult(ks.evictKey(EVICT_LRU | EVICT_ALLKEYS, 16))),
    );
  }
  assert.deepEqual(lruOrder, ["k1", "k2", "k3", "k4"]);

  ks.setEvictionMode("lfu", 0, 0);
  ks.resetEvictionPool();
  for (let i = 0; i < 6; i++) {
    ks.setString(1, b(`f${i}`), b("v"));
    for (let h = 0; h < i * 3; h++) ks.touch(1, b(`f${i}`));
  }
  ks.flush(0);
  const lfuOrder: string[] = [];
  for (let i = 0; i < 3; i++) {
    lfuOrder.push(
      new TextDecoder().decode(ks.copyResult(ks.evictKey(EVICT_LFU | EVICT_ALLKEYS, 16))),
    );
  }
  assert.deepEqual(lfuOrder, ["f0", "f1", "f2"]);
});

Deno.test("evictKey with EVICT_PICK reports the victim and leaves it until evictPicked deletes it", async () => {
  const ks = await engine();
  const name = (len: number) => new TextDecoder().decode(ks.copyResult(len));
  // Enough keys that the index grows: lookups between pick and delete may step its rehash.
  for (let i = 0; i < 5000; i++) ks.setString(i % 2, b(`r${i}`), b(`v${i}`));
  assert.equal(ks.evictPicked(), NOT_FOUND, "nothing picked yet");
  for (let round = 0; round < 200; round++) {
    const len = ks.evictKey(EVICT_RANDOM | EVICT_ALLKEYS | EVICT_PICK, 5);
    assert.ok(len > 0);
    const db = ks.evictedDb(), key = ks.copyResult(len), victim = name(len);
    assert.ok(ks.exists(db, key), `${db}:${victim} is still there`);
    assert.equal(ks.dbSize(0) + ks.dbSize(1), 5000 - round);
    // What a snapshot walk does in between: read the victim's record, look keys up.
    assert.ok(ks.snapshotKey(db, key) > 0);
    for (let i = 0; i < 20; i++) ks.snapshotKey(i % 2, b(`r${(round * 20 + i) % 5000}`));
    assert.equal(ks.evictPicked(), len);
    assert.equal(ks.evictedDb(), db);
    assert.equal(ks.exists(db, key), false, `${db}:${victim} is gone`);
    assert.equal(ks.evictPicked(), NOT_FOUND, "deleted once");
  }
  assert.equal(ks.dbSize(0) + ks.dbSize(1), 4800);

  // A scored policy: the pool's best candidate, taken out of the pool at the pick.
  const lru = await engine();
  for (let i = 0; i < 8; i++) {
    lru.setClock(NOW + i * 1000);
    lru.setString(0, b(`k${i}`), b("v"));
  }
  lru.setClock(NOW + 20_000);
  const picked: string[] = [];
  for (let i = 0; i < 3; i++) {
    const len = lru.evictKey(EVICT_LRU | EVICT_ALLKEYS | EVICT_PICK, 16);
    const key = lru.copyResult(len);
    assert.ok(lru.exists(0, key));
    picked.push(new TextDecoder().decode(key));
    assert.equal(lru.evictPicked(), len);
    assert.equal(lru.exists(0, key), false);
  }
  assert.deepEqual(picked, ["k0", "k1", "k2"]);
  // A pick not followed by evictPicked is forgotten by the next evictKey, which samples the
  // key again (still the coldest) and deletes it.
  const len = lru.evictKey(EVICT_LRU | EVICT_ALLKEYS | EVICT_PICK, 16);
  assert.equal(new TextDecoder().decode(lru.copyResult(len)), "k3");
  assert.equal(lru.dbSize(0), 5);
  const again = lru.evictKey(EVICT_LRU | EVICT_ALLKEYS, 16);
  assert.equal(new TextDecoder().decode(lru.copyResult(again)), "k3");
  assert.equal(lru.evictPicked(), NOT_FOUND);
  assert.equal(lru.dbSize(0), 4);
});

Deno.test("evictions give memory back: refilling after evicting everything reuses the freed blocks", async () => {
  const ks = await engine();
  const baseline = ks.memoryUsed();
  const value = new Uint8Array(100).fill(120);
  const fill = () => {
    for (let i = 0; i < 20_000; i++) {
      ks.setString(i % 4, b(`key:${i}`), value, i % 2 ? NOW + 1e6 : 0);
    }
  };
  fill();
  const full = ks.memoryUsed();
  const linear = ks.memoryBytes().length;
  let evicted = 0;
  while (ks.evictKey(EVICT_LRU | EVICT_ALLKEYS, 5) >= 0) evicted++;
  assert.equal(evicted, 20_000);
  // What stays: emptied index tables still draining and the volatile lists' spare pages.
  const left = ks.memoryUsed() - baseline;
  assert.ok(
    left < (full - baseline) * 0.15,
    `after evicting all: ${left} of ${full - baseline} bytes left`,
  );
  fill();
  assert.ok(
    Math.abs(ks.memoryUsed() - full) < full * 0.05,
    `the same data takes the same memory: ${full} then ${ks.memoryUsed()}`,
  );
  assert.equal(
    ks.memoryBytes().length,
    linear,
    "Wasm memory did not grow: freed blocks were reused",
  );
});

Deno.test("churn at a memory limit reuses freed blocks of the same size: touched Wasm memory stays near the data", async () => {
  const ks = await engine();
  const value = new Uint8Array(1000).fill(120);
  const KEYS = 10_000;
  for (let i = 0; i < KEYS; i++) ks.setString(0, b(`k:${i}`), value, 0);
  const limit = ks.memoryUsed(), touched = ks.memoryHighWater();
  // Five times the data again, a random key evicted for each new one: the freed blocks are
  // scattered, so only an exact-size reuse keeps the allocator from carving new memory (TLSF
  // alone rounds a request up to the next size class and went 50% past the data here).
  for (let i = KEYS; i < 6 * KEYS; i++) {
    ks.setString(0, b(`k:${i}`), value, 0);
    while (ks.memoryUsed() > limit) ks.evictKey(EVICT_RANDOM | EVICT_ALLKEYS, 5);
  }
  assert.ok(
    ks.memoryHighWater() < touched * 1.05,
    `highest address used ${touched} after the fill, ${ks.memoryHighWater()} after the churn`,
  );
  assert.ok(ks.memoryCached() < 1 << 20, `${ks.memoryCached()} bytes kept for reuse`);
  // MEMORY PURGE's part: the kept blocks go back to the allocator, the data is untouched.
  const used = ks.memoryUsed(), keys = ks.dbSize(0);
  ks.memoryPurge();
  assert.equal(ks.memoryCached(), 0);
  assert.equal(ks.memoryUsed(), used);
  assert.equal(ks.dbSize(0), keys);
  assert.deepEqual(ks.getString(0, b(`k:${6 * KEYS - 1}`)), value);
});

Deno.test("MEMORY USAGE measures the key's blocks: entry, index slot, TTL slot, object", async () => {
  const ks = await engine();
  assert.equal(ks.memoryUsage(0, b("missing")), -1);
  ks.setString(0, b("s"), b("v"));
  const small = ks.memoryUsage(0, b("s"));
  ks.setString(0, b("big"), new Uint8Array(1000));
  const big = ks.memoryUsage(0, b("big"));
  assert.ok(big - small >= 1000 && big - small < 1100, `${small} -> ${big}`);
  ks.setExpire(0, b("s"), NOW + 100_000);
  assert.ok(ks.memoryUsage(0, b("s")) > small, "a TTL adds its expiry and list slot");
  const before = ks.memoryUsed();
  const klen = ks.stageKeyAndValues(
    b("h"),
    Array.from({ length: 400 }, (_, i) => b(`field-value-${i}`)),
  );
  (ks.exports as unknown as {
    hashSet(db: number, klen: number, pairs: number, nx: number): number;
  })
    .hashSet(0, klen, 200, 0);
  const added = ks.memoryUsed() - before;
  const usage = ks.memoryUsage(0, b("h"));
  assert.ok(Math.abs(usage - added) <= 16, `hash: usage ${usage}, memory added ${added}`);
  assert.equal(ks.memoryUsed(), before + added, "measuring frees nothing");
});

Deno.test("maxmemory-eviction-tenacity: Redis's evictionTimeLimitUs", () => {
  assert.equal(evictionTimeLimitMs(0), 0);
  assert.equal(evictionTimeLimitMs(10), 0.5);
  assert.ok(Math.abs(evictionTimeLimitMs(20) - 0.5 * 1.15 ** 10) < 1e-12);
  assert.equal(evictionTimeLimitMs(100), Infinity);
});

Deno.test("the executor evicts before a command: onKeyEvicted hooks get (db, key), write observers nothing; OOM is counted as rejected", async () => {
  const config = new ConfigStore(await loadConfig([], {}));
  const shard = new Shard(0, 1, createKeyspace(), config);
  const execute = createBatchExecutor(shard);
  const run = (db: number, argv: string[]) => {
    const batch = new ByteBuffer(256);
    appendToBatch(batch, db, 2, encodeCommand(argv));
    return new TextDecoder().decode(execute(batch.bytes()).replies);
  };
  for (let i = 0; i < 50; i++) run(i % 3, ["SET", `k${i}`, "v".repeat(100)]);
  const evicted: string[] = [];
  shard.memory.onKeyEvicted.push((db, key) =>
    evicted.push(`${db}:${new TextDecoder().decode(key)}`)
  );
  const observed: string[] = [];
  shard.writeObservers.push((_ctx, spec) => observed.push(spec.name));
  // Tenacity 100: no time limit, so the first command evicts everything (a cold JIT may take
  // longer than the default 500 us for 16 keys, and Redis then lets the command run).
  const settings: [string, string][] = [
    ["maxmemory-policy", "allkeys-random"],
    ["maxmemory-eviction-tenacity", "100"],
    ["maxmemory", "1"],
  ];
  assert.equal(config.setMany(settings), null);
  assert.equal(
    run(0, ["SET", "new", "v"]),
    "-OOM command not allowed when used memory > 'maxmemory'.\r\n",
  );
  assert.equal(evicted.length, 50, "every key went, one hook call each");
  assert.deepEqual(
    new Set(evicted),
    new Set(Array.from({ length: 50 }, (_, i) => `${i % 3}:k${i}`)),
  );
  assert.deepEqual(observed, [], "evictions are not write commands");
  assert.equal(shard.stats.evictedKeys, 50);
  assert.equal(run(0, ["GET", "new"]), "$-1\r\n", "reads still run");
  assert.equal(infoStatsOf(shard).commands.get("set")?.rejected, 1);
  assert.equal(config.setMany([["maxmemory", "0"]]), null);
  assert.equal(run(0, ["SET", "new", "v"]), "+OK\r\n");
  assert.deepEqual(observed, ["set"]);
});
