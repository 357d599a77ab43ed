// Messages between the main thread and the shard workers.
import type { LoadedConfig } from "../config/load.ts";
import type { LinkRings } from "./peers.ts";
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
  /** Facts about the whole server that every shard reports the same way (INFO). */
  server: ServerIdentity;
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
  executable: string;
}

export interface ShutdownMessage {
  type: "shutdown";
}

export type ToWorker = InitMessage | ShutdownMessage | PersistToWorker;

export type FromWorker =
  | { type: "listening"; shardId: number }
  | { type: "fatal"; shardId: number; message: string }
  | { type: "stopped"; shardId: number }
  /** SHUTDOWN from a client: stop the whole server like SIGTERM. */
  | { type: "shutdown-request"; shardId: number; how: "save" | "nosave" | "default" }
  | PersistFromWorker;

/** Index of the shared connected-clients counter in `counters`. */
export const CONNECTED_CLIENTS = 0;
