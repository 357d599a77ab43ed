// Numeric `--name value` options of the micro benches (they take no other syntax).

/** The number after `name` in `argv`, or `fallback` when the option is absent. */
export function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}
