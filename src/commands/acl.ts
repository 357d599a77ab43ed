// ACL and AUTH (Redis 7.0's aclCommand and authCommand, acl.c). The users live on every shard
// (src/acl/users.ts): SETUSER, DELUSER and LOAD fan out and each shard applies them alike;
// LOG gathers the shards' logs; the rest reads this shard's copy.
import { dropRevokedSubscribers } from "../pubsub/acl_revoke.ts";
import type { CommandContext, CommandRows } from "./spec.ts";
import { allOk } from "../server/multishard.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { errSubcommandSyntax, writeHelp } from "./help.ts";
import { isShardPart, replyText, withOtherShards } from "./every_shard.ts";
import { latin1 } from "../protocol/bytes.ts";
import { ACL_COMMANDS, aclCommandNamed, CATEGORIES, categoryBit } from "../acl/commands.ts";
import { encodeLatin1, ruleErrorText } from "../acl/selector.ts";
import { mergeSelectorArgs, User, validUserName } from "../acl/user.ts";
import {
  describeChannels,
  describeCommandRules,
  describeKeys,
  describeUser,
} from "../acl/describe.ts";
import type { Selector } from "../acl/selector.ts";
import { checkCommand, DENIED_CMD, DENIED_KEY } from "../acl/check.ts";
import { type LogEntry, mergeLogs } from "../acl/log.ts";
import { loadAclFile, saveAclFile } from "../acl/file.ts";
import { authenticate, ERR_WRONGPASS } from "../acl/gate.ts";
import type { Shard } from "../server/shard.ts";

const text = (ctx: CommandContext, i: number) => latin1(ctx.args.bytes(i));
const bulkLatin1 = (ctx: CommandContext, s: string) => ctx.out.bulk(encodeLatin1(s));

/** Disconnects this shard's clients authenticated as `name` (ACLFreeUserAndKillClients). */
function killClientsOf(shard: Shard, name: string): void {
  for (const client of [...shard.clients.values()]) {
    if (client.user !== name) continue;
    client.user = "default";
    client.authenticated = false;
    client.kill(); // the caller itself is closed after this reply
  }
}

function setUser(ctx: CommandContext): void {
  const { args, out, shard } = ctx;
  const name = text(ctx, 2);
  if (!validUserName(name)) {
    return out.error("ERR Usernames can't contain spaces or null characters");
  }
  const rules: string[] = [];
  for (let i = 3; i < args.argc; i++) rules.push(text(ctx, i));
  const merged = mergeSelectorArgs(rules);
  if (!Array.isArray(merged)) {
    return out.error(
      `ERR Unmatched parenthesis in acl selector starting at '${rules[merged.unmatchedAt]}'.`,
    );
  }
  // All rules are tried on a copy: any error leaves the user as it was.
  const existing = shard.acl.get(name);
  const staged = existing ? existing.clone() : new User(name);
  for (const rule of merged) {
    const err = staged.apply(rule);
    if (err) {
      return out.error(`ERR Error in ACL SETUSER modifier '${rule}': ${ruleErrorText(err)}`);
    }
  }
  if (existing) {
    existing.copyFrom(staged);
    shard.acl.refresh();
    dropRevokedSubscribers(shard, existing);
  } else shard.acl.set(staged);
  out.ok();
}

function delUser(ctx: CommandContext): void {
  const { args, out, shard } = ctx;
  const names: string[] = [];
  for (let i = 2; i < args.argc; i++) names.push(text(ctx, i));
  if (names.includes("default")) return out.error("ERR The 'default' user cannot be removed");
  let deleted = 0;
  for (const name of names) {
    if (!shard.acl.delete(name)) continue;
    killClientsOf(shard, name);
    deleted++;
  }
  out.integer(deleted);
}

function describeSelectorFields(ctx: CommandContext, s: Selector): void {
  const { out } = ctx;
  out.bulkText("commands");
  out.bulkText(describeCommandRules(s));
  out.bulkText("keys");
  bulkLatin1(ctx, describeKeys(s));
  out.bulkText("channels");
  bulkLatin1(ctx, describeChannels(s));
}

