// maxmemory and eviction (Redis's evict.c: getMaxmemoryState, performEvictions), per shard.
//
// The limit is server-wide: each shard publishes its memory in use into a SharedArrayBuffer
// the main thread creates (one f64 per shard), and compares the sum with maxmemory. A shard's
// memory is its engine's allocated bytes (Wasm blocks incl. headers; freed blocks are reused
// by the allocator, so this tracks live data, not the never-shrinking linear memory) plus a
// JS-side estimate of its connections' buffers. Before each command (executor.ts) a shard
// over the limit evicts its own keys, chosen in the engine (wasm/assembly/evict.ts), until
// the server is back under it; the cron does the same, so a shard whose clients do not write
// still gives back memory when only it holds evictable keys.
import type { Shard } from "./shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import {
  EVICT_ALLKEYS,
  EVICT_LFU,
  EVICT_LRU,
  EVICT_RANDOM,
  EVICT_TTL,
} from "../engine/keyspace.ts";
import { recordRejected } from "./info_stats.ts";
import { clientPause } from "./pause.ts";
import { latencyAddSampleIfNeeded } from "./latency_monitor.ts";

/** Called once per evicted key with its db and name (a copy), after the key is gone. Where
 * keyspace notifications ("evicted"), WATCH and AOF/replica DEL propagation hook in;
 * evictions are not commands, so write observers are not told. */
export type KeyEvictedHook = (db: number, key: Uint8Array) => void;

/** performEvictions' results (Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL). */
export const EVICT_OK = 0, EVICT_RUNNING = 1, EVICT_FAIL = 2;

export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";

const NO_EVICTION = -1;

/** maxmemory-policy -> the engine's evictKey policy. */
export const EVICTION_POLICIES: Readonly<Record<string, number>> = {
  "volatile-lru": EVICT_LRU,
  "volatile-lfu": EVICT_LFU,
  "volatile-random": EVICT_RANDOM,
  "volatile-ttl": EVICT_TTL,
  "allkeys-lru": EVICT_LRU | EVICT_ALLKEYS,
  "allkeys-lfu": EVICT_LFU | EVICT_ALLKEYS,
  "allkeys-random": EVICT_RANDOM | EVICT_ALLKEYS,
  "noeviction": NO_EVICTION,
};

/** A connection's fixed JS buffers (16 KiB read buffer, reply, splice and delivery
 * buffers): what the JS-side estimate counts per client, plus its undelivered output. */
export const CLIENT_BASE_BYTES = 20 * 1024;

/** Check the time limit every this many evicted keys (Redis: 16). */
const KEYS_PER_TIME_CHECK = 16;
/** Flushed tables freed per call while over the limit (FLUSHDB ASYNC backlog), in slots. */
const LAZY_FREE_SLOTS = 4096;

/** Redis's evictionTimeLimitUs, in ms: 0..500 us linearly up to tenacity 10, then +15% per
 * step, no limit at 100. */
export function evictionTimeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return 0.05 * tenacity;
  if (tenacity < 100) return 0.5 * Math.pow(1.15, tenacity - 10);
  return Infinity;
}

const SETTINGS = [
  "maxmemory",
  "maxmemory-policy",
  "maxmemory-samples",
  "maxmemory-eviction-tenacity",
  "lfu-log-factor",
  "lfu-decay-time",
];

export class ShardMemory {
  /** maxmemory in bytes, 0 = no limit: the only field the command path reads when unset. */
  limit = 0;
  /** See KeyEvictedHook; empty by default (no copy of the key is made then). */
  readonly onKeyEvicted: KeyEvictedHook[] = [];
  #policy = NO_EVICTION;
  #policyName = "";
  #samples = 5;
  #timeLimitMs = 0.5;
  /** Every shard's memory in use, by shard id (null: this shard is the whole server). */
  #usage: Float64Array | null = null;
  #clientBytes = 0;
  #continueScheduled = false;
  /** When memory last went over the limit without being brought back (0: it is not). */
  #exceededSince = 0;
  #exceededTotalMs = 0;

  constructor(private readonly shard: Shard) {
    this.#apply();
    shard.config.onChange((name) => {
      if (SETTINGS.includes(name)) this.#apply();
    });
  }

  /** Shares the per-shard usage array (one f64 per shard) the main thread created. */
  attachShared(usage: Float64Array): void {
    this.#usage = usage;
    this.publish();
  }

  /** The JS-side estimate: connections' buffers (Redis's mem_clients_normal). */
  get clientBytes(): number {
    return this.#clientBytes;
  }

  /** This shard's memory in use: the engine's allocated bytes plus the JS-side estimate. */
  used(): number {
    return this.shard.keyspace.memoryUsed() + this.#clientBytes;
  }

  /** Publishes this shard's figure; returns the server's total. */
  total(): number {
    const own = this.used();
    const usage = this.#usage;
    if (usage === null) return own;
    usage[this.shard.id] = own;
    let sum = 0;
    for (let i = 0; i < usage.length; i++) sum += usage[i];
    return sum;
  }

