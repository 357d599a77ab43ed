// MULTI/EXEC and WATCH state (Redis's multi.c). A client in MULTI queues its commands here
// (the connection decides what is queued); EXEC locks every shard they touch and replays them
// through the connection. WATCH registers each key on the shard that owns it: a local client
// directly, a client of another shard through an internal WATCH call (so the registration is
// in place before WATCH replies); a write to the key then marks the watcher dirty, by a notice
// for a remote one. Notices on a link arrive before a later "locked", so once EXEC holds the
// locks of its watched keys' shards every earlier touch has been heard.
import type { Client } from "./client.ts";
import type { Shard } from "./shard.ts";
import { NoticeTopic, type Peers } from "./peers.ts";
import { type CommandContext, type CommandSpec, SPANNING } from "../commands/spec.ts";
import { keyIndexes } from "./dispatch.ts";
import { bytesEqual, latin1 } from "../protocol/bytes.ts";
import { BLOB_ACCESS } from "../engine/value_blob.ts";
import { DEBUG_NOT_ALLOWED, debugAllowed } from "../commands/debug.ts";
import { recordRejected } from "./info_stats.ts";
import type { ExpireTime } from "../engine/expire_time.ts";

export interface QueuedCommand {
  spec: CommandSpec;
  /** The command's RESP frame, copied. */
  frame: Uint8Array;
}

export class Transaction {
  readonly commands: QueuedCommand[] = [];
  /** A command was refused while queueing: EXEC answers EXECABORT (Redis's DIRTY_EXEC). */
  refused = false;
  /** Shards the queued commands' keys live on. */
  readonly shards = new Set<number>();
  /** A queued command needs every shard (FLUSHALL, KEYS, admin commands). */
  everyShard = false;
}

export const ERR_EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
const ERR_NO_MULTI = "ERR Command not allowed inside a transaction";

/** Commands that run at once inside MULTI instead of being queued (processCommand). */
const RUN_IN_MULTI = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

/** Redis's flagTransaction: a command refused inside MULTI makes EXEC fail. */
export function flagTransaction(client: Client): void {
  if (client.transaction !== null) client.transaction.refused = true;
}

/**
 * For the connection, while the client is in MULTI: refuses a command Redis refuses inside a
 * transaction, or queues it (+QUEUED). `owner` is the shard routing chose (-1 keyless, or
 * SPANNING). Returns false for the commands that run at once (EXEC, DISCARD, WATCH...).
 */
export function queueInTransaction(
  ctx: CommandContext,
  spec: CommandSpec,
  frame: Uint8Array,
  owner: number,
): boolean {
  const tx = ctx.client.transaction!;
  if (RUN_IN_MULTI.has(spec.name)) return false;
  // Refused before queueing, as processCommand does: a protected command (DEBUG while
  // enable-debug-command forbids it) and the no-multi ones.
  const refusal = spec.name === "debug" && !debugAllowed(ctx)
    ? DEBUG_NOT_ALLOWED
    : spec.flags.includes("no_multi")
    ? ERR_NO_MULTI
    : null;
  if (refusal !== null) {
    tx.refused = true;
    recordRejected(ctx.shard, spec.name);
    ctx.out.error(refusal);
    return true;
  }
  tx.commands.push({ spec, frame: frame.slice() });
  noteShards(ctx, tx, spec, owner);
  ctx.out.simple("QUEUED");
  return true;
}

function noteShards(ctx: CommandContext, tx: Transaction, spec: CommandSpec, owner: number): void {
  const shard = ctx.shard;
  if (shard.count === 1 || tx.everyShard) return;
  // A keyless command that is not "fast" may ask other shards (CLIENT LIST, INFO, DEBUG...),
  // and one its row routes itself may reach any (SORT's BY/GET patterns).
  const anyShard = (owner === -1 && !spec.flags.includes("fast")) ||
    (owner === SPANNING && spec.route !== undefined);
  if (spec.fanOut || anyShard) tx.everyShard = true;
  else if (owner >= 0) tx.shards.add(owner);
  else if (owner === SPANNING) {
    for (const i of keyIndexes(spec, ctx.args)) tx.shards.add(shard.ownerOf(ctx.args.bytes(i)));
  }
}

/** The shards EXEC must lock, or null when everything is on the client's own shard (the
 * queue then runs synchronously: nothing else can interleave). */
