// The HTTP endpoint for operators (`metrics-addr`, off unless set), served by the main
// thread: /metrics in Prometheus text format (rendered by prom-client), /livez and /readyz.
// A scrape asks every shard for its figures with one message round trip
// (src/server/shard_metrics.ts) and adds them up; per-shard gauges keep the shard label.
import { Registry } from "prom-client";
import type { FromWorker } from "./messages.ts";
import type { CommandFigures, ShardFigures } from "./shard_metrics.ts";
import { parseHostPort } from "../config/value-types.ts";
import { log } from "../log.ts";

/** How long a scrape waits for a shard before answering 503. */
const SCRAPE_TIMEOUT_MS = 5000;

type Labels = Record<string, string>;
interface Value {
  labels?: Labels;
  value: number;
  metricName?: string;
}
type Kind = "counter" | "gauge" | "histogram";

/** A metric computed at scrape time, in the shape prom-client's Registry renders. */
function metric(name: string, type: Kind, help: string, values: Value[]) {
  return {
    name,
    help,
    type,
    get: () => ({ name, help, type, values, aggregator: "sum" }),
  };
}

const num = (s: string | undefined) => (s === undefined || s === "" ? NaN : Number(s));
const sum = (shards: ShardFigures[], field: string) =>
  shards.reduce((n, s) => n + (num(s.info[field]) || 0), 0);

/** [metric, INFO field, help]: totals over the shards. */
const SUMMED_COUNTERS: Array<[string, string, string]> = [
  ["commands_processed_total", "total_commands_processed", "Commands processed."],
  ["connections_received_total", "total_connections_received", "Connections accepted."],
  ["rejected_connections_total", "rejected_connections", "Connections refused (maxclients)."],
  ["keyspace_hits_total", "keyspace_hits", "Key lookups that found the key."],
  ["keyspace_misses_total", "keyspace_misses", "Key lookups that did not find the key."],
  ["expired_keys_total", "expired_keys", "Keys removed because their TTL passed."],
  ["evicted_keys_total", "evicted_keys", "Keys evicted by the maxmemory policy."],
  ["net_input_bytes_total", "total_net_input_bytes", "Bytes read from clients."],
  ["net_output_bytes_total", "total_net_output_bytes", "Bytes written to clients."],
  ["error_replies_total", "total_error_replies", "Error replies sent."],
];

const SUMMED_GAUGES: Array<[string, string, string]> = [
  ["connected_clients", "connected_clients", "Clients connected now."],
  ["blocked_clients", "blocked_clients", "Clients blocked in a blocking command."],
  ["memory_used_bytes", "used_memory", "Memory used by the data and the shards' heaps."],
  ["memory_peak_bytes", "used_memory_peak", "Peak of memory_used_bytes."],
  ["rdb_changes_since_last_save", "rdb_changes_since_last_save", "Writes since the last save."],
];

/** Process-wide values every shard reports alike: shard 0's. */
const SERVER_GAUGES: Array<[string, string, string]> = [
  ["memory_rss_bytes", "used_memory_rss", "Resident set size of the process."],
  ["memory_max_bytes", "maxmemory", "The maxmemory setting (0 = no limit)."],
  ["uptime_seconds", "uptime_in_seconds", "Seconds since the server started."],
  ["loading", "loading", "1 while data is being loaded."],
  ["rdb_bgsave_in_progress", "rdb_bgsave_in_progress", "1 while a snapshot is being written."],
  ["rdb_last_save_timestamp_seconds", "rdb_last_save_time", "Unix time of the last save."],
  ["aof_enabled", "aof_enabled", "1 when the append-only file is on."],
  ["aof_rewrite_in_progress", "aof_rewrite_in_progress", "1 while the AOF is rewritten."],
];

/** [metric, INFO field, help] per shard, labelled shard="N". */
const SHARD_GAUGES: Array<[string, string, string]> = [
  ["shard_commands_processed_total", "total_commands_processed", "Commands run by a shard."],
  ["shard_connected_clients", "connected_clients", "Clients served by a shard."],
  ["shard_memory_used_bytes", "used_memory", "Memory used by a shard."],
];

