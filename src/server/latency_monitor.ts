// The latency monitor (Redis 7.0's latency.c): per event class ("command",
// "fast-command", "expire-cycle", ...), the latest 160 samples of at least
// `latency-monitor-threshold` ms, one per second (the larger wins), and the all-time max.
// Each shard keeps its own; LATENCY merges them (the latest time, the larger value).
import type { Shard } from "./shard.ts";

/** Redis's LATENCY_TS_LEN. */
export const LATENCY_SAMPLES = 160;

export interface LatencySample {
  /** Unix seconds. */
  time: number;
  ms: number;
}

export interface LatencySeries {
  samples: LatencySample[];
  max: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  add(event: string, ms: number, now = Date.now()): void {
    let series = this.events.get(event);
    if (!series) this.events.set(event, series = { samples: [], max: 0 });
    const time = Math.floor(now / 1000);
    const last = series.samples.at(-1);
    if (last && last.time === time) last.ms = Math.max(last.ms, ms);
    else series.samples.push({ time, ms });
    if (series.samples.length > LATENCY_SAMPLES) series.samples.shift();
    if (ms > series.max) series.max = ms;
  }

  /** LATENCY RESET: the named events (all when none); the names of those reset. */
  reset(events: string[]): string[] {
    const names = events.length === 0 ? [...this.events.keys()] : [...new Set(events)];
    return names.filter((e) => this.events.delete(e));
  }
}

const byShard = new WeakMap<Shard, LatencyMonitor>();

export function latencyOf(shard: Shard): LatencyMonitor {
  let m = byShard.get(shard);
  if (!m) byShard.set(shard, m = new LatencyMonitor());
  return m;
}

/** Records `ms` for `event` when the monitor is on and `ms` reaches its threshold. */
export function latencyAddSampleIfNeeded(shard: Shard, event: string, ms: number): void {
  const threshold = Number(shard.config.get("latency-monitor-threshold"));
  if (threshold > 0 && ms >= threshold) latencyOf(shard).add(event, Math.floor(ms));
}
