// WATCH registrations on a shard: a write that changes a watched key marks its watcher, one
// that changes nothing does not, and once nothing is watched the write observers are gone.
import assert from "node:assert/strict";
import { Shard } from "../../src/server/shard.ts";
import { Client } from "../../src/server/client.ts";
import { appendToBatch, createBatchExecutor } from "../../src/server/executor.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ByteBuffer } from "../../src/protocol/byte_buffer.ts";
import { encodeCommand } from "../helpers/servers.ts";
import {
  unwatchAll,
  watchesOf,
  watchForRemote,
  watchLocalKey,
} from "../../src/server/transaction.ts";

const enc = new TextEncoder();

async function shardAndRunner() {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const execute = createBatchExecutor(shard);
  const run = (db: number, ...argv: string[]) => {
    const batch = new ByteBuffer(64);
    appendToBatch(batch, db, 2, encodeCommand(argv));
    execute(batch.bytes());
  };
  return { shard, run };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a watched key is touched only by a write that changes it, in its db", async () => {
  const { shard, run } = await shardAndRunner();
  run(0, "SET", "k", "1");
  const client = new Client("test", "test");
  watchesOf(client);
  watchLocalKey(shard, client, enc.encode("k"));
  assert.equal(shard.beforeWriteObservers.length, 1);
  run(0, "SET", "k", "2", "NX");
  run(0, "DEL", "missing");
  run(1, "SET", "k", "other db");
  run(0, "INCR", "missing-too");
  assert.equal(client.watches!.dirty, false);
  run(0, "APPEND", "k", "x");
  assert.equal(client.watches!.dirty, true);
  unwatchAll(shard, client);
  assert.equal(client.watches, null);
  await settled();
  assert.equal(shard.beforeWriteObservers.length, 0);
  assert.equal(shard.writeObservers.length, 0);
});

Deno.test("a remote watcher is dropped once touched, FLUSHALL touches existing keys", async () => {
  const { shard, run } = await shardAndRunner();
  run(0, "SET", "a", "1");
  watchForRemote(shard, 0, "1:7:1", [enc.encode("a"), enc.encode("b")]);
  const client = new Client("test", "test");
  watchesOf(client);
  watchLocalKey(shard, client, enc.encode("a"));
  run(0, "FLUSHALL");
  assert.equal(client.watches!.dirty, true);
  unwatchAll(shard, client);
  await settled();
  // The remote watcher went with the touch (its client's shard is told by a notice).
  assert.equal(shard.writeObservers.length, 0);
});
