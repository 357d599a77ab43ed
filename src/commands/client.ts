// CLIENT family: ID GETNAME SETNAME SETINFO INFO LIST KILL PAUSE UNPAUSE REPLY NO-EVICT NO-TOUCH (Redis's networking.c).
import type { CommandRows } from "./spec.ts";

export const clientCommands: CommandRows = {};
