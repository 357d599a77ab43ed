// Hash family (Redis's t_hash.c). The hashes live in the shard's Wasm engine (t_hash.ts:
// listpack or hashtable, as Redis encodes them); handlers validate arguments in Redis's order
// and with its texts, and write the replies. Every hash command takes one key, so none spans
// shards.
import type { CommandContext, CommandRows, Handler } from "./spec.ts";
import { Args } from "../protocol/args.ts";
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  errArity,
} from "../protocol/errors.ts";
import { NOT_FOUND, OVERFLOW, TYPE_HASH, WRONG_TYPE } from "../engine/keyspace.ts";
import * as hash from "../engine/hash.ts";
import { asciiBytes } from "../protocol/bytes.ts";
import {
  addLongDouble,
  formatLongDoubleHuman,
  type LongDouble,
  parseLongDouble,
} from "./long_double.ts";
import { parseCursor, scanOptions } from "./keys_scan.ts";
import { stringMatch } from "./glob.ts";

/** Replies WRONGTYPE for that status, else the integer. */
function integerOrWrongType(ctx: CommandContext, n: number): void {
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(n);
}

// ---- writes ------------------------------------------------------------------------------------

/** HSET (the number of fields added) and HMSET (OK): key field value [field value ...]. */
function setFields(replyOk: boolean): Handler {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    if (args.argc % 2 === 1) return out.error(errArity(ctx.spec.name));
    const added = hash.hashSet(ctx.shard.keyspace, ctx.client.db, args, 1, 2, args.argc);
    if (added === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else if (replyOk) out.ok();
    else out.integer(added);
  };
}

function hsetnx(ctx: CommandContext): void {
  integerOrWrongType(ctx, hash.hashSet(ctx.shard.keyspace, ctx.client.db, ctx.args, 1, 2, 4, true));
}

function hdel(ctx: CommandContext): void {
  const { args } = ctx;
  integerOrWrongType(
    ctx,
    hash.hashDelete(ctx.shard.keyspace, ctx.client.db, args, 1, 2, args.argc),
  );
}

