// RDB files both ways between IronCache and redis-server 7.0, compared key by key (TYPE,
// OBJECT ENCODING, PEXPIRETIME, DEBUG DIGEST-VALUE) and as a whole (DEBUG DIGEST); BGSAVE
// while writing is point in time; a kill -9 leaves the last completed snapshot; a truncated
// or corrupt dump.rdb is refused.
import assert from "node:assert/strict";
import {
  RawConnection,
  repoRoot,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import { freePort } from "../helpers/servers.ts";
import { Crc64 } from "../../src/persistence/rdb/crc64.ts";
import { RdbRecordScanner, SCAN_END, SCAN_KEY } from "../../src/persistence/load_batch.ts";
import { RdbReader } from "../../src/persistence/rdb/reader.ts";
import { iterateRdbFile, type RdbEntry, writeRdbFile } from "../../src/persistence/rdb/file.ts";
import type { RdbValue } from "../../src/persistence/rdb/value.ts";
import { run } from "../helpers/aof.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();
const DEBUG = ["--enable-debug-command", "yes"];

async function call(port: number, ...args: string[]): Promise<string> {
  const c = await RawConnection.open(port);
  try {
    return dec.decode(await c.command(...args));
  } finally {
    c.close();
  }
}

/** Commands making every type in every encoding, with TTLs, in two databases. */
function dataset(): string[][] {
  const range = (n: number, f: (i: number) => string[]) =>
    Array.from({ length: n }, (_, i) => f(i)).flat();
  return [
    ["SET", "int", "12345"],
    ["SET", "big-int", "12345678901234567890"],
    ["SET", "embstr", "hello"],
    ["SET", "lzf", "abc".repeat(50)],
    ["SET", "ttl", "v", "PX", "4102444800000"],
    ["RPUSH", "list", "a", "1", "-70000", "x".repeat(100)],
    ["RPUSH", "list-nodes", ...range(700, (i) => [`element-${i}-${"p".repeat(i % 50)}`])],
    ["LPUSH", "list-lpush", "c", "b", "a"],
    ["SADD", "intset", "1", "-5", "70000", "5000000000"],
    ["SADD", "set", "a", "b", "c", "1"],
    ["SADD", "big-intset", ...range(600, (i) => [String(i)])],
    ["ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "1e300", "d"],
    ["ZADD", "zset-skiplist", ...range(200, (i) => [String(i / 7), `m${i}`])],
    ["HSET", "hash", "f1", "v1", "n", "12"],
    ["HSET", "hash-table", "f", "v".repeat(80), "g", "1"],
    ["HSET", "hash-big", ...range(600, (i) => [`f${i}`, `v${i}`])],
    ["PEXPIREAT", "hash", "4102444800000"],
    ["PFADD", "hll", "a", "b", "c"],
    ["SELECT", "2"],
    ["SET", "in-db-2", "x"],
    ["ZADD", "zset", "3", "z"],
  ];
}

async function load(port: number, cmds: string[][]): Promise<void> {
  const c = await RawConnection.open(port);
  try {
    const replies = await c.pipeline(cmds);
    for (const r of replies) assert.notEqual(r[0], 0x2d, dec.decode(r));
  } finally {
    c.close();
  }
}

/** What a key looks like from outside, per database: TYPE, encoding, expiry, digest. */
async function describe(port: number): Promise<Record<string, string>> {
  const c = await RawConnection.open(port);
  const seen: Record<string, string> = {};
  try {
    for (let db = 0; db < 16; db++) {
      await c.command("SELECT", String(db));
      const keys = [...dec.decode(await c.command("KEYS", "*")).matchAll(/\$\d+\r\n([^\r]*)\r\n/g)]
        .map((m) => m[1]);
      for (const key of keys) {
        const parts = [];
        for (
          const cmd of [["TYPE"], ["OBJECT", "ENCODING"], ["PEXPIRETIME"], [
            "DEBUG",
            "DIGEST-VALUE",
          ]]
        ) {
          parts.push(dec.decode(await c.command(...cmd, key)).trim());
        }
        seen[`${db}:${key}`] = parts.join(" ");
      }
    }
    seen.DIGEST = dec.decode(await c.command("DEBUG", "DIGEST"));
  } finally {
    c.close();
  }
  return seen;
}

function checkRdb(path: string): void {
  const out = new Deno.Command("redis-check-rdb", {
    args: [path],
    stdout: "piped",
    stderr: "piped",
  })
    .outputSync();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  assert.ok(out.success && text.includes("RDB looks OK"), text);
}

async function stopAll(...servers: (RunningServer | undefined)[]): Promise<void> {
  for (const s of servers) await s?.stop("SIGKILL").catch(() => {});
}

Deno.test("IronCache's dump.rdb passes redis-check-rdb and loads into redis-server identically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined, redis: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    await load(ours.port, dataset());
    assert.equal(await call(ours.port, "SAVE"), "+OK\r\n");
    checkRdb(`${dir}/dump.rdb`);
    redis = await startRedis(["--dir", dir, ...DEBUG]);
    // Loaded strings are encoded as loading leaves them (a PFADDed "raw" loads "embstr"):
    // compare with our own dataset reloaded (DEBUG RELOAD: save, flush, load).
    assert.equal(await call(ours.port, "DEBUG", "RELOAD"), "+OK\r\n");
    const [mine, theirs] = [await describe(ours.port), await describe(redis.port)];
    assert.equal(Object.keys(mine).length, 20); // 19 keys and the digest
    assert.deepEqual(mine, theirs);
  } finally {
    await stopAll(ours, redis);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("redis-server's dump.rdb loads into IronCache identically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined, redis: RunningServer | undefined;
  try {
    redis = await startRedis(["--dir", dir, ...DEBUG]);
    await load(redis.port, [["SET", "soon", "gone", "PX", "300"], ...dataset()]);
    assert.equal(await call(redis.port, "SAVE"), "+OK\r\n");
    await new Promise((r) => setTimeout(r, 400)); // "soon" is in the file, expired
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    assert.match(ours.output(), /Done loading RDB, keys loaded: 19, keys expired: 1/);
    // Loaded strings are encoded as loading leaves them (a PFADDed "raw" loads "embstr").
    assert.equal(await call(redis.port, "DEBUG", "RELOAD"), "+OK\r\n");
    assert.deepEqual(await describe(ours.port), await describe(redis.port));
  } finally {
    await stopAll(ours, redis);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rdbcompression no and rdbchecksum no write files and DUMP payloads as redis-server does; such a file loads", async () => {
  const value = "abc".repeat(50); // LZF-compressible
  const args = ["--rdbcompression", "no", "--rdbchecksum", "no", ...DEBUG];
  const tails: Uint8Array[] = [], dumps: string[] = [];
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  let loaded: RunningServer | undefined;
  try {
    for (const [i, start] of [startIronCache, startRedis].entries()) {
      const server = await start(["--dir", dirs[i], ...args]);
      try {
        await load(server.port, [["SET", "lzf", value]]);
        dumps.push(await call(server.port, "DUMP", "lzf"));
        for (const name of ["rdbcompression", "rdbchecksum"]) {
          assert.equal(
            await call(server.port, "CONFIG", "GET", name),
            `*2\r\n$${name.length}\r\n${name}\r\n$2\r\nno\r\n`,
          );
        }
        assert.equal(await call(server.port, "SAVE"), "+OK\r\n");
      } finally {
        await stopAll(server);
      }
      const file = Deno.readFileSync(`${dirs[i]}/dump.rdb`);
      checkRdb(`${dirs[i]}/dump.rdb`);
      // From the db selector on: the key, raw, then EOF and a zero checksum.
      tails.push(file.subarray(file.lastIndexOf(0xfe)));
    }
    assert.deepEqual(tails[0], tails[1]);
    assert.deepEqual(tails[0].subarray(-8), new Uint8Array(8));
    assert.ok(dec.decode(tails[0]).includes(value));
    assert.equal(dumps[0], dumps[1]);
    // A file with a checksum that does not match loads under rdbchecksum no, as in Redis.
    const file = Deno.readFileSync(`${dirs[1]}/dump.rdb`);
    file.set([1, 2, 3, 4, 5, 6, 7, 8], file.length - 8);
    Deno.writeFileSync(`${dirs[0]}/dump.rdb`, file);
    loaded = await startIronCache(["--dir", dirs[0], ...args]);
    assert.equal(await call(loaded.port, "GET", "lzf"), `$150\r\n${value}\r\n`);
  } finally {
    await stopAll(loaded);
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});

/** Each key's access data in an RDB file: its IDLE seconds or FREQ counter (-1: none). */
function accessInFile(path: string): Map<string, { idle: number; freq: number }> {
  const bytes = Deno.readFileSync(path);
  const scanner = new RdbRecordScanner(bytes, 16);
  const found = new Map<string, { idle: number; freq: number }>();
  for (let kind = scanner.next(); kind !== SCAN_END; kind = scanner.next()) {
    if (kind !== SCAN_KEY) continue;
    const key = new RdbReader(bytes, scanner.recordStart + 1).string();
    found.set(dec.decode(key), { idle: scanner.lruIdle, freq: scanner.lfuFreq });
  }
  return found;
}

/** Keys of every loading path (strings in bulk, collections in the engine, a zset with an
 * infinite score decoded in JS), each RESTOREd with its own IDLETIME or FREQ. */
const ACCESS_KEYS: { key: string; make: string[]; idle: number; freq: number }[] = [
  { key: "s", make: ["SET", "s", "v"], idle: 0, freq: 0 },
  { key: "n", make: ["SET", "n", "42"], idle: 1005, freq: 1 },
  { key: "h", make: ["HSET", "h", "f", "v"], idle: 200_005, freq: 200 },
  { key: "l", make: ["RPUSH", "l", "a", "b"], idle: 7005, freq: 7 },
  { key: "z", make: ["ZADD", "z", "-inf", "m", "1", "n"], idle: 255_005, freq: 255 },
  // Longer ago than the 24-bit LRU clock reaches back from now: Redis wraps it.
  { key: "far", make: ["SET", "far", "v"], idle: 16_000_000_005, freq: 3 },
];

/** Makes ACCESS_KEYS on `port`, each RESTOREd from its own DUMP with `option` (IDLETIME or
 * FREQ) and its number, then SAVE. */
async function saveWithAccess(port: number, option: "IDLETIME" | "FREQ"): Promise<void> {
  const c = await RawConnection.open(port);
  try {
    for (const { key, make, idle, freq } of ACCESS_KEYS) {
      await c.command(...make);
      const dump = await c.command("DUMP", key);
      const payload = dump.subarray(dump.indexOf(0x0a) + 1, dump.length - 2);
      const value = option === "FREQ" ? freq : idle;
      const reply = await c.command("RESTORE", key, "0", payload, "REPLACE", option, String(value));
      assert.equal(dec.decode(reply), "+OK\r\n");
    }
    assert.equal(dec.decode(await c.command("SAVE")), "+OK\r\n");
  } finally {
    c.close();
  }
}

/** OBJECT IDLETIME or FREQ of every ACCESS_KEYS key. */
async function accessOf(port: number, what: "IDLETIME" | "FREQ"): Promise<number[]> {
  const c = await RawConnection.open(port);
  try {
    const replies = await c.pipeline(ACCESS_KEYS.map(({ key }) => ["OBJECT", what, key]));
    return replies.map((r) => Number(dec.decode(r).slice(1)));
  } finally {
    c.close();
  }
}

/** Same numbers, allowing `slack` for a clock tick between the two servers. */
function assertClose(ours: number[], theirs: number[], slack: number, label: string): void {
  const far = ours.some((n, i) => Math.abs(n - theirs[i]) > slack);
  assert.ok(!far, `${label}: ours ${ours.join()} redis ${theirs.join()}`);
}

for (const policy of ["allkeys-lru", "allkeys-lfu"] as const) {
  const lfu = policy === "allkeys-lfu", option = lfu ? "FREQ" : "IDLETIME";
  Deno.test(`under ${policy} an RDB file carries each key's ${lfu ? "FREQ" : "IDLE"} as Redis 7 writes and loads it`, async () => {
    const ourDir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
    const redisDir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
    const servers: RunningServer[] = [];
    try {
      const policyArgs = ["--maxmemory-policy", policy, ...DEBUG];
      const ours = await startIronCache(["--shards", "2", "--dir", ourDir, ...policyArgs]);
      const redis = await startRedis(["--dir", redisDir, ...policyArgs]);
      servers.push(ours, redis);
      await saveWithAccess(ours.port, option);
      await saveWithAccess(redis.port, option);
      const [mine, theirs] = [
        accessInFile(`${ourDir}/dump.rdb`),
        accessInFile(`${redisDir}/dump.rdb`),
      ];
      const keys = ACCESS_KEYS.map(({ key }) => key);
      assert.deepEqual([...mine.keys()].sort(), [...keys].sort());
      const field = lfu ? "freq" : "idle", other = lfu ? "idle" : "freq";
      assertClose(
        keys.map((k) => mine.get(k)![field]),
        keys.map((k) => theirs.get(k)![field]),
        2,
        "in the files",
      );
      assert.ok(keys.every((k) => mine.get(k)![other] === -1 && theirs.get(k)![other] === -1));
      assert.ok(keys.every((k) => mine.get(k)![field] >= 0));

      // Each loads the other's file. An idle time is applied under any policy but LFU
      // (objectSetLRUOrLFU), so the LRU files load under the default noeviction.
      await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
      Deno.renameSync(`${ourDir}/dump.rdb`, `${ourDir}/ours.rdb`);
      Deno.renameSync(`${redisDir}/dump.rdb`, `${ourDir}/dump.rdb`);
      Deno.renameSync(`${ourDir}/ours.rdb`, `${redisDir}/dump.rdb`);
      const loadArgs = lfu ? policyArgs : DEBUG;
      const ours2 = await startIronCache(["--shards", "2", "--dir", ourDir, ...loadArgs]);
      const redis2 = await startRedis(["--dir", redisDir, ...loadArgs]);
      servers.push(ours2, redis2);
      const [loadedByUs, loadedByRedis] = [
        await accessOf(ours2.port, option),
        await accessOf(redis2.port, option),
      ];
      assertClose(loadedByUs, loadedByRedis, lfu ? 1 : 3, "after loading"); // a minute tick decays a counter
      // OBJECT IDLETIME of the wrapped key is what Redis's wrap leaves (compared above).
      const given = ACCESS_KEYS.slice(0, lfu ? undefined : -1).map((k) => k[field]);
      assertClose(
        loadedByUs.slice(0, given.length),
        given,
        lfu ? 1 : 3,
        `against the ${option} given`,
      );
    } finally {
      await stopAll(...servers);
      await Deno.remove(ourDir, { recursive: true });
      await Deno.remove(redisDir, { recursive: true });
    }
  });
}

Deno.test("DEBUG DIGEST and DIGEST-VALUE leave the keys' LFU counters as they are, as in redis-server", async () => {
  const args = ["--maxmemory-policy", "allkeys-lfu", ...DEBUG];
  const servers = [await startIronCache(["--shards", "2", ...args]), await startRedis(args)];
  try {
    const replies = [];
    for (const server of servers) {
      const c = await RawConnection.open(server.port);
      // One EXEC: the LFU clock does not tick inside it; a new key's counter is 5 and any
      // touch at 5 raises it (LFULogIncr's chance is 1 there). "k" and "l" are on different
      // shards.
      const out = await c.pipeline([
        ["MULTI"],
        ["SET", "k", "v"],
        ["RPUSH", "l", "a"],
        ["DEBUG", "DIGEST-VALUE", "k", "l"],
        ["DEBUG", "DIGEST"],
        ["OBJECT", "FREQ", "k"],
        ["OBJECT", "FREQ", "l"],
        ["EXEC"],
      ]);
      c.close();
      replies.push(dec.decode(out.at(-1)!));
    }
    assert.equal(replies[0], replies[1]);
    assert.match(replies[0], /:5\r\n:5\r\n$/);
  } finally {
    await stopAll(...servers);
  }
});

Deno.test("BGSAVE while writing saves the dataset as it was when it began", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined, redis: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "1", "--dir", dir, ...DEBUG]);
    await call(ours.port, "DEBUG", "POPULATE", "20000");
    await load(ours.port, [["RPUSH", "list", "a", "b"], ["HSET", "hash", "f", "v"]]);
    const before = await digest(ours.port);
    const c = await RawConnection.open(ours.port);
    const writes: string[][] = [["BGSAVE"]];
    for (let i = 0; i < 3000; i += 3) {
      writes.push(["SET", `key:${i * 7}`, "changed"], ["DEL", `key:${i * 5 + 1}`]);
      writes.push(["SET", `new:${i}`, "x"], ["RPUSH", "list", String(i)], ["HDEL", "hash", "f"]);
    }
    writes.push(["FLUSHALL"], ["SET", "after", "flush"], ["INFO", "persistence"]);
    const replies = (await c.pipeline(writes)).map((r) => dec.decode(r));
    c.close();
    assert.equal(replies[0], "+Background saving started\r\n");
    assert.match(replies.at(-1)!, /rdb_bgsave_in_progress:1/, "the writes ran during the BGSAVE");
    redis = await bgsaveLoadsIntoRedis(ours.port, dir);
    assert.equal(await call(redis.port, "DEBUG", "DIGEST"), before);
  } finally {
    await stopAll(ours, redis);
    await Deno.remove(dir, { recursive: true });
  }
});

