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
import { ShardMemory } from "./memory.ts";

/**
 * Told after a command with the "write" flag ran on this shard without an error reply, with
 * the command's context (its arguments are still in ctx.args; ctx.client.db is its db). One
 * seam for everything that follows writes: AOF propagation, the RDB save policy's change
 * counter, WATCH, keyspace notifications, blocked clients waiting for a key. Commands run by
 * a forwarded batch are observed on the shard that owns their keys (ctx.client.internal says
 * whether IronCache itself issued the command as a step of a cross-shard operation).
 * A write whose reply is not an error may still have changed nothing (SET NX on an existing
 * key, DEL of a missing key): observers that must be exact check what they need.
 * `replyAt`: where the command's reply starts in ctx.out (the AOF logs SPOP by what it
 * popped).
 */
export type WriteObserver = (ctx: CommandContext, spec: CommandSpec, replyAt: number) => void;

export interface ShardStats {
  commandsProcessed: number;
  connectionsReceived: number;
  connectedClients: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Commands this shard's clients sent to other shards (metrics: cross-shard forwards). */
  forwardedCommands: number;
  /** Keys evicted by maxmemory (INFO evicted_keys). */
  evictedKeys: number;
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
    evictedKeys: 0,
    forwardedCommands: 0,
  };
  /** The shard's data is loaded (readiness, /readyz). Persistence loading sets it through
   * markLoaded() when done; a shard with nothing to load marks itself at start. */
  loaded = false;
  /** Sets `loaded` and tells the main thread (set by the worker). */
  markLoaded: () => void = () => {
    this.loaded = true;
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
  /** Like writeObservers, for a write whose keys span shards, coordinated from here
   * (CommandRow.acrossShards): its steps were observed on their shards as internal commands,
   * and this tells of the client's command itself, once. */
  readonly spanningWriteObservers: WriteObserver[] = [];
  /** Told after each batch of commands ran here (a connection's read batch, a forwarded
   * batch, an active-expiry cycle); empty unless a feature needs it (no cost then). */
  readonly batchObservers: Array<() => void> = [];
  /** Called after a batch's replies were handed over (written to a client's socket, or sent to
   * the shard that forwarded the batch): the moment a snapshot walk takes a step (ShardSnapshot),
   * as the next request of that client is at least a round trip away. Null = no cost. */
  afterReplies: (() => void) | null = null;
  /** Told when a client's connection ends (its subscriptions, waits... are dropped). */
  readonly clientClosedObservers: Array<(client: Client) => void> = [];
  /** Set while replies must wait for something before they are written (appendfsync
   * always: the AOF's fsync of the writes they acknowledge); null returned = no wait. */
  replyBarrier: (() => Promise<void> | null) | null = null;
  /** maxmemory, eviction and this shard's memory figures (memory.ts); `memory.onKeyEvicted`
   * is the seam for what must follow an eviction. */
  readonly memory: ShardMemory;
  /** Told before a command with the "write" flag runs here (WATCH notes the state of the
   * watched keys it names, to touch them only if they change). Empty = no cost. */
  readonly beforeWriteObservers: WriteObserver[] = [];
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
    this.memory = new ShardMemory(this);
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
