// The bulk RDB load path (src/persistence/load_batch.ts + wasm/assembly/rdb_load.ts): a file
// cut into records by RdbRecordScanner and stored by storeLoadBatch holds exactly what the
// codec reads from it (readRdbFile -> blobFromRdbValue), for every type and encoding the
// engine decodes itself and those it hands back to JS; malformed records are refused with
// the codec's error.
import assert from "node:assert/strict";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { type RdbDatabase, readRdbFile, writeRdbFile } from "../../src/persistence/rdb/file.ts";
import { defaultAux } from "../../src/persistence/rdb/file.ts";
import { Buffer } from "node:buffer";
import { type RdbValue, REDIS_DEFAULTS } from "../../src/persistence/rdb/value.ts";
import { RdbWriter } from "../../src/persistence/rdb/writer.ts";
import { RdbFormatError } from "../../src/persistence/rdb/constants.ts";
import { blobFromRdbValue, rdbValueFromBlob } from "../../src/persistence/value_codec.ts";
import {
  LoadBatchWriter,
  RdbRecordScanner,
  SCAN_END,
  SCAN_KEY,
  SCAN_RESIZE,
  storeLoadBatch,
} from "../../src/persistence/load_batch.ts";

const b = (s: string) => new TextEncoder().encode(s);
const FUTURE = 4102444800000; // 2100-01-01
const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => b(f(i)));

function everyEncoding(): RdbDatabase[] {
  return [{
    index: 0,
    entries: [
      { key: b("plain"), value: { kind: "string", value: b("hello") } },
      { key: b("int"), value: { kind: "string", value: b("-123456789") } },
      { key: b("not-canonical"), value: { kind: "string", value: b("007") } },
      { key: b("lzf"), value: { kind: "string", value: b("abcdefgh".repeat(100)) } },
      { key: b("12345"), value: { kind: "string", value: b("int-encoded key") } },
      { key: b("k".repeat(300)), value: { kind: "string", value: b("LZF key") } },
      { key: b("ttl"), value: { kind: "string", value: b("x") }, expireAtMs: FUTURE },
      // beyond 2^53 ms: the batch carries the exact int64 (a string, and a collection)
      { key: b("far"), value: { kind: "string", value: b("x") }, expireAtMs: 2n ** 53n + 1n },
      { key: b("farset"), value: { kind: "set", members: [b("a")] }, expireAtMs: 2n ** 63n - 1n },
      { key: b("empty-value"), value: { kind: "string", value: b("") } },
      { key: b("list"), value: { kind: "list", elements: [b("a"), b("-7"), b("x".repeat(100))] } },
      { key: b("biglist"), value: { kind: "list", elements: range(3000, (i) => `item${i}`) } },
      { key: b("plainnode"), value: { kind: "list", elements: [b("y".repeat(10000)), b("z")] } },
      {
        key: b("hash"),
        value: { kind: "hash", entries: [[b("f"), b("v")], [b("n"), b("70000")]] },
      },
      {
        key: b("bighash"),
        value: { kind: "hash", entries: range(600, (i) => `f${i}`).map((f) => [f, b("v")]) },
      },
      { key: b("longhash"), value: { kind: "hash", entries: [[b("f"), b("v".repeat(100))]] } },
      { key: b("intset"), value: { kind: "set", members: range(5, (i) => `${i * 1000}`) } },
      { key: b("strset"), value: { kind: "set", members: [b("a"), b("b"), b("10")] } },
      { key: b("bigints"), value: { kind: "set", members: range(600, (i) => `${i}`) } },
      {
        key: b("zint"),
        value: {
          kind: "zset",
          entries: [{ member: b("a"), score: 1 }, { member: b("5"), score: -3 }],
        },
      },
      {
        key: b("ztext"),
        value: {
          kind: "zset",
          entries: [
            { member: b("half"), score: 2.5 },
            { member: b("tenth"), score: 0.1 },
            { member: b("big"), score: 1.5e300 },
            { member: b("tiny"), score: -2.25e-5 },
            { member: b("inf"), score: Infinity },
          ],
        },
      },
      {
        key: b("bigzset"),
        value: {
          kind: "zset",
          entries: range(200, (i) => `m${i}`).map((member, i) => ({ member, score: i / 3 })),
        },
      },
      {
        key: b("ttlhash"),
        value: { kind: "hash", entries: [[b("a"), b("b")]] },
        expireAtMs: FUTURE + 5,
      },
    ],
  }, {
    index: 7,
    entries: [{ key: b("in7"), value: { kind: "set", members: [b("only")] } }],
  }];
}

const compare = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y);

/** A hashtable's or skiplist's order in a blob is not the file's: compare those sorted. */
function inOrder(value: RdbValue): RdbValue {
  if (value.kind === "hash" && !value.compact) {
    return { ...value, entries: [...value.entries].sort(([x], [y]) => compare(x, y)) };
  }
  if (value.kind === "zset" && !value.compact) {
    const entries = [...value.entries];
    return {
      ...value,
      entries: entries.sort((x, y) => x.score - y.score || compare(x.member, y.member)),
    };
  }
  if (value.kind === "set" && !value.compact) {
    return { ...value, members: [...value.members].sort(compare) };
  }
  return value;
}