/** Waits (up to `polls` x 50 ms) for the BGSAVE in progress to end, and checks it ended well. */
async function bgsaveEnded(port: number, polls = 200): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if ((await call(port, "INFO", "persistence")).includes("rdb_bgsave_in_progress:0")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(await call(port, "INFO", "persistence"), /rdb_last_bgsave_status:ok/);
}

/** Waits for the BGSAVE to end well, checks dump.rdb, and starts redis-server on it. */
async function bgsaveLoadsIntoRedis(port: number, dir: string): Promise<RunningServer> {
  await bgsaveEnded(port);
  checkRdb(`${dir}/dump.rdb`);
  return await startRedis(["--dir", dir, ...DEBUG]);
}

/** DEBUG DIGEST, given time: tens of thousands of keys on a loaded machine. */
async function digest(port: number): Promise<string> {
  const c = await RawConnection.open(port);
  try {
    await c.send("DEBUG DIGEST\r\n");
    return dec.decode(await c.readReply(60_000));
  } finally {
    c.close();
  }
}

Deno.test("BGSAVE with 2 shards while writes interleave with the walk (the index grows meanwhile) is point in time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined, redis: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    await call(ours.port, "DEBUG", "POPULATE", "60000");
    await load(ours.port, dataset());
    await load(ours.port, [["SELECT", "3"], ["SET", "db3", "x"], ["HSET", "h3", "a", "1"]]);
    const before = await digest(ours.port);
    const c = await RawConnection.open(ours.port);
    assert.equal(dec.decode(await c.command("BGSAVE")), "+Background saving started\r\n");
    let rounds = 0;
    for (; rounds < 200; rounds++) {
      const writes: string[][] = [["SELECT", "0"]];
      for (let i = 0; i < 300; i++) {
        const n = rounds * 300 + i;
        writes.push(["SET", `key:${(n * 7919) % 60000}`, "changed"]);
        writes.push(["DEL", `key:${(n * 104729 + 1) % 60000}`]);
        writes.push(["SET", `new:${n}`, "x"], ["SET", `new2:${n}`, "y"]);
      }
      writes.push(["RPUSH", "list", String(rounds)], ["HSET", "hash-big", "f1", "changed"]);
      writes.push(["SADD", "set", `r${rounds}`], ["ZADD", "zset", "9", `r${rounds}`]);
      writes.push(["PEXPIRE", "int", "100000"], ["SELECT", "3"], ["DEL", "db3"]);
      writes.push(["HSET", "h3", "b", String(rounds)], ["SET", `db3:${rounds}`, "v"]);
      writes.push(["INFO", "persistence"]);
      const replies = await c.pipeline(writes);
      if (!dec.decode(replies.at(-1)!).includes("rdb_bgsave_in_progress:1")) break;
    }
    c.close();
    assert.ok(rounds >= 2, `only ${rounds} rounds of writes ran during the BGSAVE`);
    redis = await bgsaveLoadsIntoRedis(ours.port, dir);
    assert.equal(await digest(redis.port), before);
  } finally {
    await stopAll(ours, redis);
    await Deno.remove(dir, { recursive: true });
  }
});

