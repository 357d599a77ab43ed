// INFO's sections and fields, in Redis 7.0's order (server.c genRedisInfoString), as data.
// Each shard renders its own view; with several shards each field says how the shards'
// values combine (info_merge.ts): summed (counters, keys, memory in use), or shard 0's
// (process-wide or configured values). Derived fields (human sizes, ratios) are computed
// from the combined values, so a merged INFO is as consistent as a single shard's.
import { CHANNEL, PATTERN, pubsubOf, SHARD_CHANNEL } from "../pubsub/hub.ts";
import process from "node:process";
import type { Shard } from "../server/shard.ts";
import { infoStatsOf, notePeakMemory, sampleRates } from "../server/info_stats.ts";
import { IRONCACHE_VERSION, REDIS_COMPAT_VERSION } from "../version.ts";
import { masterReplId, NO_REPL_ID } from "./server_identity.ts";
import { bytesToHuman, fixed, secondsFromMicros } from "./info_format.ts";
import { shardAofOf } from "../persistence/aof/registry.ts";
import { STAT } from "../persistence/aof/shared.ts";

type Value = string | number;

/** What one shard knows, gathered once per INFO call. */
export interface Snapshot {
  shard: Shard;
  now: number;
  usedMemory: number;
  rss: number;
}

export function takeSnapshot(shard: Shard, now = Date.now()): Snapshot {
  const heap = Deno.memoryUsage();
  // A shard's memory as maxmemory counts it (server/memory.ts): its engine's allocated bytes
  // plus its connections' buffers. The JS heaps show only in used_memory_rss.
  const usedMemory = shard.memory.used();
  sampleRates(shard, now);
  notePeakMemory(shard, usedMemory);
  return { shard, now, usedMemory, rss: heap.rss };
}

/** A value this shard reports; `sum`: shards' values add up, else shard 0's is shown. */
export interface BaseField {
  name: string;
  /** undefined: the line is left out. */
  get: (s: Snapshot) => Value | undefined;
  sum?: true;
}

/** A value computed from other fields of the same section (after merging). */
export interface DerivedField {
  name: string;
  derive: (field: (name: string) => number) => Value;
}

export type Field = BaseField | DerivedField;

export function isDerived(f: Field): f is DerivedField {
  return "derive" in f;
}

/** A section whose lines are not fixed fields (keyspace, commandstats...). */
export interface DynamicLines {
  lines: (s: Snapshot) => string[];
  /** Each shard's lines (shard order) into the server's. */
  merge: (perShard: string[][]) => string[];
}

export interface Section {
  /** The name INFO takes (lower case). */
  key: string;
  /** The "# Title" line. */
  title: string;
  fields?: Field[];
  dynamic?: DynamicLines;
  /** In plain INFO (and INFO default). */
  inDefault: boolean;
}

const cfg = (s: Snapshot, name: string) => s.shard.config.get(name);
const constant = (name: string, value: Value): BaseField => ({ name, get: () => value });
const summed = (name: string, get: (s: Snapshot) => Value): BaseField => ({ name, get, sum: true });
const human = (name: string, of: string): DerivedField => ({
  name,
  derive: (f) => bytesToHuman(f(of)),
});
const seconds = (ms: number) => Math.floor(ms / 1000);

function osName(): string {
  const sys = {
    linux: "Linux",
    darwin: "Darwin",
    windows: "Windows",
    freebsd: "FreeBSD",
  }[Deno.build.os as string];
  return `${sys ?? Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`;
}

/** Deno's thread CPU time (Node 23's process.threadCpuUsage), when the runtime has it. */
function threadCpu(): { user: number; system: number } {
  const p = process as unknown as { threadCpuUsage?: () => { user: number; system: number } };
  return p.threadCpuUsage?.() ?? { user: 0, system: 0 };
}