/** The file cut into one batch per shard-less run, as the coordinator does (one shard). */
function batchesOf(file: Uint8Array): Uint8Array[] {
  const scanner = new RdbRecordScanner(file, 16);
  const writer = new LoadBatchWriter();
  const batches: Uint8Array[] = [];
  for (let found = scanner.next(); found !== SCAN_END; found = scanner.next()) {
    if (found === SCAN_RESIZE) writer.addResize(scanner.db, scanner.dbSize);
    else {
      assert.equal(found, SCAN_KEY);
      writer.addKey(
        scanner.db,
        scanner.expireAtMs || 0,
        file,
        scanner.recordStart,
        scanner.position,
      );
    }
    if (writer.full) batches.push(writer.take());
  }
  batches.push(writer.take());
  return batches;
}

Deno.test("a bulk-loaded file holds what the codec reads from it, every encoding", () => {
  const ks = createKeyspace();
  ks.setClock(Date.now());
  for (const compress of [true, false]) {
    for (let db = 0; db < 16; db++) ks.flush(db); // a load into keys that exist is refused
    const file = writeRdbFile(everyEncoding(), { ...REDIS_DEFAULTS, compress, aux: defaultAux() });
    let stored = 0;
    for (const batch of batchesOf(file)) stored += storeLoadBatch(ks, batch, REDIS_DEFAULTS);
    const read = readRdbFile(file);
    let expected = 0;
    for (const { index, entries } of read.databases) {
      for (const { key, value, expireAtMs } of entries) {
        expected++;
        const dumped = ks.dump(index, key);
        assert.ok(dumped, `key ${new TextDecoder().decode(key)} missing`);
        assert.deepEqual(
          inOrder(rdbValueFromBlob(dumped)),
          inOrder(rdbValueFromBlob(blobFromRdbValue(value, REDIS_DEFAULTS))),
          `key ${new TextDecoder().decode(key).slice(0, 20)}`,
        );
        assert.equal(ks.expireAt(index, key), expireAtMs ?? -1);
      }
    }
    assert.equal(stored, expected);
    assert.equal(ks.dbSize(0) + ks.dbSize(7), expected);
  }
  for (let db = 0; db < 16; db++) ks.flush(db);
});

/** One batch holding one hand-written key record of `type`. */
function recordBatch(type: number, body: (w: RdbWriter) => void): Uint8Array {
  const w = new RdbWriter({ compress: false });
  w.u8(type).string(b("key"));
  body(w);
  const record = w.bytes().slice();
  const writer = new LoadBatchWriter();
  writer.addKey(0, 0, record, 0, record.length);
  return writer.take();
}

Deno.test("malformed records are refused with the codec's error, and store nothing", () => {
  const ks = createKeyspace();
  ks.flush(0);
  const cases: Array<[number, (w: RdbWriter) => void, RegExp]> = [
    [0, (w) => w.u8(0x05).raw(b("abc")), /unexpected end/], // string shorter than its length
    [0, (w) => w.u8(0xc3).len(10).len(20).raw(new Uint8Array(10)), /LZF/], // LZF that does not expand
    [16, (w) => w.string(new Uint8Array([8, 0, 0, 0, 0, 0, 0xff])), /listpack/], // wrong total
    [18, (w) => w.len(1).len(9).string(b("x")), /container/], // unknown quicklist container
    [4, (w) => w.len(2).string(b("f")).string(b("v")).string(b("f")).string(b("w")), /duplicate/],
    [5, (w) => w.len(1).string(b("m")).binaryDouble(NaN), /NaN/],
    [2, (w) => w.len(2).string(b("a")), /unexpected end/],
  ];
  for (const [type, body, error] of cases) {
    assert.throws(
      () => storeLoadBatch(ks, recordBatch(type, body), REDIS_DEFAULTS),
      (e: Error) => e instanceof RdbFormatError && error.test(e.message),
      `type ${type}: ${error}`,
    );
    assert.equal(ks.dbSize(0), 0);
  }
});

Deno.test("the scanner refuses what the codec refuses: streams, modules, other databases", () => {
  const header = b("REDIS0010");
  const file = (...bytes: number[]) => new Uint8Array([...header, ...bytes]);
  const scan = (bytes: Uint8Array, databases = 16) => {
    const s = new RdbRecordScanner(bytes, databases);
    while (s.next() !== SCAN_END);
  };
  assert.throws(() => scan(file(15, 1, 0x6b)), /stream values are not supported/);
  assert.throws(() => scan(file(7, 1, 0x6b)), /module values are not supported/);
  assert.throws(() => scan(file(254, 20)), /more than 16 databases/);
  assert.throws(() => scan(file(0, 1, 0x6b, 5)), /unexpected end/);
  assert.throws(() => scan(file(99, 1, 0x6b)), /unknown RDB value type 99/);
});
