// Server and introspection commands where IronCache can't be compared byte for byte with
// Redis (its own command table, counters, ids, timing), checked against Redis's shapes and
// against IronCache itself: COMMAND's table, INFO's sections and fields, the server-wide
// views over shards (INFO sums, CLIENT LIST/KILL, CONFIG SET), TIME, LOLWUT, WAIT, SHUTDOWN.
// One IronCache with 2 shards (so every cross-shard path runs) and one redis-server serve
// the whole file.
import assert from "node:assert/strict";
import {
  RawConnection,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import { encodeFrame, parseFrame, type RespNode } from "../differential/resp.ts";
import { CONFIG_TABLE } from "../../src/config/table.ts";

const dec = new TextDecoder();
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

let servers: Promise<{ ic: RunningServer; redis: RunningServer }> | undefined;
const started = () =>
  servers ??= Promise.all([startIronCache(["--shards", "2"]), startRedis()]).then((
    [ic, redis],
  ) => ({ ic, redis }));
Deno.test.afterAll(async () => {
  const s = await servers?.catch(() => undefined);
  if (s) await Promise.all([s.ic.stop(), s.redis.stop()]);
});

/** A test that shares the file's servers (they outlive any single test). */
function serverTest(
  name: string,
  fn: (s: { ic: RunningServer; redis: RunningServer }) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => fn(await started()),
  });
}

const open: RawConnection[] = [];
async function connect(port: number): Promise<RawConnection> {
  const c = await RawConnection.open(port);
  open.push(c);
  return c;
}
Deno.test.afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

/** The reply as a tree. */
async function tree(c: RawConnection, ...args: string[]): Promise<RespNode> {
  return parseFrame(await c.command(...args));
}

/** The text of a bulk, verbatim (without "txt:") or status reply. */
async function text(c: RawConnection, ...args: string[]): Promise<string> {
  const reply = await c.command(...args);
  const node = parseFrame(reply);
  const body = latin1(node.payload ?? node.line);
  return node.type === "=" ? body.slice(4) : body;
}

/** INFO as a map from field to value (all sections). */
async function infoFields(c: RawConnection, ...sections: string[]): Promise<Map<string, string>> {
  const lines = (await text(c, "INFO", ...sections)).split("\r\n").filter((l) =>
    l && !l.startsWith("#")
  );
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

/** INFO's section titles, and each section's field names. */
async function infoLayout(c: RawConnection, ...sections: string[]): Promise<Map<string, string[]>> {
  const layout = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of (await text(c, "INFO", ...sections)).split("\r\n")) {
    if (line.startsWith("# ")) layout.set(line.slice(2), current = []);
    else if (line) current.push(line.slice(0, line.indexOf(":")));
  }
  return layout;
}

const nameOf = (entry: RespNode) => latin1(entry.children![0].payload!);

// ---- COMMAND ------------------------------------------------------------------------------------

serverTest(
  "COMMAND, COMMAND INFO, COMMAND COUNT and COMMAND LIST describe the same commands",
  async ({ ic }) => {
    const c = await connect(ic.port);
    const all = (await tree(c, "COMMAND")).children!;
    assert.equal(Number(latin1((await tree(c, "COMMAND", "COUNT")).line)), all.length);
    const listed = (await tree(c, "COMMAND", "LIST")).children!.map((n) => latin1(n.payload!));
    assert.deepEqual(all.map(nameOf).sort(), listed.filter((n) => !n.includes("|")).sort());
    const info = (await tree(c, "COMMAND", "INFO")).children!;
    assert.deepEqual(info.map((e) => encodeFrame(e)), all.map((e) => encodeFrame(e)));
    for (const entry of all.slice(0, 12)) {
      const one = (await tree(c, "COMMAND", "INFO", nameOf(entry))).children![0];
      assert.deepEqual(encodeFrame(one), encodeFrame(entry), nameOf(entry));
    }
  },
);