const SERVER: Field[] = [
  constant("redis_version", REDIS_COMPAT_VERSION),
  constant("ironcache_version", IRONCACHE_VERSION),
  constant("redis_git_sha1", "00000000"),
  constant("redis_git_dirty", 0),
  constant("redis_build_id", "0"),
  constant("redis_mode", "standalone"),
  { name: "os", get: osName },
  constant("arch_bits", 64),
  constant("monotonic_clock", "POSIX clock_gettime"),
  { name: "multiplexing_api", get: () => (Deno.build.os === "linux" ? "epoll" : "kqueue") },
  constant("atomicvar_api", "c11-builtin"),
  constant("gcc_version", "0.0.0"),
  { name: "process_id", get: (s) => s.shard.server.pid },
  constant("process_supervised", "no"),
  { name: "run_id", get: (s) => s.shard.server.runId },
  { name: "tcp_port", get: (s) => cfg(s, "port") as number },
  {
    name: "server_time_usec",
    get: () => Math.floor((performance.timeOrigin + performance.now()) * 1000),
  },
  { name: "uptime_in_seconds", get: (s) => seconds(s.now - s.shard.server.startedAt) },
  {
    name: "uptime_in_days",
    get: (s) => Math.floor((s.now - s.shard.server.startedAt) / 86_400_000),
  },
  { name: "hz", get: (s) => cfg(s, "hz") as number },
  { name: "configured_hz", get: (s) => cfg(s, "hz") as number },
  { name: "lru_clock", get: (s) => seconds(s.now) & 0xffffff },
  { name: "executable", get: (s) => s.shard.server.executable },
  { name: "config_file", get: (s) => s.shard.server.configFile },
  constant("io_threads_active", 0),
];

const CLIENTS: Field[] = [
  summed("connected_clients", (s) => s.shard.stats.connectedClients),
  constant("cluster_connections", 0),
  { name: "maxclients", get: (s) => cfg(s, "maxclients") as number },
  constant("client_recent_max_input_buffer", 0),
  constant("client_recent_max_output_buffer", 0),
  summed("blocked_clients", () => 0),
  summed("tracking_clients", () => 0),
  constant("clients_in_timeout_table", 0),
];

const perc = (part: number, whole: number) => fixed((part * 100) / whole, 2) + "%";

const MEMORY: Field[] = [
  summed("used_memory", (s) => s.usedMemory),
  human("used_memory_human", "used_memory"),
  { name: "used_memory_rss", get: (s) => s.rss },
  human("used_memory_rss_human", "used_memory_rss"),
  summed("used_memory_peak", (s) => infoStatsOf(s.shard).memoryPeak),
  human("used_memory_peak_human", "used_memory_peak"),
  {
    name: "used_memory_peak_perc",
    derive: (f) => perc(f("used_memory"), f("used_memory_peak") || 1),
  },
  summed(
    "used_memory_overhead",
    (s) => infoStatsOf(s.shard).memoryStartup + s.shard.memory.clientBytes,
  ),
  summed("used_memory_startup", (s) => infoStatsOf(s.shard).memoryStartup),
  {
    name: "used_memory_dataset",
    derive: (f) => Math.max(0, f("used_memory") - f("used_memory_overhead")),
  },
  {
    name: "used_memory_dataset_perc",
    derive: (f) => {
      const net = f("used_memory") > f("used_memory_startup")
        ? f("used_memory") - f("used_memory_startup")
        : 1;
      return perc(Math.max(0, f("used_memory") - f("used_memory_overhead")), net);
    },
  },
  summed("allocator_allocated", (s) => s.usedMemory),
  summed("allocator_active", (s) => s.usedMemory),
  { name: "allocator_resident", get: (s) => s.rss },
  { name: "total_system_memory", get: () => Deno.systemMemoryInfo().total },
  human("total_system_memory_human", "total_system_memory"),
  // No Lua or functions in IronCache: their memory is zero.
  constant("used_memory_lua", 0),
  constant("used_memory_vm_eval", 0),
  human("used_memory_lua_human", "used_memory_lua"),
  constant("used_memory_scripts_eval", 0),
  constant("number_of_cached_scripts", 0),
  constant("number_of_functions", 0),
  constant("number_of_libraries", 0),
  constant("used_memory_vm_functions", 0),
  constant("used_memory_vm_total", 0),
  human("used_memory_vm_total_human", "used_memory_vm_total"),
  constant("used_memory_functions", 0),
  constant("used_memory_scripts", 0),
  human("used_memory_scripts_human", "used_memory_scripts"),
  { name: "maxmemory", get: (s) => cfg(s, "maxmemory") as number },
  human("maxmemory_human", "maxmemory"),
  { name: "maxmemory_policy", get: (s) => String(cfg(s, "maxmemory-policy")) },
  { name: "allocator_frag_ratio", derive: () => "1.00" },
  { name: "allocator_frag_bytes", derive: () => 0 },
  {
    name: "allocator_rss_ratio",
    derive: (f) => fixed(f("allocator_resident") / (f("allocator_active") || 1), 2),
  },
  { name: "allocator_rss_bytes", derive: (f) => f("allocator_resident") - f("allocator_active") },
  { name: "rss_overhead_ratio", derive: () => "1.00" },
  { name: "rss_overhead_bytes", derive: () => 0 },
  {
    name: "mem_fragmentation_ratio",
    derive: (f) => fixed(f("used_memory_rss") / (f("used_memory") || 1), 2),
  },
  { name: "mem_fragmentation_bytes", derive: (f) => f("used_memory_rss") - f("used_memory") },
  constant("mem_not_counted_for_evict", 0),
  constant("mem_replication_backlog", 0),
  constant("mem_total_replication_buffers", 0),
  constant("mem_clients_slaves", 0),
  summed("mem_clients_normal", (s) => s.shard.memory.clientBytes),
  constant("mem_cluster_links", 0),
  constant("mem_aof_buffer", 0),
  constant("mem_allocator", "wasm"),
  constant("active_defrag_running", 0),
  constant("lazyfree_pending_objects", 0),
  constant("lazyfreed_objects", 0),
];

