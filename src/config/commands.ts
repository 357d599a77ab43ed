// `ironcache config` (show every value and its source) and `ironcache check` (validate).
// Both print problems as single lines and never a stack trace.
import { loadConfig, type LoadedConfig } from "./load.ts";
import { formatProblem } from "./problems.ts";
import { humanBytes } from "./redis-numbers.ts";
import { CONFIG_TABLE } from "./table.ts";
import { checkUsage, configUsage, wantsHelp } from "./usage.ts";

/** Where the commands write and what environment they read (replaceable in tests). */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  env(): Record<string, string>;
}

const realIO: CommandIO = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: () => Deno.env.toObject(),
};

export async function runConfigCommand(argv: string[], io: CommandIO = realIO): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(configUsage());
    return 0;
  }
  return await guarded("config", io, async () => {
    const loaded = await loadReporting(argv, io);
    if (!loaded) return 1;
    const rows = CONFIG_TABLE.map((e) => {
      const text = loaded.texts![e.name];
      const shown = e.sensitive && text !== ""
        ? null
        : e.type.multiWord && text !== ""
        ? text
        : confQuote(text);
      return { name: e.name, shown, source: loaded.sources[e.name] };
    });
    const nameWidth = Math.max(...rows.map((r) => r.name.length));
    const valueWidth = Math.max(...rows.map((r) => (r.shown ?? "").length));
    io.out("# IronCache configuration: key, value, and where the value came from");
    for (const r of rows) {
      const line = r.shown === null
        ? `# ${r.name} is set (hidden)`.padEnd(nameWidth + valueWidth + 1)
        : `${r.name.padEnd(nameWidth)} ${r.shown.padEnd(valueWidth)}`;
      io.out(`${line}  # ${r.source}`);
    }
    return 0;
  });
}

export async function runCheckCommand(argv: string[], io: CommandIO = realIO): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(checkUsage());
    return 0;
  }
  return await guarded("check", io, async () => {
    const loaded = await loadReporting(argv, io);
    if (!loaded) return 1;
    const v = loaded.values, t = loaded.texts!;
    const files = loaded.configFiles?.length ? loaded.configFiles.join(", ") : "none";
    const maxmemory = t.maxmemory === "0" ? "no limit" : `${humanBytes(BigInt(t.maxmemory))}`;
    const explicit = CONFIG_TABLE.filter((e) => loaded.sources[e.name] !== "default")
      .map((e) => `${e.name} (${loaded.sources[e.name]})`);
    io.out("configuration OK");
    io.out(`  config files: ${files}`);
    io.out(`  listen:       ${t.bind === "" ? "*" : t.bind} port ${v.port}`);
    io.out(`  shards:       ${v.shards}, databases ${v.databases}, maxclients ${v.maxclients}`);
    io.out(`  maxmemory:    ${maxmemory}, policy ${v["maxmemory-policy"]}`);
    io.out(`  persistence:  dir ${v.dir}, save ${confQuote(t.save)}, appendonly ${t.appendonly}`);
    io.out(`  loglevel:     ${v.loglevel}`);
    io.out(`  set here:     ${explicit.length ? explicit.join(", ") : "nothing (all defaults)"}`);
    return 0;
  });
}

/** Loads and prints warnings and problems; undefined when there were problems. */
async function loadReporting(argv: string[], io: CommandIO): Promise<LoadedConfig | undefined> {
  const loaded = await loadConfig(argv, io.env());
  for (const w of loaded.warnings ?? []) io.err(`warning: ${formatProblem(w)}`);
  for (const p of loaded.problems) io.err(formatProblem(p));
  return loaded.problems.length ? undefined : loaded;
}

/** Runs a command body; an unexpected exception becomes one line and exit code 1. */
async function guarded(
  command: string,
  io: CommandIO,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    io.err(
      `ironcache ${command}: ${e instanceof Error ? e.message : String(e)}`.replace(
        /\s*\n\s*/g,
        " ",
      ),
    );
    return 1;
  }
}

/** A value as a redis.conf line would need it: quoted when empty or containing spaces/quotes. */
export function confQuote(value: string): string {
  if (value !== "" && !/[\s"'\\#]|[^\x20-\x7e]/.test(value)) return value;
  return JSON.stringify(value);
}