serverTest(
  "a container's COMMAND INFO and DOCS are Redis's, cut to the implemented subcommands",
  async ({ ic, redis }) => {
    const [mine, theirs] = await Promise.all([connect(ic.port), connect(redis.port)]);
    for (const container of ["client", "config", "command"]) {
      const [a, b] = [
        (await tree(mine, "COMMAND", "INFO", container)).children![0],
        (await tree(theirs, "COMMAND", "INFO", container)).children![0],
      ];
      for (let i = 0; i < 9; i++) {
        assert.deepEqual(
          encodeFrame(a.children![i]),
          encodeFrame(b.children![i]),
          `${container} field ${i}`,
        );
      }
      const redisSubs = new Map(b.children![9].children!.map((s) => [nameOf(s), encodeFrame(s)]));
      const implemented =
        (await tree(mine, "COMMAND", "LIST", "FILTERBY", "PATTERN", `${container}|*`)).children!
          .map((n) => latin1(n.payload!));
      assert.deepEqual(a.children![9].children!.map(nameOf).sort(), implemented.sort());
      for (const sub of a.children![9].children!) {
        assert.deepEqual(
          encodeFrame(sub),
          redisSubs.get(nameOf(sub)),
          nameOf(sub),
        );
      }

      // DOCS: the same fields, the subcommands map holding Redis's docs of the implemented ones.
      const docsOf = async (c: RawConnection) =>
        (await tree(c, "COMMAND", "DOCS", container)).children![1].children!;
      const [da, db] = [await docsOf(mine), await docsOf(theirs)];
      assert.equal(da.length, db.length);
      const subsA = da[da.findIndex((n) => latin1(n.payload ?? n.line) === "subcommands") + 1]
        .children!;
      const subsB = db[db.findIndex((n) => latin1(n.payload ?? n.line) === "subcommands") + 1]
        .children!;
      const redisDocs = new Map<string, Uint8Array>();
      for (let i = 0; i < subsB.length; i += 2) {
        redisDocs.set(
          latin1(subsB[i].payload!),
          encodeFrame(subsB[i + 1]),
        );
      }
      assert.equal(subsA.length / 2, implemented.length);
      for (let i = 0; i < subsA.length; i += 2) {
        assert.deepEqual(encodeFrame(subsA[i + 1]), redisDocs.get(latin1(subsA[i].payload!)));
      }
    }
    // CONFIG and COMMAND have all their subcommands: the same set as Redis's.
    for (const container of ["config", "command"]) {
      const count = async (c: RawConnection) =>
        (await tree(c, "COMMAND", "INFO", container)).children![0].children![9].children!.length;
      assert.equal(await count(mine), await count(theirs));
    }
  },
);

serverTest("COMMAND LIST FILTERBY ACLCAT and PATTERN", async ({ ic }) => {
  const c = await connect(ic.port);
  const names = async (...f: string[]) =>
    (await tree(c, "COMMAND", "LIST", "FILTERBY", ...f)).children!.map((n) => latin1(n.payload!));
  const connectionCat = await names("ACLCAT", "CONNECTION");
  assert.ok(
    connectionCat.includes("ping") && connectionCat.includes("client|list") &&
      !connectionCat.includes("get"),
  );
  assert.deepEqual(await names("PATTERN", "CLIENT|K*"), ["client|kill"]);
  assert.deepEqual(
    await names("PATTERN", "incr*"),
    (await names("PATTERN", "incr*")).filter((n) => n.startsWith("incr")),
  );
});

// ---- INFO ---------------------------------------------------------------------------------------

