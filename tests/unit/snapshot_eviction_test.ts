// Keys evicted (maxmemory) while a snapshot walk runs (snapshot_shard.ts, server/memory.ts):
// each one the walk has not reached is saved before it goes, as a write's before-image, so the
// walk's records and the saved ones hold every key of the snapshot's instant, each once, with
// its value then; with no walk running, eviction calls no hook.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ShardSnapshot } from "../../src/persistence/snapshot_shard.ts";
import { releaseChunk } from "../../src/persistence/snapshot_chunks.ts";
import { recordsOf } from "../helpers/snapshot_records.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const KEYS = 40_000; // ~70 bytes of records each: the walk fills its 4 chunks in flight early
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

Deno.test("keys evicted while the snapshot walk runs are saved first: the snapshot has every key once", async () => {
  const config = new ConfigStore(await loadConfig([], {}));
  const shard = new Shard(0, 1, createKeyspace(), config);
  const ks = shard.keyspace;
  ks.setClock(Date.now());
  const before = new Map<string, Uint8Array>();
  for (let i = 0; i < KEYS; i++) {
    const db = i % 3, key = enc.encode(`key:${i}`);
    ks.setString(db, key, enc.encode(`value:${i}:${"x".repeat(i % 40)}`));
    before.set(`${db}:key:${i}`, ks.dump(db, key)!.slice());
  }
  assert.equal(shard.memory.beforeKeyEvicted.length, 0);
  const chunks: Uint8Array[] = [], slots: number[] = [];
  let flow: Int32Array | null = null;
  const walk = new ShardSnapshot(shard, (chunk, chunkFlow, slot) => {
    chunks.push(chunk.slice());
    slots.push(slot);
    flow = chunkFlow;
  });
  let finished = false;
  const done = walk.run().then(() => finished = true);
  await turns(400);
  // The walk waits for the encoder with 4 chunks sent: most keys are still ahead of it.
  assert.equal(chunks.length, 4);
  assert.equal(finished, false);
  assert.equal(shard.memory.beforeKeyEvicted.length, 1, "the walk's hook is in place");
  // Every key goes (no time limit), the walk part way.
  const evicted: string[] = [];
  shard.memory.onKeyEvicted.push((db, key) => evicted.push(`${db}:${dec.decode(key)}`));
  const settings: [string, string][] = [
    ["maxmemory-policy", "allkeys-random"],
    ["maxmemory-eviction-tenacity", "100"],
    ["maxmemory", "1"],
  ];
  assert.equal(config.setMany(settings), null);
  shard.memory.performEvictions();
  assert.equal(ks.dbSize(0) + ks.dbSize(1) + ks.dbSize(2), 0);
  assert.equal(evicted.length, KEYS, "onKeyEvicted still told once per key");
  assert.equal(shard.stats.evictedKeys, KEYS);
  assert.equal(config.setMany([["maxmemory", "0"]]), null);
  let released = 0;
  while (!finished) {
    while (released < slots.length) releaseChunk(flow!, slots[released++]);
    await turns(5);
  }
  await done;
  assert.equal(shard.memory.beforeKeyEvicted.length, 0, "the hook is gone with the walk");
  const { walked, saved, twice, created } = recordsOf(chunks);
  assert.equal(twice, 0, "no key written twice");
  assert.equal(created, 0);
  assert.ok(saved.size > KEYS / 2, `only ${saved.size} evicted keys saved`);
  assert.equal(walked.size + saved.size, KEYS);
  for (const [name, blob] of before) {
    assert.deepEqual(saved.get(name) ?? walked.get(name), blob, name);
  }
});

Deno.test("with no walk running an eviction calls no before-eviction hook and deletes at once", async () => {
  const config = new ConfigStore(await loadConfig([], {}));
  const shard = new Shard(0, 1, createKeyspace(), config);
  for (let i = 0; i < 100; i++) shard.keyspace.setString(0, enc.encode(`k${i}`), enc.encode("v"));
  const walk = new ShardSnapshot(shard, (_chunk, flow, slot) => releaseChunk(flow, slot));
  await walk.run(); // a finished walk leaves nothing behind
  assert.equal(shard.memory.beforeKeyEvicted.length, 0);
  assert.equal(
    config.setMany([
      ["maxmemory-policy", "allkeys-lru"],
      ["maxmemory-eviction-tenacity", "100"],
      ["maxmemory", "1"],
    ]),
    null,
  );
  // The one-call path: the engine never holds a picked key for later.
  const ks = shard.keyspace, evictPicked = ks.evictPicked.bind(ks);
  let picked = 0;
  ks.evictPicked = () => (picked++, evictPicked());
  shard.memory.performEvictions();
  assert.equal(shard.keyspace.dbSize(0), 0);
  assert.equal(shard.stats.evictedKeys, 100);
  assert.equal(picked, 0);
  assert.equal(config.setMany([["maxmemory", "0"]]), null);
});
