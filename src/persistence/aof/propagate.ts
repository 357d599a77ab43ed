// What a shard logs to the AOF: each write as Redis propagates it (feedAppendOnlyFile after
// the rewrites of t_string.c, expire.c, t_set.c...), plus a DEL for every key expiry reclaims.
// Entries carry a global sequence number (one shared counter), so the writer on the main
// thread can merge the shards' streams in the order the writes happened; they are sent once
// per event-loop turn.
import type { CommandContext, CommandSpec } from "../../commands/spec.ts";
import { KeyEvent } from "../../engine/keyspace.ts";
import type { Shard } from "../../server/shard.ts";
import { ByteBuffer } from "../../protocol/byte_buffer.ts";
import { encodeCommand } from "../../server/multishard.ts";
import { copyArgv } from "../../commands/every_shard.ts";
import { type AofShared, SEQ_DONE, SEQ_NEXT, seqDistance } from "./shared.ts";
import { replyBytes, replyElements } from "./replies.ts";
import { entryCommands } from "./commands.ts";
import { readEntry } from "./snapshot.ts";

const encoder = new TextEncoder();
const word = (s: string | number | bigint) => encoder.encode(String(s));

/** Commands whose effect covers every shard: logged once, by shard 0 (they run on all
 * shards under every shard's lock, shard 0's part first: see atomicFanOut). */
const WHOLE_SERVER = new Set(["flushall", "flushdb", "swapdb"]);

/** Served blocking commands: logged as their non-blocking form (Redis's BLPOP -> LPOP...). */
const UNBLOCKED: Record<string, string> = {
  blpop: "LPOP",
  brpop: "RPOP",
  bzpopmin: "ZPOPMIN",
  bzpopmax: "ZPOPMAX",
};

/** Redis's SPOP_MOVE_STRATEGY_MUL batches: SREM with at most 1024 members per command. */
const SREM_BATCH = 1024;

/**
 * The commands to log for a write that just ran (its reply starts at out[replyAt]); empty
 * when it changed nothing that needs logging.
 */
