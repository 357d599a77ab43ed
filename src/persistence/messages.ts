// Messages between the main thread's persistence coordinator (coordinator.ts) and the shard
// workers (shard_persistence.ts).
import type { EncodingLimits } from "../engine/encoding_limits.ts";
import type { AccessSave } from "./rdb/access.ts";

/** What every shard reports the same way in INFO persistence and LASTSAVE. */
export interface PersistStatus {
  /** Unix seconds of the last successful save (the start time before any). */
  lastSave: number;
  lastBgsaveOk: boolean;
  /** Seconds the last BGSAVE took, -1 before any. */
  lastBgsaveTimeSec: number;
  /** Unix ms a BGSAVE started, 0 when none runs. */
  bgsaveStartedMs: number;
  /** A save of any kind runs (SAVE included). */
  saving: boolean;
  scheduled: boolean;
  saves: number;
  /** Per shard: its change counter when the last successful save began. */
  changesAtLastSave: number[];
  loading: boolean;
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
}

/** The status before any save or load: `lastSave` is the start time, as Redis. */
export function initialStatus(startedAtMs: number, shards: number): PersistStatus {
  return {
    lastSave: Math.floor(startedAtMs / 1000),
    lastBgsaveOk: true,
    lastBgsaveTimeSec: -1,
    bgsaveStartedMs: 0,
    saving: false,
    scheduled: false,
    saves: 0,
    changesAtLastSave: new Array(shards).fill(0),
    loading: false,
    lastLoadKeysLoaded: 0,
    lastLoadKeysExpired: 0,
  };
}

export type PersistOp = "save" | "bgsave" | "bgsave-schedule" | "reload" | "shutdown";

/** The request's details: SHUTDOWN's save choice, DEBUG RELOAD's options. */
export interface PersistOptions {
  how?: "save" | "nosave" | "default";
  reload?: { save: boolean; flush: boolean; merge: boolean };
  /** Asked from inside an EXEC that holds shards' locks: a snapshot then starts on each shard
   * as its message arrives, without taking the locks (which that EXEC holds until it ends). */
  locksHeld?: boolean;
}

export interface PersistReply {
  /** The error to reply (without the "-"), or undefined when done. */
  error?: string;
  /** A status reply text, when the command replies one. */
  status?: string;
}

export type PersistToWorker =
  /** `seq` numbers the broadcasts: the shard answers persist-status-seen with it. */
  | { type: "persist-status"; status: PersistStatus; seq: number }
  | { type: "persist-reply"; reqId: number; reply: PersistReply }
  /** Walk the keyspace for snapshot `id` (snapshot_shard.ts) and stream it back. */
  /** Start snapshot `id`: `together`, shard 0 starts every shard's walk under their locks;
   * otherwise each shard starts its own as the message arrives. */
  | { type: "snapshot"; id: number; together: boolean }
  /** Keys cut from an RDB file; `replace`: keys that exist are replaced (else an error). */
  | { type: "load-batch"; id: number; batch: Uint8Array; replace: boolean }
  | { type: "flush"; id: number };

export type PersistFromWorker =
  | {
    type: "persist-request";
    shardId: number;
    reqId: number;
    op: PersistOp;
    options: PersistOptions;
  }
  | {
    type: "persist-config";
    shardId: number;
    save: string;
    dir: string;
    dbfilename: string;
    rdbchecksum: boolean;
  }
  /** The shard has taken status broadcast `seq`. */
  | { type: "persist-status-seen"; shardId: number; seq: number }
  /**
   * Raw records of snapshot `id` (in shared slot `slot` of the walk, or -1: its own buffer,
   * transferred), with the shard's encoding limits and the walk's flow control (the encoder
   * releases the chunk when done: releaseChunk).
   */
  | {
    type: "snapshot-chunk";
    shardId: number;
    id: number;
    data: Uint8Array;
    limits: EncodingLimits;
    /** What the records say of access (the policy and clocks at the walk's start). */
    access: AccessSave | null;
    /** rdbcompression at the walk's start. */
    compress: boolean;
    flow: Int32Array;
    slot: number;
  }
  | { type: "snapshot-done"; shardId: number; id: number; error?: string }
  | { type: "persist-ack"; shardId: number; id: number; error?: string; keys?: number };
