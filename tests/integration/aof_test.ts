// The append-only file against Redis's own tools and servers: redis-check-aof accepts
// IronCache's appendonlydir and redis-server loads the same dataset from it; IronCache loads
// a redis-server's appendonlydir; kill -9 under a write load loses no acknowledged write
// (appendfsync always) or only the last moments (everysec); a torn tail is cut or refused per
// aof-load-truncated; BGREWRITEAOF during writes and CONFIG SET appendonly yes keep every write,
// and on an empty server the latter leaves the files redis-server does.
import assert from "node:assert/strict";
import {
  freePort,
  RawConnection,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import {
  assertSameDataset,
  call,
  dataset,
  rdbContents,
  run,
  tempDir,
  tree,
} from "../helpers/aof.ts";

const dec = new TextDecoder();

/** Writes of every type, in several dbs, with the commands the AOF rewrites. */
async function writeMixedData(c: RawConnection, tag: string): Promise<void> {
  const now = Date.now();
  const commands: string[][] = [
    ["SET", `s:${tag}`, "plain"],
    ["SET", `n:${tag}`, "12345"],
    ["SET", `ex:${tag}`, "v", "EX", "1000"],
    ["SETEX", `setex:${tag}`, "500", "v"],
    ["SET", `pxat:${tag}`, "v", "PXAT", String(now + 900_000)],
    ["SET", `gone:${tag}`, "v", "PX", "1"],
    ["RPUSH", `l:${tag}`, "a", "b", "c", "d"],
    ["LPOP", `l:${tag}`],
    ["SADD", `set:${tag}`, ...Array.from({ length: 20 }, (_, i) => `m${i}`)],
    ["SPOP", `set:${tag}`, "3"],
    ["SPOP", `set:${tag}`],
    ["SADD", `ints:${tag}`, "1", "2", "3"],
    ["ZADD", `z:${tag}`, "1.5", "a", "-2", "b", "3e10", "c"],
    ["ZINCRBY", `z:${tag}`, "0.1", "a"],
    ["HSET", `h:${tag}`, "f1", "v1", "f2", "v2"],
    ["HINCRBYFLOAT", `h:${tag}`, "f3", "2.5"],
    ["INCRBYFLOAT", `f:${tag}`, "10.1"],
    ["INCRBYFLOAT", `f:${tag}`, "0.2"],
    ["EXPIRE", `s:${tag}`, "3000"],
    ["PEXPIRE", `n:${tag}`, "4000000"],
    ["GETEX", `ex:${tag}`, "EX", "2000"],
    ["SELECT", "5"],
    ["SET", `db5:${tag}`, "five"],
    ["MSET", `m1:${tag}`, "1", `m2:${tag}`, "2", `m3:${tag}`, "3"],
    ["RENAME", `m1:${tag}`, `renamed:${tag}`],
    ["SELECT", "6"],
    ["SET", `db6:${tag}`, "six"],
    ["FLUSHDB"],
    ["SET", `after-flush:${tag}`, "x"],
    ["SWAPDB", "6", "7"],
    ["SELECT", "0"],
  ];
  for (const cmd of commands) {
    const reply = await call(c, ...cmd);
    assert.ok(!(reply && typeof reply === "object" && "error" in reply), `${cmd}: ${reply}`);
  }
  // gone:* expires and is read (lazy expiry); reborn:* is left to the cron (active expiry)
  // and then set again with NX, which a replay without the expiry's DEL would refuse.
  await call(c, "SET", `reborn:${tag}`, "old", "PX", "1");
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await call(c, "GET", `gone:${tag}`), null);
  assert.equal(await call(c, "SET", `reborn:${tag}`, "new", "NX"), "OK");
}

