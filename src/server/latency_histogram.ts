// Per-command latency histograms (Redis 7.0's latency-tracking, kept there in
// hdr_histograms): log-linear buckets, 16 per power of two of nanoseconds (about 6%
// precision), fed by the executor's sampled command timings (one command in
// TIMING_SAMPLE, counted that many times), so counts are estimates in steps of the sample.
const SUB = 16;
const POWERS = 48;

export class LatencyHistogram {
  readonly counts = new Float64Array(POWERS * SUB);
  total = 0;

  add(usec: number, weight: number): void {
    const ns = Math.max(1, usec * 1000);
    const e = Math.min(POWERS - 1, Math.floor(Math.log2(ns)));
    const sub = Math.min(SUB - 1, Math.floor((ns / 2 ** e - 1) * SUB));
    this.counts[e * SUB + sub] += weight;
    this.total += weight;
  }

  /** The value (µs) below which `percent` of the samples fall (a bucket's upper edge). */
  percentile(percent: number): number {
    if (this.total === 0) return 0;
    const wanted = Math.max(1, (percent / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= wanted) {
        const e = Math.floor(i / SUB), sub = i % SUB;
        return (2 ** e * (1 + (sub + 1) / SUB)) / 1000;
      }
    }
    return 0;
  }

  /** LATENCY HISTOGRAM's buckets like Redis's (hdr log iteration from 1024 ns, base 2):
   * [µs, cumulative count] where the count grows. */
  cumulative(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let seen = 0, previous = 0;
    for (let e = 0; e < POWERS && previous < this.total; e++) {
      for (let sub = 0; sub < SUB; sub++) seen += this.counts[e * SUB + sub];
      if (e < 9) continue; // the first bucket ends at 1024 ns and holds all below
      if (seen > previous) out.push([Math.floor(2 ** (e + 1) / 1000), Math.round(seen)]);
      previous = seen;
    }
    return out;
  }
}
