// Micro benchmark of one shard's snapshot walk (src/persistence/snapshot_shard.ts), in process
// (not a test): the walk of KEYS keys (DEBUG POPULATE's "key:N" -> "value:N") with an encoder
// that takes every chunk at once, and what it does per slice: slices, keys and bytes per slice,
// and its CPU time per key. Run it under `valgrind --tool=callgrind` for instruction counts.
//
//   node_modules/.bin/deno run -A bench/snapshot_walk_micro.ts [--keys 200000] [--encode]
// --encode also encodes the chunks as the encoder thread would (PartEncoder into /dev/null),
// on this thread, to count the encoder's side; --covered first tells it of a key a write
// created (as any write during a walk does), so it checks every walk record against those.
// --writes N: between the walk's slices, N writes (of keys that do not exist, in bursts of 100)
// go through the shard's before-write observer as SET's would, until the walk ends.
// GCs: add --v8-flags=--trace-gc and count the lines (--mark prints a line as the walk starts;
// the GC lines carry their own times, the printed order may differ).
import { parseArgs } from "node:util";
import process from "node:process";
import { loadConfig } from "../src/config/load.ts";
import { ConfigStore } from "../src/config/store.ts";
import { Shard } from "../src/server/shard.ts";
import { createKeyspace } from "../src/engine/engine_module.ts";
import { ShardSnapshot } from "../src/persistence/snapshot_shard.ts";
import { releaseChunk, SEG_CREATED, SEGMENT_HEADER } from "../src/persistence/snapshot_chunks.ts";
import { PartEncoder } from "../src/persistence/snapshot_encoder.ts";
import { encodingLimitsOf } from "../src/engine/encoding_limits.ts";
import type { CommandContext, CommandSpec } from "../src/commands/spec.ts";
import type { Args } from "../src/protocol/args.ts";

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "200000" },
    encode: { type: "boolean", default: false },
    covered: { type: "boolean", default: false },
    writes: { type: "string", default: "0" },
    mark: { type: "boolean", default: false },
  },
});
const KEYS = Number(values.keys);
const enc = new TextEncoder();
const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
shard.keyspace.setClock(Date.now());
for (let i = 0; i < KEYS; i++) {
  shard.keyspace.setString(0, enc.encode(`key:${i}`), enc.encode(`value:${i}`));
}
const options = { ...encodingLimitsOf(shard.config), compress: true }; // as the coordinator sends them
const encoder = values.encode ? new PartEncoder("/dev/null") : null;
if (values.covered) {
  const key = enc.encode("created:during:the:walk");
  const segment = new Uint8Array(SEGMENT_HEADER + key.length);
  segment[0] = SEG_CREATED;
  new DataView(segment.buffer).setUint32(2, key.length, true);
  segment.set(key, SEGMENT_HEADER);
  encoder?.push(segment, options);
}
let chunks = 0, bytes = 0;
const walk = new ShardSnapshot(shard, (chunk, flow, slot) => {
  chunks++;
  bytes += chunk.length;
  encoder?.push(chunk, options);
  releaseChunk(flow, slot);
});
if (values.mark) console.log("-- walk starts"); // splits --trace-gc output
const cpu0 = process.cpuUsage(), t0 = performance.now();
const walking = walk.run();
let writes = 0, walked = false;
walking.then(() => walked = true);
// SET's command spec as the observer reads it (its key positions), and its arguments.
const setSpec = { name: "set", keys: { first: 1, last: 1, step: 1 } } as unknown as CommandSpec;
while (!walked && writes < Number(values.writes)) {
  for (let i = 0; i < 100; i++, writes++) {
    const argv = [enc.encode("SET"), enc.encode(`new:${writes}`), enc.encode("x")];
    const args = { argc: 3, bytes: (j: number) => argv[j] } as unknown as Args;
    const ctx = { args, client: { db: 0 } } as unknown as CommandContext;
    for (const observer of shard.beforeWriteObservers) observer(ctx, setSpec, 0);
  }
  await new Promise((r) => setTimeout(r, 0));
}
await walking;
const wall = performance.now() - t0, cpu = process.cpuUsage(cpu0);
encoder?.finish();
const cpuMs = (cpu.user + cpu.system) / 1000;
const s = walk.stats;
console.log(
  `keys=${KEYS} chunks=${chunks} bytes=${bytes} slices=${s.slices} keys/slice=${
    (KEYS / s.slices).toFixed(0)
  } bytes/slice=${(bytes / s.slices).toFixed(0)} steps/slice=${(s.steps / s.slices).toFixed(1)}`,
);
console.log(
  `writes during the walk ${writes}, heap used ${
    (Deno.memoryUsage().heapUsed / 1e6).toFixed(1)
  } MB`,
);
console.log(
  `wall ${wall.toFixed(0)} ms, cpu ${cpuMs.toFixed(0)} ms (${
    (cpuMs * 1e6 / KEYS).toFixed(0)
  } ns/key), ` +
    `time in slices ${s.sliceMs.toFixed(0)} ms (${(s.sliceMs * 1e6 / KEYS).toFixed(0)} ns/key), ` +
    `longest slice ${(s.maxSliceMs * 1000).toFixed(0)} µs`,
);
