// Number formats INFO shares with Redis: printf's "%.2f" and bytesToHuman (server.c).

/**
 * x with `digits` decimals like C's printf: an exact tie (x * 10^digits ending in .5
 * exactly) rounds to even, where JS's toFixed would round up.
 */
export function fixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  const scale = 10 ** digits;
  const scaled = x * scale;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor / scale + 0.5 / scale === x && floor % 2 === 0) {
    return (floor / scale).toFixed(digits);
  }
  return x.toFixed(digits);
}

const UNITS: Array<[number, string]> = [
  [1024 ** 2, "K"],
  [1024 ** 3, "M"],
  [1024 ** 4, "G"],
  [1024 ** 5, "T"],
  [1024 ** 6, "P"],
];

/** Redis's bytesToHuman: "919.55K", "0B", "1.00G". */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  for (const [below, unit] of UNITS) {
    if (n < below) return fixed(n / (below / 1024), 2) + unit;
  }
  return `${n}B`;
}

/** Seconds and microseconds as Redis prints rusage ("%ld.%06ld"). */
export function secondsFromMicros(us: number): string {
  const whole = Math.floor(us / 1e6);
  return `${whole}.${String(Math.round(us - whole * 1e6)).padStart(6, "0")}`;
}
