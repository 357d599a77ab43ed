// Generic keyspace family: DEL EXISTS (Redis's db.c). Multi-key commands here run per shard
// on that shard's keys; the router adds the per-shard counts ("sum" in the table).
import type { CommandContext, CommandRows } from "./spec.ts";
import { allOk, sumIntegers } from "../server/multishard.ts";
import { ERR_SYNTAX } from "../protocol/errors.ts";

export function del(ctx: CommandContext): void {
  const { args, client, shard } = ctx;
  let deleted = 0;
  for (let i = 1; i < args.argc; i++) if (shard.keyspace.delete(client.db, args.bytes(i))) deleted++;
  ctx.out.integer(deleted);
}

export function exists(ctx: CommandContext): void {
  const { args, client, shard } = ctx;
  let found = 0;
  for (let i = 1; i < args.argc; i++) if (shard.keyspace.exists(client.db, args.bytes(i))) found++;
  ctx.out.integer(found);
}

/** FLUSHALL/FLUSHDB take an optional SYNC or ASYNC (both flush at once here). */
function flushModeValid(ctx: CommandContext): boolean {
  const { args } = ctx;
  if (args.argc > 2 || (args.argc === 2 && !args.is(1, "sync") && !args.is(1, "async"))) {
    ctx.out.error(ERR_SYNTAX);
    return false;
  }
  return true;
}

export function flushall(ctx: CommandContext): void {
  if (!flushModeValid(ctx)) return;
  for (let db = 0; db < ctx.shard.databases; db++) ctx.shard.keyspace.flush(db);
  ctx.out.ok();
}

export function flushdb(ctx: CommandContext): void {
  if (!flushModeValid(ctx)) return;
  ctx.shard.keyspace.flush(ctx.client.db);
  ctx.out.ok();
}

export function dbsize(ctx: CommandContext): void {
  ctx.out.integer(ctx.shard.keyspace.dbSize(ctx.client.db));
}

export const keyCommands: CommandRows = {
  del: { handler: del, splitByKey: { combine: sumIntegers } },
  exists: { handler: exists, splitByKey: { combine: sumIntegers } },
  flushall: { handler: flushall, fanOut: allOk },
  flushdb: { handler: flushdb, fanOut: allOk },
  dbsize: { handler: dbsize, fanOut: sumIntegers },
};
