// maxmemory and eviction (Redis's evict.c: getMaxmemoryState, performEvictions), per shard.
//
// The limit is server-wide: each shard publishes its memory in use into a SharedArrayBuffer
// the main thread creates, and compares the sum with maxmemory. A shard's memory is its
// engine's allocated bytes (Wasm blocks incl. headers; freed blocks are reused by the
// allocator, so this tracks live data, not the never-shrinking linear memory) plus a JS-side
// estimate of its connections' buffers. Before each command (executor.ts) a shard over the
// limit evicts keys, chosen in the engine (wasm/assembly/evict.ts), until the server is back
// under it; the cron does the same.
//
// Redis evicts the best candidate of the whole keyspace; here each shard can only evict its
// own keys, so shards also publish the score of their best candidate (its "coldness", on a
// scale they share; for random policies their count of candidates). A shard that must evict
// compares its best with the others': if another shard's is colder (random: a draw weighted
// by the counts picks another shard), it asks that shard (an `eviction` notice) instead of
// evicting its own warmer key, and lets the write through, up to a small budget over the limit
// (DEFERRAL_BUDGET), past which it evicts its own keys anyway. The asked shard evicts its own
// keys while they are the coldest and the server is over, and asks back when they no longer
// are. So keys leave in about the order one global pool would pick them, whichever shard's
// clients write.
//
// While a snapshot walk runs (BGSAVE, an AOF rewrite's base) it registers a beforeKeyEvicted
// hook: the engine then only picks the victim, the hook saves its before-image (as for a key
// a write command changes), and the key is deleted after. With no hook, evictKey picks and
// deletes in one call, as before.
import type { Shard } from "./shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import {
  COLDER_ELSEWHERE,
  EVICT_ALLKEYS,
  EVICT_LFU,
  EVICT_LRU,
  EVICT_PICK,
  EVICT_RANDOM,
  EVICT_TTL,
} from "../engine/keyspace.ts";
import { NoticeTopic, type Peers } from "./peers.ts";
import {
  ASKED_I32,
  COLDNESS,
  OWED_I32,
  OWED_UNIT,
  SLOT_F64,
  SLOT_I32,
  USED,
  usedMemoryOf,
} from "./memory_shared.ts";
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
/** How far over the limit (a fraction of it) a shard lets writes through while the shard it
 * asked evicts its colder keys; past it, it evicts its own down to half of it. */
const DEFERRAL_BUDGET = 1 / 64;

