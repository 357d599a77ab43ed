// The live configuration inside a server worker: CONFIG GET/SET with Redis 7.0's semantics
// and error texts, on top of what loadConfig() produced.
import { globMatch, isGlob } from "./glob.ts";
import type { LoadedConfig } from "./load.ts";
import { DEFAULT_SOURCE } from "./setting.ts";
import { entryFor, lookupKey } from "./names.ts";
import { CONFIG_TABLE, type ConfigEntry, defaultRaw, relativeRaw } from "./table.ts";
import type { ConfigValue } from "./types.ts";

export const RUNTIME_SOURCE = "runtime CONFIG SET";

type Listener = (name: string, value: ConfigValue) => void;
/** Returns Redis's reason text when the new values cannot be applied, else null. */
export type ConfigCheck = (get: (name: string) => ConfigValue) => string | null;

interface Current {
  value: ConfigValue;
  text: string;
  source: string;
}

export class ConfigStore {
  #current = new Map<string, Current>();
  #listeners: Listener[] = [];
  #checks: Array<{ names: string[]; check: ConfigCheck }> = [];

  constructor(loaded: LoadedConfig) {
    for (const entry of CONFIG_TABLE) {
      const source = loaded.sources[entry.name] ?? DEFAULT_SOURCE;
      const given = loaded.values[entry.name];
      const text = loaded.texts?.[entry.name];
      if (given !== undefined && text !== undefined) { // straight from loadConfig()
        this.#current.set(entry.name, { value: given, text, source });
        continue;
      }
      const r = entry.type.parse(given !== undefined ? entry.type.toRaw(given) : defaultRaw(entry));
      if (!r.ok) throw new Error(`config '${entry.name}': ${r.why}`);
      this.#current.set(entry.name, { value: r.value, text: r.text, source });
    }
  }

  /** The typed value of a key (canonical name or alias, any case, '_' or '-'). */
  get(name: string): ConfigValue {
    return this.#cur(entryFor(name)).value;
  }

  source(name: string): string {
    return this.#cur(entryFor(name)).source;
  }

  /**
   * CONFIG GET. A pattern without glob characters is an exact lookup and answers under the
   * name as given (like Redis: CONFIG GET PORT -> "PORT"); a glob matches Redis names,
   * case-insensitively. Each config appears once, under its first match.
   */
  getMatching(patterns: string[]): [string, string][] {
    const out: [string, string][] = [];
    const seen = new Set<string>();
    const add = (shownAs: string, redisName: string, entry: ConfigEntry) => {
      if (seen.has(redisName)) return;
      seen.add(redisName);
      out.push([shownAs, this.#cur(entry).text]);
    };
    for (const pattern of patterns) {
      if (!isGlob(pattern)) {
        const m = lookupKey(pattern);
        if (m) add(pattern, m.redisName, m.entry);
        continue;
      }
      for (const entry of CONFIG_TABLE) {
        for (const name of [entry.name, ...(entry.redisAliases ?? [])]) {
          if (globMatch(pattern, name)) add(name, name, entry);
        }
      }
    }
    return out;
  }

  /**
   * CONFIG SET name value [name value ...], all or nothing. Returns null on success, else
   * Redis 7.0's error text without the leading '-'. Like Redis, names are checked first
   * (the first unknown/immutable/duplicate one fails the call), then values in order.
   */
  setMany(pairs: [string, string][]): string | null {
    const redisNames: string[] = [];
    for (const [name] of pairs) {
      const m = lookupKey(name);
      if (!m) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      const refused = m.entry.configSet === "immutable"
        ? "can't set immutable config"
        : m.entry.configSet === "protected"
        ? "can't set protected config"
        : redisNames.includes(m.redisName)
        ? "duplicate parameter"
        : null;
      if (refused) return setFailed(name, refused);
      redisNames.push(m.redisName);
    }
    const parsed: [ConfigEntry, ConfigValue, string][] = [];
    for (const [i, [name, raw]] of pairs.entries()) {
      const entry = entryFor(name);
      const r = entry.type.parse(relativeRaw(entry, this.#cur(entry).text, raw));
      if (!r.ok) return setFailed(redisNames[i], r.redisError);
      parsed.push([entry, r.value, r.text]);
    }
    const pending = new Map(parsed.map(([entry, value]) => [entry.name, value]));
    for (const { names, check } of this.#checks) {
      const first = parsed.find(([entry]) => names.includes(entry.name));
      if (!first) continue;
      const why = check((n) => pending.get(entryFor(n).name) ?? this.get(n));
      if (why) return setFailed(first[0].name, why);
    }
    this.#commit(parsed);
    return null;
  }

  /** A check of a CONFIG SET as a whole before anything is applied (Redis's apply functions,
   *  e.g. TLS files that must load): `get` sees the new values; a failure is reported against
   *  the first of `names` that the command sets. */
  addCheck(names: string[], check: ConfigCheck): void {
    this.#checks.push({ names, check });
  }

  /** Apply a CONFIG SET that another worker already validated with setMany(). */
  applyValidated(pairs: [string, string][]): void {
    this.#commit(pairs.map(([name, raw]) => {
      const entry = entryFor(name);
      const r = entry.type.parse(relativeRaw(entry, this.#cur(entry).text, raw));
      if (!r.ok) throw new Error(`applyValidated: '${name}' ${r.why}`);
      return [entry, r.value, r.text];
    }));
  }

  /** Called once per key whose value a CONFIG SET changed (after the whole set is applied). */
  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /** Every key in table order, with its CONFIG GET text and source. */
  entries(): Array<{ name: string; value: string; source: string }> {
    return CONFIG_TABLE.map((e) => ({
      name: e.name,
      value: this.#cur(e).text,
      source: this.#cur(e).source,
    }));
  }

  #cur(entry: ConfigEntry): Current {
    return this.#current.get(entry.name)!;
  }

  #commit(parsed: [ConfigEntry, ConfigValue, string][]) {
    const changed: ConfigEntry[] = [];
    for (const [entry, value, text] of parsed) {
      if (this.#cur(entry).text !== text && !changed.includes(entry)) changed.push(entry);
      this.#current.set(entry.name, { value, text, source: RUNTIME_SOURCE });
    }
    for (const entry of changed) {
      for (const listener of this.#listeners) listener(entry.name, this.#cur(entry).value);
    }
  }
}

function setFailed(name: string, why: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`;
}
