// Keys changing name or database: RENAME RENAMENX COPY MOVE SWAPDB, and DUMP / RESTORE
// (Redis's db.c and cluster.c).
//
// Within a shard each is one engine operation (values of every type move or are copied inside
// Wasm memory). When the two keys of RENAME or COPY live on different shards, the command runs
// under both shards' locks (atomic, as in Redis) as internal commands: PEXPIRETIME and DUMP on
// the source's shard (an internal DUMP replies the engine's exact blob), RESTORE ... ABSTTL on
// the destination's.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import {
  BAD_PAYLOAD,
  type ExpireTime,
  expireTime,
  NOT_FOUND,
  SAME_KEY,
} from "../engine/keyspace.ts";
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { allOk } from "../server/multishard.ts";
import { blobFromRdbValue, rdbValueFromBlob } from "../persistence/value_codec.ts";
import { encodingLimitsOf } from "../engine/encoding_limits.ts";
import { blobOfMovePayload, createMovePayload } from "../persistence/move_payload.ts";
import {
  createDumpPayload,
  parseDumpPayload,
  verifyDumpPayload,
} from "../persistence/rdb/dump_payload.ts";
import { RdbFormatError } from "../persistence/rdb/constants.ts";
import {
  bulkPayload,
  dbExists,
  dbIndexArg,
  ERR_NO_SUCH_KEY,
  ERR_SAME_OBJECT,
  exactIntegerOf,
  intArg,
  integerOf,
  isErrorReply,
  isNullReply,
  refreshClock,
} from "./keys_common.ts";
import { atomicallyOnEveryShard, coordinated } from "./every_shard.ts";

// ---- RENAME, RENAMENX ----------------------------------------------------------------------

/** RENAME / RENAMENX src dst (both keys on this shard). */
function renameCommand(nx: boolean) {
  return (ctx: CommandContext): void => {
    const ks = ctx.shard.keyspace;
    refreshClock(ks);
    const result = ks.renameArg(ctx.client.db, ctx.args, 1, 2, nx);
    if (result === NOT_FOUND) ctx.out.error(ERR_NO_SUCH_KEY);
    else if (nx) ctx.out.integer(result);
    else ctx.out.ok();
  };
}

/** RENAME / RENAMENX with the two keys on different shards. */
function renameAcrossShards(nx: boolean) {
  return async (ctx: CommandContext): Promise<void> => {
    const { out, shard } = ctx;
    const src = ctx.args.bytes(1).slice(), dst = ctx.args.bytes(2).slice();
    const from = shard.ownerOf(src), to = shard.ownerOf(dst);
    await ctx.cross!.atomically([from, to], async (run) => {
      const dumped = await dumpAcross(run, from, src);
      if (dumped === null) return out.error(ERR_NO_SUCH_KEY);
      if (nx && integerOf(await run(to, [EXISTS, dst])) === 1) return out.integer(0);
      await run(to, restoreArgv(dst, dumped));
      await run(from, [DEL, src]);
      if (nx) out.integer(1);
      else out.ok();
    });
  };
}

// ---- COPY --------------------------------------------------------------------------------

interface CopyOptions {
  db: number;
  replace: boolean;
}

/** COPY's options after the two keys ([DB index] [REPLACE]), or null after replying. */
function copyOptions(ctx: CommandContext): CopyOptions | null {
  const { args } = ctx;
  const options = { db: ctx.client.db, replace: false };
  for (let j = 3; j < args.argc; j++) {
    if (args.is(j, "replace")) options.replace = true;
    else if (args.is(j, "db") && j + 1 < args.argc) {
      const db = dbIndexArg(ctx, ++j);
      if (db === null) return null;
      options.db = db;
    } else {
      ctx.out.error(ERR_SYNTAX);
      return null;
    }
  }
  return options;
}

