// Seeded random numbers and a Zipf(s) rank generator for the eviction benchmark's GET/SET workload.

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^s, by binary search of the cumulative table. */
export function zipfGenerator(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = random();
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The probability of rank k (0-based) under Zipf(s) over n ranks. */
export function zipfProbability(n: number, s: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, s);
  return 1 / Math.pow(k + 1, s) / sum;
}
