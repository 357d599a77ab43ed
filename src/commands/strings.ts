// String family (Redis's t_string.c): the GET/SET variants live here, the rest in
// strings_*.ts; `stringCommands` below is the family's whole table. Values live in the
// shard's Wasm keyspace; handlers parse options and encode replies.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import { ERR_STRING_TOO_LONG, ERR_WRONGTYPE } from "../protocol/errors.ts";
import { CONDITION, type ExpireTime, NOT_FOUND, TOO_LARGE } from "../engine/keyspace.ts";
import {
  ENGINE_SET_FLAGS,
  expireAtMs,
  OPT_EX,
  OPT_GET,
  OPT_NX,
  OPT_PERSIST,
  OPT_PX,
  parseExtendedStringArguments,
} from "./strings_options.ts";
import { decr, decrby, incr, incrby, incrbyfloat } from "./strings_numeric.ts";
import { append, getrange, setrange, strlen } from "./strings_range.ts";
import { mget, mset, msetAcrossShards, msetnx, msetnxAcrossShards } from "./strings_multi.ts";
import { lcs, lcsAcrossShards } from "./strings_lcs.ts";
import { arraysInKeyOrder } from "../server/multishard.ts";

/**
 * Replies with a string the engine just read (the result of getStringArg / lastOldLength):
 * its bytes when `n` is a length, a null for NOT_FOUND, else WRONGTYPE.
 */
function replyStringResult(ctx: CommandContext, n: number): void {
  if (n >= 0) ctx.shard.keyspace.writeBulk(ctx.out, n);
  else if (n === NOT_FOUND) ctx.out.nullBulk();
  else ctx.out.error(ERR_WRONGTYPE);
}

export function get(ctx: CommandContext): void {
  replyStringResult(ctx, ctx.shard.keyspace.getStringArg(ctx.client.db, ctx.args, 1));
}

/** How a SET variant answers when it stored the value, and when NX/XX stopped it. */
interface SetReplies {
  stored(out: ReplyWriter): void;
  notStored(out: ReplyWriter): void;
}

const OK_OR_NULL: SetReplies = { stored: (out) => out.ok(), notStored: (out) => out.nullBulk() };
const ONE_OR_ZERO: SetReplies = {
  stored: (out) => out.integer(1),
  notStored: (out) => out.integer(0),
};

/**
 * Redis's setGenericCommand once the options are known: store argument `valueArg` under
 * argument 1 (expireAt 0 = no TTL). With GET the reply is the old value (or WRONGTYPE, and
 * nothing is stored), else `replies` says how to answer.
 */
function setGeneric(
  ctx: CommandContext,
  valueArg: number,
  flags: number,
  expireAt: ExpireTime,
  replies: SetReplies,
): void {
  const { out } = ctx;
  const ks = ctx.shard.keyspace;
  const status = ks.setStringArg(
    ctx.client.db,
    ctx.args,
    1,
    valueArg,
    expireAt,
    flags & ENGINE_SET_FLAGS,
  );
  if (status === TOO_LARGE) return out.error(ERR_STRING_TOO_LONG);
  if (flags & OPT_GET) return replyStringResult(ctx, ks.lastOldLength());
  if (status === CONDITION) replies.notStored(out);
  else replies.stored(out);
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
export function set(ctx: CommandContext): void {
  const { args, out } = ctx;
  if (args.argc === 3) {
    // Plain SET key value, the common case: no options to parse, and only TOO_LARGE can stop it.
    const status = ctx.shard.keyspace.setStringArg(ctx.client.db, args, 1, 2, 0, 0);
    if (status === TOO_LARGE) out.error(ERR_STRING_TOO_LONG);
    else out.ok();
    return;
  }
  const options = parseExtendedStringArguments(args, "set", out);
  if (!options) return;
  const { flags, expireArg } = options;
  let expireAt: ExpireTime = 0;
  if (expireArg > 0) {
    const at = expireAtMs(args, expireArg, flags, ctx.spec.name, out);
    if (at === null) return;
    expireAt = at;
  }
  setGeneric(ctx, 2, flags, expireAt, OK_OR_NULL);
}

export function setnx(ctx: CommandContext): void {
  setGeneric(ctx, 2, OPT_NX, 0, ONE_OR_ZERO);
}

/** SETEX key seconds value / PSETEX key ms value: SET with a required relative expiry. */
function setWithExpiry(expireFlag: number) {
  return (ctx: CommandContext): void => {
    const at = expireAtMs(ctx.args, 2, expireFlag, ctx.spec.name, ctx.out);
    if (at !== null) setGeneric(ctx, 3, expireFlag, at, OK_OR_NULL);
  };
}

export const setex = setWithExpiry(OPT_EX);
export const psetex = setWithExpiry(OPT_PX);

/** GETSET is SET ... GET: the old value, and any TTL is dropped. */
export function getset(ctx: CommandContext): void {
  setGeneric(ctx, 2, OPT_GET, 0, OK_OR_NULL);
}

export function getdel(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  const n = ks.getStringArg(ctx.client.db, ctx.args, 1);
  replyStringResult(ctx, n);
  if (n >= 0) ks.deleteArg(ctx.client.db, ctx.args, 1);
}

/** GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]: GET, then change the TTL. */
export function getex(ctx: CommandContext): void {
  const { args, out } = ctx;
  const options = parseExtendedStringArguments(args, "get", out);
  if (!options) return;
  const { flags, expireArg } = options;
  const ks = ctx.shard.keyspace;
  const db = ctx.client.db;
  const n = ks.getStringArg(db, args, 1);
  // Redis answers a missing key (or another type) before looking at the expiry value.
  if (n < 0) return replyStringResult(ctx, n);
  let expireAt: ExpireTime = 0;
  if (expireArg > 0) {
    const at = expireAtMs(args, expireArg, flags, ctx.spec.name, out);
    if (at === null) return;
    expireAt = at;
  }
  ks.writeBulk(out, n); // before the TTL change: the value is readable until the next engine call
  // A time already past (EXAT/PXAT) deletes the key, as Redis does.
  if (expireArg > 0) ks.setExpireArg(db, args, 1, expireAt);
  else if (flags & OPT_PERSIST) ks.persistArg(db, args, 1);
}

export const stringCommands: CommandRows = {
  get: { handler: get },
  set: { handler: set },
  setnx: { handler: setnx },
  setex: { handler: setex },
  psetex: { handler: psetex },
  getset: { handler: getset },
  getdel: { handler: getdel },
  getex: { handler: getex },
  incr: { handler: incr },
  decr: { handler: decr },
  incrby: { handler: incrby },
  decrby: { handler: decrby },
  incrbyfloat: { handler: incrbyfloat },
  append: { handler: append },
  strlen: { handler: strlen },
  getrange: { handler: getrange },
  substr: { handler: getrange },
  setrange: { handler: setrange },
  mget: { handler: mget, splitByKey: { combine: arraysInKeyOrder } },
  mset: { handler: mset, acrossShards: msetAcrossShards },
  msetnx: { handler: msetnx, acrossShards: msetnxAcrossShards },
  lcs: { handler: lcs, acrossShards: lcsAcrossShards },
};