function hincrby(ctx: CommandContext): void {
  const { out } = ctx;
  if (ctx.args.int(3) === null) return out.error(ERR_NOT_INTEGER);
  const ks = ctx.shard.keyspace;
  const digits = hash.hashIncrBy(ks, ctx.client.db, ctx.args, 1, 2);
  if (digits >= 0) ks.writeInteger(out, digits);
  else if (digits === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else if (digits === OVERFLOW) out.error(ERR_OVERFLOW);
  else out.error("ERR hash value is not an integer");
}

const ZERO: LongDouble = { finite: true, negative: false, mantissa: 0n, exponent: 0 };

/** HINCRBYFLOAT key field increment: long double arithmetic as INCRBYFLOAT. */
function hincrbyfloat(ctx: CommandContext): void {
  const { args, out } = ctx;
  const increment = parseLongDouble(args.bytes(3));
  if (!increment) return out.error(ERR_NOT_FLOAT);
  if (!increment.finite) return out.error("ERR value is NaN or Infinity");
  const ks = ctx.shard.keyspace, db = ctx.client.db;
  const len = hash.hashGet(ks, db, args, 1, 2, false);
  if (len === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  const at = ks.resultOffset();
  const current = len === NOT_FOUND
    ? ZERO
    : parseLongDouble(ks.memoryBytes().subarray(at, at + len));
  if (!current) return out.error("ERR hash value is not a float");
  const sum = addLongDouble(current, increment);
  if (!sum.finite) return out.error("ERR increment would produce NaN or Infinity");
  const text = asciiBytes(formatLongDoubleHuman(sum));
  hash.hashSetValues(ks, db, args.bytes(1), [args.bytes(2), text]);
  out.bulk(text);
}

// ---- reads --------------------------------------------------------------------------------------

function hget(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  const n = hash.hashGet(ks, ctx.client.db, ctx.args, 1, 2);
  if (n >= 0) ks.writeBulk(ctx.out, n);
  else if (n === NOT_FOUND) ctx.out.nullBulk();
  else ctx.out.error(ERR_WRONGTYPE);
}

function hmget(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  const n = hash.hashMultiGet(ks, ctx.client.db, args, 1, 2, args.argc);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  out.arrayHeader(n);
  ks.replyItems().writeMany(out, n);
}

function hlen(ctx: CommandContext): void {
  integerOrWrongType(ctx, hash.hashLength(ctx.shard.keyspace, ctx.client.db, ctx.args, 1));
}

/** HEXISTS (1 / 0) and HSTRLEN (`strlen`: the value's length). */
function fieldInfo(strlen: boolean): Handler {
  return (ctx: CommandContext): void => {
    integerOrWrongType(
      ctx,
      hash.hashFieldInfo(ctx.shard.keyspace, ctx.client.db, ctx.args, 1, 2, strlen),
    );
  };
}

/** HGETALL (a map), HKEYS and HVALS (arrays). */
function getAll(what: number): Handler {
  const asMap = what === hash.HASH_PAIRS;
  return (ctx: CommandContext): void => {
    const { out } = ctx;
    const ks = ctx.shard.keyspace;
    const n = hash.hashGetAll(ks, ctx.client.db, ctx.args, 1, what);
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    const fields = n === NOT_FOUND ? 0 : n;
    if (asMap) out.mapHeader(fields);
    else out.arrayHeader(fields);
    if (fields > 0) ks.replyItems().writeMany(out, asMap ? 2 * fields : fields);
  };
}

// ---- HRANDFIELD --------------------------------------------------------------------------------

const LONG_MAX = 9223372036854775807n;
/** Picks with repetition per engine call, so a huge negative count streams in chunks. */
const PICKS_PER_CALL = 65536;

/** HRANDFIELD key [count [WITHVALUES]] */
function hrandfield(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace, db = ctx.client.db;
  if (args.argc === 2) {
    const n = hash.hashRandomField(ks, db, args, 1);
    if (n >= 0) ks.writeBulk(out, n);
    else if (n === NOT_FOUND) out.nullBulk();
    else out.error(ERR_WRONGTYPE);
    return;
  }
  if (args.int(2) === null) return out.error(ERR_NOT_INTEGER);
  const count = BigInt(args.text(2)); // exact: the range limits are beyond 2^53
  if (count < -LONG_MAX) {
    return out.error(
      `ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`,
    );
  }
  if (args.argc > 4 || (args.argc === 4 && !args.is(3, "withvalues"))) {
    return out.error(ERR_SYNTAX);
  }
  const withValues = args.argc === 4;
  if (withValues && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) {
    return out.error("ERR value is out of range");
  }
  let left = count < 0n ? -count : count;
  // Positive counts are unique picks, at most the whole hash: one call.
  const first = count < 0n ? -Math.min(Number(left), PICKS_PER_CALL) : Number(count);
  const n = hash.hashRandomFields(ks, db, args, 1, first, withValues);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (n === NOT_FOUND || count === 0n) return out.arrayHeader(0);
  const total = count < 0n ? left : BigInt(n);
  const pairsInResp3 = withValues && out.resp === 3;
  out.arrayHeader(Number(withValues && !pairsInResp3 ? total * 2n : total));
  let picks = n;
  for (;;) {
    const items = ks.replyItems();
    for (let i = 0; i < picks; i++) {
      if (pairsInResp3) out.arrayHeader(2);
      items.writeMany(out, withValues ? 2 : 1);
    }
    left -= BigInt(picks);
    if (count >= 0n || left <= 0n) return;
    picks = Math.min(Number(left), PICKS_PER_CALL);
    hash.hashRandomFields(ks, db, args, 1, -picks, withValues, true);
  }
}

// ---- HSCAN --------------------------------------------------------------------------------------

const EMPTY_SCAN = "*2\r\n$1\r\n0\r\n*0\r\n";

/** The arguments from `from` on (so that index 0 is argument `from`), cut at `end`. */
function argsFrom(args: Args, from: number, end: number): Args {
  const view = new Args();
  view.argBuf = args.argBuf;
  view.argStart = args.argStart.subarray(from);
  view.argLen = args.argLen.subarray(from);
  view.argc = end - from;
  return view;
}

/** HSCAN key cursor [MATCH pattern] [COUNT count] (Redis's scanGenericCommand order: the
 * cursor, then the key, then the options; TYPE is SCAN's only). */
function hscan(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace, db = ctx.client.db;
  const cursor = parseCursor(args.bytes(2));
  if (cursor === null) return out.error("ERR invalid cursor");
  const type = ks.lookupReadArg(db, args, 1);
  if (type === -1) return out.raw(asciiBytes(EMPTY_SCAN));
  if (type !== TYPE_HASH) return out.error(ERR_WRONGTYPE);
  // SCAN's option parser, on the arguments after the key; a TYPE option is a syntax error
  // where it stands, unless an option before it fails first.
  let typeAt = args.argc;
  for (let i = 3; i + 1 < args.argc; i += 2) {
    if (args.is(i, "type")) {
      typeAt = i;
      break;
    }
  }
  const options = scanOptions({ ...ctx, args: argsFrom(args, 1, typeAt) });
  if (options === null) return;
  if (typeAt < args.argc) return out.error(ERR_SYNTAX);
  const next = hash.hashScan(ks, db, args, 1, Number(cursor & 0xffffffffn), options.count);
  const items = ks.replyItems();
  const pairs = hash.hashItemCount(ks) / 2;
  out.arrayHeader(2);
  out.bulkText(String(next));
  const { pattern } = options;
  if (pattern === null) {
    out.arrayHeader(pairs * 2);
    return items.writeMany(out, pairs * 2);
  }
  const found: Uint8Array[] = [];
  for (let i = 0; i < pairs; i++) {
    const field = items.nextBytes(), value = items.nextBytes();
    if (stringMatch(pattern, field)) found.push(field, value);
  }
  out.arrayHeader(found.length);
  for (const item of found) out.bulk(item);
}

export const hashCommands: CommandRows = {
  hset: { handler: setFields(false) },
  hmset: { handler: setFields(true) },
  hsetnx: { handler: hsetnx },
  hget: { handler: hget },
  hmget: { handler: hmget },
  hdel: { handler: hdel },
  hlen: { handler: hlen },
  hexists: { handler: fieldInfo(false) },
  hstrlen: { handler: fieldInfo(true) },
  hgetall: { handler: getAll(hash.HASH_PAIRS) },
  hkeys: { handler: getAll(hash.HASH_FIELDS) },
  hvals: { handler: getAll(hash.HASH_VALUES) },
  hincrby: { handler: hincrby },
  hincrbyfloat: { handler: hincrbyfloat },
  hrandfield: { handler: hrandfield },
  hscan: { handler: hscan },
};
