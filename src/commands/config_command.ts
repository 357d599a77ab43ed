// CONFIG GET/SET/RESETSTAT/REWRITE/HELP over the layered ConfigStore (src/config), with
// Redis 7.0's replies (config.c). Every shard holds its own ConfigStore: SET and RESETSTAT
// run on all of them (fan-out); each validates alike, so they agree on the reply.
import type { CommandContext, CommandRows } from "./spec.ts";
import { allOk } from "../server/multishard.ts";
import { ERR_SYNTAX } from "../protocol/errors.ts";
import { resetInfoStats } from "../server/info_stats.ts";
import { writeHelp } from "./help.ts";
import { rewriteConfigFile } from "../config/rewrite.ts";
import { log } from "../log.ts";

const decoder = new TextDecoder();

/** Config names and values are text; UTF-8 so that CONFIG GET returns what SET was given. */
function argText(ctx: CommandContext, i: number): string {
  return decoder.decode(ctx.args.bytes(i));
}

function configGet(ctx: CommandContext): void {
  const { args, out } = ctx;
  const patterns: string[] = [];
  for (let i = 2; i < args.argc; i++) patterns.push(argText(ctx, i));
  const matches = ctx.shard.config.getMatching(patterns);
  out.mapHeader(matches.length);
  for (const [name, value] of matches) {
    out.bulkText(name);
    out.bulkText(value);
  }
}

function configSet(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc % 2 === 1) return out.error(ERR_SYNTAX); // name/value pairs only
  const pairs: [string, string][] = [];
  for (let i = 2; i < args.argc; i += 2) pairs.push([argText(ctx, i), argText(ctx, i + 1)]);
  const failure = ctx.shard.config.setMany(pairs);
  if (failure) out.error(failure);
  else out.ok();
}

function configResetStat(ctx: CommandContext): void {
  resetInfoStats(ctx.shard);
  ctx.out.ok();
}

/** CONFIG REWRITE (src/config/rewrite.ts); every shard holds the same values. */
function configRewrite(ctx: CommandContext): void {
  const { configFile, configFileIsToml } = ctx.shard.server;
  if (!configFile) return ctx.out.error("ERR The server is running without a config file");
  const current = new Map(ctx.shard.config.entries().map((e) => [e.name, e.value]));
  try {
    rewriteConfigFile(configFile, configFileIsToml === true, current);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/\s*\(os error \d+\).*$/s, "") : String(e);
    log.warning(`CONFIG REWRITE failed: ${why}`);
    return ctx.out.error(`ERR Rewriting config file: ${why}`);
  }
  log.notice("CONFIG REWRITE executed with success.");
  ctx.out.ok();
}

const CONFIG_HELP = [
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
];

export const configCommands: CommandRows = {
  config: {
    subcommands: {
      get: { handler: configGet },
      set: { handler: configSet, fanOut: allOk },
      resetstat: { handler: configResetStat, fanOut: allOk },
      rewrite: { handler: configRewrite },
      help: { handler: (ctx) => writeHelp(ctx, CONFIG_HELP) },
    },
  },
};
