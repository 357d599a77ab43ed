// RDB files: the writer's output passes redis-check-rdb and loads into redis-server with the
// same keys, values and TTLs in several databases; a file redis-server saves reads back.
import assert from "node:assert/strict";
import { RawConnection, startRedis } from "../helpers/servers.ts";
import {
  defaultAux,
  type RdbDatabase,
  readRdbFile,
  writeRdbFile,
} from "../../src/persistence/rdb/file.ts";
import { REDIS_DEFAULTS } from "../../src/persistence/rdb/value.ts";
import { RdbFormatError, RdbUnsupportedError } from "../../src/persistence/rdb/constants.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const FUTURE = 4102444800000; // 2100-01-01

function sampleDatabases(): RdbDatabase[] {
  return [
    {
      index: 0,
      entries: [
        { key: b("plain"), value: { kind: "string", value: b("hello") } },
        { key: b("number"), value: { kind: "string", value: b("12345") } },
        {
          key: b("long"),
          value: { kind: "string", value: b("abc".repeat(500)) },
          expireAtMs: FUTURE,
        },
        { key: b("soon"), value: { kind: "string", value: b("x") }, expireAtMs: FUTURE + 1234 },
      ],
    },
    {
      index: 3,
      entries: [{
        key: b("in3"),
        value: { kind: "string", value: b("three") },
        expireAtMs: FUTURE + 3,
      }],
    },
    {
      index: 15,
      entries: [
        { key: b("list"), value: { kind: "list", elements: ["a", "1", "b".repeat(100)].map(b) } },
        { key: b("hash"), value: { kind: "hash", entries: [[b("f"), b("v")], [b("n"), b("7")]] } },
        { key: b("zset"), value: { kind: "zset", entries: [{ member: b("m"), score: 1.5 }] } },
        { key: b("set"), value: { kind: "set", members: ["1", "2", "3"].map(b) } },
      ],
    },
  ];
}

async function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("an RDB file reads back what was written", () => {
  const databases = sampleDatabases();
  const file = readRdbFile(
    writeRdbFile(databases, { ...REDIS_DEFAULTS, aux: defaultAux(1700000000000) }),
  );
  assert.equal(file.version, 10);
  assert.deepEqual(file.aux, [
    ["redis-ver", "7.0.15"],
    ["redis-bits", "64"],
    ["ctime", "1700000000"],
    ["used-mem", "0"],
    ["aof-base", "0"],
  ]);
  assert.deepEqual(
    file.databases.map((
      db,
    ) => [db.index, db.entries.map((e) => [dec.decode(e.key), e.expireAtMs])]),
    databases.map((db) => [db.index, db.entries.map((e) => [dec.decode(e.key), e.expireAtMs])]),
  );
  assert.deepEqual(file.databases[0].entries[2].value, databases[0].entries[2].value);
});

Deno.test("RDB files: bad signature, version, checksum; modules and functions refused; a tail after the RDB", () => {
  const good = writeRdbFile(sampleDatabases());
  assert.throws(() => readRdbFile(b("NOTRDB0010")), RdbFormatError);
  assert.throws(() => readRdbFile(Uint8Array.from([...b("REDIS0012"), 255])), /version 0012/);
  const corrupt = good.slice();
  corrupt[20] ^= 1;
  assert.throws(() => readRdbFile(corrupt), RdbFormatError);
  const noChecksum = good.slice();
  noChecksum.fill(0, noChecksum.length - 8);
  assert.equal(readRdbFile(noChecksum).databases.length, 3, "a zero checksum is not verified");
  assert.throws(() => readRdbFile(good.subarray(0, good.length - 20)), RdbFormatError);
  // An old-style AOF's RDB preamble: its length says where the commands begin.
  const tail = b("*1\r\n$4\r\nPING\r\n");
  const preamble = readRdbFile(Uint8Array.from([...good, ...tail]));
  assert.equal(preamble.length, good.length);
  assert.equal(preamble.databases.length, 3);
  for (const opcode of [245, 246, 247]) {
    assert.throws(
      () => readRdbFile(Uint8Array.from([...b("REDIS0010"), opcode, 0, 0])),
      RdbUnsupportedError,
    );
  }
});