/** Histogram upper bounds: 1 µs to about 1 s, doubling (matches the latency buckets). */
const BOUNDS_US = Array.from({ length: 21 }, (_, k) => 2 ** k);
/** latency_histogram.ts: 16 buckets per power of two of nanoseconds. */
const SUB = 16;

function commandDurations(shards: ShardFigures[]): Value[] {
  const byName = new Map<string, CommandFigures[]>();
  for (const s of shards) {
    for (const c of s.commands) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  }
  const values: Value[] = [];
  for (const [cmd, parts] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const perBucket = new Map<number, number>();
    let total = 0;
    for (const c of parts) {
      for (const [i, n] of c.latency) {
        perBucket.set(i, (perBucket.get(i) ?? 0) + n);
        total += n;
      }
    }
    if (total === 0) continue;
    for (const boundUs of BOUNDS_US) {
      // Buckets of powers below log2(bound in ns) hold only values under the bound.
      const below = Math.floor(Math.log2(boundUs * 1000));
      let n = 0;
      for (const [i, c] of perBucket) if (Math.floor(i / SUB) < below) n += c;
      values.push({
        metricName: "ironcache_command_duration_seconds_bucket",
        labels: { cmd, le: String(boundUs / 1e6) },
        value: Math.round(n),
      });
    }
    values.push({
      metricName: "ironcache_command_duration_seconds_bucket",
      labels: { cmd, le: "+Inf" },
      value: Math.round(total),
    });
    const usec = parts.reduce((n, c) => n + c.usec, 0);
    values.push({
      metricName: "ironcache_command_duration_seconds_sum",
      labels: { cmd },
      value: usec / 1e6,
    });
    values.push({
      metricName: "ironcache_command_duration_seconds_count",
      labels: { cmd },
      value: Math.round(total),
    });
  }
  return values;
}

function perCommand(shards: ShardFigures[], field: "calls" | "failed" | "rejected"): Value[] {
  const totals = new Map<string, number>();
  for (const s of shards) {
    for (const c of s.commands) totals.set(c.name, (totals.get(c.name) ?? 0) + c[field]);
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cmd, value]) => ({
    labels: { cmd },
    value,
  }));
}

/** The Prometheus text for the shards' figures. */
export async function renderMetrics(shards: ShardFigures[]): Promise<string> {
  const registry = new Registry();
  const add = (name: string, type: Kind, help: string, values: Value[]) =>
    registry.registerMetric(metric(`ironcache_${name}`, type, help, values) as never);
  for (const [name, field, help] of SUMMED_COUNTERS) {
    add(name, "counter", help, [{ value: sum(shards, field) }]);
  }
  for (const [name, field, help] of SUMMED_GAUGES) {
    add(name, "gauge", help, [{ value: sum(shards, field) }]);
  }
  for (const [name, field, help] of SERVER_GAUGES) {
    const v = num(shards[0]?.info[field]);
    if (!Number.isNaN(v)) add(name, "gauge", help, [{ value: v }]);
  }
  add("rdb_last_bgsave_ok", "gauge", "1 when the last snapshot succeeded.", [{
    value: shards[0]?.info["rdb_last_bgsave_status"] === "err" ? 0 : 1,
  }]);
  const keys = new Map<number, [number, number]>();
  for (const s of shards) {
    for (const [db, [k, e]] of Object.entries(s.keyspace)) {
      const t = keys.get(Number(db)) ?? [0, 0];
      keys.set(Number(db), [t[0] + k, t[1] + e]);
    }
  }
  const dbs = [...keys].sort(([a], [b]) => a - b);
  add(
    "db_keys",
    "gauge",
    "Keys per database.",
    dbs.map(([db, [k]]) => ({ labels: { db: `db${db}` }, value: k })),
  );
  add(
    "db_keys_expiring",
    "gauge",
    "Keys with a TTL per database.",
    dbs.map(([db, [, e]]) => ({ labels: { db: `db${db}` }, value: e })),
  );
  add("commands_total", "counter", "Calls per command.", perCommand(shards, "calls"));
  add(
    "command_failed_calls_total",
    "counter",
    "Calls that replied with an error, per command.",
    perCommand(shards, "failed"),
  );
  add(
    "command_rejected_calls_total",
    "counter",
    "Calls refused before running, per command.",
    perCommand(shards, "rejected"),
  );
  add(
    "command_duration_seconds",
    "histogram",
    "Command run time, per command (sampled: one command in 16 is timed).",
    commandDurations(shards),
  );
  for (const [name, field, help] of SHARD_GAUGES) {
    add(
      name,
      name.endsWith("_total") ? "counter" : "gauge",
      help,
      shards.map((s) => ({ labels: { shard: String(s.shard) }, value: num(s.info[field]) || 0 })),
    );
  }
  add(
    "shard_keys",
    "gauge",
    "Keys held by a shard (all databases).",
    shards.map((s) => ({
      labels: { shard: String(s.shard) },
      value: Object.values(s.keyspace).reduce((n, [k]) => n + k, 0),
    })),
  );
  add(
    "shard_forwarded_commands_total",
    "counter",
    "Commands a shard's clients sent to other shards.",
    shards.map((s) => ({ labels: { shard: String(s.shard) }, value: s.forwarded })),
  );
  add(
    "shard_loaded",
    "gauge",
    "1 once a shard has loaded its data.",
    shards.map((s) => ({ labels: { shard: String(s.shard) }, value: s.loaded ? 1 : 0 })),
  );
  return await registry.metrics();
}