export function shardsToLock(shard: Shard, client: Client): Set<number> | null {
  const tx = client.transaction!;
  if (shard.count === 1) return null;
  const shards = new Set<number>(tx.everyShard ? [...Array(shard.count).keys()] : tx.shards);
  for (const s of client.watches?.remoteShards ?? []) shards.add(s);
  shards.add(shard.id);
  return shards.size === 1 ? null : shards;
}

/** Leaves MULTI (EXEC done, DISCARD, RESET) and forgets the watched keys. */
export function discardTransaction(shard: Shard, client: Client): void {
  client.transaction = null;
  unwatchAll(shard, client);
}

// ---- WATCH -----------------------------------------------------------------------------

/** Someone watching a key of this shard: a local client's watches, or another shard's. */
interface Watcher {
  touched(): void;
}

interface WatchedKey {
  db: number;
  key: Uint8Array;
  shard: number;
  /** Absolute expiry when watched (live then), else -1: once past it the key counts as
   * modified (Redis 7.0's isWatchedKeyExpired), even if nothing deleted it yet. */
  expiresAt: number;
}

/** A client's WATCH state (Client.watches). */
export class ClientWatches implements Watcher {
  dirty = false;
  readonly keys: WatchedKey[] = [];
  /** Other shards holding registrations of this client. */
  readonly remoteShards = new Set<number>();
  constructor(readonly generation: number) {}
  touched(): void {
    this.dirty = true;
  }
}

let nextGeneration = 1;

/** A watch on a key of this shard by a client of shard `from`. */
class RemoteWatcher implements Watcher {
  readonly names: string[] = [];
  constructor(
    private state: ShardWatches,
    readonly token: string,
    readonly from: number,
    readonly clientId: number,
    readonly generation: number,
  ) {}
  touched(): void {
    this.state.peers?.notify(
      this.from,
      NoticeTopic.watch,
      encoder.encode(`d ${this.clientId} ${this.generation}`),
    );
    forgetRemote(this.state, this.token); // like Redis's unwatchAllKeys once dirty
  }
}

/** What a write command is about to do to watched keys (taken before it runs). */
interface PendingTouch {
  name: string;
  db: number;
  key: Uint8Array;
  /** Touch whatever happens (FLUSH*, SWAPDB of an existing key); else compare the state. */
  always: boolean;
  before: KeyState | null;
}

interface KeyState {
  dump: Uint8Array;
  expireAt: ExpireTime;
}

