// From parsed arguments to a command: table lookup, subcommand, arity (Redis's
// processCommand order), and the key positions used to route it to its shard.
import type { Args } from "../protocol/args.ts";
import type { CommandSpec } from "../commands/spec.ts";
import { lookupCommand as lookupInTable, lookupSubcommand } from "../commands/table.ts";
import { errArity, errUnknownCommand, errUnknownSubcommand } from "../protocol/errors.ts";
import { copyBytes } from "../protocol/bytes.ts";

/** The command to run, or the error text to reply with instead. `rejected` hears of a known
 * command refused for its arguments (INFO commandstats' rejected_calls). */
export function resolveCommand(
  args: Args,
  rejected?: (fullName: string) => void,
): CommandSpec | string {
  const spec = sameAsLast(args) ?? lookupAndRemember(args);
  if (!spec) {
    const preview: string[] = [];
    for (let i = 1; i < args.argc && i <= 128; i++) preview.push(args.cText(i));
    return errUnknownCommand(args.cText(0), preview);
  }
  let chosen = spec;
  if (spec.subcommands && args.argc >= 2) {
    const sub = lookupSubcommand(spec, args);
    if (!sub) {
      rejected?.(spec.name);
      return errUnknownSubcommand(args.cText(1), args.cText(0));
    }
    chosen = sub;
  }
  if ((chosen.arity > 0 && args.argc !== chosen.arity) || args.argc < -chosen.arity) {
    rejected?.(chosen.name);
    return errArity(chosen.name);
  }
  return chosen;
}

// The last command looked up, by its name's bytes as sent: a pipeline usually repeats one
// command, and an exact byte compare is cheaper than the table's hash and folding compare.
// Only commands without subcommands (a container's lookup needs args[1]).
const lastName = new Uint8Array(16);
let lastNameLength = 0;
let lastSpec: CommandSpec | undefined;

function sameAsLast(args: Args): CommandSpec | undefined {
  const len = args.argLen[0];
  if (len !== lastNameLength) return undefined;
  const buf = args.argBuf, start = args.argStart[0];
  for (let k = 0; k < len; k++) if (buf[start + k] !== lastName[k]) return undefined;
  return lastSpec;
}

function lookupAndRemember(args: Args): CommandSpec | undefined {
  const spec = lookupInTable(args);
  const len = args.argLen[0];
  if (spec !== undefined && !spec.subcommands && len <= lastName.length) {
    // A byte loop, not set(subarray): a pipeline alternating commands allocates nothing.
    copyBytes(args.argBuf, args.argStart[0], lastName, 0, len);
    lastNameLength = len;
    lastSpec = spec;
  }
  return spec;
}

/** Indexes of the key arguments: the row's key finder, or the table's (first, last, step). */
export function keyIndexes(spec: CommandSpec, args: Args): number[] {
  if (spec.getKeys) return spec.getKeys(args);
  const argc = args.argc;
  const k = spec.keys;
  if (!k) return [];
  const last = k.last < 0 ? argc + k.last : k.last;
  const out: number[] = [];
  for (let i = k.first; i <= last && i < argc; i += k.step) out.push(i);
  return out;
}

import { SPANNING } from "../commands/spec.ts";
export { SPANNING };

type ShardMap = { ownerOfRange(buf: Uint8Array, start: number, end: number): number };

export function routeCommand(spec: CommandSpec, args: Args, shard: ShardMap): number {
  if (spec.getKeys) return ownerOfAll(spec.getKeys(args), args, shard);
  const k = spec.keys;
  if (!k) return -1;
  const last = k.last < 0 ? args.argc + k.last : k.last;
  let owner = -1;
  for (let i = k.first; i <= last && i < args.argc; i += k.step) {
    const s = args.argStart[i];
    const o = shard.ownerOfRange(args.argBuf, s, s + args.argLen[i]);
    if (owner === -1) owner = o;
    else if (o !== owner) return SPANNING;
  }
  return owner;
}

function ownerOfAll(indexes: number[], args: Args, shard: ShardMap): number {
  let owner = -1;
  for (const i of indexes) {
    const s = args.argStart[i];
    const o = shard.ownerOfRange(args.argBuf, s, s + args.argLen[i]);
    if (owner === -1) owner = o;
    else if (o !== owner) return SPANNING;
  }
  return owner;
}
