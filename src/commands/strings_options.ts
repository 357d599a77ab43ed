// Option parsing shared by the string commands: Redis's parseExtendedStringArgumentsOrReply
// (SET's and GETEX's NX/XX/GET/KEEPTTL/PERSIST/EX/PX/EXAT/PXAT) and
// getExpireMillisecondsOrReply (SET, SETEX, PSETEX, GETEX), from t_string.c.
import type { Args } from "../protocol/args.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, errExpireTime } from "../protocol/errors.ts";
import {
  type ExpireTime,
  expireTime,
  SET_GET,
  SET_KEEPTTL,
  SET_NX,
  SET_XX,
} from "../engine/keyspace.ts";

// The low bits are the engine's strSet flags, so `flags & ENGINE_SET_FLAGS` goes straight in;
// the others (from bit 8, clear of the engine's) say which expiry form was given.
export const OPT_NX = SET_NX, OPT_XX = SET_XX, OPT_KEEPTTL = SET_KEEPTTL, OPT_GET = SET_GET;
export const ENGINE_SET_FLAGS = SET_NX | SET_XX | SET_KEEPTTL | SET_GET;
export const OPT_EX = 1 << 8,
  OPT_PX = 1 << 9,
  OPT_EXAT = 1 << 10,
  OPT_PXAT = 1 << 11,
  OPT_PERSIST = 1 << 12;
const ANY_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;
/** Expiry given in seconds (EX, EXAT), and relative to now (EX, PX). */
export const IN_SECONDS = OPT_EX | OPT_EXAT;
export const RELATIVE = OPT_EX | OPT_PX;

/** Which command's options: SET's start after the value, GETEX's after the key. */
export type StringCommandType = "set" | "get";

/** The outcome of parseExtendedStringArguments; one object, reused by every call. */
export interface ExtendedStringOptions {
  flags: number;
  /** Index of the EX/PX/EXAT/PXAT argument, or -1. */
  expireArg: number;
}

const parsed: ExtendedStringOptions = { flags: 0, expireArg: -1 };

/** Which expiry option argument j names, as its OPT_ bit, or 0. */
function expireOption(args: Args, j: number): number {
  if (args.is(j, "ex")) return OPT_EX;
  if (args.is(j, "px")) return OPT_PX;
  if (args.is(j, "exat")) return OPT_EXAT;
  if (args.is(j, "pxat")) return OPT_PXAT;
  return 0;
}

/**
 * Redis's parseExtendedStringArgumentsOrReply. Each option is accepted only when it does not
 * conflict with one already seen (an expiry form may repeat, the last one wins); anything
 * else is a syntax error, written to `out` (then null is returned). The result object is
 * shared: read it before the next call.
 */
export function parseExtendedStringArguments(
  args: Args,
  type: StringCommandType,
  out: ReplyWriter,
): ExtendedStringOptions | null {
  const isSet = type === "set";
  let flags = 0;
  let expireArg = -1;
  for (let j = isSet ? 3 : 2; j < args.argc; j++) {
    if (isSet && args.is(j, "nx") && !(flags & OPT_XX)) flags |= OPT_NX;
    else if (isSet && args.is(j, "xx") && !(flags & OPT_NX)) flags |= OPT_XX;
    else if (isSet && args.is(j, "get")) flags |= OPT_GET;
    else if (isSet && args.is(j, "keepttl") && !(flags & ANY_EXPIRE)) flags |= OPT_KEEPTTL;
    else if (!isSet && args.is(j, "persist") && !(flags & ANY_EXPIRE)) flags |= OPT_PERSIST;
    else {
      const option = expireOption(args, j);
      const conflicts = OPT_KEEPTTL | OPT_PERSIST | (ANY_EXPIRE & ~option);
      if (option === 0 || (flags & conflicts) || j === args.argc - 1) {
        out.error(ERR_SYNTAX);
        return null;
      }
      flags |= option;
      expireArg = ++j;
    }
  }
  parsed.flags = flags;
  parsed.expireArg = expireArg;
  return parsed;
}

const LLONG_MAX = 9223372036854775807n;
/** Below this, doubles add exactly (even with the current time added). */
const EXACT_IN_DOUBLES = 2 ** 52;

/**
 * Redis's getExpireMillisecondsOrReply: the expiry at argument i as an absolute Unix time in
 * ms (`flags` says seconds or ms, relative or absolute), or null after replying Redis's error
 * ("invalid expire time in '<command>' command" for <= 0 or a 64-bit overflow).
 */
export function expireAtMs(
  args: Args,
  i: number,
  flags: number,
  command: string,
  out: ReplyWriter,
): ExpireTime | null {
  const n = args.int(i);
  if (n === null) {
    out.error(ERR_NOT_INTEGER);
    return null;
  }
  const seconds = (flags & IN_SECONDS) !== 0;
  const relative = (flags & RELATIVE) !== 0;
  let ms: ExpireTime = -1;
  if (n > 0 && n < EXACT_IN_DOUBLES / 1000) {
    ms = (seconds ? n * 1000 : n) + (relative ? Date.now() : 0);
  } else if (n > 0) ms = exactExpireAt(BigInt(args.text(i)), seconds, relative);
  if (ms <= 0) {
    out.error(errExpireTime(command));
    return null;
  }
  return ms;
}

/** The same in exact 64-bit arithmetic, for values near LLONG_MAX: -1 where C overflows. */
function exactExpireAt(n: bigint, seconds: boolean, relative: boolean): ExpireTime {
  if (seconds && n > LLONG_MAX / 1000n) return -1;
  let ms = seconds ? n * 1000n : n;
  if (relative) ms += BigInt(Date.now());
  return ms > LLONG_MAX ? -1 : expireTime(ms);
}
