// One shard's walk of a snapshot (BGSAVE, SAVE, DEBUG RELOAD, an AOF base): it copies its keys
// out of the engine as raw records and streams them to the main thread, which encodes them as
// RDB (snapshot_encoder.ts) and splices every shard's part into one file (snapshot_file.ts).
//
// Point in time without stalling the shard: the keyspace is walked with SCAN's cursor, one
// engine step (~12 µs) after a batch's replies while the shard serves, slices of at most ~0.1 ms
// while it idles. One engine call per step writes whole
// records (key, expiry, DUMP blob) and never returns a key twice (Keyspace.snapshotScan), so
// the shard does no per-key work in JS: it copies blocks of bytes into the chunk it posts.
// Until the walk ends every write command first saves the old values of the keys it is about
// to change that the walk has not passed (Shard.beforeWriteObservers): a SAVED record, or a
// CREATED mark for a key that did not exist; the encoder keeps those and drops the walk's
// later record of the same key. A key evicted (maxmemory) is saved the same way before it is
// deleted (ShardMemory.beforeKeyEvicted), and so is a key that expiry reclaims: the engine
// logs its record as it goes (KeyEvent.ExpiredRecord), and the walk takes the log before each
// step and each save. So the snapshot holds every key of its instant, expired ones not yet
// reclaimed included, as a fork's copy would. Commands whose keys can't be listed beforehand
// (FLUSHALL, FLUSHDB, SWAPDB, MOVE, COPY ... DB) finish the walk synchronously first.
import type { Shard } from "../server/shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { keyIndexes } from "../server/dispatch.ts";
import { KeyBytesSet } from "./key_bytes_set.ts";
import { KeyEvent } from "../engine/keyspace.ts";
import { u32le } from "../protocol/bytes.ts";
import { noteSlice } from "../server/stall_probe.ts";
import { WalkLog } from "./walk_log.ts";
import { WalkPacer } from "./walk_pacer.ts";
import {
  IN_FLIGHT,
  SEG_CREATED,
  SEG_END_DB,
  SEG_SAVED,
  SEG_WALK,
  SEGMENT_HEADER,
} from "./snapshot_chunks.ts";

/** The longest the walk keeps the shard in one go (ms): requests wait at most about this.
 * 0.1 rather than 0.25 halved p99.9 during BGSAVE with one shard (session 7, docs/persistence.md)
 * at the price of a walk about twice as long. */
const SLICE_MS = 0.1;
/** Keys and bytes one engine step writes at most (16 keys: a step stays well inside a slice). */
const STEP_KEYS = 16;
const STEP_BYTES = 32 << 10;
/** A chunk is posted once this full (and at the end). */
const POST_BYTES = 256 << 10;
/**
 * Chunks sent and not yet encoded past which the walk waits: the encoder thread runs at the
 * lowest priority, so under load it falls behind, and the walk must not queue the whole
 * keyspace for it (writes' saved records are still sent: a write never waits).
 */
const MAX_CHUNKS_IN_FLIGHT = 4;
/**
 * Shared buffers the chunks are written in, reused: a chunk costs no allocation (a fresh
 * 512 KB buffer per chunk was zeroed and faulted in on the shard's thread, and left to its
 * GC as external memory). More than the in-flight limit, since writes' saved records may
 * post beyond it; when none is free a chunk takes a private buffer, transferred as before.
 */
const SLOTS = MAX_CHUNKS_IN_FLIGHT + 2;
const SLOT_BYTES = POST_BYTES * 2;
/** Writes that change keys beyond their key arguments: the walk completes before them. */
const UNLISTED_KEYS = new Set(["move", "copy", "swapdb", "flushdb", "flushall"]);

/**
 * The walk's pause (µs) while the shard serves, after which it looks whether the steps after
 * replies kept pace (INLINE_STEP_US) and runs a slice if they did not: then the walk takes about
 * 4% of the shard's time. (Until session 14 every slice followed such a pause; 2.4 ms rather than
 * session 9's 1.2 ms cut the requests over 1 ms during a BGSAVE: docs/persistence.md, session 12.)
 * An idle shard's walk is paced by IDLE_PAUSE_US.
 */
const SERVING_PAUSE_US = 2400;
/**
 * While the shard serves, the walk takes one engine step (about 12 µs) right after a batch's
 * replies were handed over (Shard.afterReplies), this long after its last one ended: a request
 * meets at most one step instead of a 0.1 ms slice, and no thread has to wake the shard for it.
 * About 5% of a busy shard's time, as the paced slices took. A shard serving too little to keep
 * this pace gets the paced slices as well (keptPace).
 */
const INLINE_STEP_US = 250;
/**
 * The pause while the steps after replies keep pace: each wake of the walk costs the shard about
 * 40 µs (WalkPacer), which a request may meet as well, so it looks less often.
 */
const KEPT_PACE_PAUSE_US = 10_000;
/** Did the steps after replies keep pace during a pause of `us`? At least half the pace. */
const keptPace = (steps: number, us: number) => steps >= us / INLINE_STEP_US / 2;
/** The pause once the shard has run no command for IDLE_AFTER_MS: the walk takes half its time. */
const IDLE_PAUSE_US = 100;
/**
 * How long without a command makes the shard idle: far above the gap between a client's
 * requests (a pause of 0.1 ms often sees none even under load, and short pauses in a row would
 * hand the walk half of a busy shard).
 */
