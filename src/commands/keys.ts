// Generic keyspace family (Redis's db.c): DEL UNLINK EXISTS TOUCH TYPE DBSIZE FLUSHDB
// FLUSHALL here; KEYS SCAN RANDOMKEY in keys_scan.ts; RENAME RENAMENX COPY MOVE SWAPDB in
// keys_move.ts; OBJECT in keys_object.ts. Multi-key commands run per shard on that shard's
// keys and the shards' counts are added up; keyless ones run on every shard.
import type { CommandContext, CommandRows } from "./spec.ts";
import { allOk, sumIntegers } from "../server/multishard.ts";
import { ERR_SYNTAX } from "../protocol/errors.ts";
import { refreshClock, typeName } from "./keys_common.ts";
import { scanCommands } from "./keys_scan.ts";
import { moveCommands } from "./keys_move.ts";
import { objectCommands } from "./keys_object.ts";
import { atomicallyOnEveryShard, coordinated } from "./every_shard.ts";

/** DEL and UNLINK (values are freed at once either way). */
export function del(ctx: CommandContext): void {
  const { args, client, shard } = ctx;
  refreshClock(shard.keyspace); // an expired key is not counted as deleted
  let deleted = 0;
  for (let i = 1; i < args.argc; i++) {
    if (shard.keyspace.delete(client.db, args.bytes(i))) deleted++;
  }
  ctx.out.integer(deleted);
}

export function exists(ctx: CommandContext): void {
  const { args, client, shard } = ctx;
  refreshClock(shard.keyspace);
  let found = 0;
  // Counted read lookups (Redis's LOOKUP_NOTOUCH): keyspace hits/misses, "keymiss" events.
  for (let i = 1; i < args.argc; i++) {
    if (shard.keyspace.lookupRead(client.db, args.bytes(i)) >= 0) found++;
  }
  ctx.out.integer(found);
}

/** TOUCH: counts the keys that exist and marks them accessed (a read lookup, as Redis's). */
export function touch(ctx: CommandContext): void {
  const { args, client, shard } = ctx;
  const ks = shard.keyspace;
  refreshClock(ks);
  let touched = 0;
  for (let i = 1; i < args.argc; i++) if (ks.touchArg(client.db, args, i)) touched++;
  ctx.out.integer(touched);
}

export function type(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  ctx.out.simple(typeName(ks.lookupRead(ctx.client.db, ctx.args.bytes(1))));
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

/** Keys in the database, expired ones not yet reclaimed included (as Redis counts). */
export function dbsize(ctx: CommandContext): void {
  ctx.out.integer(ctx.shard.keyspace.dbSize(ctx.client.db));
}

export const keyCommands: CommandRows = {
  del: { handler: del, splitByKey: { combine: sumIntegers } },
  unlink: { handler: del, splitByKey: { combine: sumIntegers } },
  exists: { handler: exists, splitByKey: { combine: sumIntegers } },
  touch: { handler: touch, splitByKey: { combine: sumIntegers } },
  type: { handler: type },
  flushall: { handler: flushall, route: coordinated, acrossShards: atomicallyOnEveryShard(allOk) },
  flushdb: { handler: flushdb, route: coordinated, acrossShards: atomicallyOnEveryShard(allOk) },
  dbsize: { handler: dbsize, fanOut: sumIntegers },
  ...scanCommands,
  ...moveCommands,
  ...objectCommands,
};
