// One shard's walk of a snapshot (BGSAVE, SAVE, DEBUG RELOAD, an AOF base): it copies its keys
// out of the engine as raw records and streams them to the main thread, which encodes them as
// RDB (snapshot_encoder.ts) and splices every shard's part into one file (snapshot_file.ts).
//
// Point in time without stalling the shard: the keyspace is walked with SCAN's cursor in
// slices of at most ~0.25 ms between the shard's batches. One engine call per step writes whole
// records (key, expiry, DUMP blob) and never returns a key twice (Keyspace.snapshotScan), so
// the shard does no per-key work in JS: it copies blocks of bytes into the chunk it posts.
// Until the walk ends every write command first saves the old values of the keys it is about
// to change that the walk has not passed (Shard.beforeWriteObservers): a SAVED record, or a
// CREATED mark for a key that did not exist; the encoder keeps those and drops the walk's
// later record of the same key. Commands whose keys can't be listed beforehand (FLUSHALL,
// FLUSHDB, SWAPDB, MOVE, COPY ... DB) finish the walk synchronously first. Keys expiring
// meanwhile may be missed: a loader would drop them anyway.
import type { Shard } from "../server/shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { keyIndexes } from "../server/dispatch.ts";
import { latin1 } from "../protocol/bytes.ts";
import { noteSlice } from "../server/stall_probe.ts";

/** A chunk is segments: [u8 kind][u8 db][u32 length LE][length bytes]. */
export const SEGMENT_HEADER = 6;
/** Records of the walk: [u32 klen][key][f64 expireAt, -1 none][DUMP blob]... */
export const SEG_WALK = 0;
/** One record of a key a write is about to change, as it was when the snapshot began. */
export const SEG_SAVED = 1;
/** A key a write is about to create: not in the snapshot (the body is the key). */
export const SEG_CREATED = 2;
/** The walk of the db is over (no body). */
export const SEG_END_DB = 3;

/** One database's records in a part file. */
export interface PartSection {
  db: number;
  offset: number;
  length: number;
  keys: number;
  expires: number;
}

/** The longest the walk keeps the shard in one go (ms): requests wait at most about this. */
const SLICE_MS = 0.25;
/** Keys and bytes one engine step writes at most. */
const STEP_KEYS = 32;
const STEP_BYTES = 32 << 10;
/** A chunk is posted once this full (and at the end). */
const POST_BYTES = 256 << 10;
/**
 * Chunks sent and not yet encoded past which the walk waits: the encoder thread runs at the
 * lowest priority, so under load it falls behind, and the walk must not queue the whole
 * keyspace for it (writes' saved records are still sent: a write never waits).
 */
const MAX_CHUNKS_IN_FLIGHT = 4;
/** Writes that change keys beyond their key arguments: the walk completes before them. */
const UNLISTED_KEYS = new Set(["move", "copy", "swapdb", "flushdb", "flushall"]);