serverTest(
  "INFO has Redis 7.0's sections and fields, in order (plus ironcache_version)",
  async ({ ic, redis }) => {
    const [mine, theirs] = await Promise.all([connect(ic.port), connect(redis.port)]);
    for (
      const which of [[], ["default"], ["all"], ["everything"], ["server", "cpu"], ["commandstats"]]
    ) {
      const [a, b] = [await infoLayout(mine, ...which), await infoLayout(theirs, ...which)];
      assert.deepEqual([...a.keys()], [...b.keys()], `INFO ${which.join(" ")}`);
    }
    const [a, b] = [await infoLayout(mine, "all"), await infoLayout(theirs, "all")];
    for (const [title, fields] of b) {
      if (["Commandstats", "Errorstats", "Latencystats", "Keyspace"].includes(title)) continue; // per command/error/db lines
      assert.deepEqual(a.get(title)!.filter((f) => f !== "ironcache_version"), fields, title);
    }
    assert.equal(a.get("Server")![1], "ironcache_version");
  },
);

serverTest("INFO adds up the shards and every shard reports the same server", async ({ ic }) => {
  const conns = await Promise.all(Array.from({ length: 6 }, () => connect(ic.port)));
  const c = conns[0];
  await c.command("FLUSHALL");
  for (let i = 0; i < 40; i++) await c.command("SET", `key:${i}`, "v");
  await c.command("SET", "ttl:1", "v", "EX", "1000");
  const seen = new Set<string>();
  for (const conn of conns) {
    const f = await infoFields(conn);
    assert.equal(f.get("connected_clients"), "6");
    assert.match(f.get("run_id")!, /^[0-9a-f]{40}$/);
    assert.match(f.get("master_replid")!, /^[0-9a-f]{40}$/);
    assert.match(f.get("db0")!, /^keys=41,expires=1,avg_ttl=\d+$/);
    assert.equal(f.get("tcp_port"), String(ic.port));
    assert.equal(f.get("role"), "master");
    seen.add(`${f.get("run_id")} ${f.get("master_replid")} ${f.get("process_id")}`);
  }
  assert.equal(seen.size, 1);
  const f = await infoFields(c, "memory", "stats", "server");
  assert.ok(Number(f.get("used_memory")) > 0 && Number(f.get("total_commands_processed")) > 40);
  assert.match(f.get("used_memory_human")!, /^\d+(\.\d\d[KMG])?B?$/);
  assert.ok(Number(f.get("total_connections_received")) >= 6);
  await c.command("FLUSHALL");
});

serverTest("CONFIG RESETSTAT resets the counters on every shard", async ({ ic }) => {
  const c = await connect(ic.port);
  for (let i = 0; i < 20; i++) await c.command("PING");
  assert.equal(dec.decode(await c.command("CONFIG", "RESETSTAT")), "+OK\r\n");
  const f = await infoFields(c, "stats");
  assert.ok(Number(f.get("total_commands_processed")) < 10, f.get("total_commands_processed"));
  assert.equal(f.get("total_connections_received"), "0");
});

// ---- CONFIG -------------------------------------------------------------------------------------

serverTest("CONFIG SET reaches every shard", async ({ ic }) => {
  const conns = await Promise.all(Array.from({ length: 4 }, () => connect(ic.port)));
  assert.equal(
    dec.decode(
      await conns[0].command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "hz", "15"),
    ),
    "+OK\r\n",
  );
  for (const c of conns) {
    assert.equal(
      dec.decode(await c.command("CONFIG", "GET", "maxmemory-policy")),
      "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n",
    );
    assert.equal((await infoFields(c, "server")).get("hz"), "15");
  }
  await conns[0].command("CONFIG", "SET", "maxmemory-policy", "noeviction", "hz", "10");
});

// ---- CLIENT -------------------------------------------------------------------------------------

