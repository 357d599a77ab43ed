// MONITOR (Redis 7.0's monitorCommand): the client becomes a monitor (src/server/monitor.ts)
// until RESET or the connection ends. A second MONITOR is ignored without a reply, as Redis
// ignores it for a client that already is a replica or monitor.
import type { CommandContext, CommandRows } from "./spec.ts";
import { isMonitor, monitorsOf } from "../server/monitor.ts";
import { onClientReset } from "./reset.ts";

onClientReset((client, shard) => monitorsOf(shard).remove(client));

function monitor(ctx: CommandContext): void {
  // Redis refuses clients that expect one reply per command (CLIENT_DENY_BLOCKING: EXEC).
  if (ctx.client.inTransaction) {
    return ctx.out.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  }
  if (isMonitor(ctx.client)) return;
  monitorsOf(ctx.shard).add(ctx.client);
  ctx.out.ok();
}

export const monitorCommands: CommandRows = {
  monitor: { handler: monitor },
};
