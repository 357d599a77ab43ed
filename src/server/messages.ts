// Messages between the main thread and the shard workers.
import type { LoadedConfig } from "../config/load.ts";
import type { LinkRings } from "./peers.ts";
import type { AofToMain } from "../persistence/aof/shard_aof.ts";
import type { ShardFigures } from "./shard_metrics.ts";
import type { PersistFromWorker, PersistToWorker } from "../persistence/messages.ts";

export interface InitMessage {
  type: "init";
  shardId: number;
  shardCount: number;
  config: LoadedConfig;
  /** Links to the other shards, keyed by their id (shared-memory rings, see shard_link.ts). */
  peers: Record<number, LinkRings>;
  /** Int32Array over a SharedArrayBuffer: [0] = connected clients across all shards. */
  counters: SharedArrayBuffer;
  /** Every shard's memory in use and best eviction candidate, for the server-wide
   * maxmemory (src/server/memory.ts sharedMemoryBuffer). */
  memoryUsage: SharedArrayBuffer;
  /** Facts about the whole server that every shard reports the same way (INFO). */
  server: ServerIdentity;
  /** The AOF's shared state (src/persistence/aof/shared.ts). */
  aof: SharedArrayBuffer;
  /** Load the AOF before serving: shard 0 replays it, the others wait for "aof-loaded". */
  aofLoad: boolean;
  /** Float64Array over a SharedArrayBuffer: each shard's change count (src/persistence);
   * `loading`: an RDB file will be loaded, so commands get -LOADING until it is. */
  persistence: { changes: SharedArrayBuffer; loading: boolean };
}

export interface ServerIdentity {
  /** 40 hex characters, random per process (Redis's run_id). */
  runId: string;
  pid: number;
  startedAt: number;
  /** The config files read, absolute paths ("" when none). */
  configFile: string;
  /** The config file is TOML (CONFIG REWRITE writes TOML then). */
  configFileIsToml?: boolean;
  executable: string;
}

export interface ShutdownMessage {
  type: "shutdown";
}

/** The main thread's /metrics asks each shard for its figures (src/server/shard_metrics.ts). */
export interface MetricsRequest {
  type: "metrics";
  id: number;
}

export type ToWorker =
  | InitMessage
  | ShutdownMessage
  | MetricsRequest
  /** Start an AOF rewrite (auto-aof-rewrite-percentage); sent to shard 0. */
  | { type: "aof-rewrite" }
  /** The AOF is loaded (or there was none): serve. */
  | { type: "aof-loaded" }
  | PersistToWorker;

export type FromWorker =
  | { type: "listening"; shardId: number }
  | { type: "fatal"; shardId: number; message: string }
  | { type: "stopped"; shardId: number }
  /** The shard's data is loaded (/readyz). */
  | { type: "loaded"; shardId: number }
  | { type: "metrics"; shardId: number; id: number; figures: ShardFigures }
  /** SHUTDOWN from a client: stop the whole server like SIGTERM. */
  | { type: "shutdown-request"; shardId: number; how: "save" | "nosave" | "default" }
  /** Shard 0 replayed the AOF. */
  | { type: "aof-loaded"; shardId: number }
  | AofToMain
  | PersistFromWorker;

/** Index of the shared connected-clients counter in `counters`. */
export const CONNECTED_CLIENTS = 0;
/** Index of the next slow log entry id, shared so ids are unique across shards. */
export const SLOWLOG_IDS = 1;
/** Clients with tracking on across all shards: forwarded commands carry their caller's id
 * while it is not 0 (src/tracking). */
export const TRACKING_CLIENTS = 2;
/** MONITOR clients across all shards (src/server/monitor.ts): commands are fed while not 0. */
export const MONITORS = 3;
