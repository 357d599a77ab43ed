// A diagnostic for request latency (off unless IRONCACHE_STALL_PROBE=1 in the environment): it
// measures how late a 1 ms timer fires on the shard's event loop (anything that keeps the loop
// busy delays the requests waiting behind it the same way) and how long the snapshot walk's
// slices last, and logs both as histograms at each snapshot's start and end, so the stalls of
// an idle shard can be compared with those during a BGSAVE (bench/rdb_snapshot.ts).
import { log } from "../log.ts";

/** Upper bounds of the histogram buckets (µs); the last bucket is everything above. */
const BOUNDS_US = [100, 250, 500, 1000, 2000, 4000, 8000];

class Histogram {
  readonly counts = new Array<number>(BOUNDS_US.length + 1).fill(0);
  max = 0;
  total = 0;

  add(us: number): void {
    let i = 0;
    while (i < BOUNDS_US.length && us > BOUNDS_US[i]) i++;
    this.counts[i]++;
    this.total++;
    if (us > this.max) this.max = us;
  }

  toString(): string {
    const cells = this.counts.map((n, i) =>
      `${i < BOUNDS_US.length ? "<=" + BOUNDS_US[i] : ">"}:${n}`
    );
    return `n=${this.total} max=${this.max.toFixed(0)}us ${cells.join(" ")}`;
  }
}

let lag: Histogram | null = null;
let slices = new Histogram();
let since = 0;
let role = "";

/** Starts the probe when the environment asks for it. */
export function startStallProbe(name: string): void {
  if (Deno.env.get("IRONCACHE_STALL_PROBE") !== "1") return;
  role = name;
  lag = new Histogram();
  since = performance.now();
  let expected = since + 1;
  const tick = () => {
    const now = performance.now();
    lag?.add(Math.max(0, now - expected) * 1000);
    expected = now + 1;
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
}

/** Records one slice of a snapshot walk (ms). */
export function noteSlice(ms: number): void {
  if (lag) slices.add(ms * 1000);
}

/** Logs the histograms since the last mark under `label` and starts new ones. */
export function stallProbeMark(label: string): void {
  if (!lag) return;
  const now = performance.now();
  log.notice(
    `stall probe ${role} ${label} (${((now - since) / 1000).toFixed(1)} s): timer lag ${lag}; ` +
      `walk slices ${slices}`,
  );
  lag = new Histogram();
  slices = new Histogram();
  since = now;
}
