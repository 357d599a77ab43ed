// What the generic key commands share: an up-to-date expiry clock, Redis's type names, DB
// index arguments, and reading other shards' replies.
import {
  type Keyspace,
  TYPE_HASH,
  TYPE_LIST,
  TYPE_SET,
  TYPE_STRING,
  TYPE_ZSET,
} from "../engine/keyspace.ts";
import type { CommandContext } from "./spec.ts";
import { ERR_DB_INDEX, ERR_NOT_INTEGER } from "../protocol/errors.ts";
import { latin1 } from "../protocol/bytes.ts";

export const ERR_NO_SUCH_KEY = "ERR no such key";
export const ERR_SAME_OBJECT = "ERR source and destination objects are the same";

/**
 * Sets the engine's expiry clock to now and returns it, so a command that ran after a wait
 * does not see an expired key, and EXPIRE's base time agrees with the engine's "already
 * expired" test. The LRU/LFU clocks stay at the batch's reading, as Redis's cached ones do.
 */
export function refreshClock(ks: Keyspace): number {
  const now = Date.now();
  ks.setExpiryClock(now);
  return now;
}

/** The type stream objects will have (the next object type after hash). */
export const TYPE_STREAM = 5;

const TYPE_NAMES: Record<number, string> = {
  [TYPE_STRING]: "string",
  [TYPE_LIST]: "list",
  [TYPE_SET]: "set",
  [TYPE_ZSET]: "zset",
  [TYPE_HASH]: "hash",
  [TYPE_STREAM]: "stream",
};

/** Redis's name for an engine type code (-1, a missing key, is "none"), as TYPE prints it. */
export function typeName(code: number): string {
  return TYPE_NAMES[code] ?? "none";
}

const INT_MIN = -2147483648, INT_MAX = 2147483647;

/**
 * Argument i as a C int (Redis's getIntFromObjectOrReply), or null after replying the error:
 * `error` if given (SWAPDB's own texts), else Redis's texts for "not a number" and "not an int".
 */
export function intArg(ctx: CommandContext, i: number, error?: string): number | null {
  const n = ctx.args.int(i);
  if (n === null) ctx.out.error(error ?? ERR_NOT_INTEGER);
  else if (n < INT_MIN || n > INT_MAX) {
    ctx.out.error(
      error ?? `ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`,
    );
  } else return n;
  return null;
}

/** Is `db` a database index (Redis's selectDb check)? */
export function dbExists(ctx: CommandContext, db: number): boolean {
  return db >= 0 && db < ctx.shard.databases;
}

/** Argument i as a database index (MOVE, COPY ... DB), or null after replying the error. */
export function dbIndexArg(ctx: CommandContext, i: number): number | null {
  const db = intArg(ctx, i);
  if (db === null) return null;
  if (!dbExists(ctx, db)) {
    ctx.out.error(ERR_DB_INDEX);
    return null;
  }
  return db;
}

// ---- other shards' replies (raw RESP frames) ------------------------------------------------

/** `$-1` (RESP2) or `_` (RESP3). */
export function isNullReply(frame: Uint8Array): boolean {
  return frame[0] === 0x5f || (frame[0] === 0x24 && frame[1] === 0x2d);
}

export function isErrorReply(frame: Uint8Array): boolean {
  return frame[0] === 0x2d;
}

/** The payload of a bulk string frame. */
export function bulkPayload(frame: Uint8Array): Uint8Array {
  return frame.subarray(frame.indexOf(0x0a) + 1, frame.length - 2);
}

/** The value of an integer frame (`:n`). */
export function integerOf(frame: Uint8Array): number {
  return Number(latin1(frame.subarray(1, frame.length - 2)));
}

/** The value of an integer frame, exact whatever its size (an int64 expiry time). */
export function exactIntegerOf(frame: Uint8Array): bigint {
  return BigInt(latin1(frame.subarray(1, frame.length - 2)));
}
