// The engine's one pseudo-random source: RANDOMKEY picks and the LFU counter's
// probabilistic increment. Seeded from JS (setSeed) together with the key hash.

let rngState: u64 = 0x9E3779B97F4A7C15;

export function seedRandom(seed: u64): void {
  rngState = seed != 0 ? seed : 0x9E3779B97F4A7C15;
}

/** xorshift64*: fast and good enough for picking buckets and LFU coin flips. */
export function nextRandom(): u64 {
  let x = rngState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rngState = x;
  return x * 0x2545F4914F6CDD1D;
}

/** A uniform double in [0, 1). */
// @ts-ignore: decorator
@inline export function randomUnit(): f64 {
  return <f64>(nextRandom() >> 11) * (1.0 / 9007199254740992.0);
}
