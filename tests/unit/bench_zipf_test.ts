// The Zipf rank generator of the eviction benchmark: rank frequencies near expectation, seeded.
import assert from "node:assert/strict";
import { seededRandom, zipfGenerator, zipfProbability } from "../../bench/zipf.ts";

Deno.test("zipf: rank frequencies follow Zipf(0.99) and the draws are seeded", () => {
  const n = 10_000, s = 0.99, draws = 200_000;
  const next = zipfGenerator(n, s, seededRandom(42));
  const counts = new Uint32Array(n);
  for (let i = 0; i < draws; i++) counts[next()]++;
  for (const k of [0, 1, 9]) {
    const expected = zipfProbability(n, s, k) * draws;
    // ~5 standard deviations of a binomial count.
    const tolerance = 5 * Math.sqrt(expected);
    assert(
      Math.abs(counts[k] - expected) < tolerance,
      `rank ${k + 1}: ${counts[k]} vs ${expected.toFixed(0)}`,
    );
  }
  const again = zipfGenerator(n, s, seededRandom(42));
  const first = zipfGenerator(n, s, seededRandom(42));
  for (let i = 0; i < 100; i++) assert(again() === first());
});
