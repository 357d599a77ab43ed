// The snapshot walk waits for the encoder thread (snapshot_shard.ts, MAX_CHUNKS_IN_FLIGHT):
// while 4 of its chunks are not encoded it posts no more, so a starved low-priority encoder
// bounds the memory the walk holds; once they are released the walk goes on, every key once.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ShardSnapshot } from "../../src/persistence/snapshot_shard.ts";
import { u32le } from "../../src/protocol/bytes.ts";
import { SEG_WALK, SEGMENT_HEADER } from "../../src/persistence/snapshot_shard.ts";

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
  let counter: Int32Array | null = null;
  const walk = new ShardSnapshot(shard, (chunk, inFlight) => {
    chunks.push(chunk);
    counter = inFlight;
  });
  let finished = false;
  const done = walk.run().then(() => finished = true);
  await turns(400);
  assert.equal(chunks.length, 4, "4 chunks sent, then the walk waits");
  assert.equal(Atomics.load(counter!, 0), 4);
  assert.equal(finished, false);
  // The encoder catches up: the walk resumes and sends the rest.
  while (!finished) {
    Atomics.store(counter!, 0, 0);
    await turns(5);
  }
  await done;
  assert.ok(chunks.length > 4);
  assert.equal(chunks.reduce((n, c) => n + walkRecords(c), 0), KEYS);
});
