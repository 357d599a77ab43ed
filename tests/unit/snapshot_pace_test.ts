// How a snapshot walk (snapshot_shard.ts) shares a serving shard: after each batch's replies
// (Shard.afterReplies) it takes one engine step, at most every 250 µs, so a request meets at
// most one step; a shard that serves keeps the walk going by those steps alone, and the walk
// gives the hook back when it ends.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ShardSnapshot } from "../../src/persistence/snapshot_shard.ts";
import { releaseChunk } from "../../src/persistence/snapshot_chunks.ts";
import { recordsOf } from "../helpers/snapshot_records.ts";

const enc = new TextEncoder();
const KEYS = 8_000;

/** Busy-waits `ms` (the walk's pace is by the clock; nothing else may run meanwhile). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* wait */ }
}

Deno.test("a serving shard's walk steps after replies, one step at a time, and finishes by them alone", async () => {
  const config = new ConfigStore(await loadConfig([], {}));
  const shard = new Shard(0, 1, createKeyspace(), config);
  const ks = shard.keyspace;
  for (let i = 0; i < KEYS; i++) ks.setString(i % 2, enc.encode(`key:${i}`), enc.encode(`v${i}`));
  const chunks: Uint8Array[] = [];
  const walk = new ShardSnapshot(shard, (chunk, flow, slot) => {
    chunks.push(chunk.slice());
    releaseChunk(flow, slot); // an encoder that keeps up
  });
  assert.equal(shard.afterReplies, null);
  const done = walk.run();
  // run() took its first slice before its first pause; from here on nothing but the hook
  // moves the walk (this loop never yields to the pause's end).
  const afterReplies = shard.afterReplies as (() => void) | null;
  assert.ok(afterReplies, "the walk hooks the shard's replies");
  const firstSlice = walk.stats.steps;
  assert.equal(walk.stats.inlineSteps, 0);
  let calls = 0;
  while (walk.stats.steps < 10_000) {
    const steps = walk.stats.steps, start = performance.now();
    shard.stats.commandsProcessed++;
    afterReplies();
    afterReplies(); // right after: too soon for another step
    const took = performance.now() - start;
    calls++;
    // Two steps only if the thread lost 250 µs between them (a loaded machine may preempt it).
    const stepped = walk.stats.steps - steps;
    assert.ok(stepped <= 1 || (stepped === 2 && took >= 0.25), `${stepped} steps in ${took} ms`);
    if (walk.stats.steps === steps && calls > 2) break; // the walk is over
    spin(0.3);
  }
  const inline = walk.stats.inlineSteps;
  assert.equal(walk.stats.steps, firstSlice + inline);
  // 8,000 keys in 2 dbs at up to 16 keys a step (and 14 empty dbs to pass): the first slice
  // took a few steps, the steps after replies all the others.
  assert.ok(inline >= KEYS / 16 / 2 && inline > 10 * firstSlice, `${inline} / ${firstSlice}`);
  await done;
  assert.equal(shard.afterReplies, null, "the hook is given back");
  const { walked, saved, twice } = recordsOf(chunks);
  assert.equal(twice, 0);
  assert.equal(saved.size, 0);
  assert.equal(walked.size, KEYS);
  for (let i = 0; i < KEYS; i++) assert.ok(walked.has(`${i % 2}:key:${i}`));
});