  publish(): void {
    if (this.#usage !== null) this.#usage[this.shard.id] = this.used();
  }

  /** Cron: re-estimates the connections' memory, publishes, and evicts when over the limit. */
  tick(): void {
    let bytes = 0;
    for (const client of this.shard.clients.values()) {
      bytes += CLIENT_BASE_BYTES + client.pendingOutput;
    }
    this.#clientBytes = bytes;
    if (this.limit === 0) return this.publish();
    this.shard.keyspace.setClock(Date.now());
    this.performEvictions();
  }

  /**
   * Redis's performEvictions: while the server is over maxmemory, evict keys of this shard
   * by the policy. EVICT_FAIL when memory is still over the limit and nothing (more) may be
   * evicted; EVICT_RUNNING when the time limit (maxmemory-eviction-tenacity) cut it short,
   * to be continued from the event loop.
   */
  performEvictions(): number {
    if (this.limit === 0 || clientPause.writesPaused()) return EVICT_OK; // isSafeToPerformEvictions
    const result = this.#evict();
    // INFO's total_ / current_eviction_exceeded_time, as Redis's update_metrics.
    if (result !== EVICT_OK) {
      if (this.#exceededSince === 0) this.#exceededSince = performance.now();
    } else if (this.#exceededSince !== 0) {
      this.#exceededTotalMs += performance.now() - this.#exceededSince;
      this.#exceededSince = 0;
    }
    return result;
  }

  /** Milliseconds memory stayed over the limit: [in total, in the current period]. */
  exceededTimeMs(): [number, number] {
    const current = this.#exceededSince === 0 ? 0 : performance.now() - this.#exceededSince;
    return [Math.floor(this.#exceededTotalMs + current), Math.floor(current)];
  }

  #evict(): number {
    const ks = this.shard.keyspace;
    let toFree = this.total() - this.limit;
    if (toFree <= 0) return EVICT_OK;
    // A FLUSHALL ASYNC backlog goes first.
    const beforeLazyFree = ks.memoryUsed();
    ks.lazyFreeStep(LAZY_FREE_SLOTS);
    toFree -= beforeLazyFree - ks.memoryUsed();
    if (toFree <= 0) {
      this.publish();
      return EVICT_OK;
    }
    if (this.#policy === NO_EVICTION) return EVICT_FAIL;
    const started = performance.now();
    let freed = 0, keys = 0;
    while (freed < toFree) {
      const before = ks.memoryUsed();
      const klen = ks.evictKey(this.#policy, this.#samples);
      if (klen < 0) {
        this.#cycleDone(started);
        return EVICT_FAIL;
      }
      freed += before - ks.memoryUsed();
      this.shard.stats.evictedKeys++;
      if (this.onKeyEvicted.length !== 0) this.#tellEvicted(ks.evictedDb(), ks.copyResult(klen));
      if (++keys % KEYS_PER_TIME_CHECK === 0 && performance.now() - started > this.#timeLimitMs) {
        this.#cycleDone(started);
        this.#continueLater();
        return EVICT_RUNNING;
      }
    }
    this.#cycleDone(started);
    return EVICT_OK;
  }

  /** After an eviction cycle: publish the new figure; LATENCY's "eviction-cycle" event. */
  #cycleDone(started: number): void {
    this.publish();
    latencyAddSampleIfNeeded(this.shard, "eviction-cycle", performance.now() - started);
  }

  /** The OOM check of Redis's processCommand: evict first, then refuse a command flagged
   * denyoom while memory stays over the limit. True when it replied the error. */
  refuses(ctx: CommandContext, spec: CommandSpec): boolean {
    if (this.performEvictions() !== EVICT_FAIL || !spec.denyOom) return false;
    recordRejected(this.shard, spec.name);
    ctx.out.error(ERR_OOM);
    return true;
  }

  #tellEvicted(db: number, key: Uint8Array): void {
    for (const hook of this.onKeyEvicted) hook(db, key);
  }

  /** Redis's evictionTimeProc: keep evicting from the event loop until under the limit. */
  #continueLater(): void {
    if (this.#continueScheduled) return;
    this.#continueScheduled = true;
    setTimeout(() => {
      this.#continueScheduled = false;
      this.shard.keyspace.setClock(Date.now());
      this.performEvictions();
    }, 0);
  }

  #apply(): void {
    const config = this.shard.config;
    this.limit = Number(config.get("maxmemory"));
    const name = String(config.get("maxmemory-policy"));
    this.#policy = EVICTION_POLICIES[name];
    this.#samples = Number(config.get("maxmemory-samples"));
    this.#timeLimitMs = evictionTimeLimitMs(Number(config.get("maxmemory-eviction-tenacity")));
    // The access field holds an LFU counter only under an LFU policy; keys keep their bits
    // across a switch (as in Redis), but the pool's scores are of the old kind.
    const lfu = name.endsWith("-lfu");
    this.shard.keyspace.setEvictionMode(
      lfu ? "lfu" : "lru",
      Number(config.get("lfu-log-factor")),
      Number(config.get("lfu-decay-time")),
    );
    if (name !== this.#policyName) this.shard.keyspace.resetEvictionPool();
    this.#policyName = name;
    // Redis's updateMaxmemory: start evicting now rather than at the next command.
    if (this.limit !== 0) this.#continueLater();
  }
}
