// The RDB codec's building blocks, against exact bytes from Redis's formats (rdb.c, lzf,
// crc64.c, listpack.c, intset.c, ziplist.c, zipmap.c).
import assert from "node:assert/strict";
import { Crc64, crc64 } from "../../src/persistence/rdb/crc64.ts";
import { lzfCompress, lzfDecompress } from "../../src/persistence/rdb/lzf.ts";
import { RdbWriter } from "../../src/persistence/rdb/writer.ts";
import { RdbReader } from "../../src/persistence/rdb/reader.ts";
import {
  decodeListpack,
  encodeListpack,
  listpackEntrySize,
} from "../../src/persistence/rdb/listpack.ts";
import { decodeIntset, encodeIntset } from "../../src/persistence/rdb/intset.ts";
import { decodeZiplist } from "../../src/persistence/rdb/ziplist.ts";
import { decodeZipmap } from "../../src/persistence/rdb/zipmap.ts";
import { quicklistNodes } from "../../src/persistence/rdb/quicklist.ts";
import { canonicalInt64 } from "../../src/persistence/rdb/integers.ts";
import { RdbFormatError } from "../../src/persistence/rdb/constants.ts";
import { ziplist } from "../helpers/rdb_bytes.ts";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join(" ");
const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const written = (f: (w: RdbWriter) => void, compress = true) => {
  const w = new RdbWriter({ compress });
  f(w);
  return w.bytes().slice();
};

/** A deterministic pseudo-random byte source. */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

Deno.test("CRC-64 (Jones): Redis's check value, and chunked updates", () => {
  assert.equal(crc64(b("123456789")), 0xe9c6d914c4b8d9can);
  const data = noise(1000);
  const chunked = new Crc64().update(data, 0, 333).update(data, 333, 1000).value();
  assert.equal(chunked, crc64(data));
  assert.equal(hex(new Crc64().update(b("123456789")).bytes()), "ca d9 b8 c4 14 d9 c6 e9");
});

Deno.test("lengths: 6, 14, 32 and 64 bits", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [63, "3f"],
    [64, "40 40"],
    [16383, "7f ff"],
    [16384, "80 00 00 40 00"],
    [0xffffffff, "80 ff ff ff ff"],
    [2 ** 32, "81 00 00 00 01 00 00 00 00"],
  ];
  for (const [len, bytes] of cases) {
    const out = written((w) => w.len(len));
    assert.equal(hex(out), bytes, `length ${len}`);
    assert.equal(new RdbReader(out).len(), len);
  }
  assert.throws(() => new RdbReader(Uint8Array.of(0x82)).len(), RdbFormatError);
  assert.throws(() => new RdbReader(Uint8Array.of(0xc0)).len(), RdbFormatError, "an encoded value");
  assert.throws(() => new RdbReader(Uint8Array.of(0x80, 0)).len(), RdbFormatError, "truncated");
});

Deno.test("strings: integer encodings, raw, LZF only over 20 bytes and when it saves", () => {
  const cases: Array<[string, string]> = [
    ["0", "c0 00"],
    ["-128", "c0 80"],
    ["127", "c0 7f"],
    ["128", "c1 80 00"],
    ["-32768", "c1 00 80"],
    ["32768", "c2 00 80 00 00"],
    ["-2147483648", "c2 00 00 00 80"],
    ["2147483648", "0a 32 31 34 37 34 38 33 36 34 38"],
    ["007", "03 30 30 37"],
    ["-0", "02 2d 30"],
    ["+1", "02 2b 31"],
    ["", "00"],
    ["a".repeat(20), "14 " + "61 ".repeat(20).trim()],
    ["a".repeat(21), "c3 06 15 01 61 61 e0 0a 00"], // as redis-server writes it
  ];
  for (const [value, bytes] of cases) {
    const out = written((w) => w.string(b(value)));
    assert.equal(hex(out), bytes, JSON.stringify(value));
    assert.equal(text(new RdbReader(out).string()), value);
  }
  // rdbcompression no, and data LZF cannot shrink by 4 bytes
  assert.equal(written((w) => w.string(b("a".repeat(21))), false)[0], 21);
  const random = noise(100);
  assert.equal(hex(written((w) => w.string(random)).subarray(0, 1)), "40");
  // integerString: beyond 32 bits as decimal text
  assert.equal(hex(written((w) => w.integerString(5n))), "c0 05");
  assert.equal(
    text(written((w) => w.integerString(-9223372036854775808n)).subarray(1)),
    "-9223372036854775808",
  );
  assert.throws(() => new RdbReader(Uint8Array.of(0xc4)).string(), /unknown RDB string encoding/);
  assert.throws(() => new RdbReader(Uint8Array.of(0xc3, 2, 5, 0x00, 0x61)).string(), /Invalid LZF/);
});

