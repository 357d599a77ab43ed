// Numeric string commands: INCR DECR INCRBY DECRBY (64-bit integers, done by the engine in
// place) and INCRBYFLOAT (C long double arithmetic, emulated in long_double.ts).
import type { CommandContext, Handler } from "./spec.ts";
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_WRONGTYPE } from "../protocol/errors.ts";
import {
  DECREMENT_OVERFLOW,
  OVERFLOW,
  SET_KEEP_TEXT,
  SET_KEEPTTL,
  WRONG_TYPE,
} from "../engine/keyspace.ts";
import { asciiBytes } from "../protocol/bytes.ts";
import {
  addLongDouble,
  formatLongDoubleHuman,
  type LongDouble,
  parseLongDouble,
} from "./long_double.ts";

/** The engine's failure codes for incrBy, as Redis's replies. */
function incrementError(status: number): string {
  switch (status) {
    case WRONG_TYPE:
      return ERR_WRONGTYPE;
    case OVERFLOW:
      return ERR_OVERFLOW;
    case DECREMENT_OVERFLOW:
      return "ERR decrement would overflow";
    default:
      return ERR_NOT_INTEGER;
  }
}

/**
 * INCR, DECR, INCRBY and DECRBY: the engine adds the increment (argument 2, or 1) to the
 * integer at the key, negated for the DECR forms, and formats the result. It checks in
 * Redis's order: the increment, DECRBY's -2^63, the key's type, the stored value, overflow.
 */
function increment(negate: boolean, byArgument: boolean): Handler {
  return (ctx: CommandContext): void => {
    const ks = ctx.shard.keyspace;
    const db = ctx.client.db;
    const digits = byArgument
      ? ks.incrByArg(db, ctx.args, 1, 2, negate)
      : ks.incrByNumberArg(db, ctx.args, 1, negate ? -1 : 1);
    if (digits >= 0) ks.writeInteger(ctx.out, digits);
    else ctx.out.error(incrementError(digits));
  };
}

export const incr = increment(false, false);
export const decr = increment(true, false);
export const incrby = increment(false, true);
export const decrby = increment(true, true);

const ZERO: LongDouble = { finite: true, negative: false, mantissa: 0n, exponent: 0 };

/** INCRBYFLOAT key increment: stores and returns the sum as Redis prints a long double. */
export function incrbyfloat(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  const db = ctx.client.db;
  const current = ks.getString(db, args.bytes(1));
  if (current === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  const value = typeof current === "number" ? ZERO : parseLongDouble(current); // missing: 0
  const incrementBy = value && parseLongDouble(args.bytes(2));
  if (!value || !incrementBy) return out.error(ERR_NOT_FLOAT);
  const sum = addLongDouble(value, incrementBy);
  if (!sum.finite) return out.error("ERR increment would produce NaN or Infinity");
  const text = asciiBytes(formatLongDoubleHuman(sum));
  // Redis overwrites the value keeping the TTL, as a plain string (never the int encoding).
  ks.setString(db, args.bytes(1), text, 0, SET_KEEPTTL | SET_KEEP_TEXT);
  out.bulk(text);
}
