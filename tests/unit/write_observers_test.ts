// The executor tells a shard's write observers about every write command that did not reply
// with an error, and about nothing else (reads, errors, unknown commands).
import assert from "node:assert/strict";
import { Shard } from "../../src/server/shard.ts";
import { appendToBatch, createBatchExecutor } from "../../src/server/executor.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { ByteBuffer } from "../../src/protocol/byte_buffer.ts";
import { encodeCommand } from "../helpers/servers.ts";

Deno.test("write observers see successful writes with their arguments and db", async () => {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const execute = createBatchExecutor(shard);
  const seen: string[] = [];
  shard.writeObservers.push((ctx, spec) => {
    const argv = Array.from({ length: ctx.args.argc }, (_, i) => ctx.args.text(i));
    seen.push(`${ctx.client.db}:${spec.name}:${argv.join(" ")}`);
  });
  const batch = new ByteBuffer(256);
  const commands: Array<[number, string[]]> = [
    [0, ["SET", "k", "v"]],
    [0, ["GET", "k"]],
    [3, ["LPUSH", "k", "a"]],
    [0, ["LPUSH", "k", "a"]], // WRONGTYPE: not observed
    [0, ["NOSUCH"]],
    [0, ["INCR", "k"]], // not an integer: not observed
    [0, ["DEL", "k"]],
  ];
  for (const [db, argv] of commands) appendToBatch(batch, db, 2, encodeCommand(argv));
  execute(batch.bytes());
  assert.deepEqual(seen, ["0:set:SET k v", "3:lpush:LPUSH k a", "0:del:DEL k"]);
});
