// --help texts for `ironcache server`, `ironcache config` and `ironcache check`, from the table.
import { factsLine, metavar } from "./describe.ts";
import { CONFIG_TABLE } from "./table.ts";

export const PRECEDENCE_TEXT =
  "Precedence, highest first: CONFIG SET at runtime, command-line options, IRONCACHE_*\n" +
  "environment variables, the --config TOML file, the redis.conf file, built-in defaults.";

const COMMON_ARGS = "[redis.conf] [--config FILE.toml] [--KEY VALUE ...]";

/** Whether the user asked for help (the caller prints the usage and exits 0). */
export function wantsHelp(argv: string[]): boolean {
  return argv.some((a) => a === "--help" || a === "-h");
}

/** Every config key as an option: the option, its description, then its facts. */
export function optionsText(): string {
  const lines = [
    "  --config FILE.toml",
    '      A TOML config file with top-level keys (port = 6380, maxmemory = "1gb").',
  ];
  for (const entry of CONFIG_TABLE) {
    lines.push(
      `  --${entry.name} ${metavar(entry)}`,
      `      ${entry.description}`,
      `      ${factsLine(entry)}`,
    );
  }
  return lines.join("\n");
}

const ABOUT_KEYS =
  "Every config key is an option; key names are case-insensitive and '_' equals '-'.\n" +
  "A first argument that is not an option is a redis.conf-style file.\n" + PRECEDENCE_TEXT;

export function serverUsage(program = "ironcache"): string {
  return `Usage: ${program} server ${COMMON_ARGS}\n\nRuns the server.\n${ABOUT_KEYS}\n\nOptions:\n${optionsText()}\n`;
}

export function configUsage(program = "ironcache"): string {
  return `Usage: ${program} config ${COMMON_ARGS}\n\n` +
    "Prints every config key with its value and where the value came from, without starting\n" +
    `the server. Takes the same arguments as '${program} server'.\n${ABOUT_KEYS}\n` +
    `See '${program} server --help' for the keys.\n`;
}

export function checkUsage(program = "ironcache"): string {
  return `Usage: ${program} check ${COMMON_ARGS}\n\n` +
    "Validates the configuration without starting the server: exits 0 with a short summary,\n" +
    "or 1 with one line per problem (file:line, key, and what is wrong).\n" +
    `Takes the same arguments as '${program} server'.\n${ABOUT_KEYS}\n` +
    `See '${program} server --help' for the keys.\n`;
}