serverTest(
  "CLIENT LIST shows every shard's clients, in id order, with Redis's fields",
  async ({ ic, redis }) => {
    const others = await Promise.all(Array.from({ length: 4 }, () => connect(ic.port)));
    const ids: number[] = [];
    for (const [i, c] of others.entries()) {
      await c.command("CLIENT", "SETNAME", `peer-${i}`);
      ids.push(Number(dec.decode(await c.command("CLIENT", "ID")).slice(1, -2)));
    }
    const me = await connect(ic.port);
    const lines = (await text(me, "CLIENT", "LIST")).split("\n").filter(Boolean);
    const listedIds = lines.map((l) => Number(/^id=(\d+) /.exec(l)![1]));
    assert.deepEqual(listedIds, [...listedIds].sort((a, b) => a - b));
    for (const id of ids) assert.ok(listedIds.includes(id));
    for (let i = 0; i < 4; i++) assert.ok(lines.some((l) => l.includes(` name=peer-${i} `)));
    const mine = lines.find((l) => l.includes(" cmd=client|list "));
    assert.ok(mine, "the caller's own line shows the command it runs");

    const redisLine = (await text(await connect(redis.port), "CLIENT", "LIST")).split("\n")[0];
    const keys = (line: string) => line.split(" ").map((kv) => kv.slice(0, kv.indexOf("=")));
    assert.deepEqual(keys(lines[0]), keys(redisLine));

    // ID filters keep the order asked for, repeats included.
    const picked = (await text(
      me,
      "CLIENT",
      "LIST",
      "ID",
      String(ids[2]),
      String(ids[0]),
      "999999",
      String(ids[2]),
    ))
      .split("\n").filter(Boolean).map((l) => Number(/^id=(\d+) /.exec(l)![1]));
    assert.deepEqual(picked, [ids[2], ids[0], ids[2]]);
    const info = await text(others[1], "CLIENT", "INFO");
    assert.match(
      info,
      new RegExp(`^id=${ids[1]} .* name=peer-1 .* cmd=client\\|info .*resp=2\\n$`),
    );
  },
);

serverTest(
  "CLIENT KILL reaches clients on other shards, and skips the caller unless told",
  async ({ ic }) => {
    const victims = await Promise.all(Array.from({ length: 4 }, () => connect(ic.port)));
    const ids = await Promise.all(
      victims.map(async (c) => Number(dec.decode(await c.command("CLIENT", "ID")).slice(1, -2))),
    );
    const me = await connect(ic.port);
    assert.equal(dec.decode(await me.command("CLIENT", "KILL", "ID", String(ids[0]))), ":1\r\n");
    assert.ok(await victims[0].closedByServer());

    const addr = /addr=(\S+)/.exec(await text(victims[1], "CLIENT", "INFO"))![1];
    assert.equal(dec.decode(await me.command("CLIENT", "KILL", addr)), "+OK\r\n");
    assert.ok(await victims[1].closedByServer());

    // TYPE normal: every other normal client, on every shard, but not the caller.
    const killed = Number(
      dec.decode(await me.command("CLIENT", "KILL", "TYPE", "normal")).slice(1, -2),
    );
    assert.ok(killed >= 2, String(killed));
    for (const c of victims.slice(2)) assert.ok(await c.closedByServer());
    assert.equal(dec.decode(await me.command("PING")), "+PONG\r\n");

    const myAddr = /addr=(\S+)/.exec(await text(me, "CLIENT", "INFO"))![1];
    assert.equal(
      dec.decode(await me.command("CLIENT", "KILL", "ADDR", myAddr, "SKIPME", "no")),
      ":1\r\n",
    );
    assert.ok(await me.closedByServer());
  },
);

serverTest("CLIENT PAUSE and UNPAUSE apply to every shard", async ({ ic }) => {
  const c = await connect(ic.port);
  assert.equal(dec.decode(await c.command("CLIENT", "PAUSE", "50", "WRITE")), "+OK\r\n");
  assert.equal(dec.decode(await c.command("CLIENT", "UNPAUSE")), "+OK\r\n");
  assert.equal(dec.decode(await c.command("SET", "k", "v")), "+OK\r\n");
});

