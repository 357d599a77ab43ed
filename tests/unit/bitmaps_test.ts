// The engine's bitmap exports (src/engine/bitmaps.ts over wasm/assembly/bitmap.ts) against a
// naive bit-by-bit model: random strings, ranges and operations; plus the lookups they count
// and how writes reshape the value (TTL kept, raw text).
import assert from "node:assert/strict";
import { ENC_RAW, instantiateEngine, Keyspace, NOT_FOUND } from "../../src/engine/keyspace.ts";
import {
  bitmapsOf,
  BITOP_AND,
  BITOP_NOT,
  BITOP_OR,
  BITOP_XOR,
  COUNT_ALL,
  COUNT_BITS,
  COUNT_BYTES,
  FIELD_GET,
  FIELD_INCRBY,
  FIELD_SET,
  type FieldOp,
  OVERFLOW_WRAP,
  POS_BIT_UNIT,
  POS_END,
  POS_START,
} from "../../src/engine/bitmaps.ts";
import { Args } from "../../src/protocol/args.ts";

const NOW = 1_700_000_000_000;

/** Args holding the given byte strings (argument 0 first). */
function argsOf(...parts: Uint8Array[]): Args {
  const args = new Args();
  const total = parts.reduce((n, p) => n + p.length, 0);
  args.argBuf = new Uint8Array(total);
  args.argc = parts.length;
  args.argStart = new Int32Array(Math.max(16, parts.length));
  args.argLen = new Int32Array(Math.max(16, parts.length));
  let at = 0;
  parts.forEach((p, i) => {
    args.argBuf.set(p, at);
    args.argStart[i] = at;
    args.argLen[i] = p.length;
    at += p.length;
  });
  return args;
}

const enc = (text: string) => new TextEncoder().encode(text);

/** A deterministic xorshift generator. */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

function randomBytes(next: (n: number) => number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  // Runs of 0x00 / 0xff so that BITPOS has long stretches to skip.
  const fill = next(3);
  for (let i = 0; i < len; i++) {
    out[i] = fill === 0
      ? next(256)
      : fill === 1
      ? (next(8) ? 0 : next(256))
      : (next(8) ? 255 : next(256));
  }
  return out;
}

const bitOf = (s: Uint8Array, i: number) =>
  i >> 3 < s.length ? (s[i >> 3] >> (7 - (i & 7))) & 1 : 0;

/** Redis's index rules: the normalized inclusive range, in the given unit. */
function normalize(start: number, end: number, total: number): [number, number] {
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return [start, end];
}

function modelCount(s: Uint8Array, start: number, end: number, bits: boolean): number {
  if (start < 0 && end < 0 && start > end) return 0;
  const [from, to] = normalize(start, end, bits ? s.length * 8 : s.length);
  let n = 0;
  const [a, b] = bits ? [from, to] : [from * 8, to * 8 + 7];
  for (let i = a; i <= b; i++) n += bitOf(s, i);
  return n;
}

function modelPos(
  s: Uint8Array,
  bit: number,
  start: number | null,
  end: number | null,
  bits: boolean,
): number {
  const total = bits ? s.length * 8 : s.length;
  const [from, to] = start === null ? [0, s.length - 1] : normalize(start, end ?? total - 1, total);
  if (from > to) return -1;
  const [a, b] = bits ? [from, to] : [from * 8, to * 8 + 7];
  for (let i = a; i <= b; i++) if (bitOf(s, i) === bit) return i;
  // A 0 is found just past the range when no end was given (the string reads as padded).
  return bit === 0 && end === null ? b + 1 : -1;
}

function modelBitop(op: number, values: Uint8Array[]): Uint8Array {
  const len = Math.max(0, ...values.map((v) => v.length));
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    let byte = i < values[0].length ? values[0][i] : 0;
    if (op === BITOP_NOT) byte = ~byte & 0xff;
    for (const v of values.slice(1)) {
      const other = i < v.length ? v[i] : 0;
      byte = op === BITOP_AND ? byte & other : op === BITOP_OR ? byte | other : byte ^ other;
    }
    out[i] = byte;
  }
  return out;
}

