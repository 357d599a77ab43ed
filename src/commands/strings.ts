// String family: GET SET INCR INCRBY DECR DECRBY (Redis's t_string.c). The values live in
// the shard's Wasm keyspace; these handlers parse options and encode replies.
import type { CommandContext, CommandRows } from "./spec.ts";
import {
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  errExpireTime,
} from "../protocol/errors.ts";
import {
  CONDITION,
  NOT_FOUND,
  OVERFLOW,
  SET_GET,
  SET_KEEPTTL,
  SET_NX,
  SET_XX,
  WRONG_TYPE,
} from "../engine/keyspace.ts";
import { latin1 } from "../protocol/bytes.ts";

export function get(ctx: CommandContext): void {
  const { out } = ctx;
  const value = ctx.shard.keyspace.getString(ctx.client.db, ctx.args.bytes(1));
  if (typeof value !== "number") out.bulk(value);
  else if (value === NOT_FOUND) out.nullBulk();
  else out.error(ERR_WRONGTYPE);
}

// SET option bits beyond the engine's flags: which expiry form was given.
const OPT_EX = 16, OPT_PX = 32, OPT_EXAT = 64, OPT_PXAT = 128;
const ANY_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
export function set(ctx: CommandContext): void {
  const { args, out } = ctx;
  let flags = 0;
  let expireArg = -1;
  // Redis's parseExtendedStringArgumentsOrReply: each option is accepted only when it does
  // not conflict with one already seen; anything else is a syntax error.
  for (let j = 3; j < args.argc; j++) {
    const hasNext = j < args.argc - 1;
    if (args.is(j, "nx") && !(flags & SET_XX)) flags |= SET_NX;
    else if (args.is(j, "xx") && !(flags & SET_NX)) flags |= SET_XX;
    else if (args.is(j, "get")) flags |= SET_GET;
    else if (args.is(j, "keepttl") && !(flags & ANY_EXPIRE)) flags |= SET_KEEPTTL;
    else {
      // Redis lets an expiry option repeat (the last wins) but not mix with another form.
      const option = expireOption(args, j);
      if (option === 0 || !hasNext || (flags & (SET_KEEPTTL | (ANY_EXPIRE & ~option)))) {
        return out.error(ERR_SYNTAX);
      }
      flags |= option;
      expireArg = ++j;
    }
  }
  let expireAt = 0;
  if (expireArg > 0) {
    const n = args.int(expireArg);
    if (n === null) return out.error(ERR_NOT_INTEGER);
    const seconds = (flags & (OPT_EX | OPT_EXAT)) !== 0;
    if (n <= 0 || (seconds && n > 9223372036854775807 / 1000)) return out.error(errExpireTime("set"));
    expireAt = seconds ? n * 1000 : n;
    if (flags & (OPT_EX | OPT_PX)) expireAt += Date.now();
    if (expireAt > 9223372036854775807) return out.error(errExpireTime("set")); // C overflow
  }
  const ks = ctx.shard.keyspace;
  const status = ks.setString(ctx.client.db, args.bytes(1), args.bytes(2), expireAt, flags & 15);
  if (flags & SET_GET) {
    const old = ks.lastOld();
    if (old === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    if (old === NOT_FOUND) out.nullBulk();
    else if (typeof old !== "number") out.bulk(old);
    return;
  }
  if (status === CONDITION) out.nullBulk();
  else out.ok();
}

/** The expiry option at j (EX/PX/EXAT/PXAT) as its OPT_ bit, or 0. */
function expireOption(args: CommandContext["args"], j: number): number {
  if (args.is(j, "ex")) return OPT_EX;
  if (args.is(j, "px")) return OPT_PX;
  if (args.is(j, "exat")) return OPT_EXAT;
  if (args.is(j, "pxat")) return OPT_PXAT;
  return 0;
}

const ONE = new Uint8Array([0x31]);
const MINUS_ONE = new Uint8Array([0x2d, 0x31]);

/** INCR, DECR, INCRBY, DECRBY share one path: the engine adds a decimal increment. */
function incrementBy(ctx: CommandContext, delta: Uint8Array): void {
  const { out } = ctx;
  const result = ctx.shard.keyspace.incrBy(ctx.client.db, ctx.args.bytes(1), delta);
  if (typeof result !== "number") return out.integerDigits(result);
  out.error(result === WRONG_TYPE ? ERR_WRONGTYPE : result === OVERFLOW ? ERR_OVERFLOW : ERR_NOT_INTEGER);
}

export function incr(ctx: CommandContext): void {
  incrementBy(ctx, ONE);
}

export function decr(ctx: CommandContext): void {
  incrementBy(ctx, MINUS_ONE);
}

export function incrby(ctx: CommandContext): void {
  if (ctx.args.int(2) === null) return ctx.out.error(ERR_NOT_INTEGER);
  incrementBy(ctx, ctx.args.bytes(2));
}

export function decrby(ctx: CommandContext): void {
  const { args, out } = ctx;
  const n = args.int(2);
  if (n === null) return out.error(ERR_NOT_INTEGER);
  const text = args.bytes(2);
  if (latin1(text) === "-9223372036854775808") {
    return out.error("ERR decrement would overflow");
  }
  incrementBy(ctx, negateDecimal(text));
}

/** The decimal text of -n, for DECRBY's increment (n is a valid string2ll number). */
function negateDecimal(text: Uint8Array): Uint8Array {
  if (text.length === 1 && text[0] === 0x30) return text;
  if (text[0] === 0x2d) return text.subarray(1);
  const neg = new Uint8Array(text.length + 1);
  neg[0] = 0x2d;
  neg.set(text, 1);
  return neg;
}

export const stringCommands: CommandRows = {
  get: { handler: get },
  set: { handler: set },
  incr: { handler: incr },
  decr: { handler: decr },
  incrby: { handler: incrby },
  decrby: { handler: decrby },
};