// Redis 7.0.15 judges EXEC by its own flags (no "write"), not by its queue's: a WRITE pause
// does not hold it (measured against redis-server; later versions hold it).
serverTest(
  "CLIENT PAUSE WRITE lets EXEC through, with its queued writes, as Redis 7.0 does",
  async ({ ic, redis }) => {
    for (const [label, server] of [["redis", redis], ["ironcache", ic]] as const) {
      const [admin, writer] = await Promise.all([0, 1].map(() => connect(server.port)));
      await admin.command("DEL", "paused:k");
      await writer.pipeline([["MULTI"], ["SET", "paused:k", "v"]]);
      assert.equal(dec.decode(await admin.command("CLIENT", "PAUSE", "400", "WRITE")), "+OK\r\n");
      assert.equal(dec.decode(await writer.command("EXEC")), "*1\r\n+OK\r\n", label);
      assert.equal(dec.decode(await admin.command("CLIENT", "UNPAUSE")), "+OK\r\n", label);
      assert.equal(dec.decode(await admin.command("GET", "paused:k")), "$1\r\nv\r\n", label);
      for (const c of [admin, writer]) c.close();
    }
  },
);

// ---- TIME, ROLE, LOLWUT, WAIT --------------------------------------------------------------------

serverTest("TIME is the server's clock in seconds and microseconds", async ({ ic }) => {
  const c = await connect(ic.port);
  const [secs, micros] = (await tree(c, "TIME")).children!.map((n) => latin1(n.payload!));
  assert.ok(Math.abs(Number(secs) - Date.now() / 1000) < 5);
  assert.match(micros, /^\d{1,6}$/);
});