Deno.test({
  name: "redis-check-rdb accepts the file and redis-server loads the same keys and TTLs",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
    try {
      await Deno.writeFile(`${dir}/ours.rdb`, writeRdbFile(sampleDatabases()));
      const check = await run("redis-check-rdb", [`${dir}/ours.rdb`]);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /RDB looks OK/);
      assert.match(check.output, /AUX FIELD redis-ver = '7\.0\.15'/);

      const redis = await startRedis(["--dir", dir, "--dbfilename", "ours.rdb"]);
      const c = await RawConnection.open(redis.port);
      const reply = async (...args: string[]) => dec.decode(await c.command(...args));
      try {
        assert.equal(await reply("DBSIZE"), ":4\r\n");
        assert.equal(await reply("GET", "plain"), "$5\r\nhello\r\n");
        assert.equal(await reply("OBJECT", "ENCODING", "number"), "$3\r\nint\r\n");
        assert.equal(await reply("STRLEN", "long"), ":1500\r\n");
        assert.equal(await reply("PEXPIRETIME", "long"), `:${FUTURE}\r\n`);
        assert.equal(await reply("PEXPIRETIME", "soon"), `:${FUTURE + 1234}\r\n`);
        assert.equal(await reply("PEXPIRETIME", "plain"), ":-1\r\n");
        await reply("SELECT", "3");
        assert.equal(await reply("GET", "in3"), "$5\r\nthree\r\n");
        assert.equal(await reply("PEXPIRETIME", "in3"), `:${FUTURE + 3}\r\n`);
        await reply("SELECT", "15");
        assert.equal(
          await reply("LRANGE", "list", "0", "-1"),
          `*3\r\n$1\r\na\r\n$1\r\n1\r\n$100\r\n${"b".repeat(100)}\r\n`,
        );
        assert.equal(await reply("HGET", "hash", "n"), "$1\r\n7\r\n");
        assert.equal(await reply("ZSCORE", "zset", "m"), "$3\r\n1.5\r\n");
        assert.equal(await reply("SCARD", "set"), ":3\r\n");

        // And the file redis-server saves over it (dbfilename is a protected config) reads
        // back to the same contents; used-mem says Redis wrote it.
        assert.equal(await reply("SAVE"), "+OK\r\n");
        const theirs = readRdbFile(await Deno.readFile(`${dir}/ours.rdb`));
        assert.equal(theirs.version, 10);
        assert.ok(theirs.aux.some(([name, value]) => name === "used-mem" && Number(value) > 0));
        const keys = (index: number) =>
          theirs.databases.find((db) => db.index === index)!.entries
            .map((e) => [dec.decode(e.key), e.expireAtMs, e.value.kind]).sort();
        assert.deepEqual(keys(0), [
          ["long", FUTURE, "string"],
          ["number", undefined, "string"],
          ["plain", undefined, "string"],
          ["soon", FUTURE + 1234, "string"],
        ]);
        assert.deepEqual(keys(3), [["in3", FUTURE + 3, "string"]]);
        assert.deepEqual(keys(15), [
          ["hash", undefined, "hash"],
          ["list", undefined, "list"],
          ["set", undefined, "set"],
          ["zset", undefined, "zset"],
        ]);
      } finally {
        c.close();
        await redis.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("expiry times beyond 2^53 ms survive an RDB file exactly (the bulk load: rdb_load_batch_test)", () => {
  const times = [2n ** 53n + 1n, 2n ** 63n - 1n];
  const entries = times.map((at, i) => ({
    key: b(`k${i}`),
    value: { kind: "string" as const, value: b("v") },
    expireAtMs: at,
  }));
  const file = readRdbFile(
    writeRdbFile([{ index: 0, entries }], { ...REDIS_DEFAULTS, aux: defaultAux(1700000000000) }),
  );
  assert.deepEqual(file.databases[0].entries.map((e) => e.expireAtMs), times);
});
