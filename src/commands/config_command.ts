// CONFIG GET/SET/RESETSTAT/HELP over the layered ConfigStore (src/config).
import type { CommandRows } from "./spec.ts";

export const configCommands: CommandRows = {};
