// loadConfig(): layering, sources, spellings, redis.conf and TOML files, env, command line.
import assert from "node:assert/strict";
import { formatProblem, loadConfig, type LoadedConfig } from "../../src/config/load.ts";

async function withFiles(files: Record<string, string>, body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-config-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const problems = (c: LoadedConfig) => c.problems.map(formatProblem);

Deno.test("defaults: Redis's values, and shards = CPU count", async () => {
  const c = await loadConfig([], {});
  assert.deepEqual(problems(c), []);
  assert.equal(c.values.port, 6379);
  assert.equal(c.values.bind, "127.0.0.1");
  assert.equal(c.values.loglevel, "notice");
  assert.equal(c.values["proto-max-bulk-len"], 512 * 1024 * 1024);
  assert.equal(c.values["client-query-buffer-limit"], 1024 ** 3);
  assert.equal(c.values["protected-mode"], true);
  assert.equal(c.values.appendonly, false);
  assert.equal(c.values.dir, Deno.cwd());
  assert.equal(c.values.shards, Math.min(256, navigator.hardwareConcurrency));
  assert.equal(c.sources.port, "default");
  assert.equal(c.configFile, undefined);
});

Deno.test("precedence: default < redis.conf < TOML < env < flag, with sources", async () => {
  await withFiles({
    "redis.conf": "port 7001\nmaxmemory 1mb\ntimeout 5\nhz 11\ntcp-keepalive 60\n",
    "ic.toml": '# comment\nport = 7002\nmaxmemory = "2mb"\ntimeout = 6\nhz = 12\n',
  }, async (dir) => {
    const env = { IRONCACHE_PORT: "7003", IRONCACHE_MAXMEMORY: "3mb", IRONCACHE_TIMEOUT: "7" };
    const c = await loadConfig([
      `${dir}/redis.conf`,
      "--config",
      `${dir}/ic.toml`,
      "--port",
      "7004",
      "--maxmemory",
      "4mb",
    ], env);
    assert.deepEqual(problems(c), []);
    assert.equal(c.values.port, 7004);
    assert.equal(c.sources.port, "flag --port");
    assert.equal(c.values.maxmemory, 4 * 1024 * 1024);
    assert.equal(c.values.timeout, 7);
    assert.equal(c.sources.timeout, "env IRONCACHE_TIMEOUT");
    assert.equal(c.values.hz, 12);
    assert.equal(c.sources.hz, `file ${dir}/ic.toml:5`);
    assert.equal(c.values["tcp-keepalive"], 60);
    assert.equal(c.sources["tcp-keepalive"], `file ${dir}/redis.conf:5`);
    assert.equal(c.sources.databases, "default");
    assert.equal(c.configFile, `${dir}/ic.toml`);
    assert.deepEqual(c.configFiles, [`${dir}/redis.conf`, `${dir}/ic.toml`]);
  });
});

Deno.test("key spellings: case-insensitive, '_' == '-', aliases, everywhere", async () => {
  await withFiles({
    "a.toml": 'maxmemory_policy = "allkeys-lru"\nLOG_LEVEL = "debug"\n',
    "r.conf": "MAXMEMORY_POLICY volatile-ttl\nProto_Max_Bulk_Len 2mb\n",
  }, async (dir) => {
    let c = await loadConfig(["--config", `${dir}/a.toml`], {});
    assert.deepEqual(problems(c), []);
    assert.equal(c.values["maxmemory-policy"], "allkeys-lru");
    assert.equal(c.values.loglevel, "debug");
    c = await loadConfig([`${dir}/r.conf`, "--Log-Level", "warning", "--slowlog_max_len", "5"], {});
    assert.deepEqual(problems(c), []);
    assert.equal(c.values["maxmemory-policy"], "volatile-ttl");
    assert.equal(c.values["proto-max-bulk-len"], 2 * 1024 * 1024);
    assert.equal(c.values.loglevel, "warning");
    assert.equal(c.sources.loglevel, "flag --Log-Level");
    assert.equal(c.values["slowlog-max-len"], 5);
    c = await loadConfig([], {
      IRONCACHE_LOG_LEVEL: "verbose",
      IRONCACHE_MAXMEMORY_POLICY: "allkeys-lfu",
    });
    assert.equal(c.values.loglevel, "verbose");
    assert.equal(c.values["maxmemory-policy"], "allkeys-lfu");
    c = await loadConfig([], { IRONCACHE_LOGLEVEL: "debug" });
    assert.equal(c.values.loglevel, "debug");
    assert.equal(c.sources.loglevel, "env IRONCACHE_LOGLEVEL");
  });
});

Deno.test("command line: redis-server style options", async () => {
  let c = await loadConfig([
    "--port",
    "6380",
    "--maxmemory",
    "1gb",
    "--save",
    "900",
    "1",
    "--save",
    "300",
    "10",
  ], {});
  assert.deepEqual(problems(c), []);
  assert.equal(c.values.maxmemory, 1024 ** 3);
  assert.equal(c.values.save, "900 1 300 10"); // repeated save adds up, as in Redis
  c = await loadConfig(["--save", "--port", "1234"], {}); // bare --save means --save ""
  assert.equal(c.values.save, "");
  assert.equal(c.values.port, 1234);
  c = await loadConfig(["--bind", "127.0.0.1 ::1", "--port=7000", "--requirepass", "--odd"], {});
  assert.deepEqual(problems(c), []);
  assert.equal(c.values.bind, "127.0.0.1 ::1");
  assert.equal(c.values.port, 7000);
  assert.equal(c.values.requirepass, "--odd"); // the first value is taken as is, like redis-server
  c = await loadConfig(
    ["--slowlog-log-slower-than", "-1", "--daemonize", "no", "--logfile", ""],
    {},
  );
  assert.deepEqual(problems(c), []);
  assert.equal(c.values["slowlog-log-slower-than"], -1);
});

Deno.test("command line: unknown options and bad arguments are one-line problems", async () => {
  const c = await loadConfig(
    ["--maxmemroy", "1gb", "--port", "1", "2", "--daemonize", "yes", "--frobnicate", "x", "--hz"],
    {},
  );
  assert.deepEqual(problems(c), [
    "command line: unknown option '--maxmemroy' (did you mean '--maxmemory'?)",
    "command line: key 'port': expects exactly one value, got 2",
    "command line: option '--daemonize yes' is not supported: IronCache always runs in the foreground " +
    "(only 'daemonize no' is accepted)",
    "command line: unknown option '--frobnicate'",
    "command line: option '--hz' needs a value",
  ]);
  const c2 = await loadConfig(["--port", "70000", "--maxmemory", "12xb"], {});
  assert.deepEqual(problems(c2), [
    "command line: key 'port': '70000' is out of range (0..65535)",
    "command line: key 'maxmemory': '12xb' is not a valid size (use bytes or a unit: 100mb, 1gb; 1k = 1000, 1kb = 1024)",
  ]);
  const c3 = await loadConfig(["a.conf", "b.conf"], {});
  assert.ok(
    problems(c3).includes(
      "command line: unexpected argument 'b.conf' (a redis.conf path must come first)",
    ),
  );
});

Deno.test("redis.conf: comments, quotes, no-ops, unsupported directives with file:line", async () => {
  const conf = [
    "# a Redis config",
    "port 7004",
    "   maxmemory 100mb   ",
    "",
    'requirepass "s3cret pass"',
    "daemonize no",
    "supervised systemd",
    "pidfile /var/run/redis.pid",
    'logfile ""',
    "lazyfree-lazy-eviction yes",
    "io-threads 4",
    "save 900 1",
    "save 300 10",
    "bind 127.0.0.1 ::1",
    'notify-keyspace-events ""',
    "",
  ].join("\n");
  await withFiles({ "redis.conf": conf }, async (dir) => {
    const c = await loadConfig([`${dir}/redis.conf`], {});
    assert.deepEqual(problems(c), []);
    assert.equal(c.values.port, 7004);
    assert.equal(c.sources.port, `file ${dir}/redis.conf:2`);
    assert.equal(c.values.maxmemory, 100 * 1024 * 1024);
    assert.equal(c.values.requirepass, "s3cret pass");
    assert.equal(c.values.save, "900 1 300 10");
    assert.equal(c.sources.save, `file ${dir}/redis.conf:13`);
    assert.equal(c.values.bind, "127.0.0.1 ::1");
    assert.equal(c.configFile, `${dir}/redis.conf`);
  });
  const bad = [
    "port 7004",
    'rename-command FLUSHALL ""',
    "maxmemroy 1gb",
    "include /etc/redis/other.conf",
    "daemonize yes",
    "port 1 2",
    'requirepass "unterminated',
    "maxmemory 12xb",
    "lua-time-limit 5000",
  ].join("\n");
  await withFiles({ "bad.conf": bad }, async (dir) => {
    const f = `${dir}/bad.conf`;
    const c = await loadConfig([f], {});
    assert.deepEqual(problems(c), [
      `${f}:2: unsupported directive 'rename-command'`,
      `${f}:3: unsupported directive 'maxmemroy' (did you mean 'maxmemory'?)`,
      `${f}:4: directive 'include' is not supported; merge the files into one`,
      `${f}:5: directive 'daemonize yes' is not supported: IronCache always runs in the foreground (only 'daemonize no' is accepted)`,
      `${f}:6: key 'port': expects exactly one value, got 2`,
      `${f}:7: unbalanced quotes in the line`,
      `${f}:8: key 'maxmemory': '12xb' is not a valid size (use bytes or a unit: 100mb, 1gb; 1k = 1000, 1kb = 1024)`,
      `${f}:9: unsupported directive 'lua-time-limit'`,
    ]);
  });
});

Deno.test("redis.conf and TOML together: the TOML file wins", async () => {
  await withFiles({ "r.conf": "port 7001\nhz 20\n", "c.toml": "port = 7002\n" }, async (dir) => {
    const c = await loadConfig([`${dir}/r.conf`, "--config", `${dir}/c.toml`], {});
    assert.equal(c.values.port, 7002);
    assert.equal(c.values.hz, 20);
  });
});

Deno.test("TOML: types, typos, wrong types, broken syntax, tables, duplicates", async () => {
  const good = [
    "port = 6380",
    'maxmemory = "1gb"',
    "proto-max-bulk-len = 2097152",
    "protected-mode = false",
    'appendonly = "yes"',
    'bind = ["127.0.0.1", "::1"]',
    'save = "900 1   300 10"',
    'requirepass = """',
    'port = "not a key line"',
    '"""',
  ].join("\n");
  await withFiles({ "good.toml": good }, async (dir) => {
    const c = await loadConfig(["--config", `${dir}/good.toml`], {});
    assert.deepEqual(problems(c), []);
    assert.equal(c.values.maxmemory, 1024 ** 3);
    assert.equal(c.values["proto-max-bulk-len"], 2097152);
    assert.equal(c.values["protected-mode"], false);
    assert.equal(c.values.appendonly, true);
    assert.equal(c.values.bind, "127.0.0.1 ::1");
    assert.equal(c.values.save, "900 1 300 10");
    assert.equal(c.values.requirepass, 'port = "not a key line"\n');
    assert.equal(c.sources.requirepass, `file ${dir}/good.toml:8`);
    assert.equal(c.sources.port, `file ${dir}/good.toml:1`);
  });
  const bad = [
    "maxmemroy = 1",
    'port = "abc"',
    "hz = true",
    "timeout = 1.5",
    'maxmemory = "12xb"',
    "[server]",
    "port = 1",
  ].join("\n");
  await withFiles({
    "bad.toml": bad,
    "dup.toml": 'maxmemory_policy = "noeviction"\nmaxmemory-policy = "allkeys-lru"\n',
  }, async (dir) => {
    const f = `${dir}/bad.toml`;
    const c = await loadConfig(["--config", f], {});
    assert.deepEqual(problems(c), [
      `${f}:1: unknown key 'maxmemroy' (did you mean 'maxmemory'?)`,
      `${f}:2: key 'port': 'abc' is not an integer`,
      `${f}:3: key 'hz': wrong type: expected integer (0..2147483647), got a boolean`,
      `${f}:4: key 'timeout': wrong type: expected integer (0..2147483647), got the float 1.5`,
      `${f}:5: key 'maxmemory': '12xb' is not a valid size (use bytes or a unit: 100mb, 1gb; 1k = 1000, 1kb = 1024)`,
      `${f}:6: table [server] is not supported; put config keys at the top level`,
    ]);
    const d = await loadConfig(["--config", `${dir}/dup.toml`], {});
    assert.deepEqual(problems(d), [
      `${dir}/dup.toml:2: key 'maxmemory-policy': set twice (also as 'maxmemory_policy' on line 1)`,
    ]);
  });
  await withFiles(
    { "broken.toml": 'port = 6380\nmaxmemory = "1gb\n', "r.conf": "port 6380\n" },
    async (dir) => {
      const c = await loadConfig(["--config", `${dir}/broken.toml`], {});
      assert.equal(c.problems.length, 1);
      assert.match(problems(c)[0], new RegExp(`^${dir}/broken.toml:2:\\d+: invalid TOML: .+$`));
      const r = await loadConfig(["--config", `${dir}/r.conf`], {});
      assert.match(
        problems(r)[0],
        /invalid TOML: .* \(--config takes TOML; give a redis.conf as the first argument\)$/,
      );
    },
  );
});

Deno.test("unreadable or missing files are problems, not exceptions", async () => {
  const c = await loadConfig(["/nonexistent/redis.conf", "--config", "/nonexistent/x.toml"], {});
  assert.deepEqual(problems(c), [
    "/nonexistent/redis.conf: cannot read config file: no such file",
    "/nonexistent/x.toml: cannot read config file: no such file",
  ]);
  const d = await loadConfig(["--config", "/tmp"], {});
  assert.equal(d.problems.length, 1);
  assert.match(problems(d)[0], /^\/tmp: cannot read config file: /);
});

Deno.test("env: bad values, conflicting spellings, and warnings for near-miss names", async () => {
  const c = await loadConfig([], {
    IRONCACHE_PORT: "abc",
    IRONCACHE_LOG_LEVEL: "debug",
    IRONCACHE_LOGLEVEL: "notice",
    IRONCACHE_MAXMEMORY_POLCY: "allkeys-lru",
    IRONCACHE_CLI_AUTH: "secret",
    IRONCACHE_SAVE: "  900 1   300 10 ",
  });
  assert.deepEqual(problems(c), [
    "env IRONCACHE_LOG_LEVEL, IRONCACHE_LOGLEVEL: key 'loglevel': these variables disagree; set only IRONCACHE_LOG_LEVEL",
    "env IRONCACHE_PORT: key 'port': 'abc' is not an integer",
  ]);
  assert.equal(c.values.save, "900 1 300 10");
  assert.deepEqual((c.warnings ?? []).map(formatProblem), [
    "env IRONCACHE_MAXMEMORY_POLCY: not a config variable (did you mean IRONCACHE_MAXMEMORY_POLICY?)",
  ]);
});

Deno.test("problems are collected, not thrown, even from several layers at once", async () => {
  await withFiles({ "bad.toml": "port = 70000\n" }, async (dir) => {
    const c = await loadConfig(["--config", `${dir}/bad.toml`, "--maxmemory", "12xb"], {
      IRONCACHE_HZ: "x",
    });
    assert.equal(c.problems.length, 3);
    assert.deepEqual(c.problems.map((p) => p.key), ["port", "hz", "maxmemory"]);
    assert.equal(c.problems[0].line, 1);
  });
});
