// What a start with appendonly yes does to the AOF directory, against redis-server 7.0 on an
// identical copy: upgrading from Redis 6 (a pre-7.0 single-file AOF, `dir`/appendfilename),
// and a first start (no AOF yet: a base of the empty dataset is written). Each case prepares
// two identical dirs, starts redis-server on one and IronCache on the other, and compares what
// they load (DEBUG DIGEST and key by key), the files they leave (tree listing, the manifest's
// bytes, the moved file's or the new base's contents), and that writes made after the start
// survive a restart.
import assert from "node:assert/strict";
import {
  encodeCommand,
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
import { concatBytes } from "../../src/cli/bytes.ts";

const DEBUG = ["--enable-debug-command", "yes"];
const FUTURE_MS = 4102444800000; // 2100-01-01: absolute, so both servers hold the same TTLs

type Start = (args: string[]) => Promise<RunningServer>;
const starters: Record<"redis" | "ironcache", Start> = {
  redis: (args) => startRedis(args),
  ironcache: (args) => startIronCache(["--shards", "2", ...args]),
};

/** The commands of a Redis 6 AOF: several types, db 2, absolute expiries, a transaction. */
function oldStyleCommands(tag: string): string[][] {
  return [
    ["SELECT", "0"],
    ["SET", `s:${tag}`, "plain"],
    ["RPUSH", `l:${tag}`, "a", "b", "c"],
    ["SADD", `set:${tag}`, "x", "y", "1"],
    ["ZADD", `z:${tag}`, "1.5", "a", "-2", "b"],
    ["HSET", `h:${tag}`, "f1", "v1", "f2", "v2"],
    ["INCR", `n:${tag}`],
    ["PEXPIREAT", `s:${tag}`, String(FUTURE_MS)],
    ["MULTI"],
    ["SET", `m:${tag}`, "in-multi"],
    ["EXPIREAT", `m:${tag}`, String(FUTURE_MS / 1000 + 60)],
    ["EXEC"],
    ["SELECT", "2"],
    ["SET", `db2:${tag}`, "two"],
    ["RPUSH", `db2l:${tag}`, "p", "q"],
    ["PEXPIREAT", `db2:${tag}`, String(FUTURE_MS + 1234)],
  ];
}

const resp = (commands: string[][]) => concatBytes(commands.map((c) => encodeCommand(c)));

/** A dump.rdb written by redis-server's SAVE after `commands`. */
async function redisDump(commands: string[][]): Promise<Uint8Array> {
  const dir = await tempDir();
  const redis = await startRedis(["--dir", dir]);
  try {
    const c = await RawConnection.open(redis.port);
    for (const cmd of commands) assert.ok(!isError(await call(c, ...cmd)), cmd.join(" "));
    assert.equal(await call(c, "SAVE"), "OK");
    c.close();
  } finally {
    await redis.stop();
  }
  return await Deno.readFile(`${dir}/dump.rdb`);
}

const isError = (r: unknown) => typeof r === "object" && r !== null && "error" in r;

function readIfExists(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

interface Observed {
  digest: string;
  data: Map<string, string>;
  files: string[];
  manifest: string | null;
}

interface Names {
  file: string;
  dir: string;
}

async function observe(server: RunningServer, dir: string, names: Names): Promise<Observed> {
  const c = await RawConnection.open(server.port);
  const digest = String(await call(c, "DEBUG", "DIGEST"));
  c.close();
  return {
    digest,
    data: await dataset(server.port),
    files: tree(dir),
    manifest: readIfExists(`${dir}/${names.dir}/${names.file}.manifest`),
  };
}

/** One server's run: start on the prepared dir, observe, write more, stop, restart, observe. */
interface Run {
  loaded: Observed;
  restarted: Observed;
  log: string;
}

async function upgradeRun(start: Start, dir: string, flags: string[], names: Names): Promise<Run> {
  const args = ["--dir", dir, ...flags, ...DEBUG];
  let server = await start(args);
  let loaded: Observed;
  try {
    loaded = await observe(server, dir, names);
    const c = await RawConnection.open(server.port);
    for (const cmd of [["SET", "after-upgrade", "1"], ["SELECT", "3"], ["SADD", "later", "a"]]) {
      assert.ok(!isError(await call(c, ...cmd)), cmd.join(" "));
    }
    c.close();
  } finally {
    await server.stop();
  }
  const log = server.output();
  server = await start(args);
  try {
    return { loaded, restarted: await observe(server, dir, names), log };
  } finally {
    await server.stop();
  }
}

interface Case {
  names: Names;
  /** Writes the old-style setup into an empty dir. */
  prepare(dir: string): Promise<void>;
  appendonly: "yes" | "no";
  /** More flags for both servers. */
  flags?: string[];
}

/** Both servers on identical copies of a case's dir; their runs must match. */
async function upgradeBoth(c: Case): Promise<Record<"redis" | "ironcache", Run & { dir: string }>> {
  const flags = [
    "--appendonly",
    c.appendonly,
    "--appendfilename",
    c.names.file,
    "--appenddirname",
    c.names.dir,
    ...c.flags ?? [],
  ];
  const runs = {} as Record<"redis" | "ironcache", Run & { dir: string }>;
  for (const side of ["redis", "ironcache"] as const) {
    const dir = await tempDir();
    await c.prepare(dir);
    runs[side] = { dir, ...await upgradeRun(starters[side], dir, flags, c.names) };
  }
  const { redis, ironcache } = runs;
  for (const when of ["loaded", "restarted"] as const) {
    assertSameDataset(ironcache[when].data, redis[when].data);
    assert.equal(ironcache[when].digest, redis[when].digest, `DEBUG DIGEST once ${when}`);
    assert.deepEqual(ironcache[when].files, redis[when].files, `files once ${when}`);
    assert.equal(ironcache[when].manifest, redis[when].manifest, `manifest once ${when}`);
  }
  return runs;
}

/** The checks of an upgrade that happened: the old file moved unchanged, the log line, the
 * writes after it kept, and redis-check-aof accepts IronCache's manifest. */
async function assertUpgraded(
  runs: Awaited<ReturnType<typeof upgradeBoth>>,
  names: Names,
  old: Uint8Array,
): Promise<void> {
  const { redis, ironcache } = runs;
  const migrated = `Successfully migrated an old-style AOF file (${names.file}) into the AOF ` +
    `directory (${names.dir}).`;
  for (const side of [redis, ironcache]) {
    assert.ok(side.log.includes(migrated), side.log);
    assert.deepEqual(await Deno.readFile(`${side.dir}/${names.dir}/${names.file}`), old);
    assert.equal(
      side.restarted.manifest,
      `file ${names.file} seq 1 type b\nfile ${names.file}.1.incr.aof seq 1 type i\n`,
    );
    assert.ok(side.restarted.data.has("0:after-upgrade") && side.restarted.data.has("3:later"));
    assert.ok(side.loaded.data.size > 0);
  }
  const check = await run("redis-check-aof", [
    `${ironcache.dir}/${names.dir}/${names.file}.manifest`,
  ]);
  assert.equal(check.code, 0, check.out);
  assert.match(check.out, /All AOF files and manifest are valid/);
}

const DEFAULT_NAMES: Names = { file: "appendonly.aof", dir: "appendonlydir" };

Deno.test("AOF upgrade: a Redis 6 appendonly.aof of commands is moved into appendonlydir and loaded as redis-server 7 does", async () => {
  const old = resp(oldStyleCommands("old"));
  const names = DEFAULT_NAMES;
  const runs = await upgradeBoth({
    names,
    appendonly: "yes",
    prepare: (dir) => Deno.writeFile(`${dir}/${names.file}`, old),
  });
  await assertUpgraded(runs, names, old);
  assert.ok(runs.ironcache.loaded.data.has("2:db2:old"));
});

Deno.test("AOF upgrade: an old AOF with an RDB preamble and a command tail (custom appendfilename / appenddirname)", async () => {
  const rdb = await redisDump([
    ...oldStyleCommands("rdb").filter((c) => !["MULTI", "EXEC"].includes(c[0])),
    ["SELECT", "0"],
    ["SET", "int", "12345"],
    ["ZADD", "big-z", ...Array.from({ length: 200 }, (_, i) => [String(i / 7), `m${i}`]).flat()],
  ]);
  // The tail starts without a SELECT: its first commands run in db 0 whatever the RDB's last db.
  const tail = resp([
    ["SET", "tail:db0", "t"],
    ["RPUSH", "l:rdb", "from-tail"],
    ["SELECT", "2"],
    ["DEL", "db2l:rdb"],
    ["SET", "tail:db2", "t", "PXAT", String(FUTURE_MS)],
  ]);
  const old = concatBytes([rdb, tail]);
  const names = { file: "legacy.aof", dir: "aofparts" };
  const runs = await upgradeBoth({
    names,
    appendonly: "yes",
    prepare: (dir) => Deno.writeFile(`${dir}/${names.file}`, old),
  });
  await assertUpgraded(runs, names, old);
  const data = runs.ironcache.loaded.data;
  assert.ok(data.has("0:tail:db0") && data.has("2:tail:db2") && !data.has("2:db2l:rdb"));
  assert.match(data.get("0:l:rdb")!, /from-tail/);
  assert.ok(data.has("0:big-z"), "the preamble's keys");
});

Deno.test("AOF upgrade: resumed after a crash mid-upgrade (manifest written, file not moved), and with an empty appendonlydir", async () => {
  const old = resp(oldStyleCommands("crash"));
  const names = DEFAULT_NAMES;
  const crashed = async (dir: string) => {
    await Deno.writeFile(`${dir}/${names.file}`, old);
    await Deno.mkdir(`${dir}/${names.dir}`);
    await Deno.writeTextFile(
      `${dir}/${names.dir}/${names.file}.manifest`,
      `file ${names.file} seq 1 type b\n`,
    );
  };
  await assertUpgraded(
    await upgradeBoth({ names, appendonly: "yes", prepare: crashed }),
    names,
    old,
  );
  const emptyDir = async (dir: string) => {
    await Deno.writeFile(`${dir}/${names.file}`, old);
    await Deno.mkdir(`${dir}/${names.dir}`);
  };
  await assertUpgraded(
    await upgradeBoth({ names, appendonly: "yes", prepare: emptyDir }),
    names,
    old,
  );
});

Deno.test("AOF upgrade: not when appendonlydir already has an AOF of its own; not with appendonly no", async () => {
  const old = resp(oldStyleCommands("ignored"));
  const names = DEFAULT_NAMES;
  // A 7.0 layout next to a leftover old file: the manifest's files are loaded, the old one stays.
  const current = resp([["SET", "current", "v"]]);
  const layout = async (dir: string) => {
    await Deno.writeFile(`${dir}/${names.file}`, old);
    await Deno.mkdir(`${dir}/${names.dir}`);
    await Deno.writeFile(`${dir}/${names.dir}/${names.file}.1.incr.aof`, current);
    await Deno.writeTextFile(
      `${dir}/${names.dir}/${names.file}.manifest`,
      `file ${names.file}.1.incr.aof seq 1 type i\n`,
    );
  };
  let runs = await upgradeBoth({ names, appendonly: "yes", prepare: layout });
  assert.deepEqual([...runs.ironcache.loaded.data.keys()], ["0:current"]);
  assert.ok(runs.ironcache.loaded.files.includes(names.file));
  // appendonly no: the old file is not read (the dump.rdb is) and stays where it is.
  const rdb = await redisDump([["SET", "from-rdb", "1"], ["SELECT", "4"], ["SET", "db4", "x"]]);
  const withDump = async (dir: string) => {
    await Deno.writeFile(`${dir}/${names.file}`, old);
    await Deno.writeFile(`${dir}/dump.rdb`, rdb);
  };
  runs = await upgradeBoth({ names, appendonly: "no", prepare: withDump });
  assert.deepEqual([...runs.ironcache.loaded.data.keys()].sort(), ["0:from-rdb", "4:db4"]);
  assert.deepEqual(runs.ironcache.restarted.files, ["appendonly.aof", "dump.rdb"]);
  assert.equal(runs.ironcache.restarted.manifest, null);
});

/** The checks of a first start: Redis's log line, the base, the incremental file and their
 * manifest (the base as Redis's but for the AUX fields of when and how much memory), the
 * writes kept across the restart, and redis-check-aof accepts IronCache's manifest. */
async function assertFirstStart(
  runs: Awaited<ReturnType<typeof upgradeBoth>>,
  names: Names,
  rdbBase: boolean,
  others: string[] = [],
): Promise<void> {
  const { redis, ironcache } = runs;
  const base = `${names.file}.1.base.${rdbBase ? "rdb" : "aof"}`;
  const incr = `${names.file}.1.incr.aof`;
  for (const side of [redis, ironcache]) {
    assert.ok(side.log.includes(`Creating AOF base file ${base} on server start`), side.log);
    assert.ok(side.log.includes(`Creating AOF incr file ${incr} on server start`), side.log);
    assert.deepEqual(
      side.restarted.files,
      [`${names.dir}/`, ...[base, incr, `${names.file}.manifest`].map((f) => `${names.dir}/${f}`)]
        .concat(others).sort(),
    );
    assert.equal(
      side.restarted.manifest,
      `file ${base} seq 1 type b\nfile ${incr} seq 1 type i\n`,
    );
    assert.equal(side.loaded.data.size, 0);
    assert.ok(side.restarted.data.has("0:after-upgrade") && side.restarted.data.has("3:later"));
  }
  const [ours, theirs] = await Promise.all(
    [ironcache, redis].map((side) => Deno.readFile(`${side.dir}/${names.dir}/${base}`)),
  );
  if (rdbBase) assert.deepEqual(rdbContents(ours), rdbContents(theirs));
  else assert.deepEqual(ours, theirs); // commands of no key: empty
  const check = await run("redis-check-aof", [
    `${ironcache.dir}/${names.dir}/${names.file}.manifest`,
  ]);
  assert.equal(check.code, 0, check.out);
  assert.match(check.out, /All AOF files and manifest are valid/);
}

const nothing = () => Promise.resolve();

Deno.test("AOF first start: an empty dir gets a base of the empty dataset, an incr file and their manifest, as redis-server 7.0 writes them", async () => {
  const names = DEFAULT_NAMES;
  await assertFirstStart(
    await upgradeBoth({ names, appendonly: "yes", prepare: nothing }),
    names,
    true,
  );
  // aof-use-rdb-preamble no: the base is commands (none); custom names; an existing empty dir.
  const custom = { file: "mine.aof", dir: "parts" };
  const runs = await upgradeBoth({
    names: custom,
    appendonly: "yes",
    flags: ["--aof-use-rdb-preamble", "no"],
    prepare: (dir) => Deno.mkdir(`${dir}/${custom.dir}`),
  });
  await assertFirstStart(runs, custom, false);
});

Deno.test("AOF first start: a manifest listing no file (comments, history alone) gets a base; history files are deleted", async () => {
  const names = DEFAULT_NAMES;
  const manifest = (text: string) => async (dir: string) => {
    await Deno.mkdir(`${dir}/${names.dir}`);
    await Deno.writeTextFile(`${dir}/${names.dir}/${names.file}.manifest`, text);
  };
  await assertFirstStart(
    await upgradeBoth({ names, appendonly: "yes", prepare: manifest("# by hand\n") }),
    names,
    true,
  );
  // A rewrite's leftover: the history file's name is not reused, the file is deleted.
  const history = `${names.file}.3.base.rdb`;
  const leftover = async (dir: string) => {
    await manifest(`file ${history} seq 3 type h\n`)(dir);
    await Deno.writeFile(`${dir}/${names.dir}/${history}`, await redisDump([["SET", "h", "1"]]));
  };
  const runs = await upgradeBoth({ names, appendonly: "yes", prepare: leftover });
  await assertFirstStart(runs, names, true);
  for (const side of [runs.redis, runs.ironcache]) {
    assert.ok(side.log.includes(`Removing the history file ${history}`), side.log);
  }
});

Deno.test("AOF start with appendonly no: the manifest's history files are deleted and it is rewritten, as redis-server 7.0 does", async () => {
  const names = DEFAULT_NAMES;
  const [oldBase, oldIncr] = [`${names.file}.1.base.rdb`, `${names.file}.1.incr.aof`];
  const layout = async (dir: string) => {
    const aofDir = `${dir}/${names.dir}`;
    await Deno.mkdir(aofDir);
    await Deno.writeFile(`${aofDir}/${oldBase}`, await redisDump([["SET", "old", "1"]]));
    await Deno.writeFile(`${aofDir}/${oldIncr}`, resp([["SET", "old2", "1"]]));
    await Deno.writeFile(`${aofDir}/${names.file}.2.incr.aof`, resp([["SET", "aof", "1"]]));
    await Deno.writeTextFile(
      `${aofDir}/${names.file}.manifest`,
      `file ${names.file}.2.base.rdb seq 2 type b\nfile ${oldBase} seq 1 type h\n` +
        `file ${oldIncr} seq 1 type h\nfile ${names.file}.2.incr.aof seq 2 type i\n`,
    );
    await Deno.writeFile(`${dir}/dump.rdb`, await redisDump([["SET", "from-rdb", "1"]]));
  };
  const runs = await upgradeBoth({ names, appendonly: "no", prepare: layout });
  for (const side of [runs.redis, runs.ironcache]) {
    for (const f of [oldBase, oldIncr]) {
      assert.ok(side.log.includes(`Removing the history file ${f} in the background`), side.log);
      assert.ok(!side.loaded.files.includes(`${names.dir}/${f}`), f);
    }
    assert.equal(
      side.loaded.manifest,
      `file ${names.file}.2.base.rdb seq 2 type b\nfile ${names.file}.2.incr.aof seq 2 type i\n`,
    );
    assert.deepEqual([...side.loaded.data.keys()], ["0:from-rdb"]); // the RDB, not the AOF
  }
});

Deno.test("AOF start: an empty manifest file or a blank line is refused, as redis-server 7.0 refuses it, also with appendonly no", async () => {
  const names = DEFAULT_NAMES;
  for (
    const [text, reason] of [["", "Found an empty AOF manifest"], [
      "\n",
      "Invalid AOF manifest file format",
    ]]
  ) {
    for (
      const [cmd, appendonly] of ["redis-server", `${Deno.cwd()}/ironcache`].flatMap((c) =>
        ["yes", "no"].map((a) => [c, a])
      )
    ) {
      const dir = await tempDir();
      await Deno.mkdir(`${dir}/${names.dir}`);
      await Deno.writeTextFile(`${dir}/${names.dir}/${names.file}.manifest`, text);
      const args = [
        "--port",
        String(freePort()),
        "--dir",
        dir,
        "--appendonly",
        appendonly, // Redis reads the manifest whatever appendonly says
        "--save",
        "",
      ];
      const result = await run(cmd, cmd === "redis-server" ? args : ["server", ...args]);
      assert.notEqual(result.code, 0, `${cmd} started on ${JSON.stringify(text)} (${appendonly})`);
      assert.ok(result.out.includes(reason), result.out);
      assert.deepEqual(tree(dir), [`${names.dir}/`, `${names.dir}/${names.file}.manifest`]);
    }
  }
});