const IDLE_AFTER_MS = 20;

/** The longest wait for the encoder before looking again (it notifies; this is a safety net). */
const WAIT_ENCODER_MS = 100;

/** Sleeps until the encoder takes a chunk off `flow` (from `n`): no polling meanwhile. */
async function encoderTook(flow: Int32Array, n: number): Promise<void> {
  const wait = Atomics.waitAsync(flow, IN_FLIGHT, n, WAIT_ENCODER_MS);
  if (wait.async) await wait.value;
}

export class ShardSnapshot {
  #db = 0;
  #cursor = 0;
  #done = false;
  /** Per db not walked yet: keys a write saved or created, never saved twice. */
  readonly #covered = new Map<number, KeyBytesSet>();
  readonly #flow = new Int32Array(new SharedArrayBuffer(4 * (1 + SLOTS)));
  readonly #slots = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  #nextSlot = 0;
  /** The chunk being filled: in shared slot `#slot`, or -1 in a private buffer. */
  #slot = -1;
  #chunk: Uint8Array;
  #length = 0;
  /** Counts for bench/snapshot_walk_micro.ts and the stall probe. */
  readonly stats = { slices: 0, steps: 0, inlineSteps: 0, sliceMs: 0, maxSliceMs: 0 };
  /** When the last inline step ended (performance.now()). */
  #steppedAt = 0;
  #walkLog: WalkLog | null = null;

  constructor(
    private readonly shard: Shard,
    /**
     * Takes a chunk (it may transfer a private buffer), the flow control to release it with
     * (releaseChunk) and its slot.
     */
    private readonly send: (chunk: Uint8Array, flow: Int32Array, slot: number) => void,
    /** The pauses' thread: the shard's kept one (WalkPacer.kept), else one for this walk. */
    private readonly pacer: WalkPacer | null = null,
  ) {
    this.#chunk = this.#take(0);
  }

