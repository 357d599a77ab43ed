// CLIENT family (Redis 7.0's clientCommand in networking.c): ID GETNAME SETNAME INFO LIST
// KILL PAUSE UNPAUSE REPLY NO-EVICT HELP. Each shard knows only its own connections: LIST
// and KILL do this shard's part with the caller's real client, then ask the other shards
// (every_shard.ts); PAUSE and UNPAUSE fan out, since every shard keeps the pause.
import type { CommandContext, CommandRows } from "./spec.ts";
import { type Client, homeShardOf } from "../server/client.ts";
import { allOk } from "../server/multishard.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { clientPause } from "../server/pause.ts";
import { validateClientName } from "./connection.ts";
import {
  askShards,
  copyArgv,
  isShardPart,
  replyInteger,
  replyText,
  withOtherShards,
} from "./every_shard.ts";
import {
  clientInfoLine,
  type ClientType,
  clientType,
  clientTypeNamed,
  lineClientId,
} from "./client_list.ts";
import { clientModes } from "./client_state.ts";
import { timeoutArg } from "./timeout.ts";
import { errSubcommandSyntax, writeHelp } from "./help.ts";
import { clientTrackingSubcommands } from "./client_tracking.ts";

/** Writes the error and gives null: for the argument parsers below. */
function fail(ctx: CommandContext, error: string): null {
  ctx.out.error(error);
  return null;
}

function clientId(ctx: CommandContext): void {
  ctx.out.integer(ctx.client.id);
}

function getName(ctx: CommandContext): void {
  if (ctx.client.name) ctx.out.bulk(ctx.client.name);
  else ctx.out.nullBulk();
}

function setName(ctx: CommandContext): void {
  const name = ctx.args.bytes(2);
  const problem = validateClientName(name);
  if (problem) return ctx.out.error(problem);
  ctx.client.name = name.length ? name.slice() : null;
  ctx.out.ok();
}

/** The size of the command the caller is running, for its own argv-mem. */
function argvBytes(ctx: CommandContext): number {
  let n = 0;
  for (let i = 0; i < ctx.args.argc; i++) n += ctx.args.length(i);
  return n;
}

function lineOf(ctx: CommandContext, client: Client, now: number): string {
  return clientInfoLine(client, now, client === ctx.client ? argvBytes(ctx) : 0);
}

function info(ctx: CommandContext): void {
  ctx.out.verbatim(lineOf(ctx, ctx.client, Date.now()) + "\n");
}

/** CLIENT LIST [TYPE type] | [ID id ...]: the filter, or null after writing the error. */
function listFilter(ctx: CommandContext): { type?: ClientType; ids?: number[] } | null {
  const { args } = ctx;
  if (args.argc === 4 && args.is(2, "type")) {
    const type = clientTypeNamed(args.text(3));
    if (!type) return fail(ctx, `ERR Unknown client type '${args.cText(3)}'`);
    return { type };
  }
  if (args.argc > 3 && args.is(2, "id")) {
    const ids: number[] = [];
    for (let i = 3; i < args.argc; i++) {
      const id = args.int(i);
      if (id === null) return fail(ctx, "ERR Invalid client ID");
      ids.push(id);
    }
    return { ids };
  }
  if (args.argc !== 2) return fail(ctx, ERR_SYNTAX);
  return {};
}

function list(ctx: CommandContext): void | Promise<void> {
  const filter = listFilter(ctx);
  if (!filter) return;
  const now = Date.now();
  const lines: string[] = [];
  for (const client of ctx.shard.clients.values()) {
    if (filter.type && clientType(client) !== filter.type) continue;
    if (filter.ids && !filter.ids.includes(client.id)) continue;
    lines.push(lineOf(ctx, client, now));
  }
  return withOtherShards(ctx, (replies) => {
    for (const reply of replies) lines.push(...replyText(reply).split("\n").filter(Boolean));
    let ordered: string[];
    if (filter.ids) {
      // Redis lists the requested ids in the order given, repeats included.
      const byId = new Map(lines.map((l) => [lineClientId(l), l]));
      ordered = filter.ids.flatMap((id) => byId.has(id) ? [byId.get(id)!] : []);
    } else {
      ordered = lines.sort((a, b) => lineClientId(a) - lineClientId(b)); // creation order
    }
    ctx.out.verbatim(ordered.map((l) => l + "\n").join(""));
  });
}

interface KillFilter {
  addr?: string;
  laddr?: string;
  type?: ClientType;
  id?: number;
  user?: string;
  skipMe: boolean;
}

/** Only the default user exists until ACLs do. */
const userExists = (name: string) => name === "default";

/** CLIENT KILL addr | CLIENT KILL <filter> <value> ...: the filter, or null after the error. */
function killFilter(ctx: CommandContext): KillFilter | null {
  const { args } = ctx;
  // The old form names an address, and may kill the caller itself.
  if (args.argc === 3) return { addr: args.text(2), skipMe: false };
  const filter: KillFilter = { skipMe: true };
  for (let i = 2; i < args.argc; i += 2) {
    if (i + 1 >= args.argc) return fail(ctx, ERR_SYNTAX);
    const value = args.text(i + 1);
    if (args.is(i, "id")) {
      const id = args.int(i + 1);
      if (id === null || id < 1) return fail(ctx, "ERR client-id should be greater than 0");
      filter.id = id;
    } else if (args.is(i, "type")) {
      const type = clientTypeNamed(value);
      if (!type) return fail(ctx, `ERR Unknown client type '${args.cText(i + 1)}'`);
      filter.type = type;
    } else if (args.is(i, "addr")) {
      filter.addr = value;
    } else if (args.is(i, "laddr")) {
      filter.laddr = value;
    } else if (args.is(i, "user")) {
      if (!userExists(value)) return fail(ctx, `ERR No such user '${args.cText(i + 1)}'`);
      filter.user = value;
    } else if (args.is(i, "skipme")) {
      if (args.is(i + 1, "yes")) filter.skipMe = true;
      else if (args.is(i + 1, "no")) filter.skipMe = false;
      else return fail(ctx, ERR_SYNTAX);
    } else {
      return fail(ctx, ERR_SYNTAX);
    }
  }
  return filter;
}