/** The keys of a dump with `prefix` and their string values. */
function stringsInDump(path: string, prefix: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const item of iterateRdbFile(Deno.readFileSync(path))) {
    if (item.kind !== "entry") continue;
    const key = dec.decode(item.entry.key), value = item.entry.value;
    if (key.startsWith(prefix) && value.kind === "string") found.set(key, dec.decode(value.value));
  }
  return found;
}

Deno.test("BGSAVE saves the keys expired but not reclaimed at its start, reclaimed or rewritten during the walk, as redis-server's fork does", async () => {
  const files: Map<string, string>[] = [];
  for (const start of [startIronCache, startRedis]) {
    const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
    const server = await start(["--dir", dir, "--save", "", ...DEBUG]);
    try {
      const port = server.port;
      await call(port, "DEBUG", "POPULATE", "300000"); // a walk long enough to meet the reads
      await call(port, "DEBUG", "SET-ACTIVE-EXPIRE", "0");
      const n = 20_000;
      await load(
        port,
        Array.from({ length: n }, (_, i) => ["SET", `exp:${i}`, `v${i}`, "PX", "1"]),
      );
      await new Promise((r) => setTimeout(r, 20)); // every exp:* expired, none reclaimed
      const c = await RawConnection.open(port);
      assert.equal(dec.decode(await c.command("BGSAVE")), "+Background saving started\r\n");
      // During the walk: reads reclaim half of them, writes recreate some, active expiry the rest.
      const during = [
        ...Array.from({ length: n / 2 }, (_, i) => ["GET", `exp:${i}`]),
        ...Array.from({ length: 2000 }, (_, i) => ["SET", `exp:${n / 2 + i}`, "new"]),
        ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
        ["INFO", "persistence"],
      ];
      const replies = await c.pipeline(during);
      c.close();
      if (start === startIronCache) {
        assert.match(
          dec.decode(replies.at(-1)!),
          /rdb_bgsave_in_progress:1/,
          "reads during the walk",
        );
      }
      await bgsaveEnded(port);
      files.push(stringsInDump(`${dir}/dump.rdb`, "exp:"));
    } finally {
      await stopAll(server);
      await Deno.remove(dir, { recursive: true });
    }
  }
  const [ours, theirs] = files;
  assert.equal(theirs.size, 20_000);
  assert.equal(ours.size, theirs.size);
  assert.deepEqual(ours, theirs); // the rewritten ones with the values they had at BGSAVE
});

