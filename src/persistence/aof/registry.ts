// Which ShardAof serves a shard. Its own module with type-only imports, so commands and INFO
// can reach the AOF without importing the server modules (an import cycle through the
// command table).
import type { Shard } from "../../server/shard.ts";
import type { ShardAof } from "./shard_aof.ts";

const handles = new WeakMap<Shard, ShardAof>();

export function setShardAof(shard: Shard, aof: ShardAof): void {
  handles.set(shard, aof);
}

export function shardAofOf(shard: Shard): ShardAof | undefined {
  return handles.get(shard);
}
