// Per-shard counters that INFO reports beyond ShardStats: per-command calls and time
// (commandstats), error replies by code (errorstats), the instantaneous rates, and the
// memory peak. Kept beside the Shard (a WeakMap) so the hot path adds nothing it doesn't
// call. CONFIG RESETSTAT clears them (resetInfoStats).
import type { Shard } from "./shard.ts";
import type { ConfigStore } from "../config/store.ts";
import { LatencyHistogram } from "./latency_histogram.ts";

export interface CommandStat {
  calls: number;
  usec: number;
  /** Refused before running (arity, unknown subcommand...): Redis's rejected_calls. */
  rejected: number;
  /** Ran and replied with an error: Redis's failed_calls. */
  failed: number;
  /** latency-tracking: this command's timed runs (INFO latencystats, LATENCY HISTOGRAM). */
  latency?: LatencyHistogram;
}

/** Redis samples every 100 ms and averages the last 16 samples (STATS_METRIC_SAMPLES). */
const SAMPLE_EVERY_MS = 100;
const SAMPLES = 16;

class RateMeter {
  #lastTime = 0;
  #lastValue = 0;
  #samples = new Float64Array(SAMPLES);
  #index = 0;

  /** Records a per-second rate of `value`'s growth, at most once per sample period. */
  sample(value: number, now: number): void {
    if (this.#lastTime === 0) {
      this.#lastTime = now;
      this.#lastValue = value;
      return;
    }
    const elapsed = now - this.#lastTime;
    if (elapsed < SAMPLE_EVERY_MS) return;
    this.#samples[this.#index] = (value - this.#lastValue) * 1000 / elapsed;
    this.#index = (this.#index + 1) % SAMPLES;
    this.#lastTime = now;
    this.#lastValue = value;
  }

  /** Mean of the samples, per second. */
  rate(): number {
    let sum = 0;
    for (const s of this.#samples) sum += s;
    return sum / SAMPLES;
  }
}

/** Redis keeps at most this many distinct error codes (ERROR_STATS_NUMBER). */
const MAX_ERROR_CODES = 128;

export class InfoStats {
  readonly commands = new Map<string, CommandStat>();
  readonly errors = new Map<string, number>();
  totalErrorReplies = 0;
  /** Filled by whoever observes them: the cron's active expiry, and (for lazy expiry, hits
   * and misses) the keyspace engine once it counts them. */
  readonly ops = new RateMeter();
  readonly netInput = new RateMeter();
  readonly netOutput = new RateMeter();
  memoryPeak = 0;
  /** Memory in use when the shard first reported it: Redis's used_memory_startup. */
  memoryStartup = 0;
}

const byShard = new WeakMap<Shard, InfoStats>();

export function infoStatsOf(shard: Shard): InfoStats {
  let s = byShard.get(shard);
  if (!s) byShard.set(shard, s = new InfoStats());
  return s;
}

function commandStat(stats: InfoStats, fullName: string): CommandStat {
  let c = stats.commands.get(fullName);
  if (!c) stats.commands.set(fullName, c = { calls: 0, usec: 0, rejected: 0, failed: 0 });
  return c;
}

/** A command ran (`fullName` as "container|sub" for subcommands); `failed`: it replied with an error. */
export function recordCall(shard: Shard, fullName: string, usec: number, failed: boolean): void {
  const c = commandStat(infoStatsOf(shard), fullName);
  c.calls++;
  c.usec += usec;
  if (failed) c.failed++;
}

/** latency-tracking per config store, read once and again when CONFIG SET changes it: a
 * config lookup by name costs more than the histogram update it guards. */
const latencyTracking = new WeakMap<ConfigStore, { on: boolean }>();

function latencyTrackingOn(config: ConfigStore): boolean {
  let state = latencyTracking.get(config);
  if (!state) {
    const current = state = { on: config.get("latency-tracking") === true };
    latencyTracking.set(config, current);
    config.onChange((name) => {
      if (name === "latency-tracking") current.on = config.get("latency-tracking") === true;
    });
  }
  return state.on;
}

/** One timed run of a command (µs), standing for `weight` runs, when latency-tracking is on. */
export function recordLatency(shard: Shard, fullName: string, usec: number, weight: number): void {
  if (!latencyTrackingOn(shard.config)) return;
  const c = commandStat(infoStatsOf(shard), fullName);
  (c.latency ??= new LatencyHistogram()).add(usec, weight);
}

/** A known command was refused before it ran (arity error and the like). */
export function recordRejected(shard: Shard, fullName: string): void {
  commandStat(infoStatsOf(shard), fullName).rejected++;
}

/**
 * An error reply was sent (text without the leading '-'). Like Redis's afterErrorReply the
 * code is the first word when a space comes within the first 32 bytes, else "ERR".
 */
export function recordErrorReply(shard: Shard, text: string): void {
  const stats = infoStatsOf(shard);
  stats.totalErrorReplies++;
  const space = text.slice(0, 31).indexOf(" ");
  const code = space > 0 ? text.slice(0, space) : "ERR";
  const n = stats.errors.get(code);
  if (n !== undefined) stats.errors.set(code, n + 1);
  else if (stats.errors.size < MAX_ERROR_CODES) stats.errors.set(code, 1);
}

/** Takes a sample of the rates (the shard's cron should call this every 100 ms; INFO does too). */
export function sampleRates(shard: Shard, now = Date.now()): void {
  const s = infoStatsOf(shard);
  s.ops.sample(shard.stats.commandsProcessed, now);
  s.netInput.sample(shard.stats.netInputBytes, now);
  s.netOutput.sample(shard.stats.netOutputBytes, now);
}

/** Tracks the memory peak; returns the peak. */
export function notePeakMemory(shard: Shard, used: number): number {
  const s = infoStatsOf(shard);
  if (s.memoryStartup === 0) s.memoryStartup = used;
  if (used > s.memoryPeak) s.memoryPeak = used;
  return s.memoryPeak;
}

/** CONFIG RESETSTAT: Redis's resetServerStats plus the command and error tables. Connected
 * clients and the memory figures are states, not statistics, and stay. */
export function resetInfoStats(shard: Shard): void {
  shard.keyspace.resetStats(); // expired_keys, keyspace_hits, keyspace_misses
  const st = shard.stats;
  st.commandsProcessed = 0;
  st.connectionsReceived = 0;
  st.rejectedConnections = 0;
  st.netInputBytes = 0;
  st.netOutputBytes = 0;
  st.evictedKeys = 0;
  st.forwardedCommands = 0;
  const s = infoStatsOf(shard);
  const fresh = new InfoStats();
  fresh.memoryStartup = s.memoryStartup;
  fresh.memoryPeak = s.memoryPeak;
  byShard.set(shard, fresh);
}
