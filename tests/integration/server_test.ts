// `./ironcache server` as a process: where it listens (flag, env, TOML, redis.conf and their
// precedence), the `cli`/`check` subcommands against it, shards, and its lifecycle
// (graceful stop on SIGTERM/SIGINT, a port in use).
import assert from "node:assert/strict";
import { freePort, RawConnection, repoRoot, startIronCache } from "../helpers/servers.ts";

const dec = new TextDecoder();

async function ironcache(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
) {
  const child = new Deno.Command(`${repoRoot}/ironcache`, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: opts.env,
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ping(port: number): Promise<string> {
  const c = await RawConnection.open(port);
  try {
    return dec.decode(await c.command("PING"));
  } finally {
    c.close();
  }
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-test-" });
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("--port flag, IRONCACHE_PORT, a TOML file and a redis.conf each choose the port", async () => {
  const viaFlag = await startIronCache();
  assert.equal(await ping(viaFlag.port), "+PONG\r\n");
  assert.equal((await viaFlag.stop()).code, 0);

  const envPort = freePort();
  const viaEnv = await startIronCache([], {
    env: { IRONCACHE_PORT: String(envPort) },
    port: envPort,
    noPortFlag: true,
  });
  assert.equal(await ping(envPort), "+PONG\r\n");
  await viaEnv.stop();

  const tomlPort = freePort();
  const toml = await tempFile("ironcache.toml", `port = ${tomlPort}\n`);
  const viaToml = await startIronCache(["--config", toml], { port: tomlPort, noPortFlag: true });
  assert.equal(await ping(tomlPort), "+PONG\r\n");
  await viaToml.stop();

  const confPort = freePort();
  const conf = await tempFile("redis.conf", `# a redis.conf\nport ${confPort}\ndaemonize no\n`);
  const viaConf = await startIronCache([conf], { port: confPort, noPortFlag: true });
  assert.equal(await ping(confPort), "+PONG\r\n");
  await viaConf.stop();
});

Deno.test("precedence: flag > env > TOML, and CONFIG-visible values follow it", async () => {
  const [tomlPort, envPort, flagPort] = [freePort(), freePort(), freePort()];
  const toml = await tempFile("p.toml", `port = ${tomlPort}\nmaxclients = 111\n`);
  // env beats TOML
  const a = await startIronCache(["--config", toml], {
    env: { IRONCACHE_PORT: String(envPort) },
    port: envPort,
    noPortFlag: true,
  });
  assert.equal(await ping(envPort), "+PONG\r\n");
  await a.stop();
  // flag beats env and TOML
  const b = await startIronCache(["--config", toml, "--port", String(flagPort)], {
    env: { IRONCACHE_PORT: String(envPort) },
    port: flagPort,
    noPortFlag: true,
  });
  assert.equal(await ping(flagPort), "+PONG\r\n");
  await b.stop();
  // `ironcache config` shows where each value came from
  const shown = await ironcache(["config", "--config", toml, "--port", String(flagPort)], {
    env: { IRONCACHE_PORT: String(envPort) },
  });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`port\\s+${flagPort}\\s+.*flag`));
  assert.match(shown.stdout, /maxclients\s+111\s+.*p\.toml/);
});

Deno.test("cli one-shot and piped stdin against the server", async () => {
  const server = await startIronCache();
  try {
    const set = await ironcache(["cli", "-p", String(server.port), "SET", "a", "b"]);
    assert.equal(set.stdout, "OK\n");
    const piped = await ironcache(["cli", "-p", String(server.port)], {
      stdin: "SET x 1\nINCR x\n",
    });
    assert.equal(piped.stdout, "OK\n(integer) 2\n");
    const get = await ironcache(["cli", "-p", String(server.port), "GET", "a"]);
    assert.equal(get.stdout, '"b"\n');
  } finally {
    await server.stop();
  }
});

Deno.test("check: one clear line per problem and exit 1; a good file exits 0", async () => {
  const bad = await tempFile("bad.toml", `prot = 1\nmaxmemory = "12xb"\nport = 70000\n`);
  const r = await ironcache(["check", "--config", bad]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split("\n").concat(r.stdout.trim().split("\n")).filter((l) =>
    l.includes("bad.toml")
  );
  assert.equal(lines.length, 3, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /prot.*port/); // the typo names the nearest key
  assert.doesNotMatch(r.stdout + r.stderr, /at .*\.ts:\d+/); // no stack trace
  const broken = await tempFile("broken.toml", `port = [\n`);
  const b = await ironcache(["check", "--config", broken]);
  assert.equal(b.code, 1);
  assert.match(b.stdout + b.stderr, /broken\.toml/);
  const good = await tempFile("good.toml", `port = 7777\nmaxmemory = "100mb"\n`);
  const g = await ironcache(["check", "--config", good]);
  assert.equal(g.code, 0, g.stdout + g.stderr);
});

Deno.test("SIGTERM and SIGINT stop an idle server within a second, exit 0", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const server = await startIronCache(["--shards", "2"]);
    const started = performance.now();
    const status = await server.stop(signal);
    assert.equal(status.code, 0, server.output());
    assert.ok(performance.now() - started < 1000, `stopped in ${performance.now() - started} ms`);
    assert.match(server.output(), /ready: pid=\d+ port=\d+ .*shards=2/);
  }
});