Deno.test("LZF: round trips of many shapes and sizes; corrupt input refused", () => {
  const inputs = [
    b("a".repeat(1000)),
    b("abcabcabcabc".repeat(100)),
    noise(5000),
    b(Array.from({ length: 3000 }, (_, i) => `${i % 17},`).join("")),
    Uint8Array.from({ length: 70000 }, (_, i) => (i * 7) % 256),
    Uint8Array.from({ length: 300 }, (_, i) => (i < 150 ? 0 : i)),
  ];
  for (const input of inputs) {
    const packed = lzfCompress(input, input.length * 2 + 16);
    assert.ok(packed !== null);
    assert.deepEqual(lzfDecompress(packed, input.length), input);
  }
  assert.equal(lzfCompress(noise(100), 96), null, "does not fit the limit");
  assert.equal(lzfCompress(new Uint8Array(0), 10), null);
  assert.equal(lzfDecompress(Uint8Array.of(0x20, 0x00), 3), null, "reference before the start");
  assert.equal(lzfDecompress(Uint8Array.of(0x05, 0x61), 6), null, "literal past the input");
  assert.equal(lzfDecompress(Uint8Array.of(0x00, 0x61), 2), null, "short output");
});

Deno.test("doubles: binary little endian; the old text form with its markers", () => {
  assert.equal(hex(written((w) => w.binaryDouble(1.5))), "00 00 00 00 00 00 f8 3f");
  assert.equal(new RdbReader(written((w) => w.binaryDouble(-0.1))).binaryDouble(), -0.1);
  const cases: Array<[number, string]> = [[NaN, "fd"], [Infinity, "fe"], [-Infinity, "ff"], [
    1.5,
    "03 31 2e 35",
  ]];
  for (const [value, bytes] of cases) {
    const out = written((w) => w.stringDouble(value));
    assert.equal(hex(out), bytes);
    assert.ok(Object.is(new RdbReader(out).stringDouble(), value));
  }
  assert.equal(new RdbReader(written((w) => w.stringDouble(0.1))).stringDouble(), 0.1);
  assert.throws(() => new RdbReader(Uint8Array.of(2, 0x31, 0x78)).stringDouble(), /invalid double/);
});

Deno.test("canonical 64-bit integers (string2ll)", () => {
  for (
    const ok of ["0", "-1", "9223372036854775807", "-9223372036854775808", "123456789012345678"]
  ) {
    assert.equal(canonicalInt64(b(ok)), BigInt(ok), ok);
  }
  for (const bad of ["", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808", "1e3", "12a"]) {
    assert.equal(canonicalInt64(b(bad)), null, bad);
  }
});

Deno.test("listpack: every entry encoding, exact bytes, round trip", () => {
  const cases: Array<[string, string]> = [
    ["0", "00 01"],
    ["127", "7f 01"],
    ["128", "c0 80 02"],
    ["-1", "df ff 02"],
    ["-4096", "d0 00 02"],
    ["4095", "cf ff 02"],
    ["4096", "f1 00 10 03"],
    ["-32768", "f1 00 80 03"],
    ["32768", "f2 00 80 00 04"],
    ["-8388608", "f2 00 00 80 04"],
    ["8388608", "f3 00 00 80 00 05"],
    ["-2147483648", "f3 00 00 00 80 05"],
    ["2147483648", "f4 00 00 00 80 00 00 00 00 09"],
    ["-9223372036854775808", "f4 00 00 00 00 00 00 00 80 09"],
    ["", "80 01"],
    ["ab", "82 61 62 03"],
  ];
  for (const [element, bytes] of cases) {
    const lp = encodeListpack([b(element)]);
    assert.equal(hex(lp.subarray(6, lp.length - 1)), bytes, element);
    assert.equal(listpackEntrySize(b(element)), lp.length - 7);
    assert.deepEqual(decodeListpack(lp).map(text), [element]);
  }
  // string lengths at the 6/12/32-bit boundaries, backlen in 1, 2 and 3 bytes
  for (const n of [63, 64, 126, 127, 4095, 4096, 20000]) {
    const lp = encodeListpack([b("x".repeat(n)), b("y")]);
    assert.equal(listpackEntrySize(b("x".repeat(n))) + listpackEntrySize(b("y")) + 7, lp.length);
    assert.deepEqual(decodeListpack(lp).map((e) => e.length), [n, 1]);
  }
  const lp = encodeListpack([b("a"), b("1")]);
  assert.equal(hex(lp), "0c 00 00 00 02 00 81 61 02 01 01 ff");
});

Deno.test("listpack: 65535 and more elements mark the count unknown; corruption refused", () => {
  const many = encodeListpack(Array.from({ length: 70000 }, () => b("1")));
  assert.equal(hex(many.subarray(4, 6)), "ff ff");
  assert.equal(decodeListpack(many).length, 70000);
  const lp = encodeListpack([b("a"), b("bc")]);
  const broken = (f: (x: Uint8Array) => void) => {
    const copy = lp.slice();
    f(copy);
    return copy;
  };
  assert.throws(() => decodeListpack(broken((x) => x[0]++)), /total bytes/);
  assert.throws(() => decodeListpack(broken((x) => x[4] = 3)), /count mismatch/);
  assert.throws(() => decodeListpack(broken((x) => x[8] = 9)), /backlen/);
  assert.throws(() => decodeListpack(broken((x) => x[x.length - 1] = 0)), /terminator/);
  assert.throws(() => decodeListpack(broken((x) => x[9] = 0xf5)), /unknown entry encoding/);
  assert.throws(() => decodeListpack(broken((x) => x[9] = 0x8f)), /past the end/);
});

Deno.test("intset: widths 2/4/8, ascending order; corruption refused", () => {
  assert.equal(hex(encodeIntset([5n, -3n])), "02 00 00 00 02 00 00 00 fd ff 05 00");
  assert.equal(hex(encodeIntset([70000n])), "04 00 00 00 01 00 00 00 70 11 01 00");
  assert.equal(encodeIntset([1n, 5000000000n]).length, 8 + 16);
  const values = [-9223372036854775808n, -1n, 0n, 9223372036854775807n];
  assert.deepEqual(decodeIntset(encodeIntset(values)).map(text), values.map(String));
  assert.throws(
    () => decodeIntset(Uint8Array.of(2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0)),
    /not sorted/,
  );
  assert.throws(() => decodeIntset(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0)), /bad encoding/);
  assert.throws(() => decodeIntset(Uint8Array.of(2, 0, 0, 0, 2, 0, 0, 0, 5, 0)), /size mismatch/);
});