async function freshKeyspace(): Promise<Keyspace> {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(NOW);
  return ks;
}

Deno.test("bitmaps: BITCOUNT and BITPOS match a bit-by-bit model", async () => {
  const ks = await freshKeyspace();
  const bm = bitmapsOf(ks);
  const next = random(12345);
  const key = enc("k");
  const args = argsOf(key);
  for (let round = 0; round < 300; round++) {
    const value = randomBytes(next, next(5) === 0 ? next(4) : next(120));
    ks.setString(0, key, value);
    const len = value.length;
    const pick = (scale: number) => next(4 * scale + 3) - 2 * scale - 1;
    assert.equal(bm.count(0, args, 0, 0, 0, COUNT_ALL), modelCount(value, 0, -1, false));
    for (let k = 0; k < 10; k++) {
      const bits = next(2) === 1;
      const scale = bits ? len * 8 + 2 : len + 2;
      const start = pick(scale), end = pick(scale);
      const unit = bits ? COUNT_BITS : COUNT_BYTES;
      assert.equal(
        bm.count(0, args, 0, start, end, unit),
        modelCount(value, start, end, bits),
        `count ${start} ${end} ${bits}`,
      );
      const bit = next(2);
      const form = next(4); // whole, start only, start+end bytes, start+end bits
      const flags = form === 0
        ? 0
        : form === 1
        ? POS_START
        : POS_START | POS_END | (form === 3 ? POS_BIT_UNIT : 0);
      const expected = form === 0
        ? modelPos(value, bit, null, null, false)
        : modelPos(value, bit, start, form === 1 ? null : end, form === 3);
      assert.equal(
        bm.position(0, args, 0, bit, start, end, flags),
        expected,
        `pos ${bit} ${start} ${end} form ${form}`,
      );
    }
  }
  assert.equal(bm.count(0, argsOf(enc("missing")), 0, 0, 0, COUNT_ALL), NOT_FOUND);
  assert.equal(bm.position(0, argsOf(enc("missing")), 0, 0, 0, 0, 0), 0);
  assert.equal(bm.position(0, argsOf(enc("missing")), 0, 1, 0, 0, 0), -1);
});

Deno.test("bitmaps: SETBIT / GETBIT grow the string, keep the TTL, make it raw", async () => {
  const ks = await freshKeyspace();
  const bm = bitmapsOf(ks);
  const next = random(777);
  const key = enc("k");
  const args = argsOf(key);
  let model = new Uint8Array(0);
  ks.setString(0, key, enc("12"), NOW + 100_000); // int encoding, with a TTL
  model = enc("12");
  for (let i = 0; i < 2000; i++) {
    const offset = next(i < 1000 ? 64 : 4000);
    const on = next(2);
    const old = bm.setBit(0, args, 0, offset, on);
    assert.equal(old, bitOf(model, offset));
    if (offset >> 3 >= model.length) {
      const grown = new Uint8Array((offset >> 3) + 1);
      grown.set(model);
      model = grown;
    }
    model[offset >> 3] = (model[offset >> 3] & ~(1 << (7 - (offset & 7)))) |
      (on << (7 - (offset & 7)));
    const probe = next(5000);
    assert.equal(bm.getBit(0, args, 0, probe), bitOf(model, probe));
  }
  assert.deepEqual(ks.getString(0, key), model);
  assert.equal(ks.expireAt(0, key), NOW + 100_000);
  assert.equal(ks.encoding(0, key), ENC_RAW);
});

