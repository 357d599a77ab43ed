// A config value as written in one layer (file, env, flags), before validation.
import { didYouMean, findNoop, lookupKey } from "./names.ts";
import type { ConfigProblem, Location } from "./problems.ts";
import { multiWordValue } from "./split-args.ts";
import type { ConfigEntry } from "./table.ts";

/** The source of a value nobody set. */
export const DEFAULT_SOURCE = "default";

export interface RawSetting {
  entry: ConfigEntry;
  /** The value as a Redis argument ("100mb", "yes", "900 1 300 10"). */
  raw: string;
  /** The key as the user wrote it (for messages). */
  key: string;
  /** What ConfigStore.source() reports: "file /abs/path:3", "env IRONCACHE_PORT", "flag --port". */
  source: string;
  at: Location;
}

/** The settings of one layer, plus what was wrong in it. */
export interface Layer {
  settings: RawSetting[];
  problems: ConfigProblem[];
  /** redis.conf `user <name> <rules...>` lines: [name, ...rules] (src/acl/file.ts). */
  users?: string[][];
}

/**
 * One redis.conf directive or command-line option ("maxmemory", ["100mb"]), read with Redis's
 * rules: multi-word keys join their words, others take exactly one; known no-ops yield null.
 * `style` words the messages for a file ("directive 'x'") or the command line ("option '--x'").
 */
export function readDirective(
  name: string,
  args: string[],
  at: Location,
  source: string,
  style: NameStyle,
): RawSetting | ConfigProblem | null {
  const match = lookupKey(name);
  if (match) {
    const { entry } = match;
    if (!entry.type.multiWord && args.length !== 1) {
      return { ...at, key: name, message: `expects exactly one value, got ${args.length}` };
    }
    const raw = entry.type.multiWord ? multiWordValue(args) : args[0];
    if (raw === null) return { ...at, key: name, message: "unbalanced quotes in the value" };
    return { entry, raw, key: name, source, at };
  }
  const noop = findNoop(name);
  if (noop) {
    if (!noop.only || (args.length === 1 && noop.only.includes(args[0].toLowerCase()))) return null;
    return {
      ...at,
      message: `${style.spell(`${name} ${args.join(" ")}`)} is not supported: ${noop.why}` +
        ` (only '${name} ${noop.only.join("|")}' is accepted)`,
    };
  }
  if (name.toLowerCase() === "include") {
    return { ...at, message: `${style.spell(name)} is not supported; merge the files into one` };
  }
  return {
    ...at,
    message: `${style.unknown} ${style.spell(name)}${didYouMean(name, style.prefix)}`,
  };
}

export interface NameStyle {
  spell(name: string): string;
  /** Put before suggested key names. */
  prefix: string;
  /** The word for a name that is not a key: "unsupported" directive, "unknown" option. */
  unknown: string;
}

export const DIRECTIVE_STYLE: NameStyle = {
  spell: (n) => `directive '${n}'`,
  prefix: "",
  unknown: "unsupported",
};
export const OPTION_STYLE: NameStyle = {
  spell: (n) => `option '--${n}'`,
  prefix: "--",
  unknown: "unknown",
};

export function isProblem(x: RawSetting | ConfigProblem): x is ConfigProblem {
  return "message" in x;
}
