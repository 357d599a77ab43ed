// The engine's HyperLogLog exports checked against an independent model written here from
// Redis's description: MurmurHash64A (seed 0xadc83b19) picks the register and the run length,
// registers are 6-bit fields packed from each byte's LSB, and the count is Ertl's estimator.
// The byte-for-byte comparison with redis-server is tests/differential/hyperloglog_test.ts.
import assert from "node:assert/strict";
import {
  type ArgSource,
  ENC_RAW,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
} from "../../src/engine/keyspace.ts";
import {
  DEBUG_DECODE,
  DEBUG_ENCODING,
  DEBUG_GETREG,
  DEBUG_TODENSE,
  HyperLogLogs,
  INVALID_HLL,
  NOT_HLL,
  NOT_SPARSE,
} from "../../src/engine/hyperloglog.ts";

const encoder = new TextEncoder();
const MASK64 = (1n << 64n) - 1n;

/** Arguments laid out as the parser leaves them (argument 0 would be the command name). */
function argsOf(parts: (string | Uint8Array)[]): ArgSource {
  const bytes = parts.map((p) => typeof p === "string" ? encoder.encode(p) : p);
  const argBuf = new Uint8Array(bytes.reduce((n, p) => n + p.length, 0));
  const argStart = new Int32Array(bytes.length), argLen = new Int32Array(bytes.length);
  let at = 0;
  bytes.forEach((p, i) => {
    argBuf.set(p, at);
    argStart[i] = at;
    argLen[i] = p.length;
    at += p.length;
  });
  return { argBuf, argStart, argLen };
}

function murmurHash64A(data: Uint8Array, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  let h = (seed ^ (BigInt(data.length) * m)) & MASK64;
  const words = data.length >> 3;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < words; i++) {
    let k = view.getBigUint64(i * 8, true);
    k = (k * m) & MASK64;
    k ^= k >> 47n;
    k = (k * m) & MASK64;
    h = ((h ^ k) * m) & MASK64;
  }
  const rest = data.length & 7;
  if (rest) {
    let tail = 0n;
    for (let i = rest - 1; i >= 0; i--) tail = (tail << 8n) | BigInt(data[words * 8 + i]);
    h = ((h ^ tail) * m) & MASK64;
  }
  h ^= h >> 47n;
  h = (h * m) & MASK64;
  return h ^ (h >> 47n);
}

/** The registers a set of elements produces (one number per register). */
function modelRegisters(elements: string[]): number[] {
  const registers = new Array<number>(16384).fill(0);
  for (const e of elements) {
    const hash = murmurHash64A(encoder.encode(e), 0xadc83b19n);
    const index = Number(hash & 16383n);
    let rest = (hash >> 14n) | (1n << 50n);
    let run = 1;
    while ((rest & 1n) === 0n) {
      rest >>= 1n;
      run++;
    }
    registers[index] = Math.max(registers[index], run);
  }
  return registers;
}

/** Ertl's improved estimator, as Redis 7 computes it. */
function modelCount(registers: number[]): number {
  const m = 16384;
  const histogram = new Array<number>(64).fill(0);
  for (const r of registers) histogram[r]++;
  const sigma = (x: number) => {
    if (x === 1) return Infinity;
    let y = 1, z = x, previous;
    do {
      x *= x;
      previous = z;
      z += x * y;
      y += y;
    } while (previous !== z);
    return z;
  };
  const tau = (x: number) => {
    if (x === 0 || x === 1) return 0;
    let y = 1, z = 1 - x, previous;
    do {
      x = Math.sqrt(x);
      previous = z;
      y *= 0.5;
      z -= (1 - x) * (1 - x) * y;
    } while (previous !== z);
    return z / 3;
  };
  let z = m * tau((m - histogram[51]) / m);
  for (let j = 50; j >= 1; j--) z = (z + histogram[j]) * 0.5;
  z += m * sigma(histogram[0] / m);
  return Math.round(0.721347520444481703680 * m * m / z);
}

async function setup() {
  const ks = new Keyspace(await instantiateEngine());
  return { ks, hll: new HyperLogLogs(ks) };
}