function getUser(ctx: CommandContext): void {
  const { out } = ctx;
  const u = ctx.shard.acl.get(text(ctx, 2));
  if (!u) return out.nullBulk();
  out.mapHeader(6);
  out.bulkText("flags");
  const flags = u.flags();
  out.setHeader(flags.length);
  for (const f of flags) out.bulkText(f);
  out.bulkText("passwords");
  out.arrayHeader(u.passwords.length);
  for (const p of u.passwords) out.bulkText(p);
  describeSelectorFields(ctx, u.root);
  out.bulkText("selectors");
  out.arrayHeader(u.selectors.length - 1);
  for (const s of u.selectors.slice(1)) {
    out.mapHeader(3);
    describeSelectorFields(ctx, s);
  }
}

function list(ctx: CommandContext, namesOnly: boolean): void {
  const users = ctx.shard.acl.all();
  ctx.out.arrayHeader(users.length);
  for (const u of users) bulkLatin1(ctx, namesOnly ? u.name : `user ${u.name} ${describeUser(u)}`);
}

function whoAmI(ctx: CommandContext): void {
  bulkLatin1(ctx, ctx.client.user);
}

function cat(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 3) return out.error(errSubcommandSyntax(ctx));
  if (args.argc === 2) {
    out.arrayHeader(CATEGORIES.length);
    for (const c of CATEGORIES) out.bulkText(c);
    return;
  }
  const bit = categoryBit(text(ctx, 2));
  if (!bit) return out.error(`ERR Unknown category '${args.cText(2).slice(0, 128)}'`);
  const names = ACL_COMMANDS.filter((c) => c.categories & bit).map((c) => c.fullName);
  out.arrayHeader(names.length);
  for (const n of names) out.bulkText(n);
}

const GENPASS_MAX_BITS = 4096;

function genPass(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 3) return out.error(errSubcommandSyntax(ctx));
  let bits = 256;
  if (args.argc === 3) {
    const n = args.int(2);
    if (n === null) return out.error(ERR_NOT_INTEGER);
    bits = n;
  }
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    return out.error(
      "ERR ACL GENPASS argument must be the number of bits for the output password, a positive " +
        `number up to ${GENPASS_MAX_BITS}`,
    );
  }
  const chars = Math.floor((bits + 3) / 4);
  const random = crypto.getRandomValues(new Uint8Array(Math.ceil(chars / 2)));
  const hex = [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
  out.bulkText(hex.slice(0, chars));
}

/** ACL LOG [count|RESET]: every shard logs its own clients; the caller merges. */
function log(ctx: CommandContext): void | Promise<void> {
  const { args, out, shard } = ctx;
  if (args.argc > 3) return out.error(errSubcommandSyntax(ctx));
  const reset = args.argc === 3 && args.is(2, "reset");
  let count = 10;
  if (args.argc === 3 && !reset) {
    const n = args.int(2);
    if (n === null) return out.error(ERR_NOT_INTEGER);
    count = Math.max(0, n);
  }
  if (isShardPart(ctx)) {
    if (reset) shard.acl.log.reset();
    return out.bulkText(JSON.stringify(reset ? [] : shard.acl.log.entries));
  }
  if (reset) shard.acl.log.reset();
  const mine = shard.acl.log.entries;
  return withOtherShards(ctx, (replies) => {
    if (reset) return out.ok();
    const others = replies.map((r) => JSON.parse(replyText(r, true)) as LogEntry[]);
    const entries = mergeLogs([mine, ...others], shard.acl.log.maxLen).slice(0, count);
    writeLog(ctx, entries);
  });
}

function writeLog(ctx: CommandContext, entries: LogEntry[]): void {
  const { out } = ctx;
  const now = Date.now();
  out.arrayHeader(entries.length);
  for (const e of entries) {
    out.mapHeader(7);
    out.bulkText("count");
    out.integer(e.count);
    out.bulkText("reason");
    out.bulkText(e.reason);
    out.bulkText("context");
    out.bulkText(e.context);
    out.bulkText("object");
    bulkLatin1(ctx, e.object);
    out.bulkText("username");
    bulkLatin1(ctx, e.username);
    out.bulkText("age-seconds");
    out.double((now - e.ctime) / 1000);
    out.bulkText("client-info");
    bulkLatin1(ctx, e.clientInfo);
  }
}

