// Server family: COMMAND (introspection.ts), TIME, ROLE, LOLWUT, SHUTDOWN, DEBUG (debug.ts)
// and WAIT, with Redis 7.0's replies (server.c, replication.c).
import type { CommandContext, CommandRows } from "./spec.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { log } from "../log.ts";
import { requestPersistence } from "../persistence/shard_status.ts";
import { commandRow } from "./introspection.ts";
import { debug } from "./debug.ts";
import { lolwut } from "./lolwut.ts";
import { timeoutArg } from "./timeout.ts";

/** TIME: [unix seconds, microseconds] as bulk strings. */
function time(ctx: CommandContext): void {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  ctx.out.arrayHeader(2);
  ctx.out.bulkText(String(Math.floor(micros / 1e6)));
  ctx.out.bulkText(String(micros % 1e6));
}

/** ROLE: a master without replicas, at replication offset 0. */
function role(ctx: CommandContext): void {
  const { out } = ctx;
  out.arrayHeader(3);
  out.bulkText("master");
  out.integer(0);
  out.arrayHeader(0);
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. There is no replica to wait for and no
 * shutdown in progress to abort. The coordinator saves first where Redis would (SAVE, or save
 * points configured without NOSAVE); a failed save keeps the server running unless FORCE.
 * On success there is no reply: the connection closes as the server stops.
 */
async function shutdown(ctx: CommandContext): Promise<void> {
  const { args, out } = ctx;
  let nosave = false, save = false, now = false, force = false, abort = false;
  for (let i = 1; i < args.argc; i++) {
    if (args.is(i, "nosave")) nosave = true;
    else if (args.is(i, "save")) save = true;
    else if (args.is(i, "now")) now = true; // there is nothing to wait for anyway
    else if (args.is(i, "force")) force = true;
    else if (args.is(i, "abort")) abort = true;
    else return out.error(ERR_SYNTAX);
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) return out.error(ERR_SYNTAX);
  if (abort) return out.error("ERR No shutdown in progress.");
  log.warning("User requested shutdown...");
  const how = save ? "save" : nosave ? "nosave" : "default";
  const reply = await requestPersistence(ctx.shard, "shutdown", { how });
  if (reply.error !== undefined) {
    if (!force) return out.error(reply.error);
    ctx.shard.requestShutdown(how);
  }
  ctx.client.closeAfterReply = true;
}

/**
 * WAIT numreplicas timeout: no replica ever acknowledges, so the answer is 0: at once when
 * no replica is asked for, else after the timeout (0 = never, until the client goes away).
 */
async function wait(ctx: CommandContext): Promise<void> {
  const { args, out, client } = ctx;
  const wanted = args.int(1);
  if (wanted === null) return out.error(ERR_NOT_INTEGER);
  const end = timeoutArg(ctx, 2);
  if (end === null) return;
  if (wanted > 0) {
    // Checks now and then whether the client was killed meanwhile (it can't read from here).
    while (!client.closeAfterReply && (end === 0 || Date.now() < end)) {
      const left = end === 0 ? 100 : Math.min(100, end - Date.now());
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, left)));
    }
  }
  out.integer(0);
}

export const serverCommands: CommandRows = {
  command: commandRow,
  time: { handler: time },
  role: { handler: role },
  lolwut: { handler: lolwut },
  shutdown: { handler: shutdown },
  // After the connection's earlier commands: DEBUG DIGEST-VALUE or OBJECT asks the key's
  // shard, which must have run the commands forwarded there before it.
  debug: { handler: debug, afterPending: true },
  wait: { handler: wait },
};
