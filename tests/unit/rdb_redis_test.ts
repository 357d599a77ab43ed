// The RDB codec against a real redis-server 7.0: values of every type and encoding are made
// there and DUMPed; the decoder must read the elements back, and for the deterministic
// encodings (strings, intsets, listpacks, quicklists, ZSET_2) the encoder must reproduce
// Redis's payload byte for byte.
import assert from "node:assert/strict";
import { RawConnection, startRedis } from "../helpers/servers.ts";
import {
  createDumpPayload,
  parseDumpPayload,
  verifyDumpPayload,
} from "../../src/persistence/rdb/dump_payload.ts";
import type { RdbValue } from "../../src/persistence/rdb/value.ts";
import { compareBytes } from "../../src/persistence/rdb/value_encode.ts";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** The bytes of a RESP bulk reply. */
function bulk(reply: Uint8Array): Uint8Array {
  const text = latin1(reply.subarray(0, 20));
  assert.equal(text[0], "$", `expected a bulk reply, got ${latin1(reply)}`);
  const headerEnd = text.indexOf("\r\n");
  const len = Number(text.slice(1, headerEnd));
  return reply.subarray(headerEnd + 2, headerEnd + 2 + len);
}

interface Fixture {
  name: string;
  /** Commands that build key "k". */
  cmds: (string | Uint8Array)[][];
  value: RdbValue;
  /** The first payload byte Redis writes (the RDB type). */
  rdbType: number;
  /** Redis's bytes are a function of the contents (not of hash table order). */
  exact: boolean;
}

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ";
const counted = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));

function stringFixture(
  name: string,
  text: string | Uint8Array,
  cmds?: (string | Uint8Array)[][],
): Fixture {
  const value = typeof text === "string" ? b(text) : text;
  return {
    name,
    cmds: cmds ?? [["SET", "k", value]],
    value: { kind: "string", value },
    rdbType: 0,
    exact: true,
  };
}

const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) % 251);
const listElements = [
  "a",
  "b",
  "c",
  "1",
  "2",
  "300",
  "-5",
  "70000",
  "-4097",
  "9223372036854775807",
  lorem,
];
const bigList = counted(1500, (i) => `element-${i % 97}-${i}`);
const hugeElements = counted(6, (i) => String(i).repeat(5000));
const zsetEntries = [
  ["1", "a"],
  ["2.5", "b"],
  ["-3", "c"],
  ["1e20", "d"],
  ["inf", "e"],
  ["-inf", "f"],
  ["0.1", "g"],
  ["4503599627370496", "h"],
  ["123456789", "i"],
  ["-0", "j"],
  ["1", "aa"],
];
const bigZset = counted(200, (i) => [String((i * 37) % 101 / 4), `member:${i}`]);
const hashPairs = [["f1", "v1"], ["f2", "12"], ["f3", "-7"], ["name", lorem.slice(0, 60)], [
  "n",
  "70000",
]];

