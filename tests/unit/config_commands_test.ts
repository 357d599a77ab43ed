// `ironcache check` and `ironcache config`: exit codes, one line per problem, no stack traces.
import assert from "node:assert/strict";
import { type CommandIO, runCheckCommand, runConfigCommand } from "../../src/config/commands.ts";
import { CONFIG_TABLE } from "../../src/config/table.ts";
import { serverUsage, wantsHelp } from "../../src/config/usage.ts";

function fakeIO(env: Record<string, string> = {}) {
  const out: string[] = [], err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: () => env };
  return { io, out, err };
}

async function inTempDir(files: Record<string, string>, body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-check-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("check: a good config exits 0 with a short summary", async () => {
  await inTempDir({
    "ok.toml": 'port = 6380\nmaxmemory = "1gb"\nmaxmemory-policy = "allkeys-lru"\n',
  }, async (dir) => {
    const { io, out, err } = fakeIO();
    assert.equal(await runCheckCommand(["--config", `${dir}/ok.toml`, "--shards", "3"], io), 0);
    assert.deepEqual(err, []);
    const text = out.join("\n");
    assert.match(text, /^configuration OK/);
    assert.match(text, new RegExp(`config files: ${dir}/ok.toml`));
    assert.match(text, /listen: +127\.0\.0\.1 port 6380/);
    assert.match(text, /shards: +3, databases 16/);
    assert.match(text, /maxmemory: +1gb, policy allkeys-lru/);
    assert.match(text, /port \(file .*ok\.toml:1\)/);
  });
});

Deno.test("check: every kind of problem is one line and exit 1", async () => {
  const bad = [
    "maxmemroy = 1", //          typo -> nearest key
    'maxmemory = "12xb"', //     bad size
    "port = 70000", //           out of range
    'timeout = "abc"', //        wrong type
  ].join("\n");
  await inTempDir({ "bad.toml": bad, "broken.toml": "port = = 1\n" }, async (dir) => {
    const { io, out, err } = fakeIO();
    assert.equal(await runCheckCommand(["--config", `${dir}/bad.toml`], io), 1);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [
      `${dir}/bad.toml:1: unknown key 'maxmemroy' (did you mean 'maxmemory'?)`,
      `${dir}/bad.toml:2: key 'maxmemory': '12xb' is not a valid size (use bytes or a unit: 100mb, 1gb; 1k = 1000, 1kb = 1024)`,
      `${dir}/bad.toml:3: key 'port': '70000' is out of range (0..65535)`,
      `${dir}/bad.toml:4: key 'timeout': 'abc' is not an integer`,
    ]);

    const broken = fakeIO();
    assert.equal(await runCheckCommand(["--config", `${dir}/broken.toml`], broken.io), 1);
    assert.equal(broken.err.length, 1);
    assert.match(broken.err[0], new RegExp(`^${dir}/broken.toml:1:\\d+: invalid TOML: [^\\n]+$`));

    const missing = fakeIO();
    assert.equal(await runCheckCommand(["--config", `${dir}/missing.toml`], missing.io), 1);
    assert.deepEqual(missing.err, [`${dir}/missing.toml: cannot read config file: no such file`]);
  });
});

Deno.test("check: problems from flags and env, and warnings that do not fail", async () => {
  const { io, err } = fakeIO({ IRONCACHE_PORT: "abc" });
  assert.equal(await runCheckCommand(["--maxmemroy", "1"], io), 1);
  assert.deepEqual(err, [
    "env IRONCACHE_PORT: key 'port': 'abc' is not an integer",
    "command line: unknown option '--maxmemroy' (did you mean '--maxmemory'?)",
  ]);
  const warned = fakeIO({ IRONCACHE_MAXMEMORY_POLCY: "x" });
  assert.equal(await runCheckCommand([], warned.io), 0);
  assert.deepEqual(warned.err, [
    "warning: env IRONCACHE_MAXMEMORY_POLCY: not a config variable (did you mean IRONCACHE_MAXMEMORY_POLICY?)",
  ]);
});

Deno.test("check and config never print a stack trace", async () => {
  const io: CommandIO = {
    out: () => {},
    err: (l) => lines.push(l),
    env: () => {
      throw new Error("boom\n    at somewhere");
    },
  };
  const lines: string[] = [];
  assert.equal(await runCheckCommand([], io), 1);
  assert.equal(await runConfigCommand([], io), 1);
  assert.deepEqual(lines, [
    "ironcache check: boom at somewhere",
    "ironcache config: boom at somewhere",
  ]);
});

Deno.test("config: every key, its value and source; secrets hidden", async () => {
  await inTempDir({ "r.conf": "maxmemory 100mb\nsave 900 1\n" }, async (dir) => {
    const { io, out } = fakeIO({ IRONCACHE_REQUIREPASS: "hunter2", IRONCACHE_LOG_LEVEL: "debug" });
    assert.equal(await runConfigCommand([`${dir}/r.conf`, "--port", "7000"], io), 0);
    const text = out.join("\n");
    assert.match(text, /^port +7000 +# flag --port$/m);
    assert.match(text, new RegExp(`^maxmemory +104857600 +# file ${dir}/r.conf:1$`, "m"));
    assert.match(text, new RegExp(`^save +900 1 +# file ${dir}/r.conf:2$`, "m"));
    assert.match(text, /^loglevel +debug +# env IRONCACHE_LOG_LEVEL$/m);
    assert.match(text, /^notify-keyspace-events +"" +# default$/m);
    assert.match(text, /^# requirepass is set \(hidden\) +# env IRONCACHE_REQUIREPASS$/m);
    assert.ok(!text.includes("hunter2"));
    assert.equal(out.length, 1 + CONFIG_TABLE.length);
  });
  const bad = fakeIO();
  assert.equal(await runConfigCommand(["--port", "x"], bad.io), 1);
  assert.deepEqual(bad.err, ["command line: key 'port': 'x' is not an integer"]);
});

Deno.test("--help prints usage and exits 0; server usage lists every key", async () => {
  for (const run of [runCheckCommand, runConfigCommand]) {
    const { io, out } = fakeIO();
    assert.equal(await run(["--help"], io), 0);
    assert.match(out.join("\n"), /^Usage: ironcache (check|config) \[redis\.conf\]/);
  }
  assert.ok(wantsHelp(["--port", "1", "-h"]));
  const usage = serverUsage();
  for (
    const flag of [
      "--port N",
      "--bind ADDRS",
      "--shards N",
      "--loglevel NAME",
      "--maxmemory SIZE",
      "--config FILE.toml",
    ]
  ) {
    assert.ok(usage.includes(flag), flag);
  }
  assert.match(usage, /alias --log-level/);
});