/** ACL DRYRUN user command [arg ...]: the check alone, as a bulk string when denied. */
function dryRun(ctx: CommandContext): void {
  const { args, out } = ctx;
  const user = ctx.shard.acl.get(text(ctx, 2));
  if (!user) return out.error(`ERR User '${args.cText(2)}' not found`);
  const base = aclCommandNamed(text(ctx, 3));
  let cmd = base && !base.parent ? base : undefined;
  if (cmd && cmd.subcommands.length && args.argc > 4) {
    cmd = aclCommandNamed(`${cmd.fullName}|${text(ctx, 4)}`);
  }
  if (!cmd) return out.error(`ERR Command '${args.cText(3)}' not found`);
  const argc = args.argc - 3, arity = cmd.info.arity;
  if ((arity > 0 && arity !== argc) || argc < -arity) {
    return out.error(`ERR wrong number of arguments for '${cmd.fullName}' command`);
  }
  const argv: Uint8Array[] = [];
  for (let i = 3; i < args.argc; i++) argv.push(args.bytes(i));
  const denial = checkCommand(user, cmd, argv);
  if (!denial) return out.ok();
  const what = denial.reason === DENIED_CMD
    ? `run the '${cmd.fullName}' command`
    : `access the '${latin1(argv[denial.index])}' ${
      denial.reason === DENIED_KEY ? "key" : "channel"
    }`;
  bulkLatin1(ctx, `This user has no permissions to ${what}`);
}

const ERR_NO_ACLFILE = "ERR This Redis instance is not configured to use an ACL file. You may " +
  "want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming " +
  "you have a Redis configuration file set) in order to store users in the Redis configuration.";

const aclFile = (ctx: CommandContext) => String(ctx.shard.config.get("aclfile"));

function load(ctx: CommandContext): void {
  const file = aclFile(ctx);
  if (!file) return ctx.out.error(ERR_NO_ACLFILE);
  const users = loadAclFile(file);
  if (typeof users === "string") return ctx.out.error("ERR " + users);
  // Redis frees every old user but the default one: their clients are disconnected.
  for (const u of ctx.shard.acl.all()) if (u.name !== "default") killClientsOf(ctx.shard, u.name);
  ctx.shard.acl.replaceAll(users);
  ctx.out.ok();
}

function save(ctx: CommandContext): void {
  const file = aclFile(ctx);
  if (!file) return ctx.out.error(ERR_NO_ACLFILE);
  if (saveAclFile(file, ctx.shard.acl.all())) return ctx.out.ok();
  ctx.out.error(
    "ERR There was an error trying to save the ACLs. Please check the server logs for more " +
      "information",
  );
}

/** AUTH [username] password. */
function auth(ctx: CommandContext): void {
  const { args, out, shard } = ctx;
  if (args.argc > 3) return out.error(ERR_SYNTAX);
  let username = "default";
  if (args.argc === 2) {
    if (shard.acl.default.noPass) {
      return out.error(
        "ERR AUTH <password> called without any password configured for the default user. " +
          "Are you sure your configuration is correct?",
      );
    }
  } else username = text(ctx, 1);
  if (authenticate(ctx, username, text(ctx, args.argc - 1))) out.ok();
  else out.error(ERR_WRONGPASS);
}

const ACL_HELP = [
  "CAT [<category>]",
  "    List all commands that belong to <category>, or all command categories",
  "    when no category is specified.",
  "DELUSER <username> [<username> ...]",
  "    Delete a list of users.",
  "DRYRUN <username> <command> [<arg> ...]",
  "    Returns whether the user can execute the given command without executing the command.",
  "GETUSER <username>",
  "    Get the user's details.",
  "GENPASS [<bits>]",
  "    Generate a secure 256-bit user password. The optional `bits` argument can",
  "    be used to specify a different size.",
  "LIST",
  "    Show users details in config file format.",
  "LOAD",
  "    Reload users from the ACL file.",
  "LOG [<count> | RESET]",
  "    Show the ACL log entries.",
  "SAVE",
  "    Save the current config to the ACL file.",
  "SETUSER <username> <attribute> [<attribute> ...]",
  "    Create or modify a user with the specified attributes.",
  "USERS",
  "    List all the registered usernames.",
  "WHOAMI",
  "    Return the current connection username.",
];

export const aclCommands: CommandRows = {
  auth: { handler: auth },
  acl: {
    subcommands: {
      setuser: { handler: setUser, fanOut: allOk },
      deluser: { handler: delUser, fanOut: allOk },
      getuser: { handler: getUser },
      list: { handler: (ctx) => list(ctx, false) },
      users: { handler: (ctx) => list(ctx, true) },
      whoami: { handler: whoAmI },
      cat: { handler: cat },
      genpass: { handler: genPass },
      log: { handler: log },
      dryrun: { handler: dryRun },
      load: { handler: load, fanOut: allOk },
      save: { handler: save },
      help: { handler: (ctx) => writeHelp(ctx, ACL_HELP) },
    },
  },
};