Deno.test("bitmaps: BITOP of keys and of values match the model; lookups are counted", async () => {
  const ks = await freshKeyspace();
  const bm = bitmapsOf(ks);
  const next = random(4242);
  for (let round = 0; round < 200; round++) {
    const op = [BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT][next(4)];
    const count = op === BITOP_NOT ? 1 : 1 + next(5);
    const names = Array.from({ length: count }, (_, i) => enc(`s${i}`));
    const values = names.map(() => randomBytes(next, next(70)));
    names.forEach((name, i) => {
      if (values[i].length === 0 && next(2)) ks.delete(0, name); // missing reads as empty
      else ks.setString(0, name, values[i]);
    });
    const expected = modelBitop(op, values);
    assert.deepEqual(ks.copyResult(bm.opValues(op, values)), expected);
    const dest = enc(next(3) === 0 ? "s0" : "dest"); // the destination may be a source
    const hits = ks.keyspaceHits() + ks.keyspaceMisses();
    const len = bm.opKeys(0, op, argsOf(dest, ...names), 0, 1, count);
    assert.equal(len, expected.length);
    assert.equal(ks.keyspaceHits() + ks.keyspaceMisses() - hits, count);
    if (expected.length === 0) assert.equal(ks.exists(0, dest), false);
    else {
      assert.deepEqual(ks.getString(0, dest), expected);
      assert.equal(ks.encoding(0, dest), ENC_RAW);
    }
  }
});

/** The model of one field: BigInt arithmetic with WRAP semantics. */
function fieldModel(s: Uint8Array, op: FieldOp): bigint {
  let v = 0n;
  for (let i = 0; i < op.bits; i++) v = (v << 1n) | BigInt(bitOf(s, op.offset + i));
  return op.signed ? BigInt.asIntN(op.bits, v) : v;
}

function storeModel(s: Uint8Array, op: FieldOp, value: bigint): void {
  const raw = BigInt.asUintN(op.bits, value);
  for (let i = 0; i < op.bits; i++) {
    const at = op.offset + i;
    const bit = Number((raw >> BigInt(op.bits - 1 - i)) & 1n);
    s[at >> 3] = (s[at >> 3] & ~(1 << (7 - (at & 7)))) | (bit << (7 - (at & 7)));
  }
}

Deno.test("bitmaps: BITFIELD GET / SET / INCRBY with WRAP match BigInt arithmetic", async () => {
  const ks = await freshKeyspace();
  const bm = bitmapsOf(ks);
  const next = random(99);
  const key = enc("bf");
  const args = argsOf(key);
  let model = new Uint8Array(0);
  for (let round = 0; round < 300; round++) {
    const ops: FieldOp[] = Array.from({ length: 1 + next(4) }, () => {
      const signed = next(2) === 1;
      const bits = 1 + next(signed ? 64 : 63);
      const value = BigInt.asIntN(
        64,
        (BigInt(next(1 << 30)) << 34n) ^ BigInt(next(1 << 30)) - BigInt(next(1 << 20)),
      );
      return {
        opcode: [FIELD_GET, FIELD_SET, FIELD_INCRBY][next(3)],
        signed,
        bits,
        offset: next(300),
        value,
        overflow: OVERFLOW_WRAP,
      };
    });
    const writes = ops.filter((op) => op.opcode !== FIELD_GET);
    const highest = Math.max(-1, ...writes.map((op) => op.offset + op.bits - 1));
    if (highest >= 0 && highest >> 3 >= model.length) {
      const grown = new Uint8Array((highest >> 3) + 1);
      grown.set(model);
      model = grown;
    }
    const expected = ops.map((op) => {
      const old = fieldModel(model, op);
      if (op.opcode === FIELD_GET) return old;
      const next = op.opcode === FIELD_SET ? op.value : old + op.value;
      storeModel(model, op, next);
      return op.opcode === FIELD_SET ? old : fieldModel(model, op);
    });
    const hits = ks.keyspaceHits() + ks.keyspaceMisses();
    assert.deepEqual(bm.field(0, args, 0, ops), expected);
    // Only a read-only BITFIELD is a read lookup.
    assert.equal(ks.keyspaceHits() + ks.keyspaceMisses() - hits, writes.length ? 0 : 1);
  }
  assert.deepEqual(ks.getString(0, key), model);
});
