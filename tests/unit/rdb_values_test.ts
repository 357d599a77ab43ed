// Value bodies of every RDB type (legacy ones included), their errors, DUMP payload framing,
// and the engine seam (value_codec, move payloads).
import assert from "node:assert/strict";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { RdbWriter } from "../../src/persistence/rdb/writer.ts";
import { RdbReader } from "../../src/persistence/rdb/reader.ts";
import { RdbEmptyKeyError, readValue } from "../../src/persistence/rdb/value_decode.ts";
import { rdbTypeOf, scoreText } from "../../src/persistence/rdb/value_encode.ts";
import { type RdbValue, REDIS_DEFAULTS } from "../../src/persistence/rdb/value.ts";
import { encodeListpack } from "../../src/persistence/rdb/listpack.ts";
import {
  createDumpPayload,
  parseDumpPayload,
  sealDumpPayload,
  verifyDumpPayload,
} from "../../src/persistence/rdb/dump_payload.ts";
import { RdbFormatError, RdbUnsupportedError } from "../../src/persistence/rdb/constants.ts";
import { blobFromRdbValue, rdbValueFromBlob } from "../../src/persistence/value_codec.ts";
import { blobOfMovePayload, createMovePayload } from "../../src/persistence/move_payload.ts";
import { blobStringValue, stringBlob } from "../../src/engine/value_blob.ts";
import { ziplist } from "../helpers/rdb_bytes.ts";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** A value body built by `f` after the type byte, read back. */
function read(type: number, f: (w: RdbWriter) => void): RdbValue {
  const w = new RdbWriter();
  w.u8(type);
  f(w);
  return readValue(new RdbReader(w.bytes()));
}

const asText = (v: RdbValue): unknown => {
  switch (v.kind) {
    case "string":
      return text(v.value);
    case "list":
      return v.elements.map(text);
    case "set":
      return v.members.map(text);
    case "zset":
      return v.entries.map((e) => [text(e.member), e.score]);
    case "hash":
      return v.entries.map(([f, x]) => [text(f), text(x)]);
  }
};

Deno.test("legacy value types decode: LIST, ZSET, ziplists, quicklist 1, zipmap, 7.2 set listpack", () => {
  assert.deepEqual(asText(read(1, (w) => w.len(2).string(b("a")).string(b("12")))), ["a", "12"]);
  assert.deepEqual(
    asText(
      read(
        3,
        (w) => w.len(2).string(b("m")).stringDouble(1.5).string(b("n")).stringDouble(-Infinity),
      ),
    ),
    [
      ["m", 1.5],
      ["n", -Infinity],
    ],
  );
  const zl = ziplist([[0x01, 0x61], [0xfe, 0xfb]]);
  assert.deepEqual(asText(read(10, (w) => w.string(zl))), ["a", "-5"]);
  assert.deepEqual(asText(read(14, (w) => w.len(2).string(zl).string(zl))), ["a", "-5", "a", "-5"]);
  assert.deepEqual(
    asText(read(12, (w) => w.string(ziplist([[0x01, 0x61], [0x03, 0x31, 0x2e, 0x35]])))),
    [["a", 1.5]],
  );
  assert.deepEqual(asText(read(13, (w) => w.string(zl))), [["a", "-5"]]);
  const zipmap = Uint8Array.of(1, 1, 0x66, 1, 0, 0x76, 0xff);
  assert.deepEqual(asText(read(9, (w) => w.string(zipmap))), [["f", "v"]]);
  assert.deepEqual(asText(read(20, (w) => w.string(encodeListpack([b("x"), b("7")])))), ["x", "7"]);
  assert.deepEqual(
    asText(
      read(18, (w) => w.len(2).len(1).string(b("plain")).len(2).string(encodeListpack([b("p")]))),
    ),
    [
      "plain",
      "p",
    ],
  );
});

