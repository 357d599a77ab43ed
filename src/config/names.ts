// Key-name lookup: case-insensitive, '_' == '-', aliases, env names and typo suggestions.
import { nearest } from "./nearest.ts";
import {
  CONFIG_TABLE,
  type ConfigEntry,
  KNOWN_NOOP_DIRECTIVES,
  type NoopDirective,
} from "./table.ts";

export function normalizeKey(name: string): string {
  return name.toLowerCase().replaceAll("_", "-");
}

/** A key as looked up: its entry, and the Redis name it was reached through (the entry's
 *  name, or one of Redis's own aliases, which Redis treats as a separate config). */
export interface KeyMatch {
  entry: ConfigEntry;
  redisName: string;
}

const byName = new Map<string, KeyMatch>();
for (const entry of CONFIG_TABLE) {
  for (const n of [entry.name, ...(entry.aliases ?? [])]) {
    byName.set(normalizeKey(n), { entry, redisName: entry.name });
  }
  for (const a of entry.redisAliases ?? []) byName.set(normalizeKey(a), { entry, redisName: a });
}

export function lookupKey(name: string): KeyMatch | undefined {
  return byName.get(normalizeKey(name));
}

/** The entry for a canonical name or alias; throws on unknown names (a programming error). */
export function entryFor(name: string): ConfigEntry {
  const m = lookupKey(name);
  if (!m) throw new Error(`unknown config key '${name}'`);
  return m.entry;
}

/** The nearest valid key name for a typo, or undefined when nothing is close. */
export function suggestKey(name: string): string | undefined {
  return nearest(normalizeKey(name), byName.keys());
}

export function didYouMean(name: string, prefix = ""): string {
  const guess = suggestKey(name);
  return guess ? ` (did you mean '${prefix}${guess}'?)` : "";
}

function envSpelling(name: string): string {
  return "IRONCACHE_" + name.toUpperCase().replaceAll("-", "_");
}

/** The documented environment variable of an entry. */
export function envName(entry: ConfigEntry): string {
  return entry.env ?? envSpelling(entry.name);
}

/** Every environment variable accepted for an entry, the documented one first. */
export function envNames(entry: ConfigEntry): string[] {
  const all = [envName(entry), ...[entry.name, ...(entry.aliases ?? [])].map(envSpelling)];
  return [...new Set(all)];
}

/** The known no-op directive matching `name`, if any. */
export function findNoop(name: string): NoopDirective | undefined {
  const key = normalizeKey(name);
  return KNOWN_NOOP_DIRECTIVES.find((d) =>
    d.name.endsWith("*") ? key.startsWith(d.name.slice(0, -1)) : key === d.name
  );
}