Deno.test("a port already in use is one clear error line and exit 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const r = await ironcache(["server", "--port", String(port)]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /address already in use/);
  } finally {
    listener.close();
  }
});

Deno.test("with several shards, keys on every shard are reachable from any connection", async () => {
  const server = await startIronCache(["--shards", "3"]);
  try {
    const conns = await Promise.all([1, 2, 3, 4].map(() => RawConnection.open(server.port)));
    const keys = Array.from({ length: 40 }, (_, i) => `key:${i}`);
    for (const [i, k] of keys.entries()) {
      assert.equal(dec.decode(await conns[i % 4].command("SET", k, `v${i}`)), "+OK\r\n");
    }
    for (const [i, k] of keys.entries()) {
      const v = `v${i}`;
      assert.equal(
        dec.decode(await conns[(i + 1) % 4].command("GET", k)),
        `$${v.length}\r\n${v}\r\n`,
      );
    }
    assert.equal(dec.decode(await conns[0].command("EXISTS", ...keys, "nope")), ":40\r\n");
    assert.equal(dec.decode(await conns[1].command("DEL", ...keys.slice(0, 20))), ":20\r\n");
    // A pipeline mixing shards keeps request order, with SELECT in the middle.
    await conns[2].send("SET p 1\r\nSELECT 1\r\nSET p 2\r\nGET p\r\nSELECT 0\r\nINCR p\r\n");
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(dec.decode(await conns[2].readReply()));
    assert.deepEqual(replies, [
      "+OK\r\n",
      "+OK\r\n",
      "+OK\r\n",
      "$1\r\n2\r\n",
      "+OK\r\n",
      ":2\r\n",
    ]);
    for (const c of conns) c.close();
  } finally {
    await server.stop();
  }
});

Deno.test("maxclients: one more client gets Redis's error and is closed", async () => {
  const server = await startIronCache(["--maxclients", "2", "--shards", "2"]);
  try {
    // The readiness probe's connection may not be counted out yet: retry until admitted.
    const admitted = async () => {
      for (let i = 0; i < 50; i++) {
        const c = await RawConnection.open(server.port);
        if (dec.decode(await c.command("PING")) === "+PONG\r\n") return c;
        c.close();
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("never admitted");
    };
    const a = await admitted(), b = await admitted();
    const c = await RawConnection.open(server.port);
    assert.equal(dec.decode(await c.readReply()), "-ERR max number of clients reached\r\n");
    assert.ok(await c.closedByServer());
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    const d = await RawConnection.open(server.port);
    assert.equal(dec.decode(await d.command("PING")), "+PONG\r\n"); // the slot was freed
    b.close();
    d.close();
  } finally {
    await server.stop();
  }
});

Deno.test("timeout: an idle client is closed, an active one is not", async () => {
  const server = await startIronCache(["--timeout", "1", "--hz", "50"]);
  try {
    const idle = await RawConnection.open(server.port);
    const active = await RawConnection.open(server.port);
    const started = Date.now();
    while (Date.now() - started < 2500) {
      assert.equal(dec.decode(await active.command("PING")), "+PONG\r\n");
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(await idle.closedByServer(500), "idle client still open after 2.5 s with timeout 1");
    assert.equal(dec.decode(await active.command("PING")), "+PONG\r\n");
    active.close();
  } finally {
    await server.stop();
  }
});

Deno.test("INFO stats count keyspace hits, misses and expired keys over every shard; RESETSTAT clears them", async () => {
  const server = await startIronCache(["--shards", "2"]);
  try {
    const c = await RawConnection.open(server.port);
    const stat = async (name: string) => {
      const info = dec.decode(await c.command("INFO", "stats"));
      return Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
    };
    for (const k of ["a", "b", "c", "d"]) await c.command("SET", k, "v");
    for (const k of ["a", "b", "c", "d", "x", "y"]) await c.command("GET", k);
    assert.equal(await stat("keyspace_hits"), 4);
    assert.equal(await stat("keyspace_misses"), 2);
    await c.command("SET", "gone", "v", "PX", "1");
    await new Promise((r) => setTimeout(r, 20));
    await c.command("GET", "gone");
    assert.equal(await stat("expired_keys"), 1);
    await c.command("CONFIG", "RESETSTAT");
    assert.equal(await stat("keyspace_hits"), 0);
    c.close();
  } finally {
    await server.stop();
  }
});
