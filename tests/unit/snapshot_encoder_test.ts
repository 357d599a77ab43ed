// The snapshot encoder's in-place path for string records (PartEncoder writes them from the
// walk's bytes with no key / value objects) must write exactly what the generic path
// (rdbValueFromBlob + writeRdbEntry) writes: integers, LZF, plain bytes, expiry times.
import assert from "node:assert/strict";
import { PartEncoder } from "../../src/persistence/snapshot_encoder.ts";
import { SEG_END_DB, SEG_WALK, SEGMENT_HEADER } from "../../src/persistence/snapshot_chunks.ts";
import { objectBlob, stringBlob } from "../../src/engine/value_blob.ts";
import { TYPE_LIST } from "../../src/engine/keyspace.ts";
import { rdbValueFromBlob } from "../../src/persistence/value_codec.ts";
import { writeRdbEntry } from "../../src/persistence/rdb/file.ts";
import { RdbWriter } from "../../src/persistence/rdb/writer.ts";
import { REDIS_DEFAULTS } from "../../src/persistence/rdb/value.ts";
import { canonicalInt64 } from "../../src/persistence/rdb/integers.ts";

const enc = new TextEncoder();

/** A walk record: [u32 klen][key][i64 expireAt, -1 none][blob]. */
function record(key: string, expireAt: bigint, blob: Uint8Array): Uint8Array {
  const k = enc.encode(key);
  const out = new Uint8Array(4 + k.length + 8 + blob.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, k.length, true);
  out.set(k, 4);
  view.setBigInt64(4 + k.length, expireAt, true);
  out.set(blob, 12 + k.length);
  return out;
}

function segment(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER + body.length);
  out[0] = kind;
  new DataView(out.buffer).setUint32(2, body.length, true);
  out.set(body, SEGMENT_HEADER);
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
};

Deno.test("PartEncoder writes string records as writeRdbEntry does", () => {
  const texts = [
    "",
    "0",
    "7",
    "-5",
    "127",
    "128",
    "-129",
    "32768",
    "70000",
    "-2147483648",
    "2147483647",
    "2147483648",
    "9007199254740993",
    "9223372036854775807",
    "-9223372036854775808",
    "007",
    "12345678901",
    "value:123",
    "x".repeat(20),
    "a".repeat(21),
    "abcdefghijklmnopqrstuvwxyz01",
    "q".repeat(300),
    crypto.getRandomValues(new Uint8Array(40)).join(","),
  ];
  const expiries = [-1n, 1700000000000n, 0n, 1n << 60n];
  const records: Uint8Array[] = [];
  const expected = new RdbWriter({ compress: true }, 64);
  let n = 0, expiring = 0;
  const add = (key: string, expireAt: bigint, blob: Uint8Array) => {
    records.push(record(key, expireAt, blob));
    const k = enc.encode(key), value = rdbValueFromBlob(blob);
    const entry = expireAt >= 0n
      ? {
        key: k,
        value,
        expireAtMs: Number.isSafeInteger(Number(expireAt)) ? Number(expireAt) : expireAt,
      }
      : { key: k, value };
    writeRdbEntry(expected, entry, REDIS_DEFAULTS);
    n++;
    if (expireAt >= 0n) expiring++;
  };
  texts.forEach((text, i) => {
    const bytes = enc.encode(text);
    const expireAt = expiries[i % expiries.length];
    add(`k:${i}`, expireAt, stringBlob(bytes, null));
    const asInteger = canonicalInt64(bytes);
    if (asInteger !== null) add(`${i}`, expireAt, stringBlob(bytes, asInteger)); // int64 blob
  });
  // A list goes the generic way among them.
  const list = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 0x68, 0x69]);
  add("list", -1n, objectBlob(TYPE_LIST, list));

  const path = Deno.makeTempFileSync();
  try {
    const encoder = new PartEncoder(path);
    encoder.push(
      concat([segment(SEG_WALK, concat(records)), segment(SEG_END_DB, new Uint8Array(0))]),
      REDIS_DEFAULTS,
    );
    const [section] = encoder.finish();
    assert.deepEqual(section, {
      db: 0,
      offset: 0,
      length: expected.length,
      keys: n,
      expires: expiring,
    });
    assert.deepEqual(Deno.readFileSync(path), expected.bytes());
  } finally {
    Deno.removeSync(path);
  }
});