interface ShardWatches {
  shard: Shard;
  peers: Peers | null;
  /** watchName(db, key) -> watchers. */
  keys: Map<string, Set<Watcher>>;
  remote: Map<string, RemoteWatcher>;
  /** Per running command (a handler may run another command inside, e.g. a fan-out's local
   * part): what its write may touch. A command that replied an error is never observed
   * after, so its entry is replaced by the context's next write (or dropped with it). */
  pending: WeakMap<CommandContext, PendingTouch[]>;
  observing: boolean;
  before: (ctx: CommandContext, spec: CommandSpec) => void;
  after: (ctx: CommandContext, spec: CommandSpec) => void;
  /** An evicted key is touched like a written one (Redis: signalModifiedKey on eviction). */
  evicted: (db: number, key: Uint8Array) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const states = new WeakMap<Shard, ShardWatches>();

function stateOf(shard: Shard): ShardWatches {
  let state = states.get(shard);
  if (!state) {
    const s: ShardWatches = {
      shard,
      peers: null,
      keys: new Map(),
      remote: new Map(),
      pending: new WeakMap(),
      observing: false,
      before: (ctx, spec) => noteWatchedKeys(s, ctx, spec),
      after: (ctx) => touchChangedKeys(s, ctx),
      evicted: (db, key) => touchWatchedKey(shard, db, key),
    };
    states.set(shard, state = s);
  }
  return state;
}

/** The worker wires WATCH notices between shards. */
export function setUpTransactions(shard: Shard, peers: Peers | null): void {
  const state = stateOf(shard);
  state.peers = peers;
  peers?.onNotice(NoticeTopic.watch, (from, payload) => {
    const [kind, a, b] = decoder.decode(payload).split(" ");
    if (kind === "d") {
      // A watched key of another shard was touched: dirty, unless the client has moved on.
      const watches = shard.clients.get(Number(a))?.watches;
      if (watches?.generation === Number(b)) watches.dirty = true;
    } else if (kind === "u") forgetRemote(state, `${from}:${a}:${b}`);
  });
}

function watchName(db: number, key: Uint8Array): string {
  return String.fromCharCode(db) + latin1(key);
}

function addWatcher(state: ShardWatches, name: string, watcher: Watcher): void {
  let set = state.keys.get(name);
  if (!set) state.keys.set(name, set = new Set());
  set.add(watcher);
  if (!state.observing) {
    // Only while something is watched do writes pay for it.
    state.observing = true;
    state.shard.beforeWriteObservers.push(state.before);
    state.shard.writeObservers.push(state.after);
    state.shard.memory.onKeyEvicted.push(state.evicted);
  }
}

function removeWatcher(state: ShardWatches, name: string, watcher: Watcher): void {
  const set = state.keys.get(name);
  if (!set) return;
  set.delete(watcher);
  if (set.size) return;
  state.keys.delete(name);
  if (state.keys.size || !state.observing) return;
  // Later: this may run inside the executor's loop over the observers.
  queueMicrotask(() => {
    if (state.keys.size || !state.observing) return;
    state.observing = false;
    const { beforeWriteObservers, writeObservers } = state.shard;
    beforeWriteObservers.splice(beforeWriteObservers.indexOf(state.before), 1);
    writeObservers.splice(writeObservers.indexOf(state.after), 1);
    const evicted = state.shard.memory.onKeyEvicted;
    evicted.splice(evicted.indexOf(state.evicted), 1);
  });
}

function forgetRemote(state: ShardWatches, token: string): void {
  const watcher = state.remote.get(token);
  if (!watcher) return;
  state.remote.delete(token);
  for (const name of watcher.names) removeWatcher(state, name, watcher);
}

/** The key's expiry if it is live and has one, else -1. */
function liveExpiry(at: ExpireTime, now: number): number {
  return at >= 0 && now <= at ? Number(at) : -1; // beyond 2^53 (rounded) is never reached
}

/** WATCH of keys owned by this shard for a client of this shard. */
export function watchLocalKey(shard: Shard, client: Client, key: Uint8Array): void {
  const watches = client.watches!;
  const db = client.db;
  if (watches.keys.some((k) => k.db === db && bytesEqual(k.key, key))) return;
  const expiresAt = liveExpiry(shard.keyspace.expireAt(db, key), Date.now());
  watches.keys.push({ db, key: key.slice(), shard: shard.id, expiresAt });
  addWatcher(stateOf(shard), watchName(db, key), watches);
}

/** The client's watches, created on its first WATCH. */
export function watchesOf(client: Client): ClientWatches {
  return client.watches ??= new ClientWatches(nextGeneration++);
}

/** Keys of `watches` not yet watched in db (a key is watched once per db). */
export function newKeys(watches: ClientWatches, db: number, keys: Uint8Array[]): Uint8Array[] {
  return keys.filter((key, i) =>
    !watches.keys.some((k) => k.db === db && bytesEqual(k.key, key)) &&
    keys.findIndex((other) => bytesEqual(other, key)) === i
  );
}

/** The token naming a client's current watches on other shards. */
export function watchToken(shard: Shard, client: Client): string {
  return `${shard.id}:${client.id}:${client.watches!.generation}`;
}

/** After the owner shard registered keys (its reply: each key's expireAt), note them here. */
export function noteRemoteKeys(
  client: Client,
  owner: number,
  keys: Uint8Array[],
  expireAts: number[],
): void {
  const now = Date.now();
  keys.forEach((key, i) =>
    client.watches!.keys.push({
      db: client.db,
      key,
      shard: owner,
      expiresAt: liveExpiry(expireAts[i], now),
    })
  );
}

/** On the owner shard: the internal WATCH <token> key... of another shard's client. Returns
 * each key's expireAt (see Keyspace.expireAt). */
export function watchForRemote(
  shard: Shard,
  db: number,
  token: string,
  keys: Uint8Array[],
): ExpireTime[] {
  const state = stateOf(shard);
  let watcher = state.remote.get(token);
  if (!watcher) {
    const [from, clientId, generation] = token.split(":").map(Number);
    watcher = new RemoteWatcher(state, token, from, clientId, generation);
    state.remote.set(token, watcher);
  }
  return keys.map((key) => {
    const name = watchName(db, key);
    watcher.names.push(name);
    addWatcher(state, name, watcher);
    return shard.keyspace.expireAt(db, key);
  });
}

/** EXEC's check, under the locks: a watched key was touched, or has expired since. */
export function watchesDirty(client: Client, now: number): boolean {
  const watches = client.watches;
  if (!watches) return false;
  return watches.dirty || watches.keys.some((k) => k.expiresAt >= 0 && now > k.expiresAt);
}

/** UNWATCH: forget the client's keys here and on the other shards. */
export function unwatchAll(shard: Shard, client: Client): void {
  const watches = client.watches;
  if (!watches) return;
  const state = stateOf(shard);
  const token = watchToken(shard, client);
  client.watches = null;
  for (const k of watches.keys) {
    if (k.shard === shard.id) removeWatcher(state, watchName(k.db, k.key), watches);
  }
  const [, id, generation] = token.split(":");
  const notice = encoder.encode(`u ${id} ${generation}`);
  for (const s of watches.remoteShards) state.peers?.notify(s, NoticeTopic.watch, notice);
}

/** Make the watchers of a key dirty: for writes the observers cannot see (eviction). */
export function touchWatchedKey(shard: Shard, db: number, key: Uint8Array): void {
  const state = states.get(shard);
  if (state?.keys.size) touchName(state, watchName(db, key));
}

function touchName(state: ShardWatches, name: string): void {
  const watchers = state.keys.get(name);
  if (watchers) { for (const w of [...watchers]) w.touched(); }
}

/** The key's value and expiry, to tell whether a write changed it. Looked at without touching
 * it, and without its access field: a write that reads and leaves the key (SET NX) touches it,
 * which is no change. */
function stateOfKey(shard: Shard, db: number, key: Uint8Array): KeyState | null {
  const dump = shard.keyspace.peek(db, key); // a copy
  if (dump === null) return null;
  dump.fill(0, BLOB_ACCESS, BLOB_ACCESS + 4);
  return { dump, expireAt: shard.keyspace.expireAt(db, key) };
}

/** Before a write: remember the state of the watched keys it names (or, for FLUSHDB,
 * FLUSHALL and SWAPDB, which watched keys exist), so only a real change touches them, as
 * Redis calls signalModifiedKey only when something changed. */
function noteWatchedKeys(state: ShardWatches, ctx: CommandContext, spec: CommandSpec): void {
  const { shard, client, args } = ctx;
  const pending: PendingTouch[] = [];
  state.pending.set(ctx, pending);
  const ks = shard.keyspace;
  const inDbs = (dbs: number[], exists: (db: number, key: Uint8Array) => boolean) => {
    for (const name of state.keys.keys()) {
      const db = name.charCodeAt(0);
      if (!dbs.includes(db)) continue;
      const key = Uint8Array.from(name.slice(1), (c) => c.charCodeAt(0));
      if (exists(db, key)) pending.push({ name, db, key, always: true, before: null });
    }
  };
  const dbArg = (i: number) => {
    const db = args.int(i);
    return db !== null && db >= 0 && db < shard.databases ? db : -1;
  };
  switch (spec.name) {
    case "flushall":
      return inDbs([...Array(shard.databases).keys()], (db, key) => ks.exists(db, key));
    case "flushdb":
      return inDbs([client.db], (db, key) => ks.exists(db, key));
    case "swapdb": {
      // touchAllWatchedKeysInDb: a watched key that exists on either side changes.
      const a = dbArg(1), b = dbArg(2);
      if (a < 0 || b < 0 || a === b) return;
      return inDbs([a, b], (_db, key) => ks.exists(a, key) || ks.exists(b, key));
    }
  }
  for (const i of keyIndexes(spec, args)) {
    const key = args.bytes(i);
    const name = watchName(client.db, key);
    if (!state.keys.has(name)) continue;
    pending.push({
      name,
      db: client.db,
      key: key.slice(),
      always: false,
      before: stateOfKey(shard, client.db, key),
    });
  }
}

function sameState(a: KeyState | null, b: KeyState | null): boolean {
  if (a === null || b === null) return a === b;
  return a.expireAt === b.expireAt && bytesEqual(a.dump, b.dump);
}

function touchChangedKeys(state: ShardWatches, ctx: CommandContext): void {
  const pending = state.pending.get(ctx);
  if (!pending) return;
  state.pending.delete(ctx);
  for (const p of pending) {
    if (p.always || !sameState(p.before, stateOfKey(state.shard, p.db, p.key))) {
      touchName(state, p.name);
    }
  }
}