function killMatching(ctx: CommandContext, f: KillFilter): number {
  let killed = 0;
  for (const client of [...ctx.shard.clients.values()]) {
    if (f.addr !== undefined && client.addr !== f.addr) continue;
    if (f.laddr !== undefined && client.laddr !== f.laddr) continue;
    if (f.type && clientType(client) !== f.type) continue;
    if (f.id !== undefined && client.id !== f.id) continue;
    if (f.user !== undefined && client.user !== f.user) continue;
    if (client === ctx.client && f.skipMe) continue;
    client.kill(); // the caller itself is closed after this reply
    killed++;
  }
  return killed;
}

function kill(ctx: CommandContext): void | Promise<void> {
  const filter = killFilter(ctx);
  if (!filter) return;
  let killed = killMatching(ctx, filter);
  // A shard part answers with its count, whichever form was used.
  if (isShardPart(ctx)) return ctx.out.integer(killed);
  return withOtherShards(ctx, (replies) => {
    for (const reply of replies) killed += replyInteger(reply);
    if (ctx.args.argc !== 3) ctx.out.integer(killed);
    else if (killed === 0) ctx.out.error("ERR No such client");
    else ctx.out.ok();
  });
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked. The client's id names
 * the shard its connection is on, which does the unblocking. */
function unblock(ctx: CommandContext): void | Promise<void> {
  const { args, out, shard } = ctx;
  if (args.argc > 4) return out.error(errSubcommandSyntax(ctx));
  let how: "timeout" | "error" = "timeout";
  if (args.argc === 4) {
    if (args.is(3, "error")) how = "error";
    else if (!args.is(3, "timeout")) {
      return out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  const id = args.int(2);
  if (id === null) return out.error(ERR_NOT_INTEGER);
  const home = id > 0 ? homeShardOf(id, shard.count) : shard.id;
  if (home === shard.id || isShardPart(ctx)) {
    const target = shard.clients.get(id);
    if (!target?.blocked) return out.integer(0);
    target.blocked.unblock(how);
    return out.integer(1);
  }
  return askShards(ctx, [home], copyArgv(args)).then(([reply]) => out.raw(reply));
}

/** CLIENT PAUSE timeout [WRITE|ALL]: Redis checks the mode before the timeout. */
function pause(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 4) return out.error(errSubcommandSyntax(ctx));
  let type: "write" | "all" = "all";
  if (args.argc === 4) {
    if (args.is(3, "write")) type = "write";
    else if (!args.is(3, "all")) return out.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
  }
  const end = timeoutArg(ctx, 2);
  if (end === null) return;
  clientPause.pause(type, end);
  out.ok();
}

function unpause(ctx: CommandContext): void {
  clientPause.unpause();
  ctx.out.ok();
}

/** CLIENT REPLY ON|OFF|SKIP. OFF and SKIP send no reply, as in Redis (the connection drops
 * the replies they silence, see client_state.ts). */
function reply(ctx: CommandContext): void {
  const { args, out } = ctx;
  const m = clientModes(ctx.client);
  if (args.is(2, "on")) {
    m.replyOff = m.skipThis = m.skipNext = false;
    out.ok();
  } else if (args.is(2, "off")) {
    m.replyOff = true;
  } else if (args.is(2, "skip")) {
    if (!m.replyOff) m.skipNext = true;
  } else {
    out.error(ERR_SYNTAX);
  }
}

function noEvict(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (!args.is(2, "on") && !args.is(2, "off")) return out.error(ERR_SYNTAX);
  clientModes(ctx.client).noEvict = args.is(2, "on");
  out.ok();
}

const CLIENT_HELP = [
  "CACHING (YES|NO)",
  "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "UNPAUSE",
  "    Stop the current client pause, resuming traffic.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Suspend all, or just write, clients for <timeout> milliseconds.",
  "REPLY (ON|OFF|SKIP)",
  "    Control the replies sent to the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
  "         [OPTIN] [OPTOUT] [NOLOOP]",
  "    Control server assisted client side caching.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction.",
];

export const clientCommands: CommandRows = {
  client: {
    subcommands: {
      id: { handler: clientId },
      getname: { handler: getName },
      setname: { handler: setName },
      info: { handler: info },
      list: { handler: list },
      kill: { handler: kill },
      unblock: { handler: unblock },
      pause: { handler: pause, fanOut: allOk },
      unpause: { handler: unpause, fanOut: allOk },
      reply: { handler: reply },
      "no-evict": { handler: noEvict },
      help: { handler: (ctx) => writeHelp(ctx, CLIENT_HELP) },
      ...clientTrackingSubcommands,
    },
  },
};
