// COMMAND and its subcommands (Redis 7.0's commandCommand and friends in server.c). The
// entries are Redis's own metadata replayed byte for byte, listing only what IronCache
// implements: a container's subcommand list keeps only the subcommands it has.
import type { CommandContext, CommandSpec } from "./spec.ts";
import { redisCommandDocs, type TypedValue, writeTyped } from "./meta.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import { allCommands } from "./registry.ts";
import { globMatch } from "../config/glob.ts";
import { ERR_SYNTAX } from "../protocol/errors.ts";
import { commandKeys, hasKeys } from "./key_specs.ts";
import { copyArgv } from "./every_shard.ts";
import { writeHelp } from "./help.ts";

/**
 * One COMMAND INFO entry: Redis's entry for `spec`, with its subcommands field (the 10th)
 * holding only the implemented subcommands, in Redis's order.
 */
export function writeCommandInfo(out: ReplyWriter, spec: CommandSpec): void {
  const raw = spec.info.raw;
  out.arrayHeader(raw.length);
  for (let i = 0; i < raw.length - 1; i++) writeTyped(out, raw[i]);
  if (!spec.subcommands) return writeTyped(out, raw[raw.length - 1]);
  const subs = spec.info.subcommands.flatMap((info) =>
    spec.subcommands!.filter((s) => s.name === info.name)
  );
  out.arrayHeader(subs.length);
  for (const sub of subs) writeCommandInfo(out, sub);
}

/** Redis's lookupCommandBySds: "name" or "container|sub", any case; undefined if unknown. */
export function commandNamed(fullName: string): CommandSpec | undefined {
  const parts = fullName.toLowerCase().split("|");
  if (parts.length > 2) return undefined;
  const base = allCommands().find((c) => c.name === parts[0]);
  if (!base || parts.length === 1) return base;
  return base.subcommands?.find((s) => s.name === `${parts[0]}|${parts[1]}`);
}

function typedMap(v: TypedValue): TypedValue[] {
  return (v as { "%": TypedValue[] })["%"];
}

/** Redis's COMMAND DOCS entry for `spec`, its subcommands map cut down to the implemented ones. */
export function commandDocs(spec: CommandSpec): TypedValue {
  const [base, sub] = spec.name.split("|");
  const docs = redisCommandDocs(base)!;
  if (sub !== undefined) {
    const subs = typedMap(docs);
    const all = typedMap(subs[subs.indexOf("subcommands") + 1]);
    return all[all.indexOf(spec.name) + 1];
  }
  if (!spec.subcommands) return docs;
  const implemented = new Set(spec.subcommands.map((s) => s.name));
  const fields = typedMap(docs).slice();
  const at = fields.indexOf("subcommands");
  const all = typedMap(fields[at + 1]);
  const kept: TypedValue[] = [];
  for (let i = 0; i < all.length; i += 2) {
    if (implemented.has(all[i] as string)) kept.push(all[i], all[i + 1]);
  }
  fields[at + 1] = { "%": kept };
  return { "%": fields };
}

function commandAll(ctx: CommandContext): void {
  const all = allCommands();
  ctx.out.arrayHeader(all.length);
  for (const spec of all) writeCommandInfo(ctx.out, spec);
}

function commandCount(ctx: CommandContext): void {
  ctx.out.integer(allCommands().length);
}

/** COMMAND INFO [name ...]: an entry per name (null for unknown names), or every command. */
function commandInfo(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc === 2) return commandAll(ctx);
  out.arrayHeader(args.argc - 2);
  for (let i = 2; i < args.argc; i++) {
    const spec = commandNamed(args.text(i));
    if (spec) writeCommandInfo(out, spec);
    else out.nullBulk();
  }
}