export function propagatedCommands(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
): Uint8Array[][] {
  const { args, shard } = ctx;
  const ks = shard.keyspace, db = ctx.client.db;
  const reply = ctx.out.buf.subarray(0, ctx.out.length);
  const name = spec.name;
  if (WHOLE_SERVER.has(name)) return shard.id === 0 ? [copyArgv(args)] : [];
  const key = () => args.bytes(1).slice();
  /** The key as it is now: its value and expiry, or a DEL when it is gone. */
  const keyAsItIs = (k: Uint8Array): Uint8Array[][] => {
    const entry = readEntry(ks, db, k);
    return entry ? [[word("DEL"), k], ...entryCommands(entry)] : [[word("DEL"), k]];
  };
  const expireAtNow = (k: Uint8Array) => ks.expireAt(db, k);
  switch (name) {
    case "expire":
    case "pexpire":
    case "expireat":
    case "pexpireat": {
      if (replyBytes(reply, replyAt)?.[0] !== 0x31) return []; // :0 changed nothing
      const k = key(), at = expireAtNow(k);
      if (at <= 0) return [[word("DEL"), k]]; // a time already past deleted it
      const argv = copyArgv(args);
      argv[0] = word("PEXPIREAT");
      argv[2] = word(at);
      return [argv];
    }
    case "setex":
    case "psetex": {
      const k = key(), at = expireAtNow(k);
      return at > 0 ? [[word("SET"), k, args.bytes(3).slice(), word("PXAT"), word(at)]] : [];
    }
    case "set": {
      if (!hasRelativeExpiry(ctx)) return [copyArgv(args)];
      // Set only if the key now holds this value with a TTL (NX/XX may have refused it).
      const k = key(), entry = readEntry(ks, db, k);
      if (entry === null) return [[word("DEL"), k]];
      if (entry.value.kind !== "string" || entry.expireAtMs === undefined) return [];
      if (!bytesEqual(entry.value.value, args.bytes(2))) return [];
      return [[word("SET"), k, entry.value.value, word("PXAT"), word(entry.expireAtMs)]];
    }
    case "getex": {
      if (args.argc === 2 || replyBytes(reply, replyAt) === null) return [];
      const k = key(), at = expireAtNow(k);
      if (args.is(2, "persist")) return [[word("PERSIST"), k]];
      return at > 0 ? [[word("PEXPIREAT"), k, word(at)]] : [[word("DEL"), k]];
    }
    case "incrbyfloat": {
      const value = replyBytes(reply, replyAt);
      return value ? [[word("SET"), key(), value.slice(), word("KEEPTTL")]] : [];
    }
    case "hincrbyfloat": {
      const value = replyBytes(reply, replyAt);
      return value ? [[word("HSET"), key(), args.bytes(2).slice(), value.slice()]] : [];
    }
    case "spop": {
      const single = replyBytes(reply, replyAt);
      const members = single
        ? [single.slice()]
        : (replyElements(reply, replyAt) ?? []).map((p) => replyBytes(reply, p)!.slice());
      const commands: Uint8Array[][] = [];
      for (let i = 0; i < members.length; i += SREM_BATCH) {
        commands.push([word("SREM"), key(), ...members.slice(i, i + SREM_BATCH)]);
      }
      return commands;
    }
    case "restore":
      // The payload may be IronCache's own (a cross-shard RENAME's step) and the TTL relative:
      // the key is logged by its contents.
      return keyAsItIs(key());
    case "blpop":
    case "brpop":
    case "bzpopmin":
    case "bzpopmax": {
      const items = replyElements(reply, replyAt);
      if (!items) return [];
      return [[word(UNBLOCKED[name]), replyBytes(reply, items[0])!.slice()]];
    }
    case "brpoplpush":
    case "blmove":
    case "blmpop":
    case "bzmpop": {
      if (reply[replyAt] === 0x5f || (reply[replyAt + 1] === 0x2d)) return []; // timed out
      const argv = copyArgv(args);
      if (name === "brpoplpush") return [[word("RPOPLPUSH"), argv[1], argv[2]]];
      if (name === "blmove") return [[word("LMOVE"), ...argv.slice(1, 5)]];
      argv.splice(1, 1); // the timeout
      argv[0] = word(name === "blmpop" ? "LMPOP" : "ZMPOP");
      return [argv];
    }
  }
  return [copyArgv(args)];
}