const aofEnabled = (s: Snapshot) => cfg(s, "appendonly") === true;
/** The AOF writer's figures (src/persistence/aof/shared.ts), shared by every shard. */
const aofStat = (s: Snapshot, index: number, none: number) => {
  const aof = shardAofOf(s.shard);
  return aof ? aof.shared.stats[index] : none;
};
const okOrErr = (ok: number) => ok ? "ok" : "err";
const whenAof = (name: string, get: (s: Snapshot) => Value): BaseField => ({
  name,
  get: (s) => aofEnabled(s) ? get(s) : undefined,
});

// RDB: Redis's values for a server that never saved or loaded anything.
const PERSISTENCE: Field[] = [
  constant("loading", 0),
  constant("async_loading", 0),
  constant("current_cow_peak", 0),
  constant("current_cow_size", 0),
  constant("current_cow_size_age", 0),
  constant("current_fork_perc", "0.00"),
  constant("current_save_keys_processed", 0),
  constant("current_save_keys_total", 0),
  summed("rdb_changes_since_last_save", () => 0),
  constant("rdb_bgsave_in_progress", 0),
  { name: "rdb_last_save_time", get: (s) => seconds(s.shard.server.startedAt) },
  constant("rdb_last_bgsave_status", "ok"),
  constant("rdb_last_bgsave_time_sec", -1),
  constant("rdb_current_bgsave_time_sec", -1),
  constant("rdb_saves", 0),
  constant("rdb_last_cow_size", 0),
  constant("rdb_last_load_keys_expired", 0),
  constant("rdb_last_load_keys_loaded", 0),
  { name: "aof_enabled", get: (s) => aofEnabled(s) ? 1 : 0 },
  { name: "aof_rewrite_in_progress", get: (s) => shardAofOf(s.shard)?.rewriteInProgress ? 1 : 0 },
  constant("aof_rewrite_scheduled", 0),
  { name: "aof_last_rewrite_time_sec", get: (s) => aofStat(s, STAT.lastRewriteSec, -1) },
  {
    name: "aof_current_rewrite_time_sec",
    get: (s) => {
      const started = aofStat(s, STAT.rewriteStartedAt, 0);
      return started ? seconds(s.now - started) : -1;
    },
  },
  { name: "aof_last_bgrewrite_status", get: (s) => okOrErr(aofStat(s, STAT.lastRewriteOk, 1)) },
  { name: "aof_rewrites", get: (s) => aofStat(s, STAT.rewrites, 0) },
  {
    name: "aof_rewrites_consecutive_failures",
    get: (s) => aofStat(s, STAT.consecutiveFailures, 0),
  },
  { name: "aof_last_write_status", get: (s) => okOrErr(aofStat(s, STAT.lastWriteOk, 1)) },
  constant("aof_last_cow_size", 0),
  constant("module_fork_in_progress", 0),
  constant("module_fork_last_cow_size", 0),
  // Only while appendonly is yes, as Redis prints them.
  whenAof("aof_current_size", (s) => aofStat(s, STAT.currentSize, 0)),
  whenAof("aof_base_size", (s) => aofStat(s, STAT.baseSize, 0)),
  whenAof("aof_pending_rewrite", () => 0),
  whenAof("aof_buffer_length", () => 0),
  whenAof("aof_pending_bio_fsync", () => 0),
  whenAof("aof_delayed_fsync", () => 0),
];

