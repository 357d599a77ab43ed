// Persistence family: SAVE, BGSAVE [SCHEDULE], LASTSAVE (Redis's rdb.c). The main thread's
// coordinator (src/persistence/coordinator.ts) runs saves for the whole server; these
// handlers ask it and reply what it answers.
import type { CommandContext, CommandRows } from "./spec.ts";
import { ERR_SYNTAX } from "../protocol/errors.ts";
import type { PersistOp, PersistOptions } from "../persistence/messages.ts";
import {
  persistStatus,
  requestPersistence,
  startSnapshotWalk,
} from "../persistence/shard_status.ts";

/** Runs `op` on the coordinator and replies its answer (`ok`: the reply when it has none). */
export async function replyPersistence(
  ctx: CommandContext,
  op: PersistOp,
  options: PersistOptions = {},
): Promise<void> {
  const locksHeld = (ctx.cross?.heldBy() ?? null) !== null; // inside an EXEC across shards
  const reply = await requestPersistence(
    ctx.shard,
    op,
    locksHeld ? { ...options, locksHeld } : options,
  );
  if (reply.error !== undefined) ctx.out.error(reply.error);
  else if (reply.status !== undefined) ctx.out.simple(reply.status);
  else ctx.out.ok();
}

function save(ctx: CommandContext): Promise<void> {
  return replyPersistence(ctx, "save");
}

function bgsave(ctx: CommandContext): void | Promise<void> {
  // Run by shard 0 on every shard under their locks: this shard's walk of snapshot `id`.
  if (ctx.client.internal && ctx.args.argc === 2 && !ctx.args.is(1, "schedule")) {
    startSnapshotWalk(ctx.shard, Number(ctx.args.text(1)));
    return ctx.out.ok();
  }
  if (ctx.args.argc > 1 && !(ctx.args.argc === 2 && ctx.args.is(1, "schedule"))) {
    return ctx.out.error(ERR_SYNTAX);
  }
  return replyPersistence(ctx, ctx.args.argc === 2 ? "bgsave-schedule" : "bgsave");
}

function lastsave(ctx: CommandContext): void {
  ctx.out.integer(persistStatus(ctx.shard).lastSave);
}

export const persistenceCommands: CommandRows = {
  save: { handler: save },
  bgsave: { handler: bgsave },
  lastsave: { handler: lastsave },
};