Deno.test("value errors: empty, duplicates, NaN scores, odd pairs, modules, streams, unknown types", () => {
  assert.throws(() => read(1, (w) => w.len(0)), RdbEmptyKeyError);
  assert.throws(
    () => read(18, (w) => w.len(1).len(2).string(encodeListpack([]))),
    RdbEmptyKeyError,
  );
  assert.throws(
    () => read(2, (w) => w.len(2).string(b("a")).string(b("a"))),
    /duplicate set member/,
  );
  assert.throws(
    () => read(4, (w) => w.len(2).string(b("f")).string(b("1")).string(b("f")).string(b("2"))),
    /duplicate hash field/,
  );
  assert.throws(() => read(5, (w) => w.len(1).string(b("m")).binaryDouble(NaN)), /NaN/);
  assert.throws(() => read(16, (w) => w.string(encodeListpack([b("f")]))), /odd number/);
  assert.throws(() => read(18, (w) => w.len(1).len(3).string(b("x"))), /container/);
  assert.throws(() => read(6, (w) => w.len(0)), RdbUnsupportedError);
  assert.throws(() => read(15, (w) => w.len(0)), /stream/);
  assert.throws(() => read(99, () => {}), /unknown RDB value type 99/);
  assert.throws(() => read(0, (w) => w.u8(5).u8(0x61)), RdbFormatError);
});

Deno.test("encodings chosen as Redis 7.0 does, and the compact flag wins over thresholds", () => {
  const o = REDIS_DEFAULTS;
  const many = (n: number) => Array.from({ length: n }, (_, i) => b(String(i)));
  assert.equal(rdbTypeOf({ kind: "set", members: many(512) }, o), 11);
  assert.equal(rdbTypeOf({ kind: "set", members: many(513) }, o), 2);
  assert.equal(rdbTypeOf({ kind: "set", members: [b("a")] }, o), 2);
  assert.equal(rdbTypeOf({ kind: "set", members: many(3), compact: false }, o), 2);
  const entries = (n: number, len = 1) =>
    Array.from({ length: n }, (_, i) => ({ member: b(String(i).padEnd(len)), score: i }));
  assert.equal(rdbTypeOf({ kind: "zset", entries: entries(128) }, o), 17);
  assert.equal(rdbTypeOf({ kind: "zset", entries: entries(129) }, o), 5);
  assert.equal(rdbTypeOf({ kind: "zset", entries: entries(2, 65) }, o), 5);
  const pairs = (n: number, len = 1) =>
    Array.from(
      { length: n },
      (_, i) => [b(`f${i}`), b("v".repeat(len))] as [Uint8Array, Uint8Array],
    );
  assert.equal(rdbTypeOf({ kind: "hash", entries: pairs(512, 64) }, o), 16);
  assert.equal(rdbTypeOf({ kind: "hash", entries: pairs(513) }, o), 4);
  assert.equal(rdbTypeOf({ kind: "hash", entries: pairs(1, 65) }, o), 4);
  assert.equal(rdbTypeOf({ kind: "hash", entries: pairs(1, 65), compact: true }, o), 16);
  assert.equal(rdbTypeOf({ kind: "list", elements: [b("a")] }, o), 18);
});

Deno.test("zset listpack scores as d2string: integers plain, others %.17g", () => {
  const cases: Array<[number, string]> = [
    [1, "1"],
    [-0, "-0"],
    [2.5, "2.5"],
    [0.1, "0.10000000000000001"],
    [1e20, "1e+20"],
    [
      4503599627370496,
      "4503599627370496",
    ],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ];
  for (const [score, expected] of cases) {
    assert.equal(text(scoreText(score)), expected, String(score));
  }
});