serverTest(
  "LOLWUT VERSION 5 and 6 draw pictures the size Redis draws them",
  async ({ ic, redis }) => {
    const [mine, theirs] = await Promise.all([connect(ic.port), connect(redis.port)]);
    const shape = (s: string) =>
      // deno-lint-ignore no-control-regex -- strips the colour escapes
      s.split("\n").map((line) => [...line.replace(/\x1b\[[0-9;]*m/g, "")].length);
    for (
      const args of [["5"], ["5", "20", "3", "4"], ["5", "1"], ["6"], ["6", "30", "8"], [
        "6",
        "1",
        "1",
      ]]
    ) {
      const [a, b] = [
        await mine.command("LOLWUT", "VERSION", ...args),
        await theirs.command("LOLWUT", "VERSION", ...args),
      ];
      assert.deepEqual(
        shape(dec.decode(a)),
        shape(dec.decode(b)),
        `LOLWUT VERSION ${args.join(" ")}`,
      );
    }
  },
);

serverTest("WAIT for replicas waits out its timeout, then says 0", async ({ ic }) => {
  const c = await connect(ic.port);
  const t0 = performance.now();
  assert.equal(dec.decode(await c.command("WAIT", "1", "150")), ":0\r\n");
  assert.ok(performance.now() - t0 >= 140);
});

serverTest("DEBUG is refused while enable-debug-command is no", async ({ ic }) => {
  const c = await connect(ic.port);
  assert.match(
    dec.decode(await c.command("DEBUG", "SLEEP", "0")),
    /^-ERR DEBUG command not allowed\./,
  );
});

// ---- SHUTDOWN (its own server) -------------------------------------------------------------------

Deno.test("SHUTDOWN saves when it should, refuses to stop when that fails, NOSAVE stops", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-shutdown-" });
  const server = await startIronCache(["--save", "3600 1", "--dir", dir]);
  try {
    const c = await RawConnection.open(server.port);
    try {
      await c.command("SET", "k", "v");
      await Deno.remove(dir, { recursive: true }); // the save can't write its file now
      assert.equal(
        dec.decode(await c.command("SHUTDOWN")),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n",
      );
      assert.equal(
        dec.decode(await c.command("SHUTDOWN", "SAVE")),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n",
      );
      await Deno.mkdir(dir);
      await c.send("*1\r\n$8\r\nSHUTDOWN\r\n");
      assert.ok(await c.closedByServer(10_000));
    } finally {
      c.close();
    }
    const status = await Promise.race([
      server.process.status,
      new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
    ]);
    assert.equal(status?.code, 0);
    assert.ok((await Deno.stat(`${dir}/dump.rdb`)).isFile, "SHUTDOWN saved the dataset");
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("SHUTDOWN NOSAVE stops without saving", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-shutdown-" });
  const server = await startIronCache(["--save", "3600 1", "--dir", dir]);
  try {
    const c = await RawConnection.open(server.port);
    try {
      await c.send("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
      assert.ok(await c.closedByServer(5000));
    } finally {
      c.close();
    }
    assert.equal((await server.process.status).code, 0);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- DEBUG, where enable-debug-command allows it (its own servers) -------------------------------

const debugConfigurable = CONFIG_TABLE.some((e) => e.name === "enable-debug-command");

Deno.test({
  name: "DEBUG subcommands with enable-debug-command yes, compared with Redis",
  ignore: !debugConfigurable, // until the config table has the key
  fn: async () => {
    const [ic, redis] = await Promise.all([
      startIronCache(["--shards", "2", "--enable-debug-command", "yes"]),
      startRedis(["--enable-debug-command", "yes"]),
    ]);
    const [mine, theirs] = await Promise.all([
      RawConnection.open(ic.port),
      RawConnection.open(redis.port),
    ]);
    try {
      const same = async (...args: string[]) => {
        const [a, b] = [await mine.command(...args), await theirs.command(...args)];
        assert.equal(dec.decode(a), dec.decode(b), args.join(" "));
        return dec.decode(a);
      };
      await same("DEBUG", "HELP");
      await same("DEBUG", "SLEEP", "0");
      await same("DEBUG", "SLEEP", "abc");
      await same("DEBUG", "sleep", "0", "x");
      await same("DEBUG", "JMAP");
      await same("DEBUG", "ERROR", "oops");
      await same("DEBUG", "ERROR", "-CUSTOM code");
      await same("DEBUG", "ERROR", "two\r\nlines");
      await same("DEBUG", "POPULATE", "5", "a", "b", "c");
      await same("DEBUG", "LOG", "hello from the test");
      await same("DEBUG", "SET-ACTIVE-EXPIRE", "1");
      await same("DEBUG", "OBJECT", "missing");
      await same("DEBUG", "POPULATE", "-1");
      await same("DEBUG", "POPULATE", "x");
      await same("DEBUG", "POPULATE", "200", "item", "12");
      await same("DEBUG", "POPULATE", "250", "item");
      await same("DBSIZE");
      await same("GET", "item:7");
      await same("GET", "item:220");
      // DEBUG OBJECT: the address and LRU figures differ; encoding and sizes must not.
      const stable = (s: string) =>
        s.replace(/at:0x[0-9a-f]+/, "at:?").replace(/lru:\d+ lru_seconds_idle:\d+/, "lru:?");
      for (
        const [key, value] of [["s", "hello"], ["n", "123"], ["big", "70000"], ["neg", "-5"], [
          "long",
          "x".repeat(50),
        ]]
      ) {
        await same("SET", key, value);
        const [a, b] = [
          await mine.command("DEBUG", "OBJECT", key),
          await theirs.command("DEBUG", "OBJECT", key),
        ];
        assert.equal(stable(dec.decode(a)), stable(dec.decode(b)), key);
      }
      // CHANGE-REPL-ID changes the id on every shard alike.
      const replId = async () => (await infoFields(mine, "replication")).get("master_replid");
      const before = await replId();
      await same("DEBUG", "CHANGE-REPL-ID");
      const after = await replId();
      assert.notEqual(after, before);
      for (let i = 0; i < 3; i++) {
        const other = await RawConnection.open(ic.port);
        assert.equal((await infoFields(other, "replication")).get("master_replid"), after);
        other.close();
      }
      const t0 = performance.now();
      assert.equal(dec.decode(await mine.command("DEBUG", "SLEEP", "0.1")), "+OK\r\n");
      assert.ok(performance.now() - t0 >= 90);
    } finally {
      mine.close();
      theirs.close();
      await Promise.all([ic.stop(), redis.stop()]);
    }
  },
});
