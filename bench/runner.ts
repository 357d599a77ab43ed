// `ironcache bench`: the benchmark runner (IronCache vs redis-server) is tracked by its own
// issue and not built yet; say so plainly instead of pretending.
export function runBench(_argv: string[]): Promise<number> {
  console.error("ironcache bench: not implemented yet (the benchmark runner is a separate, open issue)");
  return Promise.resolve(2);
}
