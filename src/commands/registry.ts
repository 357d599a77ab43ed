// The built command table, for the few handlers that describe the table itself (COMMAND,
// ACL CAT...). table.ts fills it; family modules read it here, so they never import
// table.ts (which imports them).
import type { CommandSpec } from "./spec.ts";

let commands: readonly CommandSpec[] = [];

export function registerCommands(all: readonly CommandSpec[]): void {
  commands = all;
}

export function allCommands(): readonly CommandSpec[] {
  return commands;
}
