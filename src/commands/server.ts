// Server family: COMMAND and its subcommands, replayed from Redis's metadata.
import type { CommandContext, CommandRows } from "./spec.ts";
import { allCommands } from "./registry.ts";

function commandCountHandler(ctx: CommandContext): void {
  ctx.out.integer(allCommands().length);
}

export const serverCommands: CommandRows = {
  command: {
    subcommands: {
      count: { handler: commandCountHandler },
    },
  },
};