/** Where a key of `db` is after FLUSHALL / FLUSHDB / SWAPDB (null: gone). */
function dbAfterwards(ctx: CommandContext, name: string): (db: number) => number | null {
  if (name === "flushall") return () => null;
  if (name === "flushdb") return (db) => db === ctx.client.db ? null : db;
  const a = ctx.args.int(1), b = ctx.args.int(2);
  return (db) => db === a ? b : db === b ? a : db;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** SET with EX, PX or EXAT (PXAT is already absolute). */
function hasRelativeExpiry(ctx: CommandContext): boolean {
  const { args } = ctx;
  for (let i = 3; i < args.argc; i++) {
    if (args.is(i, "ex") || args.is(i, "px") || args.is(i, "exat")) return true;
  }
  return false;
}

/** How often keys reclaimed by active expiry are sent when nothing else is. */
const SWEEP_MS = 100;

export class AofPropagator {
  #buffer = new ByteBuffer(4096);
  #scheduled = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #enabled = false;
  #alwaysFsync = false;

  constructor(
    private readonly shard: Shard,
    private readonly shared: AofShared,
    /** Sends a batch of entries ([u32 seq][u8 db][u32 length][frame]...) to the writer. */
    private readonly send: (entries: Uint8Array) => void,
  ) {}

  get enabled(): boolean {
    return this.#enabled;
  }

  /** appendfsync always: replies wait until their writes are on disk. */
  set alwaysFsync(on: boolean) {
    this.#alwaysFsync = on;
  }

  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    this.shard.writeObservers.push(this.#observe);
    this.shard.keyspace.addKeyEventListener(KeyEvent.Expired, this.#onExpired);
    this.shard.memory.onKeyEvicted.push(this.#onEvicted);
    this.#sweep = setInterval(() => this.flush(), SWEEP_MS);
  }

  disable(): void {
    if (!this.#enabled) return;
    this.flush();
    this.#enabled = false;
    const observers = this.shard.writeObservers;
    const at = observers.indexOf(this.#observe);
    if (at >= 0) observers.splice(at, 1);
    this.shard.keyspace.removeKeyEventListener(KeyEvent.Expired, this.#onExpired);
    const hooks = this.shard.memory.onKeyEvicted;
    hooks.splice(hooks.indexOf(this.#onEvicted), 1);
    clearInterval(this.#sweep);
  }

  #observe = (ctx: CommandContext, spec: CommandSpec, replyAt: number): void => {
    if (this.shard.id !== 0 && WHOLE_SERVER.has(spec.name)) {
      // Shard 0 logged the command already: keys this shard saw expire before its part are
      // logged after it, in the db they are in now (or not at all: flushed).
      return this.#takeExpired(dbAfterwards(ctx, spec.name));
    }
    this.#takeExpired(); // a key that expired during this command is deleted before it
    for (const argv of propagatedCommands(ctx, spec, replyAt)) this.log(ctx.client.db, argv);
  };

  log(db: number, argv: Uint8Array[]): void {
    const frame = encodeCommand(argv);
    const seq = Atomics.add(this.shared.ints, SEQ_NEXT, 1);
    const b = this.#buffer;
    b.u32(seq >>> 0);
    b.u8(db);
    b.u32(frame.length);
    b.raw(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Where a key that expired in `db` is now (see #observe); null: flushed meanwhile. */
  #dbNow: (db: number) => number | null = sameDb;

  #onExpired = (db: number, key: Uint8Array): void => {
    const now = this.#dbNow(db);
    if (now !== null) this.log(now, [word("DEL"), key.slice()]);
  };

  /** An evicted key is deleted in the AOF, as Redis propagates evictions (after the keys
   * that expired before it). */
  #onEvicted = (db: number, key: Uint8Array): void => {
    this.#takeExpired();
    this.log(db, [word("DEL"), key]);
  };

  /** Log the keys expiry reclaimed so far (the engine's log serves every listener at once). */
  #takeExpired(dbNow: (db: number) => number | null = sameDb): void {
    this.#dbNow = dbNow;
    try {
      this.shard.keyspace.drainKeyEvents();
    } finally {
      this.#dbNow = sameDb;
    }
  }

  /** Sends what was logged (and the keys expiry reclaimed meanwhile). */
  flush(): void {
    this.#scheduled = false;
    if (this.#enabled) this.#takeExpired();
    this.#scheduled = false;
    if (this.#buffer.length === 0) return;
    this.send(this.#buffer.bytes().slice());
    this.#buffer.reset();
    this.#buffer.shrinkIfIdle();
  }

  /** Under appendfsync always, a promise that resolves once every write numbered so far is
   * fsynced; null when replies need not wait. */
  replyBarrier(): Promise<void> | null {
    if (!this.#enabled || !this.#alwaysFsync) return null;
    const target = Atomics.load(this.shared.ints, SEQ_NEXT);
    if (seqDistance(Atomics.load(this.shared.ints, SEQ_DONE), target) >= 0) return null;
    this.flush();
    return this.#waitDone(target);
  }

  async #waitDone(target: number): Promise<void> {
    const ints = this.shared.ints;
    for (;;) {
      const done = Atomics.load(ints, SEQ_DONE);
      if (seqDistance(done, target) >= 0 || !this.#enabled) return;
      const waited = Atomics.waitAsync(ints, SEQ_DONE, done, 1000);
      if (waited.async) await waited.value;
    }
  }
}

const sameDb = (db: number): number | null => db;
