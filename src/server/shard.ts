// One shard: a worker's slice of the keyspace (its Wasm engine) plus what its commands need
// to know about the server. Keys are owned by slot ranges, see src/cluster/slot.ts.
import type { Keyspace } from "../engine/keyspace.ts";
import type { ConfigStore } from "../config/store.ts";
import type { BatchExecutor } from "./peers.ts";
import type { Client } from "./client.ts";
import type { ServerIdentity } from "./messages.ts";
import { ShardLock } from "./shard_lock.ts";
import { keyHashSlot, keyHashSlotAt, slotOwner } from "../cluster/slot.ts";
import { AclUsers } from "../acl/users.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";

/**
 * Told after a command with the "write" flag ran on this shard without an error reply, with
 * the command's context (its arguments are still in ctx.args; ctx.client.db is its db). One
 * seam for everything that follows writes: AOF propagation, the RDB save policy's change
 * counter, WATCH, keyspace notifications, blocked clients waiting for a key. Commands run by
 * a forwarded batch are observed on the shard that owns their keys (ctx.client.internal says
 * whether IronCache itself issued the command as a step of a cross-shard operation).
 * A write whose reply is not an error may still have changed nothing (SET NX on an existing
 * key, DEL of a missing key): observers that must be exact check what they need.
 */
export type WriteObserver = (ctx: CommandContext, spec: CommandSpec) => void;

export interface ShardStats {
  commandsProcessed: number;
  connectionsReceived: number;
  connectedClients: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
}

export class Shard {
  readonly databases: number;
  readonly stats: ShardStats = {
    commandsProcessed: 0,
    connectionsReceived: 0,
    connectedClients: 0,
    rejectedConnections: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
  };
  /** The connections this shard serves, by client id (CLIENT LIST, CLIENT KILL...). */
  readonly clients = new Map<number, Client>();
  /** Ask the main thread to stop the server (SHUTDOWN); set by the worker. */
  requestShutdown: (how: "save" | "nosave" | "default") => void = () => {};
  readonly startedAt = Date.now();
  readonly lock = new ShardLock();
  /** ACL users, the same on every shard (src/acl). */
  readonly acl = new AclUsers();
  /** See WriteObserver; empty unless a feature that needs them is on (no cost then). */
  readonly writeObservers: WriteObserver[] = [];
  /**
   * Called before a command with the "write" flag runs here, while an RDB snapshot walks this
   * shard (src/persistence/snapshot_shard.ts saves the old values of the keys it will touch);
   * null otherwise (no cost then).
   */
  beforeWrite: WriteObserver | null = null;
  /** The dataset is being loaded (boot, DEBUG RELOAD): commands without the "loading" flag
   * get -LOADING. */
  loading = false;
  /** Runs a batch of commands owned here (set by the worker once the shard exists). */
  executeBatch: BatchExecutor = () => {
    throw new Error("shard not started");
  };

  constructor(
    readonly id: number,
    readonly count: number,
    readonly keyspace: Keyspace,
    readonly config: ConfigStore,
    /** Process-wide facts (run id, pid, start time...), the same on every shard. */
    readonly server: ServerIdentity = {
      runId: "0".repeat(40),
      pid: Deno.pid,
      startedAt: Date.now(),
      configFile: "",
      executable: "",
    },
  ) {
    this.databases = Number(config.get("databases"));
  }

  /** The shard that owns a key. */
  ownerOf(key: Uint8Array): number {
    return this.count === 1 ? 0 : slotOwner(keyHashSlot(key), this.count);
  }

  /** The shard that owns the key buf[start, end). */
  ownerOfRange(buf: Uint8Array, start: number, end: number): number {
    return this.count === 1 ? 0 : slotOwner(keyHashSlotAt(buf, start, end), this.count);
  }
}