const kbps = (bytesPerSec: number) => fixed(bytesPerSec / 1024, 2);

const STATS: Field[] = [
  summed("total_connections_received", (s) => s.shard.stats.connectionsReceived),
  summed("total_commands_processed", (s) => s.shard.stats.commandsProcessed),
  summed("instantaneous_ops_per_sec", (s) => Math.trunc(infoStatsOf(s.shard).ops.rate())),
  summed("total_net_input_bytes", (s) => s.shard.stats.netInputBytes),
  summed("total_net_output_bytes", (s) => s.shard.stats.netOutputBytes),
  constant("total_net_repl_input_bytes", 0),
  constant("total_net_repl_output_bytes", 0),
  summed("instantaneous_input_kbps", (s) => kbps(infoStatsOf(s.shard).netInput.rate())),
  summed("instantaneous_output_kbps", (s) => kbps(infoStatsOf(s.shard).netOutput.rate())),
  constant("instantaneous_input_repl_kbps", "0.00"),
  constant("instantaneous_output_repl_kbps", "0.00"),
  summed("rejected_connections", (s) => s.shard.stats.rejectedConnections),
  constant("sync_full", 0),
  constant("sync_partial_ok", 0),
  constant("sync_partial_err", 0),
  summed("expired_keys", (s) => s.shard.keyspace.expiredKeys()),
  constant("expired_stale_perc", "0.00"),
  constant("expired_time_cap_reached_count", 0),
  constant("expire_cycle_cpu_milliseconds", 0),
  summed("evicted_keys", (s) => s.shard.stats.evictedKeys),
  constant("evicted_clients", 0),
  // Memory is over the limit server-wide, so every shard sees the same periods: shard 0's.
  { name: "total_eviction_exceeded_time", get: (s) => s.shard.memory.exceededTimeMs()[0] },
  { name: "current_eviction_exceeded_time", get: (s) => s.shard.memory.exceededTimeMs()[1] },
  summed("keyspace_hits", (s) => s.shard.keyspace.keyspaceHits()),
  summed("keyspace_misses", (s) => s.shard.keyspace.keyspaceMisses()),
  // Every shard sees the channels of all shards (src/pubsub/hub.ts): shard 0's count is whole.
  { name: "pubsub_channels", get: (s) => pubsubOf(s.shard).topicCount(CHANNEL) },
  { name: "pubsub_patterns", get: (s) => pubsubOf(s.shard).topicCount(PATTERN) },
  { name: "pubsubshard_channels", get: (s) => pubsubOf(s.shard).topicCount(SHARD_CHANNEL) },
  constant("latest_fork_usec", 0),
  constant("total_forks", 0),
  constant("migrate_cached_sockets", 0),
  constant("slave_expires_tracked_keys", 0),
  constant("active_defrag_hits", 0),
  constant("active_defrag_misses", 0),
  constant("active_defrag_key_hits", 0),
  constant("active_defrag_key_misses", 0),
  constant("total_active_defrag_time", 0),
  constant("current_active_defrag_time", 0),
  constant("tracking_total_keys", 0),
  constant("tracking_total_items", 0),
  constant("tracking_total_prefixes", 0),
  constant("unexpected_error_replies", 0),
  summed("total_error_replies", (s) => infoStatsOf(s.shard).totalErrorReplies),
  constant("dump_payload_sanitizations", 0),
  summed("total_reads_processed", () => 0),
  summed("total_writes_processed", () => 0),
  constant("io_threaded_reads_processed", 0),
  constant("io_threaded_writes_processed", 0),
  constant("reply_buffer_shrinks", 0),
  constant("reply_buffer_expands", 0),
];