/** redis-server started on a copy of the AOF directory holds `expected`. */
async function assertRedisLoads(aofDir: string, expected: Map<string, string>): Promise<void> {
  const copy = await tempDir();
  await run("cp", ["-r", aofDir, `${copy}/`]);
  const redis = await startRedis(["--dir", copy, "--appendonly", "yes"]);
  try {
    assertSameDataset(await dataset(redis.port), expected);
  } finally {
    await redis.stop();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function infoField(c: RawConnection, name: string): Promise<string | undefined> {
  const text = (await call(c, "INFO", "persistence")) as string;
  return text.split("\r\n").find((l) => l.startsWith(name + ":"))?.slice(name.length + 1);
}

async function rewriteDone(c: RawConnection): Promise<void> {
  await waitFor("the rewrite", async () => (await infoField(c, "aof_rewrite_in_progress")) === "0");
}

function ironcacheAof(dir: string, extra: string[] = []): Promise<RunningServer> {
  return startIronCache(["--shards", "2", "--dir", dir, "--appendonly", "yes", ...extra]);
}

Deno.test("IronCache's appendonlydir passes redis-check-aof, loads into redis-server and back; torn tails", async () => {
  const dir = await tempDir();
  let server = await ironcacheAof(dir);
  const c = await RawConnection.open(server.port);
  await writeMixedData(c, "before");
  assert.equal(await call(c, "BGREWRITEAOF"), "Background append only file rewriting started");
  await rewriteDone(c);
  await writeMixedData(c, "after"); // into the new incremental file
  assert.equal(await infoField(c, "aof_enabled"), "1");
  assert.equal(await infoField(c, "aof_last_bgrewrite_status"), "ok");
  assert.equal(await infoField(c, "aof_rewrites"), "1");
  assert.ok(Number(await infoField(c, "aof_current_size")) > 0);
  const expected = await dataset(server.port);
  c.close();
  assert.equal((await server.stop()).code, 0);

  // The start wrote base 1 and incr 1 (as Redis's first start); the rewrite replaced both.
  const aofDir = `${dir}/appendonlydir`;
  const manifest = await Deno.readTextFile(`${aofDir}/appendonly.aof.manifest`);
  assert.match(
    manifest,
    /^file appendonly\.aof\.2\.base\.rdb seq 2 type b\nfile appendonly\.aof\.2\.incr\.aof seq 2 type i\n$/,
  );
  assert.deepEqual([...Deno.readDirSync(aofDir)].map((e) => e.name).sort(), [
    "appendonly.aof.2.base.rdb",
    "appendonly.aof.2.incr.aof",
    "appendonly.aof.manifest",
  ]);
  const check = await run("redis-check-aof", [`${aofDir}/appendonly.aof.manifest`]);
  assert.equal(check.code, 0, check.out);
  assert.match(check.out, /All AOF files and manifest are valid/);

  // redis-server started on a copy holds the same keys, values and expiry times.
  await assertRedisLoads(aofDir, expected);

  // IronCache restarted on its own files.
  server = await ironcacheAof(dir);
  assertSameDataset(await dataset(server.port), expected);
  await server.stop();

  // A torn tail: refused with aof-load-truncated no, cut (with a log line) with yes.
  const incr = `${aofDir}/appendonly.aof.2.incr.aof`;
  const sizeBefore = (await Deno.stat(incr)).size;
  await Deno.writeFile(incr, new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$4\r\ntorn"), {
    append: true,
  });
  const refused = await run(`${Deno.cwd()}/ironcache`, [
    "server",
    "--port",
    String(await freePort()),
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--aof-load-truncated",
    "no",
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, /Unexpected end of file reading the append only file/);
  server = await ironcacheAof(dir, ["--aof-load-truncated", "yes"]);
  assert.match(server.output(), /!!! Warning: short read while loading the AOF file/);
  assert.match(server.output(), /Truncating the AOF appendonly\.aof\.2\.incr\.aof at offset/);
  assert.equal((await Deno.stat(incr)).size, sizeBefore);
  assertSameDataset(await dataset(server.port), expected);
  await server.stop();
});

Deno.test("aof-use-rdb-preamble no: the rewrite's base is commands, valid for redis-check-aof and redis-server", async () => {
  const dir = await tempDir();
  const server = await ironcacheAof(dir, ["--aof-use-rdb-preamble", "no"]);
  const c = await RawConnection.open(server.port);
  try {
    await writeMixedData(c, "before");
    assert.equal(await call(c, "BGREWRITEAOF"), "Background append only file rewriting started");
    await rewriteDone(c);
    assert.equal(await infoField(c, "aof_last_bgrewrite_status"), "ok");
    await writeMixedData(c, "after");
    const expected = await dataset(server.port);
    const aofDir = `${dir}/appendonlydir`;
    assert.deepEqual([...Deno.readDirSync(aofDir)].map((e) => e.name).sort(), [
      "appendonly.aof.2.base.aof",
      "appendonly.aof.2.incr.aof",
      "appendonly.aof.manifest",
    ]);
    const base = await Deno.readTextFile(`${aofDir}/appendonly.aof.2.base.aof`);
    assert.match(base, /^\*2\r\n\$6\r\nSELECT\r\n/);
    const check = await run("redis-check-aof", [`${aofDir}/appendonly.aof.manifest`]);
    assert.equal(check.code, 0, check.out);
    await assertRedisLoads(aofDir, expected);
  } finally {
    c.close();
    await server.stop();
  }
});

Deno.test("IronCache loads an appendonlydir written by redis-server 7", async () => {
  const dir = await tempDir();
  const redis = await startRedis(["--dir", dir, "--appendonly", "yes"]);
  let expected: Map<string, string>;
  try {
    const c = await RawConnection.open(redis.port);
    await writeMixedData(c, "base");
    await call(c, "BGREWRITEAOF"); // an RDB base and a new incr file
    await waitFor(
      "redis's rewrite",
      async () =>
        (await infoField(c, "aof_rewrite_in_progress")) === "0" &&
        (await infoField(c, "aof_rewrite_scheduled")) === "0",
    );
    await writeMixedData(c, "tail");
    expected = await dataset(redis.port);
    c.close();
  } finally {
    await redis.stop();
  }
  const server = await ironcacheAof(dir);
  try {
    assertSameDataset(await dataset(server.port), expected);
  } finally {
    await server.stop();
  }
});

/** Keys of several types RESTOREd with an LFU counter; one with a TTL, one decoded in JS. */
const FREQ_KEYS: { key: string; make: string[]; freq: number; ttl?: string }[] = [
  { key: "s", make: ["SET", "s", "v"], freq: 0 },
  { key: "t", make: ["SET", "t", "v"], freq: 42, ttl: "100000000" },
  { key: "h", make: ["HSET", "h", "f", "v"], freq: 200 },
  { key: "z", make: ["ZADD", "z", "-inf", "m", "1", "n"], freq: 255 },
];

/** FREQ_KEYS on a server under allkeys-lfu with appendonly yes, then a rewrite: its RDB base
 * holds the counters. Returns OBJECT FREQ and PEXPIRETIME of each key after a restart. */
async function freqAfterRestart(start: () => Promise<RunningServer>): Promise<string[]> {
  let server = await start();
  let c = await RawConnection.open(server.port);
  try {
    for (const { key, make, freq, ttl } of FREQ_KEYS) {
      await call(c, ...make);
      const dump = await c.command("DUMP", key);
      const payload = dump.subarray(dump.indexOf(0x0a) + 1, dump.length - 2);
      const reply = await c.command(
        "RESTORE",
        key,
        ttl ?? "0",
        payload,
        "REPLACE",
        "FREQ",
        `${freq}`,
      );
      assert.equal(dec.decode(reply), "+OK\r\n");
    }
    await call(c, "BGREWRITEAOF");
    await waitFor(
      "the rewrite",
      async () =>
        (await infoField(c, "aof_rewrite_in_progress")) === "0" &&
        (await infoField(c, "aof_rewrite_scheduled")) === "0",
    );
    const expireTimes = await Promise.all(FREQ_KEYS.map(({ key }) => call(c, "PEXPIRETIME", key)));
    c.close();
    await server.stop();
    server = await start();
    c = await RawConnection.open(server.port);
    const found = [];
    for (const [i, { key }] of FREQ_KEYS.entries()) {
      assert.equal(await call(c, "PEXPIRETIME", key), expireTimes[i]);
      found.push(`${key}=${await call(c, "OBJECT", "FREQ", key)}`);
    }
    return found;
  } finally {
    c.close();
    await server.stop();
  }
}

Deno.test("an RDB base's LFU counters survive a restart from the AOF, as in redis-server", async () => {
  const args = ["--appendonly", "yes", "--maxmemory-policy", "allkeys-lfu"];
  const [ourDir, redisDir] = [await tempDir(), await tempDir()];
  const ours = await freqAfterRestart(() => ironcacheAof(ourDir, args.slice(2)));
  const theirs = await freqAfterRestart(() => startRedis(["--dir", redisDir, ...args]));
  assert.deepEqual(ours, theirs);
  // A minute boundary between RESTORE and the rewrite decays a counter by one.
  const given = FREQ_KEYS.map(({ freq }) => freq);
  assert.ok(ours.every((kv, i) => Math.abs(Number(kv.split("=")[1]) - given[i]) <= 1), `${ours}`);
  // Without the RDB preamble the base is plain commands, as redis-server writes it.
  const server = await ironcacheAof(ourDir, [...args.slice(2), "--aof-use-rdb-preamble", "no"]);
  const c = await RawConnection.open(server.port);
  try {
    await call(c, "BGREWRITEAOF");
    await rewriteDone(c);
    const base = [...Deno.readDirSync(`${ourDir}/appendonlydir`)].find((e) =>
      e.name.includes("base")
    );
    const text = await Deno.readTextFile(`${ourDir}/appendonlydir/${base!.name}`);
    assert.match(text, /^\*2\r\n\$6\r\nSELECT\r\n/);
    assert.doesNotMatch(text, /RESTORE/);
  } finally {
    c.close();
    await server.stop();
  }
});

/** Clients writing counters until the server dies; what each had acknowledged, and when. */
function writeLoad(port: number, clients: number): {
  acked: Map<string, { value: number; at: number }>;
  stop: () => Promise<void>;
} {
  const acked = new Map<string, { value: number; at: number }>();
  let running = true;
  const loops = Array.from({ length: clients }, async (_, id) => {
    const c = await RawConnection.open(port);
    try {
      for (let i = 1; running; i++) {
        const key = `load:${id}:${i % 50}`;
        const reply = dec.decode(await c.command("SET", key, String(i)));
        if (reply !== "+OK\r\n") break;
        acked.set(key, { value: i, at: Date.now() });
      }
    } catch { /* the server was killed */ }
    c.close();
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Keys (with the value acknowledged) missing or older after the restart. */
async function lostWrites(
  port: number,
  acked: Map<string, { value: number; at: number }>,
): Promise<Array<{ key: string; at: number }>> {
  const c = await RawConnection.open(port);
  const lost: Array<{ key: string; at: number }> = [];
  for (const [key, { value, at }] of acked) {
    const now = await call(c, "GET", key);
    if (now === null || Number(now) < value) lost.push({ key, at });
  }
  c.close();
  return lost;
}

Deno.test("kill -9 under writes with appendfsync always loses no acknowledged write, also across BGREWRITEAOF", async () => {
  const dir = await tempDir();
  let server = await ironcacheAof(dir, ["--appendfsync", "always"]);
  const load = writeLoad(server.port, 4);
  const admin = await RawConnection.open(server.port);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await call(admin, "BGREWRITEAOF"), "Background append only file rewriting started");
  await rewriteDone(admin);
  await new Promise((r) => setTimeout(r, 400));
  admin.close();
  await server.stop("SIGKILL");
  await load.stop();
  assert.ok(load.acked.size > 20, `only ${load.acked.size} writes acknowledged`);
  server = await ironcacheAof(dir);
  try {
    assert.deepEqual(await lostWrites(server.port, load.acked), []);
  } finally {
    await server.stop();
  }
});

Deno.test("kill -9 under writes with appendfsync everysec loses at most about the last second", async () => {
  const dir = await tempDir();
  let server = await ironcacheAof(dir, ["--appendfsync", "everysec"]);
  const load = writeLoad(server.port, 4);
  await new Promise((r) => setTimeout(r, 1500));
  const killedAt = Date.now();
  await server.stop("SIGKILL");
  await load.stop();
  server = await ironcacheAof(dir);
  try {
    const lost = await lostWrites(server.port, load.acked);
    for (const { key, at } of lost) assert.ok(killedAt - at < 1500, `${key} lost`);
  } finally {
    await server.stop();
  }
});

Deno.test("CONFIG SET appendonly yes at runtime writes a base first, then logs", async () => {
  const dir = await tempDir();
  let server = await startIronCache(["--shards", "2", "--dir", dir]);
  const c = await RawConnection.open(server.port);
  await writeMixedData(c, "before");
  assert.equal(await infoField(c, "aof_current_size"), undefined); // only while enabled
  assert.equal(await call(c, "CONFIG", "SET", "appendonly", "yes"), "OK");
  await waitFor("the base", async () => {
    try {
      return (await Deno.readTextFile(`${dir}/appendonlydir/appendonly.aof.manifest`))
        .includes("type b");
    } catch {
      return false;
    }
  });
  await rewriteDone(c);
  await writeMixedData(c, "after");
  const expected = await dataset(server.port);
  c.close();
  await server.stop();
  server = await ironcacheAof(dir);
  try {
    assertSameDataset(await dataset(server.port), expected);
  } finally {
    await server.stop();
  }
});

Deno.test("CONFIG SET appendonly yes on an empty server leaves the files redis-server 7.0 leaves", async () => {
  const starts = {
    redis: (args: string[]) => startRedis(args),
    ironcache: (args: string[]) => startIronCache(["--shards", "2", ...args]),
  };
  const seen: Record<string, { dir: string; files: string[]; manifest: string; base: Uint8Array }> =
    {};
  for (const [side, start] of Object.entries(starts)) {
    const dir = await tempDir();
    const aofDir = `${dir}/appendonlydir`;
    const server = await start(["--dir", dir]);
    const c = await RawConnection.open(server.port);
    try {
      assert.equal(await call(c, "CONFIG", "SET", "appendonly", "yes"), "OK");
      await waitFor(`${side}'s rewrite`, async () => {
        const manifest = await Deno.readTextFile(`${aofDir}/appendonly.aof.manifest`)
          .catch(() => "");
        return manifest.includes("type b") &&
          (await infoField(c, "aof_rewrite_in_progress")) === "0" &&
          (await infoField(c, "aof_rewrite_scheduled")) === "0";
      });
      assert.equal(await call(c, "SET", "k", "v"), "OK");
    } finally {
      c.close();
      await server.stop();
    }
    seen[side] = {
      dir,
      files: tree(dir),
      manifest: await Deno.readTextFile(`${aofDir}/appendonly.aof.manifest`),
      base: await Deno.readFile(`${aofDir}/appendonly.aof.1.base.rdb`),
    };
  }
  const { redis, ironcache } = seen;
  assert.deepEqual(ironcache.files, redis.files);
  assert.equal(ironcache.manifest, redis.manifest);
  assert.equal(
    ironcache.manifest,
    "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
  );
  assert.deepEqual(rdbContents(ironcache.base), rdbContents(redis.base));
  const check = await run("redis-check-aof", [
    `${ironcache.dir}/appendonlydir/appendonly.aof.manifest`,
  ]);
  assert.equal(check.code, 0, check.out);
  const server = await ironcacheAof(ironcache.dir);
  try {
    assertSameDataset(
      await dataset(server.port),
      new Map([["0:k", JSON.stringify(["string", "v", -1])]]),
    );
  } finally {
    await server.stop();
  }
});
