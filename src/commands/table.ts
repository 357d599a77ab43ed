// THE command table: every command IronCache serves. Each family module declares its rows
// (handler + cross-shard behaviour); Redis's own metadata supplies arity, flags, ACL
// categories, key positions and docs. Dispatch, arity checks, COMMAND output and key
// routing all read the CommandSpecs built here (like Redis's commands.def).
import type { CommandContext, CommandRow, CommandRows, CommandSpec, KeyRange } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import { type RedisCommandInfo, redisCommandInfo } from "./meta.ts";
import { registerCommands } from "./registry.ts";
import { connectionCommands } from "./connection.ts";
import { stringCommands } from "./strings.ts";
import { keyCommands } from "./keys.ts";
import { serverCommands } from "./server.ts";
import { expireCommands } from "./expire.ts";
import { infoCommands } from "./info.ts";
import { clientCommands } from "./client.ts";
import { configCommands } from "./config_command.ts";
import { sortCommands } from "./sort.ts";
import { bitmapCommands } from "./bitmaps.ts";
import { hyperLogLogCommands } from "./hyperloglog.ts";
import { aclCommands } from "./acl.ts";

const FAMILIES: CommandRows[] = [
  connectionCommands,
  stringCommands,
  keyCommands,
  expireCommands,
  serverCommands,
  infoCommands,
  clientCommands,
  configCommands,
  sortCommands,
  bitmapCommands,
  hyperLogLogCommands,
  aclCommands,
];

/** A container called without a subcommand where Redis allows that (none so far). */
function containerWithoutSubcommand(ctx: CommandContext): void {
  ctx.out.error(`ERR wrong number of arguments for '${ctx.spec.name}' command`);
}

function toSpec(name: string, row: CommandRow, info: RedisCommandInfo): CommandSpec {
  const keys: KeyRange | null = info.firstKey > 0
    ? { first: info.firstKey, last: info.lastKey, step: info.step }
    : null;
  const subcommands = row.subcommands
    ? Object.entries(row.subcommands).map(([sub, r]) => {
      const subInfo = info.subcommands.find((s) => s.name === `${name}|${sub}`);
      if (!subInfo) throw new Error(`Redis has no subcommand ${name}|${sub}`);
      return toSpec(`${name}|${sub}`, r, subInfo);
    })
    : undefined;
  return {
    name,
    arity: info.arity,
    flags: info.flags,
    categories: info.categories,
    keys,
    getKeys: row.getKeys,
    handler: row.handler ?? containerWithoutSubcommand,
    subcommands,
    splitByKey: row.splitByKey,
    fanOut: row.fanOut,
    route: row.route,
    acrossShards: row.acrossShards,
    info,
  };
}

function buildTable(): CommandSpec[] {
  const specs: CommandSpec[] = [];
  for (const family of FAMILIES) {
    for (const [name, row] of Object.entries(family)) {
      const info = redisCommandInfo(name);
      if (!info) throw new Error(`command table: Redis has no command '${name}'`);
      specs.push(toSpec(name, row, info));
    }
  }
  return specs.sort((a, b) => a.name < b.name ? -1 : 1);
}

export const COMMANDS: readonly CommandSpec[] = buildTable();
registerCommands(COMMANDS);

// Lookup by the raw name bytes without building a string: a hash of the lower-cased bytes
// picks a short bucket, then the bytes are compared.
const byHash = new Map<number, CommandSpec[]>();
const subByHash = new Map<CommandSpec, Map<number, CommandSpec[]>>();

function hashLower(buf: Uint8Array, start: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) {
    let c = buf[start + i];
    if (c >= 65 && c <= 90) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

function index(into: Map<number, CommandSpec[]>, name: string, spec: CommandSpec): void {
  const bytes = new TextEncoder().encode(name);
  const h = hashLower(bytes, 0, bytes.length);
  const list = into.get(h);
  if (list) list.push(spec);
  else into.set(h, [spec]);
}

for (const spec of COMMANDS) {
  index(byHash, spec.name, spec);
  if (spec.subcommands) {
    const subs = new Map<number, CommandSpec[]>();
    for (const sub of spec.subcommands) index(subs, sub.name.slice(spec.name.length + 1), sub);
    subByHash.set(spec, subs);
  }
}

function find(
  map: Map<number, CommandSpec[]> | undefined,
  args: Args,
  i: number,
  skip: number,
): CommandSpec | undefined {
  const list = map?.get(hashLower(args.argBuf, args.argStart[i], args.argLen[i]));
  if (!list) return undefined;
  for (const spec of list) if (args.is(i, skip ? spec.name.slice(skip) : spec.name)) return spec;
  return undefined;
}

/** The command named by args[0]. */
export function lookupCommand(args: Args): CommandSpec | undefined {
  return find(byHash, args, 0, 0);
}

/** The subcommand named by args[1] of a container command, if any. */
export function lookupSubcommand(container: CommandSpec, args: Args): CommandSpec | undefined {
  return find(subByHash.get(container), args, 1, container.name.length + 1);
}

/** A command or "container|sub" by name (off the hot path: COMMAND INFO, ACL...). */
export function commandByName(name: string): CommandSpec | undefined {
  const [base] = name.toLowerCase().split("|");
  const spec = COMMANDS.find((c) => c.name === base);
  return name.includes("|") ? spec?.subcommands?.find((s) => s.name === name.toLowerCase()) : spec;
}