/** COPY src dst [DB index] [REPLACE] (both keys on this shard). */
export function copy(ctx: CommandContext): void {
  const options = copyOptions(ctx);
  if (!options) return;
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const result = ks.copyArg(ctx.client.db, ctx.args, 1, options.db, 2, options.replace);
  if (result === SAME_KEY) ctx.out.error(ERR_SAME_OBJECT);
  else ctx.out.integer(result);
}

/** COPY with the two keys on different shards. */
async function copyAcrossShards(ctx: CommandContext): Promise<void> {
  const { out, shard } = ctx;
  const options = copyOptions(ctx);
  if (!options) return;
  const src = ctx.args.bytes(1).slice(), dst = ctx.args.bytes(2).slice();
  const from = shard.ownerOf(src), to = shard.ownerOf(dst);
  await ctx.cross!.atomically([from, to], async (run) => {
    const dumped = await dumpAcross(run, from, src);
    if (dumped === null) return out.integer(0);
    const exists = !options.replace && integerOf(await run(to, [EXISTS, dst], options.db)) === 1;
    if (exists) return out.integer(0);
    await run(to, restoreArgv(dst, dumped), options.db);
    out.integer(1);
  });
}

// ---- moving a value between shards -------------------------------------------------------------

const encoder = new TextEncoder();
const [DUMP, RESTORE, DEL, EXISTS, PEXPIRETIME, REPLACE, ABSTTL] = [
  "DUMP",
  "RESTORE",
  "DEL",
  "EXISTS",
  "PEXPIRETIME",
  "REPLACE",
  "ABSTTL",
].map((word) => encoder.encode(word));

interface Dumped {
  payload: Uint8Array;
  /** Absolute expiry in ms, or -1 for none. */
  expireAt: ExpireTime;
}

/**
 * A key's DUMP payload and expiry, read on its shard; null when it does not exist. The
 * expiry is read first: if the key expires in between, DUMP misses it, and a value never
 * travels without its TTL.
 */
async function dumpAcross(run: RunOnShard, shard: number, key: Uint8Array): Promise<Dumped | null> {
  const expireAt = expireTime(exactIntegerOf(await run(shard, [PEXPIRETIME, key])));
  if (expireAt === -2) return null;
  const reply = await run(shard, [DUMP, key]);
  if (isNullReply(reply) || isErrorReply(reply)) return null;
  return { payload: bulkPayload(reply).slice(), expireAt };
}

function restoreArgv(key: Uint8Array, { payload, expireAt }: Dumped): Uint8Array[] {
  const ttl = encoder.encode(String(expireAt < 0 ? 0 : expireAt));
  return [RESTORE, key, ttl, payload, REPLACE, ABSTTL];
}

// ---- DUMP, RESTORE -------------------------------------------------------------------------------

// DUMP replies Redis's payload (RDB value + version + CRC-64, src/persistence/value_codec.ts).
// A cross-shard step asks for IronCache's move payload instead (the engine blob, framed
// alike), so RENAME / COPY across shards keep a value's exact encoding. RESTORE takes either.
const ERR_BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
const ERR_BAD_DATA = "ERR Bad data format";

function dump(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  // The client's DUMP is a read lookup (counted, "keymiss"); a cross-shard step's is not.
  const blob = ks.dump(ctx.client.db, ctx.args.bytes(1), !ctx.client.internal);
  if (blob === null) return ctx.out.nullBulk();
  if (ctx.client.internal) return ctx.out.bulk(createMovePayload(blob));
  const compress = ctx.shard.config.get("rdbcompression") === true; // as rdbSaveRawString
  const options = { ...encodingLimitsOf(ctx.shard.config), compress };
  ctx.out.bulk(createDumpPayload(rdbValueFromBlob(blob), options));
}