/** Lets the shard's connections and forwarded batches run between two slices. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class ShardSnapshot {
  #db = 0;
  #cursor = 0;
  #done = false;
  /** Per db not walked yet: keys a write saved or created (latin1), never saved twice. */
  readonly #covered = new Map<number, Set<string>>();
  #chunk = new Uint8Array(POST_BYTES * 2);
  #length = 0;
  /** Chunks sent and not yet encoded: this thread adds, the encoder thread subtracts. */
  readonly #inFlight = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly shard: Shard,
    /** Takes a chunk (it may keep or transfer its buffer) and the in-flight counter to release. */
    private readonly send: (chunk: Uint8Array, inFlight: Int32Array) => void,
  ) {}

  /**
   * Walks the keyspace in slices; the snapshot's instant is this call (the write observer is
   * in place before it first returns). Resolves once every chunk is sent.
   */
  async run(): Promise<void> {
    const observers = this.shard.beforeWriteObservers;
    const observer = (ctx: CommandContext, spec: CommandSpec) => this.#beforeWrite(ctx, spec);
    observers.push(observer);
    try {
      while (!this.#done) {
        if (Atomics.load(this.#inFlight, 0) >= MAX_CHUNKS_IN_FLIGHT) {
          await nextTask();
          continue;
        }
        const start = performance.now(), until = start + SLICE_MS;
        do this.#step(); while (!this.#done && performance.now() < until);
        if (this.#length >= POST_BYTES) this.#post();
        noteSlice(performance.now() - start);
        if (!this.#done) await nextTask();
      }
    } finally {
      observers.splice(observers.indexOf(observer), 1);
    }
    this.#post();
  }

  /** One engine step of the current database, or the move to the next one. */
  #step(): void {
    const ks = this.shard.keyspace, db = this.#db;
    if (this.#cursor === 0 && ks.dbSize(db) === 0) return this.#endDb();
    this.#cursor = ks.snapshotScan(db, this.#cursor, STEP_KEYS, STEP_BYTES);
    const n = ks.snapshotBytes();
    if (n > 0) this.#segment(SEG_WALK, db, ks.memoryBytes(), ks.resultOffset(), n);
    if (this.#cursor === 0) this.#endDb();
  }

  #endDb(): void {
    this.#segment(SEG_END_DB, this.#db, this.#chunk, 0, 0);
    this.#covered.delete(this.#db);
    this.#cursor = 0;
    if (++this.#db >= this.shard.databases) this.#done = true;
  }

  /** Appends a segment of `src[from, from + n)`. */
  #segment(kind: number, db: number, src: Uint8Array, from: number, n: number): void {
    if (this.#length + SEGMENT_HEADER + n > this.#chunk.length) {
      this.#post();
      if (SEGMENT_HEADER + n > this.#chunk.length) this.#chunk = new Uint8Array(SEGMENT_HEADER + n);
    }
    const c = this.#chunk, at = this.#length;
    c[at] = kind;
    c[at + 1] = db;
    c[at + 2] = n & 0xff;
    c[at + 3] = (n >>> 8) & 0xff;
    c[at + 4] = (n >>> 16) & 0xff;
    c[at + 5] = n >>> 24;
    if (n > 0) c.set(src.subarray(from, from + n), at + SEGMENT_HEADER);
    this.#length = at + SEGMENT_HEADER + n;
  }

  /** Hands the chunk over (its buffer is transferred) and starts a new one. */
  #post(): void {
    if (this.#length === 0) return;
    const full = this.#chunk.subarray(0, this.#length);
    this.#chunk = new Uint8Array(POST_BYTES * 2);
    this.#length = 0;
    Atomics.add(this.#inFlight, 0, 1);
    this.send(full, this.#inFlight);
  }

  /** A before-write observer while the walk runs: save what the command is about to change. */
  #beforeWrite(ctx: CommandContext, spec: CommandSpec): void {
    const indexes = keyIndexes(spec, ctx.args);
    if (indexes.length === 0 || UNLISTED_KEYS.has(spec.name)) {
      while (!this.#done) this.#step();
      return;
    }
    const db = ctx.client.db;
    if (db < this.#db) return; // walked already: every key it had then is written
    const ks = this.shard.keyspace;
    for (const i of indexes) {
      const key = ctx.args.bytes(i);
      if (db === this.#db && ks.snapshotKeyPassed(key, this.#cursor)) continue;
      let covered = this.#covered.get(db);
      if (!covered) this.#covered.set(db, covered = new Set());
      const name = latin1(key);
      if (covered.has(name)) continue;
      covered.add(name);
      const n = ks.snapshotKey(db, key);
      if (n >= 0) this.#segment(SEG_SAVED, db, ks.memoryBytes(), ks.resultOffset(), n);
      else this.#segment(SEG_CREATED, db, key, 0, key.length);
    }
  }
}