Deno.test("every kind of value round trips through a DUMP payload", () => {
  const values: RdbValue[] = [
    { kind: "string", value: b("x".repeat(100)) },
    { kind: "list", elements: [b("a"), b("-1"), b("z".repeat(9000))] },
    { kind: "set", members: [b("3"), b("1"), b("2")] },
    { kind: "set", members: [b("a"), b("b")] },
    { kind: "zset", entries: [{ member: b("b"), score: 2 }, { member: b("a"), score: 0.5 }] },
    {
      kind: "zset",
      entries: Array.from({ length: 200 }, (_, i) => ({ member: b(`m${i}`), score: i / 3 })),
    },
    { kind: "hash", entries: [[b("f"), b("1")], [b("g"), b("v".repeat(100))]] },
    { kind: "hash", entries: [[b("f"), b("1")]] },
  ];
  for (const value of values) {
    const payload = createDumpPayload(value);
    assert.ok(verifyDumpPayload(payload));
    const back = parseDumpPayload(payload);
    const sorted = (v: RdbValue) => {
      const t = asText(v) as unknown[];
      return v.kind === "list" || v.kind === "string" ? t : [...t].sort();
    };
    assert.deepEqual(sorted(back), sorted(value));
  }
});

Deno.test("DUMP payload verification: version, checksum, length", () => {
  const payload = createDumpPayload({ kind: "string", value: b("hello") });
  assert.ok(verifyDumpPayload(payload));
  assert.ok(!verifyDumpPayload(payload.subarray(0, 9)));
  const flipped = payload.slice();
  flipped[2] ^= 1;
  assert.ok(!verifyDumpPayload(flipped));
  const w = new RdbWriter();
  w.u8(0).string(b("hi"));
  const v10 = sealDumpPayload(w);
  assert.equal(v10[v10.length - 10], 10);
  const v11 = v10.slice();
  v11[v11.length - 10] = 11;
  assert.ok(!verifyDumpPayload(v11), "version 11 (Redis 7.2) is refused");
});

Deno.test("value_codec: strings map both ways as Redis loads them", () => {
  const intBlob = blobFromRdbValue({ kind: "string", value: b("-42") }, REDIS_DEFAULTS);
  assert.equal(intBlob[2], 1, "the int encoding");
  assert.equal(text(blobStringValue(intBlob)!), "-42");
  const textBlob = blobFromRdbValue({ kind: "string", value: b("042") }, REDIS_DEFAULTS);
  assert.equal(textBlob[2], 0);
  assert.deepEqual(rdbValueFromBlob(textBlob), { kind: "string", value: b("042") });
  assert.deepEqual(rdbValueFromBlob(stringBlob(b(""), 7n)), { kind: "string", value: b("7") });
});

Deno.test("value_codec: typed values go through the engine and back in their encoding", () => {
  const ks = createKeyspace();
  const values: RdbValue[] = [
    { kind: "list", elements: [b("a"), b("1")] },
    { kind: "set", members: [b("3"), b("-1")], compact: true },
    { kind: "set", members: [b("x")], compact: false },
    { kind: "zset", entries: [{ member: b("m"), score: 1.5 }], compact: true },
    { kind: "hash", entries: [[b("f"), b("v")]], compact: true },
  ];
  const expected: RdbValue[] = [
    values[0],
    { kind: "set", members: [b("-1"), b("3")], compact: true },
    values[2],
    values[3],
    values[4],
  ];
  values.forEach((value, i) => {
    assert.equal(ks.restore(0, b("k"), blobFromRdbValue(value, REDIS_DEFAULTS), 0, true), 1);
    assert.deepEqual(rdbValueFromBlob(ks.dump(0, b("k"))!), expected[i]);
  });
  ks.delete(0, b("k"));
});

Deno.test("move payloads: round trip, checksum, and never mistaken for Redis's", () => {
  const blob = stringBlob(b("abc"), null);
  const payload = createMovePayload(blob);
  assert.deepEqual(blobOfMovePayload(payload), blob);
  assert.ok(!verifyDumpPayload(payload), "Redis refuses it");
  const broken = payload.slice();
  broken[0] ^= 1;
  assert.equal(blobOfMovePayload(broken), null);
  assert.equal(blobOfMovePayload(createDumpPayload({ kind: "string", value: b("abc") })), null);
  assert.equal(blobOfMovePayload(Uint8Array.of(1, 2, 3)), null);
});
