// Byte-range string commands: APPEND STRLEN GETRANGE (and its old name SUBSTR) SETRANGE.
// The engine does each in place (keeping the TTL); here are Redis's argument checks, their
// order, and the replies.
import type { CommandContext } from "./spec.ts";
import { ERR_NOT_INTEGER, ERR_STRING_TOO_LONG, ERR_WRONGTYPE } from "../protocol/errors.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";

const EMPTY = new Uint8Array(0);

/** Redis's checkStringLength limit: proto-max-bulk-len (the engine also caps at 512 MB). */
function maxStringLength(ctx: CommandContext): number {
  return Number(ctx.shard.config.get("proto-max-bulk-len"));
}

/** A new length from APPEND/SETRANGE, or the engine's refusal (WRONG_TYPE, TOO_LARGE). */
function replyLength(ctx: CommandContext, n: number): void {
  if (n >= 0) ctx.out.integer(n);
  else ctx.out.error(n === WRONG_TYPE ? ERR_WRONGTYPE : ERR_STRING_TOO_LONG);
}

/** APPEND key value: the new length. A missing key is created. */
export function append(ctx: CommandContext): void {
  const n = ctx.shard.keyspace.appendArg(ctx.client.db, ctx.args, 1, 2, maxStringLength(ctx));
  replyLength(ctx, n);
}

export function strlen(ctx: CommandContext): void {
  const n = ctx.shard.keyspace.strLenArg(ctx.client.db, ctx.args, 1);
  if (n >= 0) ctx.out.integer(n);
  else if (n === NOT_FOUND) ctx.out.integer(0);
  else ctx.out.error(ERR_WRONGTYPE);
}

/**
 * GETRANGE key start end (also SUBSTR): inclusive; negative indexes count from the end, both
 * negative with start after end is empty, then both are clamped (the engine applies the rules).
 */
export function getrange(ctx: CommandContext): void {
  const { args, out } = ctx;
  const start = args.int(2);
  const end = args.int(3);
  if (start === null || end === null) return out.error(ERR_NOT_INTEGER);
  const ks = ctx.shard.keyspace;
  const n = ks.getRangeArg(ctx.client.db, args, 1, start, end);
  if (n >= 0) ks.writeBulk(out, n);
  else if (n === NOT_FOUND) out.bulk(EMPTY);
  else out.error(ERR_WRONGTYPE);
}

/**
 * SETRANGE key offset value: the new length. An empty value writes nothing (and creates no
 * key); a negative offset is refused before the key is looked at.
 */
export function setrange(ctx: CommandContext): void {
  const { args, out } = ctx;
  const offset = args.int(2);
  if (offset === null) return out.error(ERR_NOT_INTEGER);
  if (offset < 0) return out.error("ERR offset is out of range");
  const n = ctx.shard.keyspace.setRangeArg(ctx.client.db, args, 1, offset, 3, maxStringLength(ctx));
  replyLength(ctx, n);
}