  /**
   * Walks the keyspace in slices; the snapshot's instant is this call (the write observer is
   * in place before it first returns). Resolves once every chunk is sent.
   */
  async run(): Promise<void> {
    const shard = this.shard, observers = shard.beforeWriteObservers;
    const observer = (ctx: CommandContext, spec: CommandSpec) => this.#beforeWrite(ctx, spec);
    observers.push(observer);
    const evictions = shard.memory.beforeKeyEvicted;
    const beforeEvict = (db: number, key: Uint8Array) => {
      shard.keyspace.drainKeyEvents();
      this.#save(db, key);
    };
    evictions.push(beforeEvict);
    shard.keyspace.addKeyEventListener(KeyEvent.ExpiredRecord, this.#onExpired);
    // One walk at a time steps after replies; another one running meanwhile only slices.
    const stepsAfterReplies = shard.afterReplies === null;
    if (stepsAfterReplies) shard.afterReplies = this.#stepAfterReplies;
    const walkLog = this.#walkLog = WalkLog.open(
      `shard ${shard.id} walk (start end steps; steps -1: waited for the encoder)`,
      true,
    );
    const origin = performance.timeOrigin;
    const pacer = this.pacer ?? new WalkPacer(), shardStats = shard.stats;
    let commands = shardStats.commandsProcessed, servedAt = performance.now();
    let pausedUs = SERVING_PAUSE_US, inlineSteps = 0;
    try {
      while (!this.#done) {
        const inFlight = Atomics.load(this.#flow, IN_FLIGHT);
        if (inFlight >= MAX_CHUNKS_IN_FLIGHT) {
          const waitStart = performance.now();
          await encoderTook(this.#flow, inFlight);
          walkLog?.note(origin + waitStart, origin + performance.now(), -1);
          continue;
        }
        let now = performance.now();
        if (shardStats.commandsProcessed !== commands) {
          commands = shardStats.commandsProcessed;
          servedAt = now;
        }
        const serving = now - servedAt < IDLE_AFTER_MS;
        const kept = stepsAfterReplies && keptPace(inlineSteps, pausedUs);
        if (!serving || !kept) {
          const start = now, until = start + SLICE_MS, steps = this.stats.steps;
          do this.#step(); while (!this.#done && performance.now() < until);
          if (this.#length >= POST_BYTES) this.#post();
          now = performance.now();
          this.#noteSlice(start, now, this.stats.steps - steps);
          if (this.#done) break;
        }
        const before = this.stats.steps, pauseStart = performance.now();
        await pacer.pause(!serving ? IDLE_PAUSE_US : kept ? KEPT_PACE_PAUSE_US : SERVING_PAUSE_US);
        // The pause as it was (a setTimeout's until the pacer thread is up, 1-2 ms whatever
        // was asked): the steps after replies are judged against the time they had.
        pausedUs = (performance.now() - pauseStart) * 1000;
        inlineSteps = this.stats.steps - before;
      }
    } finally {
      observers.splice(observers.indexOf(observer), 1);
      evictions.splice(evictions.indexOf(beforeEvict), 1);
      shard.keyspace.removeKeyEventListener(KeyEvent.ExpiredRecord, this.#onExpired);
      if (stepsAfterReplies) shard.afterReplies = null;
      if (pacer !== this.pacer) pacer.close();
      walkLog?.flush();
      this.#walkLog = null;
    }
    this.#post();
  }

  /** Shard.afterReplies while the walk runs: one step, INLINE_STEP_US after the last one. */
  #stepAfterReplies = (): void => {
    const start = performance.now();
    if (start - this.#steppedAt < INLINE_STEP_US / 1000 || this.#done) return;
    if (Atomics.load(this.#flow, IN_FLIGHT) >= MAX_CHUNKS_IN_FLIGHT) return;
    this.#step();
    if (this.#length >= POST_BYTES) this.#post();
    this.stats.inlineSteps++;
    this.#noteSlice(start, this.#steppedAt = performance.now(), 1);
  };

  /** Counts a run of steps (a slice, or an inline step) for the stats, log and stall probe. */
  #noteSlice(start: number, end: number, steps: number): void {
    const ms = end - start;
    this.#walkLog?.note(performance.timeOrigin + start, performance.timeOrigin + end, steps);
    noteSlice(ms);
    this.stats.slices++;
    this.stats.sliceMs += ms;
    if (ms > this.stats.maxSliceMs) this.stats.maxSliceMs = ms;
  }

  /** One engine step of the current database, or the move to the next one. */
  #step(): void {
    const ks = this.shard.keyspace, db = this.#db;
    ks.drainKeyEvents(); // keys reclaimed before the walk moves past where they were
    this.stats.steps++;
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
    if (this.#length + SEGMENT_HEADER + n > this.#chunk.length) this.#post(SEGMENT_HEADER + n);
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

  /** Hands the chunk over (if any) and starts a new one with room for `room` bytes. */
  #post(room = 0): void {
    if (this.#length > 0) {
      Atomics.add(this.#flow, IN_FLIGHT, 1);
      this.send(this.#chunk.subarray(0, this.#length), this.#flow, this.#slot);
      this.#length = 0;
    } else if (room <= this.#chunk.length) return;
    else if (this.#slot >= 0) Atomics.store(this.#flow, 1 + this.#slot, 0); // too small, unused
    this.#chunk = this.#take(room);
  }

  /** A buffer for the next chunk: the next shared slot when it is free, else a private one. */
  #take(room: number): Uint8Array {
    const slot = this.#nextSlot;
    if (room <= SLOT_BYTES && Atomics.load(this.#flow, 1 + slot) === 0) {
      Atomics.store(this.#flow, 1 + slot, 1);
      this.#nextSlot = (slot + 1) % SLOTS;
      this.#slot = slot;
      return new Uint8Array(this.#slots, slot * SLOT_BYTES, SLOT_BYTES);
    }
    this.#slot = -1;
    return new Uint8Array(Math.max(room, SLOT_BYTES));
  }

  /** A before-write observer while the walk runs: save what the command is about to change. */
  #beforeWrite(ctx: CommandContext, spec: CommandSpec): void {
    const indexes = keyIndexes(spec, ctx.args);
    if (indexes.length === 0 || UNLISTED_KEYS.has(spec.name)) {
      while (!this.#done) this.#step();
      return;
    }
    // Keys expiry reclaimed meanwhile are saved first: this write may recreate one.
    this.shard.keyspace.drainKeyEvents();
    const db = ctx.client.db;
    for (const i of indexes) this.#save(db, ctx.args.bytes(i));
  }

  /**
   * Saves the key as it is now, before a write changes it or an eviction deletes it, unless
   * the walk has passed it or it was saved already: a SAVED record, or a CREATED mark when it
   * does not exist. The caller takes the engine's key event log first (#onExpired).
   */
  #save(db: number, key: Uint8Array): void {
    const ks = this.shard.keyspace;
    if (!this.#claim(db, key)) return;
    const n = ks.snapshotKey(db, key);
    if (n >= 0) this.#segment(SEG_SAVED, db, ks.memoryBytes(), ks.resultOffset(), n);
    else this.#segment(SEG_CREATED, db, key, 0, key.length);
  }

  /** A key expiry reclaimed, with its record as the walk would have written it. */
  #onExpired = (db: number, record: Uint8Array): void => {
    const key = record.subarray(4, 4 + u32le(record, 0));
    if (this.#claim(db, key)) this.#segment(SEG_SAVED, db, record, 0, record.length);
  };

  /** Whether the walk has yet to reach `key` of `db` and nothing saved it: then it is marked
   * saved, for the caller to save. */
  #claim(db: number, key: Uint8Array): boolean {
    if (db < this.#db) return false; // walked already: every key it had then is written
    if (db === this.#db && this.shard.keyspace.snapshotKeyPassed(key, this.#cursor)) return false;
    let covered = this.#covered.get(db);
    if (!covered) this.#covered.set(db, covered = new KeyBytesSet());
    return covered.add(key);
  }
}
