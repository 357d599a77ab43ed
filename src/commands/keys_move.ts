// Keys changing name or database: RENAME RENAMENX COPY MOVE SWAPDB (Redis's db.c).
//
// Within a shard these read the whole key (value and TTL) and write it back elsewhere, with
// the engine's existing operations. When the two keys of RENAME or COPY live on different
// shards, the command runs under both shards' locks (atomic, as in Redis) as a few plain
// commands: PEXPIRETIME and GET on the source's shard, SET ... PXAT on the destination's.
// That carries strings only; other types need DUMP/RESTORE between shards.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import { TYPE_STRING } from "../engine/keyspace.ts";
import { ERR_DB_INDEX, ERR_SYNTAX } from "../protocol/errors.ts";
import { bytesEqual } from "../protocol/bytes.ts";
import { allOk } from "../server/multishard.ts";
import { allKeys } from "./keys_scan.ts";
import {
  bulkPayload,
  dbExists,
  dbIndexArg,
  ERR_NO_SUCH_KEY,
  ERR_SAME_OBJECT,
  intArg,
  integerOf,
  isErrorReply,
  isNullReply,
  readKey,
  refreshClock,
  type StoredKey,
  writeKey,
} from "./keys_common.ts";

/** Copying objects means copying them outside the engine, which their families own. */
const ERR_COPY_OBJECT = "ERR COPY supports only string values for now";
/** Between shards a key travels as GET/SET, which only strings can do. */
const errAcrossShards = (command: string) =>
  `ERR ${command} of a non-string key across shards is not supported yet`;

// ---- RENAME, RENAMENX ----------------------------------------------------------------------

/** RENAME / RENAMENX src dst (both keys on this shard). */
function renameCommand(nx: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out, client } = ctx;
    const ks = ctx.shard.keyspace;
    refreshClock(ks);
    const src = args.bytes(1), dst = args.bytes(2);
    const stored = readKey(ks, client.db, src);
    if (!stored) return out.error(ERR_NO_SUCH_KEY);
    // Renaming a key to itself changes nothing, but the key must exist.
    if (bytesEqual(src, dst)) return nx ? out.integer(0) : out.ok();
    if (nx && ks.exists(client.db, dst)) return out.integer(0);
    writeKey(ks, client.db, dst, stored);
    ks.delete(client.db, src);
    if (nx) out.integer(1);
    else out.ok();
  };
}

