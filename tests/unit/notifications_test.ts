// Keyspace notifications on one in-process shard: nothing is registered on the write path
// while notify-keyspace-events is off; events and expirations reach a pattern subscriber.
import assert from "node:assert/strict";
import { Shard } from "../../src/server/shard.ts";
import { appendToBatch, createBatchExecutor } from "../../src/server/executor.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ByteBuffer } from "../../src/protocol/byte_buffer.ts";
import { Client } from "../../src/server/client.ts";
import { PATTERN, pubsubOf } from "../../src/pubsub/hub.ts";
import { installNotifications } from "../../src/pubsub/notify.ts";
import { encodeCommand } from "../helpers/servers.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

async function setUp() {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const execute = createBatchExecutor(shard);
  installNotifications(shard);
  const listener = new Client("test", "", 999);
  const heard: string[] = [];
  listener.deliver = (bytes) => {
    // *4 pmessage <pattern> <channel> <message>: keep "channel message".
    const parts = dec.decode(bytes).split("\r\n");
    heard.push(`${parts[6]} ${parts[8]}`);
  };
  pubsubOf(shard).subscribe(listener, PATTERN, enc.encode("__keyspace@0__:*"));
  const run = (...argv: string[]) => {
    const batch = new ByteBuffer(256);
    appendToBatch(batch, 0, 2, encodeCommand(argv));
    execute(batch.bytes());
  };
  const configure = (value: string) =>
    assert.equal(shard.config.setMany([["notify-keyspace-events", value]]), null);
  return { shard, run, heard, configure };
}

Deno.test("notify-keyspace-events off: no observer on the write path, no events", async () => {
  const { shard, run, heard, configure } = await setUp();
  assert.equal(shard.writeObservers.length, 0);
  assert.equal(shard.batchObservers.length, 0);
  run("SET", "k", "v");
  assert.deepEqual(heard, []);
  configure("KA");
  assert.equal(shard.writeObservers.length, 1);
  assert.equal(shard.batchObservers.length, 1);
  configure("E$"); // keyevent only, strings only: no expired log
  assert.equal(shard.writeObservers.length, 1);
  assert.equal(shard.batchObservers.length, 0);
  configure("");
  assert.equal(shard.writeObservers.length, 0);
  assert.equal(shard.spanningWriteObservers.length, 0);
  run("SET", "k", "v");
  assert.deepEqual(heard, []);
});

Deno.test("command events in Redis's order, and expired keys from the engine's log", async () => {
  const { run, heard, configure } = await setUp();
  configure("KA");
  run("RPUSH", "l", "a");
  run("LPOP", "l");
  run("SET", "t", "v", "PX", "5");
  assert.deepEqual(heard, [
    "__keyspace@0__:l rpush",
    "__keyspace@0__:l lpop",
    "__keyspace@0__:l del",
    "__keyspace@0__:t set",
    "__keyspace@0__:t expire",
  ]);
  heard.length = 0;
  await new Promise((r) => setTimeout(r, 20));
  run("SET", "t", "new"); // t expired: reclaimed by the lookup first, then set
  assert.deepEqual(heard, ["__keyspace@0__:t expired", "__keyspace@0__:t set"]);
});
