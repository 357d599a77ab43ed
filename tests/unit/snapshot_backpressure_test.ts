// The snapshot walk waits for the encoder thread (snapshot_shard.ts, MAX_CHUNKS_IN_FLIGHT):
// while 4 of its chunks are not encoded it posts no more, so a starved low-priority encoder
// bounds the memory the walk holds; once they are released the walk goes on, every key once,
// writing its chunks in the same few shared slots.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ShardSnapshot } from "../../src/persistence/snapshot_shard.ts";
import { u32le } from "../../src/protocol/bytes.ts";
import { releaseChunk, SEG_WALK, SEGMENT_HEADER } from "../../src/persistence/snapshot_chunks.ts";

const enc = new TextEncoder();
const KEYS = 40_000;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

/** The walk records in a chunk. */
function walkRecords(chunk: Uint8Array): number {
  let records = 0;
  for (let at = 0; at < chunk.length;) {
    const kind = chunk[at], n = u32le(chunk, at + 2);
    const body = chunk.subarray(at + SEGMENT_HEADER, at + SEGMENT_HEADER + n);
    at += SEGMENT_HEADER + n;
    if (kind !== SEG_WALK) continue;
    for (let p = 0; p < body.length; records++) {
      const blob = p + 4 + u32le(body, p) + 8;
      p = blob + 12 + u32le(body, blob + 8);
    }
  }
  return records;
}

Deno.test("the snapshot walk pauses while 4 chunks wait for the encoder, then finishes", async () => {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const value = new Uint8Array(40).fill(120); // 40 KEYS x ~70 bytes: over 2 MB, 8+ chunks
  for (let i = 0; i < KEYS; i++) shard.keyspace.setString(0, enc.encode(`key:${i}`), value);
  const chunks: Uint8Array[] = [];
  const slots: number[] = [];
  let flow: Int32Array | null = null;
  const walk = new ShardSnapshot(shard, (chunk, chunkFlow, slot) => {
    chunks.push(chunk.slice()); // a shared slot is written again once released
    slots.push(slot);
    flow = chunkFlow;
  });
  let finished = false;
  const done = walk.run().then(() => finished = true);
  await turns(400);
  assert.equal(chunks.length, 4, "4 chunks sent, then the walk waits");
  assert.equal(Atomics.load(flow!, 0), 4);
  assert.equal(finished, false);
  // The encoder catches up: the walk resumes and sends the rest.
  let released = 0;
  while (!finished) {
    while (released < slots.length) releaseChunk(flow!, slots[released++]);
    await turns(5);
  }
  await done;
  assert.ok(chunks.length > 8);
  assert.equal(chunks.reduce((n, c) => n + walkRecords(c), 0), KEYS);
  // Released slots are written again: the walk allocates no buffer per chunk.
  assert.ok(slots.every((slot) => slot >= 0), `slots ${slots}`);
  assert.ok(new Set(slots).size < slots.length);
});
