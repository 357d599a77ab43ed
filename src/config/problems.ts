// Config problems: collected (never thrown) and printed one per line.

export interface ConfigProblem {
  file?: string;
  line?: number;
  column?: number;
  /** Where the problem came from when it is not a file: "command line", "env IRONCACHE_PORT". */
  origin?: string;
  key?: string;
  message: string;
}

/** One line: "bad.toml:3: key 'maxmemory': \"12xb\" is not a valid size ...". */
export function formatProblem(p: ConfigProblem): string {
  let where = p.file ?? p.origin;
  if (p.file !== undefined && p.line !== undefined) {
    where += `:${p.line}` + (p.column !== undefined ? `:${p.column}` : "");
  }
  const key = p.key !== undefined ? `key '${p.key}': ` : "";
  return (where !== undefined ? `${where}: ` : "") + key + p.message.replace(/\s*\n\s*/g, " ");
}

/** Where a setting was written, for problems about it. */
export type Location = Pick<ConfigProblem, "file" | "line" | "origin">;
