// Generic keyspace family: DEL EXISTS (Redis's db.c). Multi-key commands here run per shard
// on that shard's keys; the router adds the per-shard counts ("sum" in the table).
import type { CommandContext, CommandRows } from "./spec.ts";
import { sumIntegers } from "../server/multishard.ts";

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

export const keyCommands: CommandRows = {
  del: { handler: del, splitByKey: { combine: sumIntegers } },
  exists: { handler: exists, splitByKey: { combine: sumIntegers } },
};
