// BGREWRITEAOF (the AOF itself: src/persistence/aof/).
import type { CommandContext, CommandRows } from "./spec.ts";
import { shardAofOf } from "../persistence/aof/registry.ts";

function bgrewriteaof(ctx: CommandContext): void {
  const aof = shardAofOf(ctx.shard);
  if (!aof) return ctx.out.error("ERR Background append only file rewriting is not available");
  // Run by the coordinating shard under every shard's lock: this shard's part of the base.
  if (ctx.client.internal) {
    aof.snapshotPart();
    return ctx.out.ok();
  }
  if (aof.startRewrite() === "in-progress") {
    return ctx.out.error("ERR Background append only file rewriting already in progress");
  }
  ctx.out.simple("Background append only file rewriting started");
}

export const aofCommands: CommandRows = {
  bgrewriteaof: { handler: bgrewriteaof },
};