const REPLICATION: Field[] = [
  constant("role", "master"),
  constant("connected_slaves", 0),
  constant("master_failover_state", "no-failover"),
  { name: "master_replid", get: (s) => masterReplId(s.shard.server.runId) },
  constant("master_replid2", NO_REPL_ID),
  constant("master_repl_offset", 0),
  constant("second_repl_offset", -1),
  constant("repl_backlog_active", 0),
  constant("repl_backlog_size", 1048576),
  constant("repl_backlog_first_byte_offset", 0),
  constant("repl_backlog_histlen", 0),
];

// used_cpu_*: the whole process. *_main_thread: each shard's own thread, added up.
const CPU: Field[] = [
  { name: "used_cpu_sys", get: () => secondsFromMicros(process.cpuUsage().system) },
  { name: "used_cpu_user", get: () => secondsFromMicros(process.cpuUsage().user) },
  constant("used_cpu_sys_children", "0.000000"),
  constant("used_cpu_user_children", "0.000000"),
  summed("used_cpu_sys_main_thread", () => secondsFromMicros(threadCpu().system)),
  summed("used_cpu_user_main_thread", () => secondsFromMicros(threadCpu().user)),
];

/** "name:a=1,b=2" lines merged by adding each numeric attribute; `finish` recomputes the
 * attributes that are not plain sums. Lines keep their first-seen order unless sorted. */
function mergeAttributeLines(
  perShard: string[][],
  finish?: (attrs: Map<string, number>) => void,
): string[] {
  const merged = new Map<string, Map<string, number>>();
  for (const lines of perShard) {
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon);
      let attrs = merged.get(name);
      if (!attrs) merged.set(name, attrs = new Map());
      for (const pair of line.slice(colon + 1).split(",")) {
        const eq = pair.indexOf("=");
        const key = pair.slice(0, eq);
        attrs.set(key, (attrs.get(key) ?? 0) + Number(pair.slice(eq + 1)));
      }
    }
  }
  return [...merged].map(([name, attrs]) => {
    finish?.(attrs);
    return `${name}:${[...attrs].map(([k, v]) => `${k}=${v}`).join(",")}`;
  });
}

const COMMANDSTATS: DynamicLines = {
  lines: (s) =>
    [...infoStatsOf(s.shard).commands]
      .filter(([, c]) => c.calls || c.failed || c.rejected)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, c]) =>
        `cmdstat_${name}:calls=${c.calls},usec=${c.usec},usec_per_call=${
          fixed(c.calls ? c.usec / c.calls : 0, 2)
        },` +
        `rejected_calls=${c.rejected},failed_calls=${c.failed}`
      ),
  merge: (perShard) =>
    mergeAttributeLines(perShard).sort().map((line) => {
      // usec_per_call is a ratio: recompute it from the summed calls and usec.
      const calls = Number(/calls=(\d+)/.exec(line)![1]),
        usec = Number(/usec=(\d+)/.exec(line)![1]);
      return line.replace(
        /usec_per_call=[^,]*/,
        `usec_per_call=${fixed(calls ? usec / calls : 0, 2)}`,
      );
    }),
};

// Redis keeps error codes in a radix tree: they come out sorted.
const ERRORSTATS: DynamicLines = {
  lines: (s) =>
    [...infoStatsOf(s.shard).errors].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, n]) =>
      `errorstat_${code}:count=${n}`
    ),
  merge: (perShard) => mergeAttributeLines(perShard).sort(),
};