Deno.test("ziplist: every entry encoding", () => {
  const long = Array.from(b("z".repeat(300)));
  const zl = ziplist([
    [0x01, 0x61], // "a"
    [0x40 | 1, 44, ...long.slice(0, 300)], // 14-bit length 300
    [0x80, 0, 0, 1, 0, ...new Array(256).fill(0x62)], // 32-bit length 256
    [0xc0, 0x2c, 0x01], // int16 300
    [0xd0, 0x70, 0x11, 0x01, 0x00], // int32 70000
    [0xe0, 0x00, 0xf2, 0x05, 0x2a, 0x01, 0x00, 0x00, 0x00], // int64 5000000000
    [0xf0, 0x00, 0x00, 0x80], // int24 -8388608
    [0xfe, 0xfb], // int8 -5
    [0xf1], // immediate 0
    [0xfd], // immediate 12
  ]);
  assert.deepEqual(
    decodeZiplist(zl).map((
      e,
    ) => (e.length > 20 ? `${text(e.subarray(0, 1))}*${e.length}` : text(e))),
    [
      "a",
      "z*300",
      "b*256",
      "300",
      "70000",
      "5000000000",
      "-8388608",
      "-5",
      "0",
      "12",
    ],
  );
  const bad = zl.slice();
  bad[11] = 7; // second entry's prevlen
  assert.throws(() => decodeZiplist(bad), /prevlen/);
  assert.throws(() => decodeZiplist(ziplist([[0xc1]])), /unknown encoding/);
});

Deno.test("zipmap: pairs with free bytes, long lengths", () => {
  const value = new Array(300).fill(0x76);
  const zm = Uint8Array.from([
    2,
    1,
    0x66,
    2,
    1,
    0x76,
    0x31,
    0x00, // "f" -> "v1", 1 free byte
    2,
    0x66,
    0x32,
    254,
    44,
    1,
    0,
    0,
    0,
    ...value, // "f2" -> 300 bytes
    0xff,
  ]);
  assert.deepEqual(decodeZipmap(zm).map(([f, v]) => [text(f), v.length]), [["f", 2], ["f2", 300]]);
  assert.throws(() => decodeZipmap(zm.subarray(0, 10)), RdbFormatError);
});

Deno.test("quicklist nodes: 8 KB listpacks for -2, entry counts for positive fills, plain giants", () => {
  const elements = Array.from({ length: 2000 }, (_, i) => b(`value-${i}`));
  const nodes = quicklistNodes(elements, -2);
  assert.ok(nodes.length > 1);
  for (const node of nodes) {
    assert.ok(!node.plain && encodeListpack(node.elements).length <= 8192);
  }
  assert.deepEqual(nodes.flatMap((n) => (n.plain ? [n.element] : n.elements)), elements);
  assert.deepEqual(
    quicklistNodes(elements.slice(0, 12), 5).map((n) => (n.plain ? -1 : n.elements.length)),
    [5, 5, 2],
  );
});
