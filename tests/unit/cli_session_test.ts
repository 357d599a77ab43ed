// The session logic in-process against a real redis-server: prompt state, pushes, -e, and
// runCli's one-shot path with a recording output.
import assert from "node:assert/strict";
import { startRedis } from "../helpers/servers.ts";
import { CliExit, CliSession } from "../../src/cli/session.ts";
import { defaultOptions } from "../../src/cli/options.ts";
import { RecordingOutput } from "../../src/cli/output.ts";
import { runCli } from "../../src/cli/main.ts";

const enc = new TextEncoder();
const words = (line: string) => line.split(" ").map((w) => enc.encode(w));

Deno.test("session: prompt follows the connection, SELECT and MULTI", async () => {
  const redis = await startRedis();
  const out = new RecordingOutput();
  const session = new CliSession({ ...defaultOptions(), port: redis.port, db: 1 }, out, true);
  try {
    assert.equal(session.prompt(), "not connected> ");
    assert.equal(await session.connect(), true);
    assert.equal(session.prompt(), `127.0.0.1:${redis.port}[1]> `);
    await session.run(words("SELECT 0"));
    assert.equal(session.prompt(), `127.0.0.1:${redis.port}> `);
    await session.run(words("SELECT 5"));
    await session.run(words("MULTI"));
    assert.equal(session.prompt(), `127.0.0.1:${redis.port}[5](TX)> `);
    await session.run(words("SELECT 6"));
    await session.run(words("DISCARD")); // back to the db before MULTI
    assert.equal(session.prompt(), `127.0.0.1:${redis.port}[5]> `);
    await session.run(words("SELECT 99"));
    assert.equal(session.prompt(), `127.0.0.1:${redis.port}[5]> `);
    assert.equal(
      out.stdoutText(),
      "OK\nOK\nOK\nQUEUED\nOK\n(error) ERR DB index is out of range\n",
    );
  } finally {
    session.close();
    await redis.stop();
  }
});

Deno.test("session: RESP3 client-tracking pushes are shown before the next reply", async () => {
  const redis = await startRedis();
  const out = new RecordingOutput();
  const session = new CliSession({ ...defaultOptions(), port: redis.port, protocol: 3 }, out, true);
  const other = new CliSession(
    { ...defaultOptions(), port: redis.port },
    new RecordingOutput(),
    true,
  );
  try {
    await session.run(words("CLIENT TRACKING on"));
    await session.run(words("GET tracked"));
    await other.run(words("SET tracked 1"));
    await session.run(words("PING"));
    assert.equal(out.stdoutText(), "OK\n(nil)\n-> invalidate: 'tracked'\nPONG\n");
  } finally {
    session.close();
    other.close();
    await redis.stop();
  }
});

Deno.test("session: -e turns a one-shot error reply into exit 1", async () => {
  const redis = await startRedis();
  const out = new RecordingOutput();
  const options = { ...defaultOptions(), port: redis.port, exitOnErrorReply: true };
  const session = new CliSession(options, out, false);
  try {
    await assert.rejects(
      () => session.run(words("NOSUCHCOMMAND")),
      (e) => e instanceof CliExit && e.code === 1,
    );
    assert.match(out.stderrText(), /^ERR unknown command 'NOSUCHCOMMAND'/);
    assert.equal(out.stdoutText(), "");
  } finally {
    session.close();
    await redis.stop();
  }
});

Deno.test("runCli: one-shot commands, usage and option errors", async () => {
  const redis = await startRedis();
  try {
    const ok = new RecordingOutput();
    assert.equal(await runCli(["-p", String(redis.port), "SET", "a", "b"], ok), 0);
    assert.equal(ok.stdoutText(), "OK\n");
    const raw = new RecordingOutput();
    assert.equal(await runCli(["-p", String(redis.port), "--raw", "GET", "a"], raw), 0);
    assert.equal(raw.stdoutText(), "b\n");
    const help = new RecordingOutput();
    assert.equal(await runCli(["--help"], help), 0);
    assert.match(help.stdoutText(), /^ironcache cli: /);
    const bad = new RecordingOutput();
    assert.equal(await runCli(["--nope"], bad), 1);
    assert.equal(bad.stderrText(), "Unrecognized option or bad number of args for: '--nope'\n");
  } finally {
    await redis.stop();
  }
});
