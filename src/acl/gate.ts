// The one place commands are admitted: authentication (NOAUTH) and ACL permissions, called
// by the connection right after a command is resolved, only while the shard's users are not
// `open` (see users.ts). Also authentication itself (AUTH, HELLO AUTH) and the logging of
// denials, as Redis's processCommand and ACLAuthenticateUser do them.
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import type { Client } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";
import { clientInfoLine } from "../commands/client_list.ts";
import { recordRejected } from "../server/info_stats.ts";
import { aclCommandOf, checkCommand, DENIED_CMD, DENIED_KEY, deniedText } from "./check.ts";
import type { DenialReason } from "./log.ts";
import { latin1 } from "../protocol/bytes.ts";
import type { Args } from "../protocol/args.ts";

export const ERR_NOAUTH = "NOAUTH Authentication required.";
export const ERR_WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

function argvOf(args: Args): Uint8Array[] {
  const argv: Uint8Array[] = [];
  for (let i = 0; i < args.argc; i++) argv.push(args.bytes(i));
  return argv;
}

function argvBytes(args: Args): number {
  let n = 0;
  for (let i = 0; i < args.argc; i++) n += args.length(i);
  return n;
}

/** addACLLogEntry for the command now in ctx.args. */
export function logDenial(
  ctx: CommandContext,
  reason: DenialReason,
  object: string,
  username = ctx.client.user,
): void {
  const now = Date.now();
  ctx.shard.acl.log.add({
    count: 1,
    reason,
    context: ctx.client.transaction !== null ? "multi" : "toplevel",
    object,
    username,
    ctime: now,
    clientInfo: clientInfoLine(ctx.client, now, argvBytes(ctx.args)),
  });
}

/**
 * The error to reply when the client may not run `spec` now, or null: not yet authenticated
 * (NOAUTH), or its user lacks the permission (NOPERM, logged). `inExec`: a queued command
 * checked again as EXEC runs it (the rules may have changed meanwhile).
 */
export function commandRefused(
  ctx: CommandContext,
  spec: CommandSpec,
  inExec = false,
): string | null {
  const { client, shard, args } = ctx;
  const acl = shard.acl;
  const cmd = aclCommandOf(spec);
  if (!inExec && !client.authenticated && acl.authRequired() && !cmd.noAuth) {
    client.lastCommand = spec.name;
    recordRejected(shard, spec.name);
    return ERR_NOAUTH;
  }
  const user = acl.get(client.user);
  const argv = argvOf(args);
  const denial = user
    ? checkCommand(user, cmd, argv)
    : { reason: DENIED_CMD as typeof DENIED_CMD, index: 0 };
  if (!denial) return null;
  if (!inExec) client.lastCommand = spec.name;
  const reason = denial.reason === DENIED_CMD
    ? "command"
    : denial.reason === DENIED_KEY
    ? "key"
    : "channel";
  logDenial(ctx, reason, reason === "command" ? cmd.fullName : latin1(argv[denial.index]));
  if (inExec) return ERR_ACL_CHANGED + EXEC_DENIAL_REASONS[reason];
  recordRejected(shard, spec.name);
  return deniedText(denial, cmd);
}

/** execCommand's text for a queued command the user may no longer run. */
const ERR_ACL_CHANGED = "NOPERM ACLs rules changed between the moment the transaction was " +
  "accumulated and the EXEC call. This command is no longer allowed for the following reason: ";
const EXEC_DENIAL_REASONS = {
  command: "no permission to execute the command or subcommand",
  key: "no permission to touch the specified keys",
  channel: "no permission to access one of the channels used as arguments",
};

/** ACLAuthenticateUser: on success the client becomes `username`; else the failure is logged. */
export function authenticate(ctx: CommandContext, username: string, password: string): boolean {
  const user = ctx.shard.acl.get(username);
  if (user?.accepts(password)) {
    ctx.client.authenticated = true;
    ctx.client.user = username;
    return true;
  }
  logDenial(ctx, "auth", latin1(ctx.args.bytes(0)), username);
  return false;
}

/** Redis 7.0's protected mode text (clientAcceptHandler), sent before closing. */
export const ERR_DENIED_PROTECTED = "DENIED Redis is running in protected mode because " +
  "protected mode is enabled and no password is set for the default user. In this mode " +
  "connections are only accepted from the loopback interface. If you want to connect from " +
  "external computers to Redis you may adopt one of the following solutions: 1) Just disable " +
  "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback " +
  "interface by connecting to Redis from the same host the server is running, however MAKE " +
  "SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to " +
  "make this change permanent. 2) Alternatively you can just disable the protected mode by " +
  "editing the Redis configuration file, and setting the protected mode option to 'no', and " +
  "then restarting the server. 3) If you started the server manually just for testing, " +
  "restart it with the '--protected-mode no' option. 4) Setup a an authentication password " +
  "for the default user. NOTE: You only need to do one of the above things in order for the " +
  "server to start accepting connections from the outside.";

/** connIsLocal: 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "::1" || /^(::ffff:)?127\./.test(h);
}

/** Protected mode refuses this new client (Redis 7.0: protected-mode yes, the default user
 * has no password, and the client is not on a loopback address). */
export function protectedModeRefuses(
  protectedMode: boolean,
  defaultNoPass: boolean,
  remoteHost: string,
): boolean {
  return protectedMode && defaultNoPass && !isLoopback(remoteHost);
}

/** A new connection starts authenticated when the default user needs no password. */
export function admitClient(shard: Shard, client: Client): void {
  client.authenticated = !shard.acl.authRequired();
}
