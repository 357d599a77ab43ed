// Connection family: PING ECHO HELLO QUIT SELECT RESET (Redis's server.c / networking.c).
import type { CommandContext, CommandRows } from "./spec.ts";
import { ERR_DB_INDEX, errArity } from "../protocol/errors.ts";
import { intArg } from "./keys_common.ts";
import { REDIS_COMPAT_VERSION } from "../version.ts";
import { authenticate, ERR_WRONGPASS } from "../acl/gate.ts";
import { latin1 } from "../protocol/bytes.ts";

const ERR_HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, " +
  "otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and " +
  "select the RESP protocol version at the same time";

export function ping(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc > 2) return out.error(errArity("ping"));
  if (ctx.client.subscriptions !== 0 && ctx.client.resp === 2) {
    // Subscribed RESP2 clients get a push-shaped reply (Redis's pingCommand).
    out.arrayHeader(2);
    out.bulkText("pong");
    return args.argc === 1 ? out.bulkText("") : out.bulk(args.bytes(1));
  }
  if (args.argc === 1) out.simple("PONG");
  else out.bulk(args.bytes(1));
}

export function echo(ctx: CommandContext): void {
  ctx.out.bulk(ctx.args.bytes(1));
}

export function quit(ctx: CommandContext): void {
  ctx.out.ok();
  ctx.client.closeAfterReply = true;
}

export function select(ctx: CommandContext): void {
  const { out, client, shard } = ctx;
  const db = intArg(ctx, 1); // getIntFromObjectOrReply's two errors
  if (db === null) return;
  if (db < 0 || db >= shard.databases) return out.error(ERR_DB_INDEX);
  client.db = db;
  out.ok();
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] (networking.c helloCommand). */
export function hello(ctx: CommandContext): void {
  const { args, out, client } = ctx;
  let version = 0;
  if (args.argc >= 2) {
    const v = args.int(1);
    if (v === null) return out.error("ERR Protocol version is not an integer or out of range");
    if (v < 2 || v > 3) return out.error("NOPROTO unsupported protocol version");
    version = v;
  }
  let clientName: Uint8Array | null = null;
  let authAt = 0;
  for (let j = 2; j < args.argc; j++) {
    const more = args.argc - 1 - j;
    if (args.is(j, "auth") && more >= 2) {
      authAt = j;
      j += 2;
    } else if (args.is(j, "setname") && more > 0) {
      clientName = args.bytes(j + 1);
      const problem = validateClientName(clientName);
      if (problem) return out.error(problem);
      j++;
    } else {
      return out.error(`ERR Syntax error in HELLO option '${args.cText(j)}'`);
    }
  }
  if (
    authAt && !authenticate(ctx, latin1(args.bytes(authAt + 1)), latin1(args.bytes(authAt + 2)))
  ) {
    return out.error(ERR_WRONGPASS);
  }
  if (!client.authenticated) return out.error(ERR_HELLO_NOAUTH);
  if (clientName) client.name = clientName.length ? clientName.slice() : null;
  if (version) {
    client.resp = version as 2 | 3;
    out.resp = client.resp;
  }
  out.mapHeader(7);
  out.bulkText("server");
  out.bulkText("ironcache"); // the one deliberate difference: docs/compatibility.md
  out.bulkText("version");
  out.bulkText(REDIS_COMPAT_VERSION);
  out.bulkText("proto");
  out.integer(client.resp);
  out.bulkText("id");
  out.integer(client.id);
  out.bulkText("mode");
  out.bulkText("standalone");
  out.bulkText("role");
  out.bulkText("master");
  out.bulkText("modules");
  out.arrayHeader(0);
}

/** Redis: client names cannot contain spaces, newlines or special characters. */
export function validateClientName(name: Uint8Array): string | null {
  for (const c of name) {
    if (c < 33 || c > 126) {
      return "ERR Client names cannot contain spaces, newlines or special characters.";
    }
  }
  return null;
}

export const connectionCommands: CommandRows = {
  ping: { handler: ping },
  echo: { handler: echo },
  hello: { handler: hello },
  quit: { handler: quit },
  select: { handler: select },
};
