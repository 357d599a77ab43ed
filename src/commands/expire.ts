// Expiry family: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
// (Redis's expire.c). Times are int64 milliseconds, as in Redis (the engine stores i64):
// numbers while they are safe integers, BigInt beyond, where Redis's overflow checks run.
import type { CommandContext, CommandRows, Handler } from "./spec.ts";
import {
  EXPIRE_GT,
  EXPIRE_LT,
  EXPIRE_NX,
  EXPIRE_XX,
  type ExpireTime,
  expireTime,
} from "../engine/keyspace.ts";
import { ERR_NOT_INTEGER, errExpireTime } from "../protocol/errors.ts";
import { refreshClock } from "./keys_common.ts";

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** EXPIRE's NX XX GT LT options (Redis's parseExtendedExpireArgumentsOrReply): the EXPIRE_*
 * flags, or null after replying the error. */
function expireFlags(ctx: CommandContext): number | null {
  const { args, out } = ctx;
  let flags = 0;
  for (let j = 3; j < args.argc; j++) {
    if (args.is(j, "nx")) flags |= EXPIRE_NX;
    else if (args.is(j, "xx")) flags |= EXPIRE_XX;
    else if (args.is(j, "gt")) flags |= EXPIRE_GT;
    else if (args.is(j, "lt")) flags |= EXPIRE_LT;
    else {
      out.error(`ERR Unsupported option ${args.cText(j)}`);
      return null;
    }
  }
  if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
    out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return null;
  }
  if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) {
    out.error("ERR GT and LT options at the same time are not compatible");
    return null;
  }
  return flags;
}

/** Below this magnitude, `n * 1000 + now` is exact in a double and cannot overflow int64. */
const SMALL_TIME = 1e12;

/**
 * The absolute expiry in ms for argument `n` (its decimal `text`), or null when Redis calls it
 * invalid: the unit conversion or the base time addition would overflow a C long long.
 */
function absoluteMs(n: number, text: string, unitMs: number, baseMs: number): ExpireTime | null {
  if (n > -SMALL_TIME && n < SMALL_TIME) return n * unitMs + baseMs;
  let when = BigInt(text);
  if (unitMs === 1000) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) return null;
    when *= 1000n;
  }
  if (when > LLONG_MAX - BigInt(baseMs)) return null;
  return expireTime(when + BigInt(baseMs));
}

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT key time [NX|XX|GT|LT]: `unitMs` is the time's unit,
 * `relative` adds the current time. Replies 1 when the TTL was set (or the key deleted because
 * the time has passed), 0 when the key is missing or an option's condition failed.
 */
function expireCommand(unitMs: 1 | 1000, relative: boolean): Handler {
  return (ctx) => {
    const { args, out } = ctx;
    const flags = expireFlags(ctx);
    if (flags === null) return;
    const n = args.int(2);
    if (n === null) return out.error(ERR_NOT_INTEGER);
    const ks = ctx.shard.keyspace;
    const now = refreshClock(ks);
    const at = absoluteMs(n, args.text(2), unitMs, relative ? now : 0);
    if (at === null) return out.error(errExpireTime(ctx.spec.name));
    out.integer(ks.setExpire(ctx.client.db, args.bytes(1), at, flags));
  };
}

/** Below this, `ms + 500` is exact in a double. */
const EXACT_SUM_MAX = 2 ** 52;

/**
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME key: -2 missing, -1 no expiry, else the time left (or the
 * absolute time) in ms or in seconds rounded to the nearest (Redis: (ms + 500) / 1000).
 */
function ttlCommand(inMs: boolean, absolute: boolean): Handler {
  return (ctx) => {
    const ks = ctx.shard.keyspace;
    const now = refreshClock(ks);
    // A counted read lookup, as Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH) ("keymiss").
    const at = ks.expireAt(ctx.client.db, ctx.args.bytes(1), true);
    if (at === -1 || at === -2) return ctx.out.integer(at);
    if (typeof at === "number" && at < EXACT_SUM_MAX) {
      const ms = Math.max(0, absolute ? at : at - now);
      return ctx.out.integer(inMs ? ms : Math.floor((ms + 500) / 1000));
    }
    let ms = absolute ? BigInt(at) : BigInt(at) - BigInt(now);
    if (ms < 0n) ms = 0n;
    ctx.out.integer(inMs ? ms : (ms + 500n) / 1000n); // never negative: / rounds down
  };
}

export function persist(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  ctx.out.integer(ks.persist(ctx.client.db, ctx.args.bytes(1)) ? 1 : 0);
}

const SECONDS = 1000, MILLISECONDS = 1;

export const expireCommands: CommandRows = {
  expire: { handler: expireCommand(SECONDS, true) },
  pexpire: { handler: expireCommand(MILLISECONDS, true) },
  expireat: { handler: expireCommand(SECONDS, false) },
  pexpireat: { handler: expireCommand(MILLISECONDS, false) },
  ttl: { handler: ttlCommand(false, false) },
  pttl: { handler: ttlCommand(true, false) },
  expiretime: { handler: ttlCommand(false, true) },
  pexpiretime: { handler: ttlCommand(true, true) },
  persist: { handler: persist },
};