const KEYSPACE: DynamicLines = {
  lines: (s) => {
    const ks = s.shard.keyspace;
    const out: string[] = [];
    for (let db = 0; db < s.shard.databases; db++) {
      const keys = ks.dbSize(db), expires = ks.volatileCount(db);
      // avg_ttl: Redis estimates it while sampling for active expiry; the engine does not (yet).
      if (keys || expires) out.push(`db${db}:keys=${keys},expires=${expires},avg_ttl=0`);
    }
    return out;
  },
  merge: (perShard) => {
    // avg_ttl is weighted by each shard's keys with a TTL: the average over all of them.
    const lines = mergeAttributeLines(perShard, (attrs) => attrs.set("avg_ttl", 0));
    const weighted = new Map<string, number>();
    for (const shardLines of perShard) {
      for (const line of shardLines) {
        const m = /^(db\d+):.*expires=(\d+),avg_ttl=(\d+)/.exec(line);
        if (m) weighted.set(m[1], (weighted.get(m[1]) ?? 0) + Number(m[2]) * Number(m[3]));
      }
    }
    return lines
      .map((line) => {
        const db = line.slice(0, line.indexOf(":"));
        const expires = Number(/expires=(\d+)/.exec(line)![1]);
        return line.replace(
          /avg_ttl=\d+/,
          `avg_ttl=${expires ? Math.trunc(weighted.get(db)! / expires) : 0}`,
        );
      })
      .sort((a, b) => Number(a.slice(2, a.indexOf(":"))) - Number(b.slice(2, b.indexOf(":"))));
  },
};

const NO_LINES: DynamicLines = { lines: () => [], merge: () => [] };

/** Redis's fillPercentileDistributionLatencies: the configured percentiles of each command's
 * latency histogram (src/server/latency_histogram.ts), in µs with 3 decimals. Shards keep
 * separate histograms; the merged line shows, per percentile, the largest shard's value. */
const LATENCYSTATS: DynamicLines = {
  lines: (s) => {
    const text = String(cfg(s, "latency-tracking-info-percentiles"));
    const percentiles = text === "" ? [] : text.split(" ");
    return [...infoStatsOf(s.shard).commands]
      .filter(([, c]) => c.latency)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, c]) =>
        `latency_percentiles_usec_${name}:` +
        percentiles.map((p) => `p${p}=${fixed(c.latency!.percentile(Number(p)), 3)}`).join(",")
      );
  },
  merge: (perShard) => {
    const merged = new Map<string, string[]>();
    for (const line of perShard.flat()) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon), pairs = line.slice(colon + 1).split(",");
      const into = merged.get(name);
      if (!into) merged.set(name, pairs);
      else {
        into.forEach((pair, i) => {
          const [label, value] = pair.split("="), other = Number(pairs[i].split("=")[1]);
          if (other > Number(value)) into[i] = `${label}=${pairs[i].split("=")[1]}`;
        });
      }
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, p]) => `${n}:${p.join(",")}`);
  },
};

/** Redis 7.0's sections, in output order. */
export const SECTIONS: readonly Section[] = [
  { key: "server", title: "Server", fields: SERVER, inDefault: true },
  { key: "clients", title: "Clients", fields: CLIENTS, inDefault: true },
  { key: "memory", title: "Memory", fields: MEMORY, inDefault: true },
  { key: "persistence", title: "Persistence", fields: PERSISTENCE, inDefault: true },
  { key: "stats", title: "Stats", fields: STATS, inDefault: true },
  { key: "replication", title: "Replication", fields: REPLICATION, inDefault: true },
  { key: "cpu", title: "CPU", fields: CPU, inDefault: true },
  { key: "modules", title: "Modules", dynamic: NO_LINES, inDefault: true },
  { key: "commandstats", title: "Commandstats", dynamic: COMMANDSTATS, inDefault: false },
  { key: "errorstats", title: "Errorstats", dynamic: ERRORSTATS, inDefault: true },
  { key: "latencystats", title: "Latencystats", dynamic: LATENCYSTATS, inDefault: false },
  { key: "cluster", title: "Cluster", fields: [constant("cluster_enabled", 0)], inDefault: true },
  { key: "keyspace", title: "Keyspace", dynamic: KEYSPACE, inDefault: true },
];
