// client-output-buffer-limit: settings that name some classes keep the others (config file
// lines, flags, CONFIG SET; compared with redis-server), and the hard/soft decision.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { overOutputLimit, parseOutputLimits } from "../../src/server/output_limits.ts";
import { Client } from "../../src/server/client.ts";
import { RawConnection, startRedis } from "../helpers/servers.ts";
import { type ClientConn, Connection } from "../../src/server/connection.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";

Deno.test("client-output-buffer-limit: lines and flags that name some classes keep the others", async () => {
  const dir = Deno.makeTempDirSync();
  const conf = `${dir}/redis.conf`;
  const lines = [["normal", "1mb 512kb 10"], ["pubsub", "1 2 3"]];
  Deno.writeTextFileSync(
    conf,
    lines.map(([cls, rest]) => `client-output-buffer-limit ${cls} ${rest}\n`).join(""),
  );
  const flag = ["--client-output-buffer-limit", "replica 64mb 16mb 5"];
  // redis-server: the file's lines as flags (its config file must come before the flags
  // startRedis adds), then the same flag; both apply in order, like IronCache's layers.
  const ref = await startRedis([
    ...lines.flatMap(([cls, rest]) => ["--client-output-buffer-limit", `${cls} ${rest}`]),
    ...flag,
  ]);
  const get = async () => {
    const conn = await RawConnection.open(ref.port);
    const reply = new TextDecoder().decode(
      await conn.command("CONFIG", "GET", "client-output-buffer-limit"),
    );
    conn.close();
    return reply.split("\r\n")[4];
  };
  try {
    const loaded = await loadConfig([conf, ...flag], {});
    assert.deepEqual(loaded.problems, []);
    const store = new ConfigStore(loaded);
    assert.equal(store.get("client-output-buffer-limit"), await get());
    const conn = await RawConnection.open(ref.port);
    await conn.command("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
    conn.close();
    assert.equal(store.setMany([["client-output-buffer-limit", "normal 0 0 0"]]), null);
    assert.equal(store.get("client-output-buffer-limit"), await get());
  } finally {
    await ref.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("overOutputLimit: hard at once, soft after its seconds, the first 16 KB free", () => {
  const limits = parseOutputLimits("normal 100000 50000 2 slave 0 0 0 pubsub 0 0 0");
  const client = new Client("127.0.0.1:1", "127.0.0.1:2", 1);
  const t0 = 1_000_000_000;
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 99_999, t0), false);
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 100_000, t0), true);
  // Soft: seen at t0, still within 2 s at t0 + 2 s, over after that.
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 60_000, t0), false);
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 60_000, t0 + 2000), false);
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 60_000, t0 + 3000), true);
  // Dropping below the soft limit restarts the clock.
  assert.equal(overOutputLimit(limits, client, 1000, t0 + 3000), false);
  assert.equal(overOutputLimit(limits, client, 16 * 1024 + 60_000, t0 + 4000), false);
  // No limits for the class: never.
  const none = parseOutputLimits("normal 0 0 0 slave 0 0 0 pubsub 0 0 0");
  assert.equal(overOutputLimit(none, client, 1e9, t0), false);
});

/** A socket whose peer never reads: writes never complete; reads wait for ever. */
class StuckConn implements ClientConn {
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  readonly localAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 2 };
  closed = false;
  private ended: () => void = () => {};
  read(): Promise<number | null> {
    return new Promise((resolve) => this.ended = () => resolve(null));
  }
  write(): Promise<number> {
    return new Promise(() => {});
  }
  close(): void {
    this.closed = true;
    this.ended();
  }
}

Deno.test("deliveries to a client that does not read are bounded by its class's limit", async () => {
  const config = new ConfigStore(await loadConfig([], {}));
  assert.equal(config.setMany([["client-output-buffer-limit", "normal 100kb 0 0"]]), null);
  const shard = new Shard(0, 1, createKeyspace(), config);
  const conn = new StuckConn();
  const connection = new Connection(conn, shard, null, { isShuttingDown: () => false });
  const served = connection.serve();
  const chunk = new Uint8Array(40 * 1024);
  connection.client.deliver(chunk); // written at once: 40 KB stuck in the socket
  connection.client.deliver(chunk);
  connection.client.deliver(chunk); // 120 KB unsent, minus the 16 KB Redis does not count
  // A write Deno has not resolved yet may still be taken whole (a burst of messages while a
  // reader's write is in flight): nothing counts until the socket refuses ...
  assert.equal(conn.closed, false);
  assert.equal(connection.client.pendingOutput, 120 * 1024);
  // ... which a write call pending for a second means: 144 KB counted, over 100 KB.
  await new Promise((r) => setTimeout(r, 1100));
  connection.client.deliver(chunk);
  assert.equal(conn.closed, true);
  await served;
});
