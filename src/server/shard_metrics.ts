// What a shard reports to the main thread for one /metrics scrape (src/server/metrics.ts):
// its INFO fields (so whatever INFO learns to report, metrics can use), its keyspace per db,
// and its per-command counts and latency histograms.
import type { Shard } from "./shard.ts";
import { renderInfo } from "../commands/info.ts";
import { infoStatsOf } from "./info_stats.ts";

export interface CommandFigures {
  name: string;
  calls: number;
  usec: number;
  failed: number;
  rejected: number;
  /** Sparse latency histogram: [bucket, count] (see latency_histogram.ts). */
  latency: Array<[number, number]>;
}

export interface ShardFigures {
  shard: number;
  /** INFO field -> value, every section. */
  info: Record<string, string>;
  /** db index -> [keys, keys with a TTL]. */
  keyspace: Record<number, [number, number]>;
  commands: CommandFigures[];
  forwarded: number;
  loaded: boolean;
}

export function shardFigures(shard: Shard): ShardFigures {
  const info: Record<string, string> = {};
  const keyspace: Record<number, [number, number]> = {};
  for (const line of renderInfo(shard, { all: true, names: new Set() }).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0 || line.startsWith("#")) continue;
    const name = line.slice(0, colon), value = line.slice(colon + 1);
    const db = /^db(\d+)$/.exec(name);
    if (db) {
      const m = /keys=(\d+),expires=(\d+)/.exec(value)!;
      keyspace[Number(db[1])] = [Number(m[1]), Number(m[2])];
    } else info[name] = value;
  }
  const commands: CommandFigures[] = [];
  for (const [name, c] of infoStatsOf(shard).commands) {
    const latency: Array<[number, number]> = [];
    c.latency?.counts.forEach((n, i) => n && latency.push([i, n]));
    commands.push({
      name,
      calls: c.calls,
      usec: c.usec,
      failed: c.failed,
      rejected: c.rejected,
      latency,
    });
  }
  return {
    shard: shard.id,
    info,
    keyspace,
    commands,
    forwarded: shard.stats.forwardedCommands,
    loaded: shard.loaded,
  };
}