/** Asks every worker for its figures; rejects when one does not answer in time. */
function gather(workers: Worker[]): Promise<ShardFigures[]> {
  const id = ++lastRequest;
  return new Promise((resolve, reject) => {
    const figures: ShardFigures[] = [];
    const onMessage = (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if (msg.type !== "metrics" || msg.id !== id) return;
      figures[msg.shardId] = msg.figures;
      if (figures.filter(Boolean).length === workers.length) done(() => resolve(figures));
    };
    const timer = setTimeout(
      () => done(() => reject(new Error("a shard did not answer"))),
      SCRAPE_TIMEOUT_MS,
    );
    const done = (then: () => void) => {
      clearTimeout(timer);
      for (const w of workers) w.removeEventListener("message", onMessage);
      then();
    };
    for (const w of workers) {
      w.addEventListener("message", onMessage);
      w.postMessage({ type: "metrics", id });
    }
  });
}
let lastRequest = 0;

export interface MetricsServer {
  close(): Promise<void>;
}

/** Serves /metrics, /livez and /readyz on `addr` (HOST:PORT); null when it can't listen. */
export function startMetricsServer(addr: string, workers: Worker[]): MetricsServer | null {
  const at = parseHostPort(addr);
  if (!at) return null;
  const loaded = new Set<number>();
  for (const w of workers) {
    w.addEventListener("message", (e: MessageEvent<FromWorker>) => {
      if (e.data.type === "loaded") loaded.add(e.data.shardId);
    });
  }
  const text = (status: number, body: string, type = "text/plain; charset=utf-8") =>
    new Response(body, { status, headers: { "content-type": type } });
  try {
    const server = Deno.serve(
      { hostname: at.hostname, port: at.port, onListen: () => {} },
      async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/livez") return text(200, "ok\n");
        if (path === "/readyz") {
          return loaded.size === workers.length
            ? text(200, "ready\n")
            : text(503, `loading: ${loaded.size} of ${workers.length} shards ready\n`);
        }
        if (path !== "/metrics") return text(404, "not found: try /metrics, /livez or /readyz\n");
        try {
          return text(
            200,
            await renderMetrics(await gather(workers)),
            Registry.PROMETHEUS_CONTENT_TYPE,
          );
        } catch (err) {
          return text(503, `metrics unavailable: ${(err as Error).message}\n`);
        }
      },
    );
    log.notice(`Metrics at http://${addr}/metrics (also /livez, /readyz)`);
    return { close: () => server.shutdown() };
  } catch (err) {
    log.warning(`cannot serve metrics on ${addr}: ${(err as Error).message}`);
    return null;
  }
}