/** RENAME / RENAMENX with the two keys on different shards. */
function renameAcrossShards(nx: boolean) {
  return async (ctx: CommandContext): Promise<void> => {
    const { out, shard } = ctx;
    const src = ctx.args.bytes(1).slice(), dst = ctx.args.bytes(2).slice();
    const from = shard.ownerOf(src), to = shard.ownerOf(dst);
    await ctx.cross!.atomically([from, to], async (run) => {
      const value = await readAcross(run, from, src);
      if (value === null) return out.error(ERR_NO_SUCH_KEY);
      if (value === "wrongtype") return out.error(errAcrossShards(nx ? "RENAMENX" : "RENAME"));
      if (nx && integerOf(await run(to, [EXISTS, dst])) === 1) return out.integer(0);
      await run(to, setArgv(dst, value));
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
  const { args, out, client } = ctx;
  const options = copyOptions(ctx);
  if (!options) return;
  const src = args.bytes(1), dst = args.bytes(2);
  if (options.db === client.db && bytesEqual(src, dst)) return out.error(ERR_SAME_OBJECT);
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const stored = readKey(ks, client.db, src);
  if (!stored) return out.integer(0);
  if (!options.replace && ks.exists(options.db, dst)) return out.integer(0);
  if (stored.type !== TYPE_STRING) return out.error(ERR_COPY_OBJECT);
  writeKey(ks, options.db, dst, stored);
  out.integer(1);
}

/** COPY with the two keys on different shards. */
async function copyAcrossShards(ctx: CommandContext): Promise<void> {
  const { out, shard } = ctx;
  const options = copyOptions(ctx);
  if (!options) return;
  const src = ctx.args.bytes(1).slice(), dst = ctx.args.bytes(2).slice();
  const from = shard.ownerOf(src), to = shard.ownerOf(dst);
  await ctx.cross!.atomically([from, to], async (run) => {
    const value = await readAcross(run, from, src);
    if (value === null) return out.integer(0);
    if (
      !options.replace && integerOf(await runInDb(ctx, run, to, options.db, [EXISTS, dst])) === 1
    ) {
      return out.integer(0);
    }
    if (value === "wrongtype") return out.error(ERR_COPY_OBJECT);
    await runInDb(ctx, run, to, options.db, setArgv(dst, value));
    out.integer(1);
  });
}

// ---- moving a string between shards ------------------------------------------------------------

const encoder = new TextEncoder();
const [GET, SET, DEL, EXISTS, PXAT, PEXPIRETIME] = [
  "GET",
  "SET",
  "DEL",
  "EXISTS",
  "PXAT",
  "PEXPIRETIME",
]
  .map((word) => encoder.encode(word));

interface ValueAcross {
  value: Uint8Array;
  /** Absolute expiry in ms, or -1 for none. */
  expireAt: number;
}

/**
 * A string key's value and expiry, read on its shard; null when it does not exist, or
 * "wrongtype" for another type. The expiry is read first: if the key expires in between,
 * GET misses it, and a value never travels without its TTL.
 */
async function readAcross(
  run: RunOnShard,
  shard: number,
  key: Uint8Array,
): Promise<ValueAcross | null | "wrongtype"> {
  const expireAt = integerOf(await run(shard, [PEXPIRETIME, key]));
  if (expireAt === -2) return null;
  const reply = await run(shard, [GET, key]);
  if (isNullReply(reply)) return null;
  if (isErrorReply(reply)) return "wrongtype";
  return { value: bulkPayload(reply).slice(), expireAt };
}

function setArgv(key: Uint8Array, { value, expireAt }: ValueAcross): Uint8Array[] {
  const argv = [SET, key, value];
  if (expireAt >= 0) argv.push(PXAT, encoder.encode(String(expireAt)));
  return argv;
}

/**
 * Runs argv on `shard` in database `db` instead of the client's. `run` takes the database
 * from the client when it is called, before its first await, so the client's db is changed
 * only for that synchronous moment.
 */
function runInDb(
  ctx: CommandContext,
  run: RunOnShard,
  shard: number,
  db: number,
  argv: Uint8Array[],
): Promise<Uint8Array> {
  const own = ctx.client.db;
  ctx.client.db = db;
  try {
    return run(shard, argv);
  } finally {
    ctx.client.db = own;
  }
}

// ---- MOVE, SWAPDB ------------------------------------------------------------------------------

/** MOVE key db: a key's slot, so its shard, is the same in every database. */
export function move(ctx: CommandContext): void {
  const { args, out, client } = ctx;
  const db = dbIndexArg(ctx, 2);
  if (db === null) return;
  if (db === client.db) return out.error(ERR_SAME_OBJECT);
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const key = args.bytes(1);
  const stored = readKey(ks, client.db, key);
  if (!stored || ks.exists(db, key)) return out.integer(0);
  writeKey(ks, db, key, stored);
  ks.delete(client.db, key);
  out.integer(1);
}

/** SWAPDB index1 index2, for this shard's part of the two databases. */
export function swapdb(ctx: CommandContext): void {
  const first = intArg(ctx, 1, "ERR invalid first DB index");
  if (first === null) return;
  const second = intArg(ctx, 2, "ERR invalid second DB index");
  if (second === null) return;
  if (!dbExists(ctx, first) || !dbExists(ctx, second)) return ctx.out.error(ERR_DB_INDEX);
  if (first !== second) swapDatabases(ctx, first, second);
  ctx.out.ok();
}

/** Exchanges two databases' keys by copying them all: O(keys), until the engine can swap
 * two databases in place. */
function swapDatabases(ctx: CommandContext, one: number, two: number): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const contents = (db: number) =>
    allKeys(ks, db).map((key) => [key, readKey(ks, db, key)] as [Uint8Array, StoredKey | null]);
  const [inOne, inTwo] = [contents(one), contents(two)];
  ks.flush(one);
  ks.flush(two);
  for (const [key, stored] of inOne) if (stored) writeKey(ks, two, key, stored);
  for (const [key, stored] of inTwo) if (stored) writeKey(ks, one, key, stored);
}

export const moveCommands: CommandRows = {
  rename: { handler: renameCommand(false), acrossShards: renameAcrossShards(false) },
  renamenx: { handler: renameCommand(true), acrossShards: renameAcrossShards(true) },
  copy: { handler: copy, acrossShards: copyAcrossShards },
  move: { handler: move },
  swapdb: { handler: swapdb, fanOut: allOk },
};
