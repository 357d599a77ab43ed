// The benchmark's workloads: what each one sends, how the servers are prepared for it, and the
// commands that probe whether the target supports it. The load generators map a workload id to
// their own flags (bench/loadgen_*.ts).
import type { SubscriberSpec } from "./subscribers.ts";

export type WorkloadId =
  | "SET"
  | "GET"
  | "MIX"
  | "INCR"
  | "LPUSH+LPOP"
  | "HSET"
  | "SADD"
  | "ZADD"
  | "ZRANGE"
  | "PUBLISH"
  | "PUBLISH-50SUB"
  | "PUBLISH-1000CH"
  | "SET-4K";

/** How the keyspace must look before the measured runs (on both servers). */
export type Preparation = "flush" | "fill-strings" | "fill-zset";

export interface Workload {
  id: WorkloadId;
  /** One line for the report: what is sent. */
  description: string;
  prepare: Preparation;
  /** Commands tried on the target first; an error reply to any of them means "unsupported". */
  probes: string[][];
  /** Value size override (the CPU-heavy scaling workload). */
  dataSize?: number;
  /** Keyspace override (large values over a 1 M keyspace would need gigabytes). */
  keyspace?: number;
  /** Subscribers listening during the runs (bench/subscribers.ts): the result is then
   * delivered messages per second, and channel i is the generator's key name i. */
  subscribers?: SubscriberSpec;
}

const PROBE = "bench:probe";

export const WORKLOADS: Record<WorkloadId, Workload> = {
  SET: {
    id: "SET",
    description: "SET key:<random 12 digits> <value>",
    prepare: "flush",
    probes: [["SET", `${PROBE}:str`, "x"]],
  },
  GET: {
    id: "GET",
    description: "GET key:<random>, after every key of the keyspace was set",
    prepare: "fill-strings",
    probes: [["SET", `${PROBE}:str`, "x"], ["GET", `${PROBE}:str`]],
  },
  MIX: {
    id: "MIX",
    description: "SET:GET 1:10 on random keys of the filled keyspace",
    prepare: "fill-strings",
    probes: [["SET", `${PROBE}:str`, "x"], ["GET", `${PROBE}:str`]],
  },
  INCR: {
    id: "INCR",
    description: "INCR counter:<random>",
    prepare: "flush",
    probes: [["INCR", `${PROBE}:ctr`]],
  },
  "LPUSH+LPOP": {
    id: "LPUSH+LPOP",
    description: "LPUSH mylist <value>, then as many LPOP mylist",
    prepare: "flush",
    probes: [["LPUSH", `${PROBE}:list`, "x"], ["LPOP", `${PROBE}:list`]],
  },
  HSET: {
    id: "HSET",
    description: "HSET myhash element:<random> <value>",
    prepare: "flush",
    probes: [["HSET", `${PROBE}:hash`, "f", "x"]],
  },
  SADD: {
    id: "SADD",
    description: "SADD myset element:<random>",
    prepare: "flush",
    probes: [["SADD", `${PROBE}:set`, "x"]],
  },
  ZADD: {
    id: "ZADD",
    description: "ZADD myzset <random score> element:<random>",
    prepare: "flush",
    probes: [["ZADD", `${PROBE}:zset`, "000000000042", "x"]],
  },
  ZRANGE: {
    id: "ZRANGE",
    description: "ZRANGE bench:zset <random score> +inf BYSCORE LIMIT 0 10 on a sorted set of keyspace members",
    prepare: "fill-zset",
    probes: [
      ["ZADD", `${PROBE}:zset`, "1", "a", "2", "b"],
      ["ZRANGE", `${PROBE}:zset`, "000000000001", "+inf", "BYSCORE", "LIMIT", "0", "10"],
    ],
  },
  PUBLISH: {
    id: "PUBLISH",
    description: "PUBLISH bench:channel <value> (no subscribers)",
    prepare: "flush",
    probes: [["PUBLISH", `${PROBE}:channel`, "x"]],
  },
  "PUBLISH-50SUB": {
    id: "PUBLISH-50SUB",
    description: "PUBLISH key:000000000000 <value> with 50 subscribers on that channel; ops = messages delivered to the subscribers",
    prepare: "flush",
    probes: [["PUBLISH", `${PROBE}:channel`, "x"]],
    keyspace: 1,
    subscribers: { channels: 1, perChannel: 50 },
  },
  "PUBLISH-1000CH": {
    id: "PUBLISH-1000CH",
    description: "PUBLISH key:<random of 1000> <value>, one subscriber per channel; ops = messages delivered to the subscribers",
    prepare: "flush",
    probes: [["PUBLISH", `${PROBE}:channel`, "x"]],
    keyspace: 1000,
    subscribers: { channels: 1000, perChannel: 1 },
  },
  "SET-4K": {
    id: "SET-4K",
    description: "SET key:<random> <4096-byte value> over 10 k keys (CPU-heavy: the server parses and copies 4 KiB per command while the client resends one prebuilt buffer)",
    prepare: "flush",
    probes: [["SET", `${PROBE}:str`, "x"]],
    dataSize: 4096,
    keyspace: 10_000,
  },
};

/** The comparison workloads, in run order (SET-4K is the scaling workload, not listed here). */
export const DEFAULT_WORKLOADS: WorkloadId[] = [
  "SET",
  "GET",
  "MIX",
  "INCR",
  "LPUSH+LPOP",
  "HSET",
  "SADD",
  "ZADD",
  "ZRANGE",
  "PUBLISH",
];

/** The pub/sub fan-out workloads: part of a full run, left out of --quick (a smoke test of the
 * runner), since their subscriber connections take most of its time budget. */
export const FANOUT_WORKLOADS: WorkloadId[] = ["PUBLISH-50SUB", "PUBLISH-1000CH"];

export const PROBE_KEYS = [`${PROBE}:str`, `${PROBE}:ctr`, `${PROBE}:list`, `${PROBE}:hash`, `${PROBE}:set`, `${PROBE}:zset`];

/** The zset the ZRANGE workload reads. */
export const ZSET_KEY = "bench:zset";

/** Parses "SET,GET,mix" (case-insensitive; "lpush" and "lpop" name LPUSH+LPOP). */
export function parseWorkloadList(text: string): WorkloadId[] {
  const out: WorkloadId[] = [];
  for (const raw of text.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean)) {
    const name = raw === "LPUSH" || raw === "LPOP" ? "LPUSH+LPOP" : raw;
    if (!(name in WORKLOADS)) {
      throw new Error(`unknown workload '${raw}' (known: ${Object.keys(WORKLOADS).join(", ")})`);
    }
    if (!out.includes(name as WorkloadId)) out.push(name as WorkloadId);
  }
  return out;
}

/** The string keys the fill writes: the same names redis-benchmark's -r and memtier's prefix produce. */
export function stringKey(i: number): string {
  return "key:" + String(i).padStart(12, "0");
}
