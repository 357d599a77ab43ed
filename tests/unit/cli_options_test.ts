import assert from "node:assert/strict";
import { atoi, type CliOptions, parseCliArgs } from "../../src/cli/options.ts";
import { historyFilePath, isSensitiveCommand } from "../../src/cli/history.ts";

function run(argv: string[]): { options: CliOptions; command: string[] } {
  const parsed = parseCliArgs(argv);
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return parsed as { kind: "run"; options: CliOptions; command: string[] };
}

Deno.test("options: defaults and the usual flags", () => {
  const { options, command } = run([]);
  assert.equal(options.host, "127.0.0.1");
  assert.equal(options.port, 6379);
  assert.equal(options.db, 0);
  assert.equal(options.protocol, 2);
  assert.equal(options.raw, false);
  assert.deepEqual(command, []);

  const parsed = run([
    "-h",
    "cache.local",
    "-p",
    "7001",
    "-a",
    "pw",
    "--user",
    "bob",
    "-n",
    "3",
    "--resp3",
    "--raw",
    "GET",
    "-x",
  ]);
  assert.deepEqual(
    [
      parsed.options.host,
      parsed.options.port,
      parsed.options.password,
      parsed.options.user,
      parsed.options.db,
      parsed.options.protocol,
      parsed.options.raw,
    ],
    ["cache.local", 7001, "pw", "bob", 3, 3, true],
  );
  assert.deepEqual(parsed.command, ["GET", "-x"]); // options end at the command
  assert.equal(run(["-3", "--resp3"]).options.protocol, 3);
  assert.equal(run(["--raw", "--no-raw"]).options.raw, false);
  assert.equal(run(["-r", "5", "-i", "0.25"]).options.intervalMs, 250);
  assert.equal(run(["-r", "-1"]).options.repeat, -1);
  assert.equal(run(["-p", "abc"]).options.port, 0); // atoi, as redis-cli
});

Deno.test("options: help, version and redis-cli's error text", () => {
  assert.deepEqual(parseCliArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseCliArgs(["-h"]), { kind: "help" }); // -h without a host
  assert.deepEqual(parseCliArgs(["--version"]), { kind: "version" });
  assert.deepEqual(parseCliArgs(["--bogus"]), {
    kind: "error",
    message: "Unrecognized option or bad number of args for: '--bogus'",
  });
  assert.deepEqual(parseCliArgs(["-3", "-2"]), {
    kind: "error",
    message: "Options -2 and -3 are mutually exclusive.",
  });
  assert.deepEqual(parseCliArgs(["-p"]), {
    kind: "error",
    message: "Unrecognized option or bad number of args for: '-p'",
  });
});

Deno.test("options: -u redis:// URIs", () => {
  const full = run(["-u", "redis://alice:p%40ss@example.com:7002/4"]).options;
  assert.deepEqual([full.user, full.password, full.host, full.port, full.db], [
    "alice",
    "p@ss",
    "example.com",
    7002,
    4,
  ]);
  const passwordOnly = run(["-u", "redis://secret@localhost"]).options;
  assert.deepEqual(
    [passwordOnly.user, passwordOnly.password, passwordOnly.host, passwordOnly.port],
    [undefined, "secret", "localhost", 6379],
  );
  const emptyUser = run(["-u", "redis://:secret@h:1"]).options;
  assert.equal(emptyUser.user, ""); // redis-cli then sends AUTH "" secret, too
  const dbOnly = run(["-p", "7001", "-u", "REDIS:///9"]).options;
  assert.deepEqual([dbOnly.host, dbOnly.port, dbOnly.db], ["127.0.0.1", 7001, 9]);
  assert.deepEqual(parseCliArgs(["-u", "http://x"]), {
    kind: "error",
    message: "Invalid URI scheme",
  });
  assert.deepEqual(parseCliArgs(["-u", "redis://a%zz@h"]), {
    kind: "error",
    message: "Illegal character in URI encoding",
  });
});

Deno.test("options: atoi reads leading digits like C", () => {
  assert.equal(atoi("42abc"), 42);
  assert.equal(atoi("  -7"), -7);
  assert.equal(atoi("x"), 0);
});

Deno.test("history: file location and which commands stay out of it", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(historyFilePath(env({ HOME: "/home/u" })), "/home/u/.ironcache_cli_history");
  assert.equal(
    historyFilePath(env({ HOME: "/home/u", IRONCACHE_CLI_HISTFILE: "/tmp/h" })),
    "/tmp/h",
  );
  assert.equal(historyFilePath(env({ IRONCACHE_CLI_HISTFILE: "/dev/null" })), null);
  assert.equal(historyFilePath(env({})), null);

  assert.equal(isSensitiveCommand(["auth", "pw"]), true);
  assert.equal(isSensitiveCommand(["ACL", "SETUSER", "bob", ">pw"]), true);
  assert.equal(isSensitiveCommand(["config", "set", "requirepass", "x"]), true);
  assert.equal(isSensitiveCommand(["config", "set", "maxmemory", "1"]), false);
  assert.equal(isSensitiveCommand(["HELLO", "3", "SETNAME", "n", "AUTH", "u", "p"]), true);
  assert.equal(isSensitiveCommand(["HELLO", "3", "SETNAME", "n"]), false);
  assert.equal(
    isSensitiveCommand(["MIGRATE", "h", "1", "", "0", "5", "AUTH", "pw", "KEYS", "a"]),
    true,
  );
  assert.equal(isSensitiveCommand(["GET", "auth"]), false);
});
