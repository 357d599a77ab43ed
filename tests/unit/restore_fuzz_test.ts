// RESTORE of mutated Redis payloads of every type: each mutation (flipped, inserted, removed or
// truncated bytes, with the CRC-64 recomputed so the parser and the engine see the bytes) must
// end in a stored value or one of Redis's two errors, never an exception or a corrupt key.
import assert from "node:assert/strict";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { Crc64 } from "../../src/persistence/rdb/crc64.ts";
import { createDumpPayload, parseDumpPayload } from "../../src/persistence/rdb/dump_payload.ts";
import { RdbFormatError } from "../../src/persistence/rdb/constants.ts";
import { type RdbValue, REDIS_DEFAULTS } from "../../src/persistence/rdb/value.ts";
import { blobFromRdbValue, rdbValueFromBlob } from "../../src/persistence/value_codec.ts";

const text = (s: string) => new TextEncoder().encode(s);
const range = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => text(f(i)));

const SEEDS: RdbValue[] = [
  { kind: "string", value: text("x".repeat(60)) },
  { kind: "list", elements: range(40, (i) => `e${i}`) },
  { kind: "set", members: range(10, (i) => String(i * 1000)) },
  { kind: "set", members: range(10, (i) => `m${i}`), compact: false },
  {
    kind: "zset",
    entries: range(8, (i) => `z${i}`).map((member, i) => ({ member, score: i / 3 })),
  },
  {
    kind: "zset",
    entries: range(150, (i) => `z${i}`).map((member, i) => ({ member, score: i })),
    compact: false,
  },
  { kind: "hash", entries: range(6, (i) => `f${i}`).map((f, i) => [f, text(`v${i}`)]) },
  {
    kind: "hash",
    entries: range(6, (i) => `f${i}`).map((f, i) => [f, text(`v${i}`)]),
    compact: false,
  },
];

/** xorshift32: a reproducible stream of mutations. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function mutate(body: Uint8Array, next: () => number): Uint8Array {
  const bytes = [...body];
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits && bytes.length > 1; e++) {
    const at = 1 + Math.floor(next() * (bytes.length - 1)); // keep the type byte mostly
    const kind = next();
    if (kind < 0.5) bytes[at] ^= 1 << Math.floor(next() * 8);
    else if (kind < 0.7) bytes[at] = Math.floor(next() * 256);
    else if (kind < 0.8) bytes.splice(at, 1);
    else if (kind < 0.9) bytes.splice(at, 0, Math.floor(next() * 256));
    else bytes.length = at;
  }
  if (next() < 0.05) bytes[0] = Math.floor(next() * 24);
  return Uint8Array.from(bytes);
}

/** A payload around `body` with a right footer. */
function seal(body: Uint8Array): Uint8Array {
  const payload = new Uint8Array(body.length + 10);
  payload.set(body);
  payload[body.length] = 10;
  payload.set(new Crc64().update(payload, 0, body.length + 2).bytes(), body.length + 2);
  return payload;
}

Deno.test("RESTORE of thousands of mutated payloads never throws or stores a broken value", () => {
  const ks = createKeyspace();
  const next = random(0x1234567);
  const key = text("fuzz");
  let stored = 0, refused = 0;
  for (let round = 0; round < 4000; round++) {
    const payload = createDumpPayload(SEEDS[round % SEEDS.length]);
    const body = mutate(payload.subarray(0, payload.length - 10), next);
    let value: RdbValue;
    try {
      value = parseDumpPayload(seal(body));
    } catch (e) {
      if (!(e instanceof RdbFormatError)) throw e;
      refused++;
      continue;
    }
    const result = ks.restore(0, key, blobFromRdbValue(value, REDIS_DEFAULTS), 0, true);
    if (result !== 1) {
      refused++;
      continue;
    }
    stored++;
    const back = ks.dump(0, key);
    assert(back !== null);
    createDumpPayload(rdbValueFromBlob(back)); // the stored value dumps again
  }
  assert(stored > 100 && refused > 100, `stored ${stored}, refused ${refused}`);
});
