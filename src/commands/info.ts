// INFO, aggregated over every shard (Redis's server.c genRedisInfoString).
import type { CommandRows } from "./spec.ts";

export const infoCommands: CommandRows = {};