/** COMMAND DOCS [name ...]: a map from full name to docs; unknown names are left out. */
function commandDocsHandler(ctx: CommandContext): void {
  const { args, out } = ctx;
  let specs: CommandSpec[];
  if (args.argc === 2) specs = [...allCommands()];
  else {
    specs = [];
    for (let i = 2; i < args.argc; i++) {
      const spec = commandNamed(args.text(i));
      if (spec) specs.push(spec);
    }
  }
  out.mapHeader(specs.length);
  for (const spec of specs) {
    out.bulkText(spec.name);
    writeTyped(out, commandDocs(spec));
  }
}

/** Redis's valid ACL categories: a filter on any other name matches nothing. */
function inCategory(spec: CommandSpec, category: string): boolean {
  return spec.categories.some((c) => c.toLowerCase() === category.toLowerCase());
}

/** COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN glob]: names, subcommands included. */
function commandList(ctx: CommandContext): void {
  const { args, out } = ctx;
  let keep: (spec: CommandSpec) => boolean = () => true;
  for (let i = 2; i < args.argc; i += 3) {
    const moreArgs = args.argc - 1 - i;
    if (!args.is(i, "filterby") || moreArgs !== 2) return out.error(ERR_SYNTAX);
    const value = args.text(i + 2);
    if (args.is(i + 1, "module")) keep = () => false; // IronCache loads no modules
    else if (args.is(i + 1, "aclcat")) keep = (spec) => inCategory(spec, value);
    else if (args.is(i + 1, "pattern")) keep = (spec) => globMatch(value, spec.name, true);
    else return out.error(ERR_SYNTAX);
  }
  const names: string[] = [];
  for (const spec of allCommands()) {
    for (const s of [spec, ...(spec.subcommands ?? [])]) if (keep(s)) names.push(s.name);
  }
  out.arrayHeader(names.length);
  for (const name of names) out.bulkText(name);
}

/** Redis's lookupCommand over argv (no "a|b" names): a subcommand when the command has them. */
function commandOf(argv: Uint8Array[]): CommandSpec | undefined {
  const name = new TextDecoder().decode(argv[0]).toLowerCase();
  const base = allCommands().find((c) => c.name === name);
  if (!base || argv.length === 1 || !base.subcommands) return base;
  const sub = new TextDecoder().decode(argv[1]).toLowerCase();
  return base.subcommands.find((s) => s.name === `${name}|${sub}`);
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS full-command (getKeysSubcommandImpl). */
function getKeys(ctx: CommandContext, withFlags: boolean): void {
  const { out } = ctx;
  const argv = copyArgv(ctx.args, 2);
  const spec = commandOf(argv);
  if (!spec) return out.error("ERR Invalid command specified");
  if (!hasKeys(spec)) return out.error("ERR The command has no key arguments");
  if ((spec.arity > 0 && spec.arity !== argv.length) || argv.length < -spec.arity) {
    return out.error("ERR Invalid number of arguments specified for command");
  }
  const keys = commandKeys(spec, argv);
  if (!keys || keys.length === 0) {
    if (spec.flags.includes("no_mandatory_keys")) return out.arrayHeader(0);
    return out.error("ERR Invalid arguments specified for command");
  }
  out.arrayHeader(keys.length);
  for (const key of keys) {
    if (withFlags) out.arrayHeader(2);
    out.bulk(argv[key.pos]);
    if (!withFlags) continue;
    out.setHeader(key.flags.length);
    for (const flag of key.flags) out.simple(flag);
  }
}

const COMMAND_HELP = [
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
];

export const commandRow = {
  handler: commandAll,
  subcommands: {
    count: { handler: commandCount },
    info: { handler: commandInfo },
    docs: { handler: commandDocsHandler },
    list: { handler: commandList },
    getkeys: { handler: (ctx: CommandContext) => getKeys(ctx, false) },
    getkeysandflags: { handler: (ctx: CommandContext) => getKeys(ctx, true) },
    help: { handler: (ctx: CommandContext) => writeHelp(ctx, COMMAND_HELP) },
  },
};
