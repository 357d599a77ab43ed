// IRONCACHE_* environment variables: IRONCACHE_ + the key in upper snake case
// (IRONCACHE_MAXMEMORY_POLICY), or an entry's own `env` name (IRONCACHE_LOG_LEVEL).
import { envName, envNames, lookupKey, normalizeKey, suggestKey } from "./names.ts";
import type { ConfigProblem } from "./problems.ts";
import type { Layer } from "./setting.ts";
import { CONFIG_TABLE } from "./table.ts";

const PREFIX = "IRONCACHE_";

/** The env layer, plus warnings for IRONCACHE_* variables that look like misspelt keys. */
export function readEnv(env: Record<string, string>): Layer & { warnings: ConfigProblem[] } {
  const layer: Layer & { warnings: ConfigProblem[] } = { settings: [], problems: [], warnings: [] };
  const used = new Set<string>();
  for (const entry of CONFIG_TABLE) {
    const names = envNames(entry).filter((n) => n in env);
    names.forEach((n) => used.add(n));
    if (names.length === 0) continue;
    const [name] = names;
    if (names.some((n) => env[n] !== env[name])) {
      layer.problems.push({
        origin: `env ${names.join(", ")}`,
        key: entry.name,
        message: `these variables disagree; set only ${envName(entry)}`,
      });
      continue;
    }
    const value = env[name];
    const raw = entry.type.multiWord ? value.trim().split(/\s+/).filter(Boolean).join(" ") : value;
    layer.settings.push({
      entry,
      raw,
      key: entry.name,
      source: `env ${name}`,
      at: { origin: `env ${name}` },
    });
  }
  // Other IRONCACHE_* variables may belong to other tools (IRONCACHE_CLI_AUTH), so only
  // near-misses of a key are worth a warning.
  for (const name of Object.keys(env)) {
    if (!name.startsWith(PREFIX) || used.has(name)) continue;
    const guess = suggestKey(normalizeKey(name.slice(PREFIX.length)));
    if (guess) {
      const entry = lookupKey(guess)!.entry;
      layer.warnings.push({
        origin: `env ${name}`,
        message: `not a config variable (did you mean ${envName(entry)}?)`,
      });
    }
  }
  return layer;
}