Deno.test("a BGSAVE is one instant across shards: an MSET spanning them is in the dump whole or not at all", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, "--save", "", ...DEBUG]);
    const port = ours.port;
    // "a" and "b" live on different shards; each MSET sets both to the same new number.
    const writers = await Promise.all([0, 1, 2, 3].map(() => RawConnection.open(port)));
    let running = true, n = 0;
    const writing = writers.map(async (c) => {
      while (running) {
        const batch = Array.from({ length: 20 }, () => ["MSET", "a", `${++n}`, "b", `${n}`]);
        await c.pipeline(batch);
      }
    });
    const torn: string[] = [];
    for (let round = 0; round < 15; round++) {
      assert.equal(await call(port, "BGSAVE"), "+Background saving started\r\n");
      await bgsaveEnded(port);
      const saved = stringsInDump(`${dir}/dump.rdb`, "");
      if (saved.get("a") !== saved.get("b")) torn.push(`a=${saved.get("a")} b=${saved.get("b")}`);
    }
    running = false;
    await Promise.all(writing);
    for (const c of writers) c.close();
    assert.deepEqual(torn, [], "dumps holding half an MSET");
    // Inside an EXEC that holds both shards' locks, a snapshot cannot wait for them: DEBUG
    // RELOAD and BGSAVE there complete (each shard starts its walk as the request arrives).
    const c = await RawConnection.open(port);
    const replies = await c.pipeline([
      ["MULTI"],
      ["SET", "a", "x"],
      ["SET", "b", "y"],
      ["DEBUG", "RELOAD"],
      ["BGSAVE"],
      ["MGET", "a", "b"],
      ["EXEC"],
    ]);
    c.close();
    assert.equal(
      dec.decode(replies.at(-1)!),
      "*5\r\n+OK\r\n+OK\r\n+OK\r\n+Background saving started\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
    );
    await bgsaveEnded(port);
  } finally {
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

/** An INFO field's value. */
async function infoField(port: number, section: string, field: string): Promise<string> {
  const m = new RegExp(`\r\n${field}:([^\r]*)\r\n`).exec(await call(port, "INFO", section));
  assert.ok(m, `INFO ${section} has no ${field}`);
  return m[1];
}

for (const policy of ["allkeys-random", "allkeys-lru"]) {
  Deno.test(`BGSAVE while maxmemory (${policy}) evicts keys the walk has not reached saves them: the dump is point in time`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
    let ours: RunningServer | undefined, redis: RunningServer | undefined;
    try {
      ours = await startIronCache(["--shards", "2", "--dir", dir, "--save", "", ...DEBUG]);
      const port = ours.port;
      await call(port, "DEBUG", "POPULATE", "100000");
      await load(port, dataset());
      // A limit just above the memory in use: nothing goes until the new keys below.
      const used = Number(await infoField(port, "memory", "used_memory"));
      const limit = used + (1 << 20);
      assert.equal(
        await call(port, "CONFIG", "SET", "maxmemory-policy", policy, "maxmemory", String(limit)),
        "+OK\r\n",
      );
      const [before, keys] = [await digest(port), await call(port, "DBSIZE")];
      assert.equal(await infoField(port, "stats", "evicted_keys"), "0");
      const c = await RawConnection.open(port);
      assert.equal(dec.decode(await c.command("BGSAVE")), "+Background saving started\r\n");
      // New keys of 1 KB: past the first megabyte each one evicts about one old key, most of
      // them where the walk has not been yet.
      const value = "n".repeat(1000);
      let rounds = 0, evictedDuring = 0;
      for (; rounds < 400; rounds++) {
        const writes: string[][] = [];
        for (let i = 0; i < 200; i++) writes.push(["SET", `new:${rounds}:${i}`, value]);
        writes.push(["INFO", "persistence"], ["INFO", "stats"]);
        const replies = (await c.pipeline(writes)).map((r) => dec.decode(r));
        for (const r of replies.slice(0, -2)) assert.equal(r, "+OK\r\n");
        if (!replies.at(-2)!.includes("rdb_bgsave_in_progress:1")) break;
        evictedDuring = Number(/evicted_keys:(\d+)/.exec(replies.at(-1)!)![1]);
      }
      c.close();
      assert.ok(evictedDuring >= 1000, `only ${evictedDuring} keys evicted during the BGSAVE`);
      redis = await bgsaveLoadsIntoRedis(port, dir);
      assert.equal(await call(redis.port, "DBSIZE"), keys, "db 0's keys at BGSAVE");
      assert.equal(await digest(redis.port), before);
    } finally {
      await stopAll(ours, redis);
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("after kill -9 the last completed snapshot loads intact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    await load(ours.port, dataset());
    assert.equal(await call(ours.port, "SAVE"), "+OK\r\n");
    const saved = await call(ours.port, "DEBUG", "DIGEST");
    await call(ours.port, "DEBUG", "POPULATE", "50000");
    await call(ours.port, "BGSAVE"); // killed while (or just after) it writes
    await ours.stop("SIGKILL");
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    const digest = await call(ours.port, "DEBUG", "DIGEST");
    const populated = (await call(ours.port, "DBSIZE")) === ":50017\r\n";
    if (!populated) assert.equal(digest, saved);
    assert.match(await call(ours.port, "DBSIZE"), /^:(17|50017)\r\n$/);
    const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "dump.rdb");
    assert.ok(leftovers.every((n) => n.startsWith("temp-")), leftovers.join());
  } finally {
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

/** The name, nice value and policy of each thread of process `pid`, by thread id (Linux /proc). */
interface ThreadSched {
  name: string;
  nice: number;
  policy: number;
}

/** sched(7)'s policy number of SCHED_IDLE. */
const SCHED_IDLE = 5;

function threadScheds(pid: number): Map<string, ThreadSched> {
  return new Map([...Deno.readDirSync(`/proc/${pid}/task`)].map((t) => {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // Fields 19 (nice) and 41 (policy) of proc(5), counted from field 3 here.
    return [t.name, { name, nice: Number(fields[16]), policy: Number(fields[38]) }];
  }));
}

Deno.test("snapshots are encoded on a thread at nice 19 and SCHED_IDLE; the serving threads keep theirs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    const pid = Number(/process_id:(\d+)/.exec(await call(ours.port, "INFO", "server"))![1]);
    const before = threadScheds(pid);
    assert.deepEqual([...before.values()].filter((t) => t.nice !== 0 || t.policy !== 0), []);
    await call(ours.port, "DEBUG", "POPULATE", "1000");
    assert.equal(await call(ours.port, "SAVE"), "+OK\r\n");
    const after = threadScheds(pid);
    for (const [tid, t] of after) {
      // The encoder's thread, and the file I/O threads its runtime starts (they inherit it).
      if (!before.has(tid)) assert.ok(t.nice === 0 || t.nice === 19, `thread ${tid}: ${t.nice}`);
      else assert.deepEqual([t.nice, t.policy], [0, 0], `serving thread ${tid}`);
    }
    const encoder = [...after.entries()].filter(([tid, t]) =>
      !before.has(tid) && t.nice === 19 && t.policy === SCHED_IDLE && t.name.startsWith("worker")
    );
    assert.equal(encoder.length, 1, JSON.stringify([...after.values()]));
    checkRdb(`${dir}/dump.rdb`);
  } finally {
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

/** Deno names its Worker threads "worker-N": the shards, the encoder and the walk's pacers. */
const workerThreads = (pid: number) =>
  [...threadScheds(pid).values()].filter((t) => t.name.startsWith("worker-")).length;

Deno.test("each shard keeps one walk pacer thread from its first BGSAVE: later ones start and leave none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, "--save", "", ...DEBUG]);
    const pid = Number(/process_id:(\d+)/.exec(await call(ours.port, "INFO", "server"))![1]);
    // Enough keys for each walk to outlast its pacer thread's start-up (until then a pause
    // is a setTimeout, and a thread not yet in its loop did end with terminate()).
    await call(ours.port, "DEBUG", "POPULATE", "200000");
    const bgsave = async () => {
      assert.match(await call(ours!.port, "BGSAVE"), /Background saving started/);
      await bgsaveEnded(ours!.port, 400);
    };
    await bgsave(); // starts the encoder's thread, which stays
    const settled = async (most: number) => {
      for (let i = 0; i < 100 && workerThreads(pid) > most; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return workerThreads(pid);
    };
    // 2 shards, the encoder, a pacer per shard.
    const after1 = await settled(5);
    assert.equal(after1, 5);
    for (let i = 0; i < 4; i++) await bgsave();
    // Each BGSAVE started a pacer per shard, and left it blocked in Atomics.wait for good.
    assert.equal(await settled(after1), after1);
    checkRdb(`${dir}/dump.rdb`);
  } finally {
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("once BGSAVE or SAVE replies, every shard reports it: INFO on a connection of the other shard", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  const conns: RawConnection[] = [];
  try {
    ours = await startIronCache(["--shards", "2", "--dir", dir, "--save", "", ...DEBUG]);
    await call(ours.port, "DEBUG", "POPULATE", "100000");
    // A connection on each shard: client ids are shard + 1 + k * shards.
    const byShard: RawConnection[] = [];
    while (!byShard[0] || !byShard[1]) {
      const c = await RawConnection.open(ours.port);
      conns.push(c);
      byShard[(Number(dec.decode(await c.command("CLIENT", "ID")).slice(1)) - 1) % 2] ??= c;
    }
    const saves = async (c: RawConnection) =>
      Number(/rdb_saves:(\d+)/.exec(dec.decode(await c.command("INFO", "persistence")))![1]);
    for (let i = 0; i < 6; i++) {
      const [asked, other] = i % 2 ? [byShard[1], byShard[0]] : [byShard[0], byShard[1]];
      assert.match(dec.decode(await asked.command("BGSAVE")), /Background saving started/);
      assert.match(
        dec.decode(await other.command("INFO", "persistence")),
        /rdb_bgsave_in_progress:1/,
      );
      await bgsaveEnded(ours.port, 400);
      const before = await saves(other);
      assert.equal(dec.decode(await asked.command("SAVE")), "+OK\r\n");
      assert.equal(await saves(other), before + 1);
    }
  } finally {
    for (const c of conns) c.close();
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs the server on `dir` until it exits by itself; its exit code and output. */
async function bootFails(dir: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(`${repoRoot}/ironcache`, {
    args: ["server", "--port", String(freePort()), "--dir", dir],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("a dump.rdb with a key twice is refused, as redis-server refuses it; DEBUG RELOAD NOFLUSH replaces keys only with MERGE", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let ours: RunningServer | undefined;
  try {
    const key = enc.encode("twice"),
      set = (v: string): RdbValue => ({
        kind: "set",
        members: [enc.encode(v), enc.encode("-inf")],
      });
    // Twice as a string (stored by the engine) and twice as a set (decoded in JS).
    for (
      const entries of [
        [{ key, value: { kind: "string", value: enc.encode("a") } }, {
          key,
          value: { kind: "string", value: enc.encode("b") },
        }],
        [{ key, value: set("a") }, { key, value: set("b") }],
      ] as RdbEntry[][]
    ) {
      await Deno.writeFile(`${dir}/dump.rdb`, writeRdbFile([{ index: 0, entries }]));
      const failed = await bootFails(dir);
      assert.notEqual(failed.code, 0);
      assert.match(failed.output, /Fatal error loading the DB .*Duplicated key found in RDB file/);
      const redis = await run("redis-server", ["--port", `${freePort()}`, "--dir", dir]);
      assert.notEqual(redis.code, 0);
      assert.match(redis.out, /Duplicated key found in RDB file/);
    }
    await Deno.remove(`${dir}/dump.rdb`);
    ours = await startIronCache(["--shards", "2", "--dir", dir, ...DEBUG]);
    await load(ours.port, [["SET", "k", "1"], ["RPUSH", "l", "a"]]);
    assert.equal(await call(ours.port, "DEBUG", "RELOAD", "NOFLUSH", "MERGE"), "+OK\r\n");
    assert.equal(await call(ours.port, "DBSIZE"), ":2\r\n");
    // Without MERGE, Redis stops on the first key that exists; IronCache refuses the reload.
    assert.match(await call(ours.port, "DEBUG", "RELOAD", "NOFLUSH"), /^-ERR Error trying to load/);
    assert.match(ours.output(), /Duplicated key found in RDB file/);
  } finally {
    await stopAll(ours);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a truncated or corrupt dump.rdb is refused: clear log line, non-zero exit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-rdb-" });
  let redis: RunningServer | undefined;
  try {
    redis = await startRedis(["--dir", dir]);
    await load(redis.port, dataset());
    await call(redis.port, "SAVE");
    await stopAll(redis);
    const good = await Deno.readFile(`${dir}/dump.rdb`);
    await Deno.writeFile(`${dir}/dump.rdb`, good.subarray(0, good.length - 100));
    const truncated = await bootFails(dir);
    assert.notEqual(truncated.code, 0);
    assert.match(truncated.output, /Fatal error loading the DB .*checksum/);
    // Right checksum, broken contents: a value's type byte made unknown.
    const broken = good.slice();
    const at = broken.findIndex((b, i) =>
      b === 0xfe && broken[i + 1] === 0 && broken[i + 2] === 0xfb
    );
    broken[at + 5] = 100; // SELECTDB 0, RESIZEDB n m, then the first key's type byte
    broken.set(new Crc64().update(broken, 0, broken.length - 8).bytes(), broken.length - 8);
    await Deno.writeFile(`${dir}/dump.rdb`, broken);
    const corrupt = await bootFails(dir);
    assert.notEqual(corrupt.code, 0);
    assert.match(corrupt.output, /Fatal error loading the DB/);
  } finally {
    await stopAll(redis);
    await Deno.remove(dir, { recursive: true });
  }
});
