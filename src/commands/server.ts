// Server family: COMMAND and its subcommands, generated from the command table.
import type { CommandContext } from "./spec.ts";
import { commandCount } from "./table.ts";

export function commandCountHandler(ctx: CommandContext): void {
  ctx.out.integer(commandCount());
}