function elements(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** PFADD key ...elements; returns the engine's status. */
function add(hll: HyperLogLogs, key: string, items: string[], sparseMax = 3000): number {
  const args = argsOf([key, ...items]);
  return hll.add(0, args, 0, 1, items.length + 1, sparseMax);
}

function countOf(ks: Keyspace, hll: HyperLogLogs, key: string): number {
  const n = hll.count(0, argsOf([key]), 0);
  return n < 0 ? n : Number(new TextDecoder().decode(ks.copyResult(n)));
}

function registersOf(ks: Keyspace, hll: HyperLogLogs, key: string): number[] {
  const n = hll.debug(0, argsOf([key]), 0, DEBUG_GETREG);
  assert.equal(n, 16384);
  return [...ks.copyResult(n)];
}

Deno.test("registers and counts match the model, sparse and dense alike", async () => {
  const { ks, hll } = await setup();
  for (const size of [1, 10, 150, 1000, 5000, 40000]) {
    const items = elements(`s${size}-`, size);
    assert.equal(add(hll, "sparse", items), 1);
    assert.equal(add(hll, "dense", items, 0), 1); // hll-sparse-max-bytes 0: dense at once
    const expected = modelRegisters(items);
    const count = modelCount(expected);
    assert.equal(countOf(ks, hll, "sparse"), count, `count of ${size}`);
    assert.equal(countOf(ks, hll, "dense"), count);
    assert.deepEqual(registersOf(ks, hll, "sparse"), expected);
    assert.deepEqual(registersOf(ks, hll, "dense"), expected);
    ks.delete(0, encoder.encode("sparse"));
    ks.delete(0, encoder.encode("dense"));
  }
});

Deno.test("the header caches the count; PFADD marks it stale only on a change", async () => {
  const { ks, hll } = await setup();
  const key = encoder.encode("h");
  assert.equal(add(hll, "h", ["a", "b", "c"]), 1);
  const stale = ks.getString(0, key) as Uint8Array;
  assert.equal(new TextDecoder().decode(stale.subarray(0, 5)), "HYLL\x01");
  assert.equal(stale[15], 0x80);
  assert.equal(countOf(ks, hll, "h"), 3);
  const cached = (ks.getString(0, key) as Uint8Array).slice();
  assert.deepEqual([...cached.subarray(8, 16)], [3, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(add(hll, "h", ["a"]), 0);
  assert.deepEqual(ks.getString(0, key), cached);
  assert.equal(add(hll, "h", ["d"]), 1);
  assert.equal((ks.getString(0, key) as Uint8Array)[15] & 0x80, 0x80);
  assert.equal(ks.encoding(0, key), ENC_RAW); // Redis writes into an unshared (raw) string
});

Deno.test("sparse turns dense past hll-sparse-max-bytes; PFDEBUG ENCODING / TODENSE / DECODE", async () => {
  const { ks, hll } = await setup();
  const key = argsOf(["h"]);
  add(hll, "h", ["x"]);
  assert.equal(hll.debug(0, key, 0, DEBUG_ENCODING), 1);
  const n = hll.debug(0, key, 0, DEBUG_DECODE);
  assert.match(new TextDecoder().decode(ks.copyResult(n)), /^Z:\d+ v:\d+,1 [zZ]:\d+$/);
  let added = 0;
  while (hll.debug(0, key, 0, DEBUG_ENCODING) === 1) {
    add(hll, "h", elements(`${added}-`, 10), 300);
    added += 10;
    const length = (ks.getString(0, encoder.encode("h")) as Uint8Array).length;
    assert.ok(length <= 300 || length === 12304, `length ${length}`);
  }
  assert.equal((ks.getString(0, encoder.encode("h")) as Uint8Array).length, 12304);
  assert.equal(hll.debug(0, key, 0, DEBUG_DECODE), NOT_SPARSE);
  assert.equal(hll.debug(0, key, 0, DEBUG_TODENSE), 0);
  add(hll, "s", ["y"]);
  assert.equal(hll.debug(0, argsOf(["s"]), 0, DEBUG_TODENSE), 1);
  assert.equal(hll.debug(0, argsOf(["s"]), 0, DEBUG_ENCODING), 0);
});

Deno.test("unions: merged counts, PFMERGE here and for another shard give the same bytes", async () => {
  const { ks, hll } = await setup();
  add(hll, "a", elements("x", 100));
  add(hll, "b", elements("x", 3000).slice(50));
  add(hll, "c", elements("y", 10));
  const union = modelCount(modelRegisters([...elements("x", 3000), ...elements("y", 10)]));
  hll.mergeBegin();
  for (const key of ["a", "b", "c", "missing"]) assert.equal(hll.mergeKey(0, argsOf([key]), 0), 0);
  assert.equal(Number(new TextDecoder().decode(ks.copyResult(hll.mergeCount()))), union);

  const current = (ks.getString(0, encoder.encode("c")) as Uint8Array).slice();
  hll.mergeBegin();
  for (const key of ["c", "a", "b"]) hll.mergeKey(0, argsOf([key]), 0);
  const remote = hll.mergeResult(current, 3000) as Uint8Array;
  assert.equal(hll.mergeStore(0, argsOf(["c"]), 0, 3000), 0);
  assert.deepEqual(ks.getString(0, encoder.encode("c")), remote);
  assert.equal(countOf(ks, hll, "c"), union);
});

Deno.test("errors: strings that are not HLLs, corrupted sparse HLLs", async () => {
  const { ks, hll } = await setup();
  ks.setString(0, encoder.encode("text"), encoder.encode("not an hll at all"));
  assert.equal(add(hll, "text", ["x"]), NOT_HLL);
  assert.equal(countOf(ks, hll, "text"), NOT_HLL);
  assert.equal(countOf(ks, hll, "missing"), NOT_FOUND);
  assert.equal(hll.debug(0, argsOf(["missing"]), 0, DEBUG_ENCODING), NOT_FOUND);
  // XZERO:100 then nothing: 16284 registers missing.
  const short = new Uint8Array([
    ...encoder.encode("HYLL\x01\0\0\0"),
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x80,
    0x40,
    0x63,
  ]);
  ks.setString(0, encoder.encode("short"), short);
  assert.equal(countOf(ks, hll, "short"), INVALID_HLL);
  assert.equal(hll.mergeValue(short), INVALID_HLL);
  assert.equal(hll.debug(0, argsOf(["short"]), 0, DEBUG_GETREG), INVALID_HLL);
  assert.equal(hll.mergeValue(encoder.encode("HYLL")), NOT_HLL);
});

Deno.test("PFADD keeps the TTL", async () => {
  const { ks, hll } = await setup();
  const key = encoder.encode("h");
  add(hll, "h", ["a"]);
  const at = Date.now() + 100_000;
  ks.setExpire(0, key, at);
  add(hll, "h", elements("z", 2000)); // grows, then turns dense
  assert.equal(ks.expireAt(0, key), at);
});

Deno.test("PFSELFTEST passes", async () => {
  const { hll } = await setup();
  assert.equal(hll.selfTest(3000), 0);
});
