// Loading the configuration: layers, lowest first — defaults, redis.conf (positional),
// TOML (--config), IRONCACHE_* env, command-line flags. CONFIG SET at runtime sits on top
// (see store.ts). Every value remembers where it came from.
import { parseServerArgv } from "./argv.ts";
import { readEnv } from "./env.ts";
import type { ConfigProblem } from "./problems.ts";
import { parseRedisConf } from "./redis-conf.ts";
import { DEFAULT_SOURCE, type Layer } from "./setting.ts";
import { CONFIG_TABLE, type ConfigEntry, defaultRaw, relativeRaw } from "./table.ts";
import { parseTomlConfig } from "./toml-file.ts";
import type { ConfigValue } from "./types.ts";
import { absolutePath } from "./value-types.ts";

export { type ConfigProblem, formatProblem } from "./problems.ts";
export { defaultRaw } from "./table.ts";

export interface LoadedConfig {
  /** Typed values by canonical name: numbers for integers and sizes, booleans for yes/no. */
  values: Record<string, ConfigValue>;
  /** Where each value came from: "default", "file /abs/x.toml:3", "env IRONCACHE_PORT", "flag --port". */
  sources: Record<string, string>;
  /** Everything wrong, all at once; the config is only usable when this is empty. */
  problems: ConfigProblem[];
  /** The config file in use: the TOML file if given, else the redis.conf (absolute path). */
  configFile?: string;
  /** The config file in use is TOML (--config), not a redis.conf. */
  configFileIsToml?: boolean;
  /** Every config file read, lowest layer first (absolute paths). */
  configFiles?: string[];
  /** Values exactly as CONFIG GET prints them (exact even for sizes beyond 2^53). */
  texts?: Record<string, string>;
  /** ACL users defined by `user` lines of a redis.conf: [name, ...rules] (latin1 text). */
  aclUsers?: string[][];
  /** Not fatal: e.g. an IRONCACHE_* variable that looks like a misspelt key. */
  warnings?: ConfigProblem[];
}

/** Parse `ironcache server|config|check` arguments (after the subcommand) and the environment. */
export async function loadConfig(
  argv: string[],
  env: Record<string, string>,
): Promise<LoadedConfig> {
  const args = parseServerArgv(argv);
  const layers: Layer[] = [];
  const configFiles: string[] = [];
  if (args.redisConf !== undefined) {
    layers.push(await readConfigFile(args.redisConf, parseRedisConf));
    configFiles.push(absolutePath(args.redisConf));
  }
  if (args.tomlConfig !== undefined) {
    layers.push(await readConfigFile(args.tomlConfig, parseTomlConfig));
    configFiles.push(absolutePath(args.tomlConfig));
  }
  const envLayer = readEnv(env);
  layers.push(envLayer, args);

  const loaded = resolveLayers(layers);
  loaded.configFiles = configFiles;
  loaded.configFile = configFiles.at(-1);
  loaded.configFileIsToml = args.tomlConfig !== undefined;
  loaded.warnings = envLayer.warnings;
  loaded.aclUsers = layers.flatMap((l) => l.users ?? []);
  if (loaded.aclUsers.length && loaded.values.aclfile) {
    // Redis refuses this mix at startup (ACLLoadUsersAtStartup).
    loaded.problems.push({
      message: "users are defined both by `user` lines and by an aclfile; use one or the other",
    });
  }
  return loaded;
}

/** Defaults, then each layer in order (later wins). Problems come out layer by layer, in line order. */
export function resolveLayers(layers: Layer[]): LoadedConfig {
  const out: Required<Pick<LoadedConfig, "values" | "sources" | "problems" | "texts">> = {
    values: {},
    sources: {},
    problems: [],
    texts: {},
  };
  for (const entry of CONFIG_TABLE) {
    const r = entry.type.parse(defaultRaw(entry));
    if (!r.ok) throw new Error(`config table: bad default for '${entry.name}': ${r.why}`);
    set(out, entry, r.value, r.text, DEFAULT_SOURCE);
  }
  for (const layer of layers) {
    const problems = [...layer.problems];
    const setHere = new Set<string>();
    for (const s of layer.settings) {
      let r = s.entry.type.parse(relativeRaw(s.entry, out.texts[s.entry.name], s.raw));
      if (!r.ok) {
        problems.push({ ...s.at, key: s.key, message: r.why });
        continue;
      }
      const { combine } = s.entry.type;
      if (combine && setHere.has(s.entry.name)) {
        r = s.entry.type.parse(combine(out.texts[s.entry.name], r.text));
      }
      if (!r.ok) continue; // cannot happen: two valid parts make a valid whole
      set(out, s.entry, r.value, r.text, s.source);
      setHere.add(s.entry.name);
    }
    out.problems.push(...problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  return out;
}

function set(
  out: Required<Pick<LoadedConfig, "values" | "sources" | "texts">>,
  entry: ConfigEntry,
  value: ConfigValue,
  text: string,
  source: string,
) {
  out.values[entry.name] = value;
  out.texts[entry.name] = text;
  out.sources[entry.name] = source;
}

type FileParser = (text: string, file: string, sourcePath: string) => Layer;

async function readConfigFile(path: string, parse: FileParser): Promise<Layer> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return {
      settings: [],
      problems: [{ file: path, message: `cannot read config file: ${ioReason(e)}` }],
    };
  }
  return parse(text, path, absolutePath(path));
}

function ioReason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "it is a directory";
  return String((e as Error)?.message ?? e).replace(/\s*\(os error \d+\).*$/s, "");
}
