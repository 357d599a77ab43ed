// The commands ACL rules talk about: every command and subcommand Redis 7.0 has (from
// Redis's own metadata, not only the ones IronCache serves), each with a bit id and its
// categories. Category rules and the best-fit description of ACL LIST count over all of
// them, exactly as Redis's orig_commands table does, so the text ACL LIST prints is Redis's.
import { type RedisCommandInfo, redisCommandInfo, redisCommandNames } from "../commands/meta.ts";

/** Redis's ACL categories, in its order (ACL CAT and the best-fit search follow it). */
export const CATEGORIES = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
] as const;

export interface AclCommand {
  /** Bit index in a selector's command bitmap. */
  id: number;
  /** "get", or "config|get" for a subcommand. */
  fullName: string;
  /** Bitmask over CATEGORIES. */
  categories: number;
  parent: AclCommand | null;
  subcommands: AclCommand[];
  noAuth: boolean;
  info: RedisCommandInfo;
}

/** Bit of a category name (any case), 0 if there is no such category. */
export function categoryBit(name: string): number {
  const i = CATEGORIES.indexOf(name.toLowerCase() as typeof CATEGORIES[number]);
  return i < 0 ? 0 : 1 << i;
}

/** Every command, containers before their subcommands, in table (alphabetical) order. */
export const ACL_COMMANDS: AclCommand[] = [];
const byName = new Map<string, AclCommand>();

function add(info: RedisCommandInfo, parent: AclCommand | null): AclCommand {
  const cmd: AclCommand = {
    id: ACL_COMMANDS.length,
    fullName: info.name,
    categories: info.categories.reduce((bits, c) => bits | categoryBit(c), 0),
    parent,
    subcommands: [],
    noAuth: info.flags.includes("no_auth"),
    info,
  };
  ACL_COMMANDS.push(cmd);
  byName.set(cmd.fullName, cmd);
  for (const sub of info.subcommands) cmd.subcommands.push(add(sub, cmd));
  return cmd;
}
for (const name of [...redisCommandNames()].sort()) add(redisCommandInfo(name)!, null);

/** One bit past the commands: set only by +@all, so "may run future commands" shows. */
export const FUTURE_COMMANDS_BIT = ACL_COMMANDS.length;
export const COMMAND_BITS = FUTURE_COMMANDS_BIT + 1;

/** Redis's lookupCommandBySdsLogic: "get" or "config|get" (any case), strict. */
export function aclCommandNamed(name: string): AclCommand | undefined {
  const parts = name.toLowerCase().split("|");
  if (parts.length > 2) return undefined;
  const base = byName.get(parts[0]);
  if (parts.length === 1) return base;
  if (!base || base.subcommands.length === 0) return undefined;
  return byName.get(`${parts[0]}|${parts[1]}`);
}

/** The top-level commands, for walks that recurse into subcommands themselves. */
export const TOP_LEVEL: AclCommand[] = ACL_COMMANDS.filter((c) => c.parent === null);