const NO_PAYLOAD = new Uint8Array(0);

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
  /** Called once per key about to be evicted, with its db and name (a copy), while the key
   * is still in place: a snapshot walk saves it (snapshot_shard.ts). Empty unless a walk
   * runs: the engine then picks and deletes in one call (no copy, no extra call). */
  readonly beforeKeyEvicted: KeyEvictedHook[] = [];
  #policy = NO_EVICTION;
  #policyName = "";
  #samples = 5;
  #timeLimitMs = 0.5;
  /** Every shard's slot (SLOT_F64 f64s by shard id; null: this shard is the whole server). */
  #shared: Float64Array | null = null;
  /** The same buffer's i32 view: debts and "asked" flags. */
  #flags: Int32Array | null = null;
  #peers: Peers | null = null;
  /** #colderShard's threshold for this shard's best candidate. */
  #above = -Infinity;
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

  /** Shares the buffer of sharedMemoryBuffer() (memory_shared.ts) with the other shards. */
  attachShared(buffer: SharedArrayBuffer, peers: Peers | null): void {
    this.#shared = new Float64Array(buffer);
    this.#flags = new Int32Array(buffer);
    this.#shared[this.shard.id * SLOT_F64 + COLDNESS] = Infinity;
    this.publish();
    if (peers === null) return;
    this.#peers = peers;
    peers.onNotice(NoticeTopic.eviction, () => {
      Atomics.store(this.#flags!, this.shard.id * SLOT_I32 + ASKED_I32, 0);
      if (this.limit === 0) return;
      this.shard.keyspace.setClock(Date.now());
      this.performEvictions();
    });
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
    const shared = this.#shared;
    if (shared === null) return own;
    shared[this.shard.id * SLOT_F64 + USED] = own;
    return usedMemoryOf(shared);
  }

  publish(): void {
    if (this.#shared !== null) this.#shared[this.shard.id * SLOT_F64 + USED] = this.used();
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
    if (this.performEvictions() === EVICT_OK) this.#refreshColdness();
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
    let over = this.total() - this.limit;
    if (over <= 0) return EVICT_OK;
    // A FLUSHALL ASYNC backlog goes first.
    const beforeLazyFree = ks.memoryUsed();
    ks.lazyFreeStep(LAZY_FREE_SLOTS);
    over -= beforeLazyFree - ks.memoryUsed();
    if (over <= 0) {
      this.publish();
      return EVICT_OK;
    }
    if (this.#policy === NO_EVICTION) return EVICT_FAIL;
    const started = performance.now();
    const random = (this.#policy & EVICT_RANDOM) === EVICT_RANDOM;
    // Bytes other shards asked this one to free (they found its keys colder), and the bytes
    // this shard should see to now: what nobody is freeing yet. Past the budget (the asked
    // shards lag), it frees its own keys down to half the budget, whatever their scores.
    const budget = this.limit * DEFERRAL_BUDGET;
    // Others compare their candidates with this shard's: it must have published some.
    if (this.#shared?.[this.shard.id * SLOT_F64 + COLDNESS] === Infinity) this.#refreshColdness();
    const debt = this.#takeDebt();
    const forced = over > budget;
    const target = forced ? over - budget / 2 : Math.max(debt, over - this.#pendingDebts());
    let freed = 0, keys = 0;
    while (freed < target) {
      // A debt is paid without asking back (random), or at least one key of it (scored).
      const choose = !forced && !(freed < debt && (random || keys === 0));
      const colder = choose ? this.#colderShard() : -1;
      let before = ks.memoryUsed();
      let klen = COLDER_ELSEWHERE; // a random pick of another shard, or one yet to publish
      let key: Uint8Array | null = null; // the victim's name, when hooks had it before
      if (colder === -1 || this.#above !== Infinity) {
        const above = colder === -1 ? -Infinity : this.#above;
        if (this.beforeKeyEvicted.length === 0) {
          klen = ks.evictKey(this.#policy, this.#samples, above);
        } else {
          // A snapshot walk runs: pick, let it save the key, then delete.
          klen = ks.evictKey(this.#policy | EVICT_PICK, this.#samples, above);
          if (klen >= 0) {
            const db = ks.evictedDb();
            key = ks.copyResult(klen);
            for (const hook of this.beforeKeyEvicted) hook(db, key);
            before = ks.memoryUsed(); // what saving took (the engine's output area) stays
            klen = ks.evictPicked(); // NOT_FOUND never: the hooks only read the keyspace
          }
        }
        this.#publishColdness(klen);
      }
      if (klen === COLDER_ELSEWHERE || (klen < 0 && colder !== -1)) {
        // The rest is that shard's (random: one key's worth per draw).
        const bytes = random ? this.#averageKeyBytes() : target - freed;
        this.#assign(colder, bytes);
        freed += bytes; // on its way
        continue;
      }
      if (klen < 0) return this.#cycleDone(started, EVICT_FAIL);
      freed += before - ks.memoryUsed();
      this.shard.stats.evictedKeys++;
      if (this.onKeyEvicted.length !== 0) {
        this.#tellEvicted(ks.evictedDb(), key ?? ks.copyResult(klen));
      }
      if (++keys % KEYS_PER_TIME_CHECK === 0 && performance.now() - started > this.#timeLimitMs) {
        this.#continueLater();
        return this.#cycleDone(started, EVICT_RUNNING);
      }
    }
    return this.#cycleDone(started, this.total() > this.limit ? EVICT_RUNNING : EVICT_OK);
  }

  /**
   * The other shard that should evict next, or -1 for this one (sets #above: the score this
   * shard's best candidate must reach to be evicted first). Scored policies: the shard that
   * published the coldest candidate. Random ones: a shard drawn with a probability
   * proportional to its candidates, as one random pick over the whole keyspace would be.
   */
  #colderShard(): number {
    const shared = this.#shared;
    this.#above = -Infinity;
    if (shared === null || this.#peers === null) return -1;
    const self = this.shard.id;
    let colder = -1;
    if ((this.#policy & EVICT_RANDOM) === EVICT_RANDOM) {
      const own = this.shard.keyspace.evictionCandidates(this.#policy);
      let sum = own;
      for (let i = COLDNESS, shard = 0; i < shared.length; i += SLOT_F64, shard++) {
        if (shard !== self) sum += shared[i];
      }
      let draw = Math.random() * sum - own;
      for (let i = COLDNESS, shard = 0; i < shared.length && draw >= 0; i += SLOT_F64, shard++) {
        if (shard === self) continue;
        draw -= shared[i];
        // A shard yet to publish its count (Infinity) is asked first.
        if (draw < 0 || shared[i] === Infinity) colder = shard;
      }
      if (colder !== -1) this.#above = Infinity;
      return colder;
    }
    for (let i = COLDNESS, shard = 0; i < shared.length; i += SLOT_F64, shard++) {
      if (shard !== self && shared[i] > this.#above) {
        this.#above = shared[i];
        colder = shard;
      }
    }
    return colder;
  }

  /** Publishes this shard's best candidate after evictKey answered `result`. */
  #publishColdness(result: number): void {
    const shared = this.#shared;
    if (shared === null) return;
    const ks = this.shard.keyspace;
    shared[this.shard.id * SLOT_F64 + COLDNESS] = (this.#policy & EVICT_RANDOM) === EVICT_RANDOM
      ? ks.evictionCandidates(this.#policy)
      : result === COLDER_ELSEWHERE || result >= 0
      ? ks.evictionPoolBest()
      : -Infinity;
  }

  /** Cron, while under the limit: sample so the other shards see this shard's candidates. */
  #refreshColdness(): void {
    if (this.#peers === null || this.#policy === NO_EVICTION) return;
    const random = (this.#policy & EVICT_RANDOM) === EVICT_RANDOM;
    // An infinite threshold samples into the pool and never evicts.
    this.#publishColdness(
      random ? 0 : this.shard.keyspace.evictKey(this.#policy, this.#samples, Infinity),
    );
  }

  /** Asks shard `target` to free `bytes` of its keys (one notice until it has started). */
  #assign(target: number, bytes: number): void {
    const flags = this.#flags!;
    Atomics.add(flags, target * SLOT_I32 + OWED_I32, Math.ceil(bytes / OWED_UNIT));
    if (Atomics.compareExchange(flags, target * SLOT_I32 + ASKED_I32, 0, 1) === 0) {
      this.#peers!.notify(target, NoticeTopic.eviction, NO_PAYLOAD);
    }
  }

  /** The bytes other shards asked this one to free (now taken on). */
  #takeDebt(): number {
    const flags = this.#flags;
    if (flags === null) return 0;
    return Atomics.exchange(flags, this.shard.id * SLOT_I32 + OWED_I32, 0) * OWED_UNIT;
  }

  /** The bytes other shards were asked to free and have not taken on yet. */
  #pendingDebts(): number {
    const flags = this.#flags;
    if (flags === null) return 0;
    let sum = 0;
    for (let i = OWED_I32; i < flags.length; i += SLOT_I32) sum += Atomics.load(flags, i);
    return sum * OWED_UNIT;
  }

  /** What one key of this shard takes on average (a random pick's share of the work). */
  #averageKeyBytes(): number {
    const keys = this.shard.keyspace.evictionCandidates(EVICT_RANDOM | EVICT_ALLKEYS);
    return keys === 0 ? OWED_UNIT : this.shard.keyspace.memoryUsed() / keys;
  }

  /** After an eviction cycle: publish the new figure; LATENCY's "eviction-cycle" event. */
  #cycleDone(started: number, result: number): number {
    this.publish();
    latencyAddSampleIfNeeded(this.shard, "eviction-cycle", performance.now() - started);
    return result;
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
    if (name !== this.#policyName) {
      this.shard.keyspace.resetEvictionPool();
      if (this.#shared !== null) this.#shared[this.shard.id * SLOT_F64 + COLDNESS] = Infinity;
    }
    this.#policyName = name;
    // Redis's updateMaxmemory: start evicting now rather than at the next command.
    if (this.limit !== 0) this.#continueLater();
  }
}