/** The engine blob a RESTORE payload stands for, or the error to reply. */
function blobOfPayload(ctx: CommandContext, payload: Uint8Array): Uint8Array | string {
  const moved = blobOfMovePayload(payload);
  if (moved !== null) return moved;
  if (!verifyDumpPayload(payload)) return ERR_BAD_PAYLOAD;
  try {
    return blobFromRdbValue(parseDumpPayload(payload), encodingLimitsOf(ctx.shard.config));
  } catch (e) {
    if (e instanceof RdbFormatError) return ERR_BAD_DATA;
    throw e;
  }
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] (Redis's restoreCommand). */
function restore(ctx: CommandContext): void {
  const { args, out } = ctx;
  let replace = false, absolute = false, idle = -1, freq = -1;
  for (let j = 4; j < args.argc; j++) {
    const more = j + 1 < args.argc;
    if (args.is(j, "replace")) replace = true;
    else if (args.is(j, "absttl")) absolute = true;
    else if (args.is(j, "idletime") && more && freq < 0) {
      const given = args.int(++j);
      if (given === null) return out.error(ERR_NOT_INTEGER);
      if (given < 0) return out.error("ERR Invalid IDLETIME value, must be >= 0");
      idle = given;
    } else if (args.is(j, "freq") && more && idle < 0) {
      const given = args.int(++j);
      if (given === null) return out.error(ERR_NOT_INTEGER);
      if (given < 0 || given > 255) {
        return out.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
      freq = given;
    } else return out.error(ERR_SYNTAX);
  }
  const ks = ctx.shard.keyspace;
  const now = refreshClock(ks);
  const key = args.bytes(1);
  if (!replace && ks.exists(ctx.client.db, key)) {
    return out.error("BUSYKEY Target key name already exists.");
  }
  const ttl = args.int(2);
  if (ttl === null) return out.error(ERR_NOT_INTEGER);
  if (ttl < 0) return out.error("ERR Invalid TTL value, must be >= 0");
  const blob = blobOfPayload(ctx, args.bytes(3));
  if (typeof blob === "string") return out.error(blob);
  let expireAt: ExpireTime = 0;
  if (ttl !== 0) {
    // Exact int64 arithmetic: a relative ttl + now past LLONG_MAX wraps negative in C, which
    // is a time already past (the key is not restored), as any time <= now.
    const exact = BigInt(args.text(2));
    const at = absolute ? exact : BigInt.asIntN(64, exact + BigInt(now));
    expireAt = at > 0n ? expireTime(at) : 1;
  }
  const access = { freq, idleSeconds: idle };
  const result = ks.restore(ctx.client.db, key, blob, expireAt, replace, false, access);
  if (result === BAD_PAYLOAD) out.error(ERR_BAD_DATA);
  else out.ok();
}

// ---- MOVE, SWAPDB ------------------------------------------------------------------------------

/** MOVE key db: a key's slot, so its shard, is the same in every database. */
export function move(ctx: CommandContext): void {
  const db = dbIndexArg(ctx, 2);
  if (db === null) return;
  if (db === ctx.client.db) return ctx.out.error(ERR_SAME_OBJECT);
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  ctx.out.integer(ks.moveArg(ctx.client.db, db, ctx.args, 1));
}

/** SWAPDB index1 index2, for this shard's part of the two databases. */
export function swapdb(ctx: CommandContext): void {
  const first = intArg(ctx, 1, "ERR invalid first DB index");
  if (first === null) return;
  const second = intArg(ctx, 2, "ERR invalid second DB index");
  if (second === null) return;
  if (!dbExists(ctx, first) || !dbExists(ctx, second)) return ctx.out.error(ERR_DB_INDEX);
  ctx.shard.keyspace.swapDb(first, second);
  ctx.out.ok();
}

export const moveCommands: CommandRows = {
  rename: { handler: renameCommand(false), acrossShards: renameAcrossShards(false) },
  renamenx: { handler: renameCommand(true), acrossShards: renameAcrossShards(true) },
  copy: { handler: copy, acrossShards: copyAcrossShards },
  move: { handler: move },
  swapdb: { handler: swapdb, route: coordinated, acrossShards: atomicallyOnEveryShard(allOk) },
  dump: { handler: dump },
  restore: { handler: restore },
};
