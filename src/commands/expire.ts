// Expiry family: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST (Redis's expire.c).
import type { CommandRows } from "./spec.ts";

export const expireCommands: CommandRows = {};