const FIXTURES: Fixture[] = [
  stringFixture("short string", "hello"),
  stringFixture("empty string", ""),
  stringFixture("INT8 string", "12"),
  stringFixture("negative INT8 string", "-128"),
  stringFixture("INT16 string", "-129"),
  stringFixture("INT16 string 2", "32767"),
  stringFixture("INT32 string", "70000"),
  stringFixture("INT32 min", "-2147483648"),
  stringFixture("64-bit integer string", "3000000000"),
  stringFixture("int64 max string", "9223372036854775807"),
  stringFixture("non-canonical integer", "007"),
  stringFixture("minus zero", "-0"),
  stringFixture("21 bytes, compressible", "a".repeat(21)),
  stringFixture("20 bytes, never compressed", "a".repeat(20)),
  stringFixture("long repetitive string", "abc".repeat(400)),
  stringFixture("lorem text", lorem.repeat(30)),
  stringFixture("incompressible 30 bytes", "qwertyuiopasdfghjklzxcvbnm1234"),
  stringFixture("binary bytes", binary),
  stringFixture("big patterned string", counted(3000, (i) => `${i % 13}:${i % 7};`).join("")),
  stringFixture("made by APPEND", "12345", [["APPEND", "k", "123"], ["APPEND", "k", "45"]]),
  stringFixture("made by INCR", "101", [["SET", "k", "100"], ["INCR", "k"]]),
  stringFixture("made by SETRANGE", "\0\0hello" + "x".repeat(30), [[
    "SETRANGE",
    "k",
    "2",
    "hello" + "x".repeat(30),
  ]]),
  {
    name: "small list",
    cmds: [["RPUSH", "k", ...listElements]],
    value: { kind: "list", elements: listElements.map(b) },
    rdbType: 18,
    exact: true,
  },
  {
    name: "list of several nodes",
    cmds: [["RPUSH", "k", ...bigList]],
    value: { kind: "list", elements: bigList.map(b) },
    rdbType: 18,
    exact: true,
  },
  {
    name: "list of large elements",
    cmds: [["RPUSH", "k", ...hugeElements]],
    value: { kind: "list", elements: hugeElements.map(b) },
    rdbType: 18,
    exact: true,
  },
  {
    name: "intset (16-bit)",
    cmds: [["SADD", "k", "5", "-3", "100", "0", "32767"]],
    value: { kind: "set", members: ["-3", "0", "5", "100", "32767"].map(b) },
    rdbType: 11,
    exact: true,
  },
  {
    name: "intset (64-bit)",
    cmds: [["SADD", "k", "3", "-70000", "5000000000", "12"]],
    value: { kind: "set", members: ["-70000", "3", "12", "5000000000"].map(b) },
    rdbType: 11,
    exact: true,
  },
  {
    name: "intset of many members (compressed)",
    cmds: [["SADD", "k", ...counted(300, (i) => String(i * 3))]],
    value: { kind: "set", members: counted(300, (i) => b(String(i * 3))) },
    rdbType: 11,
    exact: true,
  },
  {
    name: "set of strings (hashtable)",
    cmds: [["SADD", "k", "x", "y", "1", "zzz"]],
    value: { kind: "set", members: ["x", "y", "1", "zzz"].map(b) },
    rdbType: 2,
    exact: false,
  },
  {
    name: "small zset (listpack)",
    cmds: [["ZADD", "k", ...zsetEntries.flat()]],
    // ZADD stores -0 as 0.
    value: {
      kind: "zset",
      entries: zsetEntries.map(([s, m]) => ({
        member: b(m),
        score: Number(s.replace("inf", "Infinity")) || 0,
      })),
    },
    rdbType: 17,
    exact: true,
  },
  {
    name: "zset of 200 members (skiplist, ZSET_2)",
    cmds: [["ZADD", "k", ...bigZset.flat()]],
    value: { kind: "zset", entries: bigZset.map(([s, m]) => ({ member: b(m), score: Number(s) })) },
    rdbType: 5,
    exact: true,
  },
  {
    name: "zset with a long member (skiplist)",
    cmds: [["ZADD", "k", "1", "m".repeat(65), "2", "short"]],
    value: {
      kind: "zset",
      entries: [{ member: b("m".repeat(65)), score: 1 }, { member: b("short"), score: 2 }],
    },
    rdbType: 5,
    exact: true,
  },
  {
    name: "small hash (listpack, insertion order)",
    cmds: [["HSET", "k", ...hashPairs.flat()]],
    value: { kind: "hash", entries: hashPairs.map(([f, v]) => [b(f), b(v)]) },
    rdbType: 16,
    exact: true,
  },
  {
    name: "hash with a long value (hashtable)",
    cmds: [["HSET", "k", "a", "1", "b", "v".repeat(65)]],
    value: { kind: "hash", entries: [[b("a"), b("1")], [b("b"), b("v".repeat(65))]] },
    rdbType: 4,
    exact: false,
  },
];

/** Elements in a comparable canonical order (sets and maps compare regardless of order). */
function normalized(value: RdbValue): unknown {
  const text = (x: Uint8Array) => latin1(x);
  switch (value.kind) {
    case "string":
      return text(value.value);
    case "list":
      return value.elements.map(text);
    case "set":
      return [...value.members].sort(compareBytes).map(text);
    case "zset":
      return [...value.entries].sort((x, y) => compareBytes(x.member, y.member))
        .map((e) => [text(e.member), e.score]);
    case "hash":
      return [...value.entries].sort((x, y) => compareBytes(x[0], y[0])).map((
        [f, v],
      ) => [text(f), text(v)]);
  }
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test({
  name: "RDB codec reproduces redis-server's DUMP payloads",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const redis = await startRedis();
    const c = await RawConnection.open(redis.port);
    try {
      for (const fixture of FIXTURES) {
        await t.step(fixture.name, async () => {
          await c.command("DEL", "k");
          for (const cmd of fixture.cmds) await c.command(...cmd);
          const payload = bulk(await c.command("DUMP", "k")).slice();
          assert.ok(verifyDumpPayload(payload), "the payload verifies");
          assert.equal(payload[0], fixture.rdbType, "RDB type");
          const decoded = parseDumpPayload(payload);
          assert.equal(decoded.kind, fixture.value.kind);
          assert.deepEqual(normalized(decoded), normalized(fixture.value));
          if (fixture.exact) {
            assert.equal(hex(createDumpPayload(fixture.value)), hex(payload), "encoder bytes");
          }
          // Redis reads our payload back to the same value.
          const ours = createDumpPayload(fixture.value);
          assert.equal(latin1(await c.command("RESTORE", "k2", "0", ours, "REPLACE")), "+OK\r\n");
          const again = parseDumpPayload(bulk(await c.command("DUMP", "k2")).slice());
          assert.deepEqual(normalized(again), normalized(fixture.value));
        });
      }
    } finally {
      c.close();
      await redis.stop();
    }
  },
});
