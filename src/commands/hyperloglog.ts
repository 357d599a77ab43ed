// HyperLogLog family (Redis's hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. The
// HLLs are string values; the engine runs the algorithm on their bytes (src/engine/
// hyperloglog.ts), handlers parse arguments and encode replies.
//
// PFCOUNT of several keys and PFMERGE may span shards: then the values are read with GET on
// their shards under those shards' locks, merged in this shard's engine, and PFMERGE writes
// the new destination value back with SET ... KEEPTTL, all within the one atomic step.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import {
  DEBUG_DECODE,
  DEBUG_ENCODING,
  DEBUG_GETREG,
  DEBUG_TODENSE,
  ERR_INVALID_HLL,
  ERR_NOT_HLL,
  hyperLogLogsOf,
  INVALID_HLL,
  NOT_HLL,
  NOT_SPARSE,
  SELFTEST_FAILURES,
} from "../engine/hyperloglog.ts";
import { ERR_WRONGTYPE } from "../protocol/errors.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";
import { bulkPayload, isErrorReply, isNullReply } from "./keys_common.ts";

/** The error reply for an engine status (the errors every PF command shares). */
function replyStatus(ctx: CommandContext, status: number): void {
  const { out } = ctx;
  if (status === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else if (status === NOT_HLL) out.error(ERR_NOT_HLL);
  else if (status === INVALID_HLL) out.error(ERR_INVALID_HLL);
  else if (status === NOT_FOUND) out.error("ERR The specified key does not exist");
  else if (status === NOT_SPARSE) out.error("ERR HLL encoding is not sparse");
  else throw new Error(`HyperLogLog: unexpected engine status ${status}`);
}

/** hll-sparse-max-bytes: the longest sparse value before it turns dense. */
function sparseMaxBytes(ctx: CommandContext): number {
  return Number(ctx.shard.config.get("hll-sparse-max-bytes"));
}

/** PFADD key [element ...] */
function pfadd(ctx: CommandContext): void {
  const { args } = ctx;
  const hll = hyperLogLogsOf(ctx.shard.keyspace);
  const status = hll.add(ctx.client.db, args, 1, 2, args.argc, sparseMaxBytes(ctx));
  if (status >= 0) ctx.out.integer(status);
  else replyStatus(ctx, status);
}

/** PFCOUNT key [key ...]: one key reads (and refreshes) its cached cardinality; several keys
 * count their union without writing anything. */
function pfcount(ctx: CommandContext): void {
  const { args, out, client } = ctx;
  const ks = ctx.shard.keyspace;
  const hll = hyperLogLogsOf(ks);
  if (args.argc === 2) {
    const n = hll.count(client.db, args, 1);
    if (n >= 0) ks.writeInteger(out, n);
    else if (n === NOT_FOUND) out.integer(0);
    else replyStatus(ctx, n);
    return;
  }
  hll.mergeBegin();
  for (let j = 1; j < args.argc; j++) {
    const status = hll.mergeKey(client.db, args, j);
    if (status < 0) return replyStatus(ctx, status);
  }
  ks.writeInteger(out, hll.mergeCount());
}

/** PFMERGE destkey [sourcekey ...]: the destination is a source too. */
function pfmerge(ctx: CommandContext): void {
  const { args, client } = ctx;
  const hll = hyperLogLogsOf(ctx.shard.keyspace);
  hll.mergeBegin();
  for (let j = 1; j < args.argc; j++) {
    const status = hll.mergeKey(client.db, args, j);
    if (status < 0) return replyStatus(ctx, status);
  }
  const status = hll.mergeStore(client.db, args, 1, sparseMaxBytes(ctx));
  if (status < 0) replyStatus(ctx, status);
  else ctx.out.ok();
}

// ---- across shards ---------------------------------------------------------------------------

const [GET, SET, SETRANGE, KEEPTTL, ZERO, MAGIC_FIRST_BYTE] = [
  "GET",
  "SET",
  "SETRANGE",
  "KEEPTTL",
  "0",
  "H",
]
  .map(asciiBytes);
/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: SET makes shorter values embstr. */
const EMBSTR_MAX = 44;

/** What GET found for each key, in order (null: missing), up to the first key of another type:
 * then `error` is GET's WRONGTYPE text. */
interface ReadValues {
  values: (Uint8Array | null)[];
  error?: string;
}

async function readValues(ctx: CommandContext, run: RunOnShard): Promise<ReadValues> {
  const values: (Uint8Array | null)[] = [];
  for (let j = 1; j < ctx.args.argc; j++) {
    const key = ctx.args.bytes(j).slice();
    const reply = await run(ctx.shard.ownerOf(key), [GET, key]);
    if (isErrorReply(reply)) return { values, error: latin1(reply.subarray(1, reply.length - 2)) };
    values.push(isNullReply(reply) ? null : bulkPayload(reply).slice());
  }
  return { values };
}

/**
 * Merges the values read into the engine's union and replies the first error in key order,
 * as Redis checks each key in turn (isHLLObjectOrReply): a string that is no HyperLogLog
 * before a later key of another type. True when every key was merged. Synchronous, so no
 * other command can start a union on this engine meanwhile.
 */
function mergeValues(ctx: CommandContext, read: ReadValues): boolean {
  const hll = hyperLogLogsOf(ctx.shard.keyspace);
  hll.mergeBegin();
  for (const value of read.values) {
    if (!value) continue;
    const status = hll.mergeValue(value);
    if (status < 0) {
      replyStatus(ctx, status);
      return false;
    }
  }
  if (read.error === undefined) return true;
  ctx.out.error(read.error);
  return false;
}

function keyOwners(ctx: CommandContext): number[] {
  const owners: number[] = [];
  for (let j = 1; j < ctx.args.argc; j++) owners.push(ctx.shard.ownerOf(ctx.args.bytes(j)));
  return owners;
}

async function pfcountAcrossShards(ctx: CommandContext): Promise<void> {
  const read = await ctx.cross!.atomically(keyOwners(ctx), (run) => readValues(ctx, run));
  if (!mergeValues(ctx, read)) return;
  const ks = ctx.shard.keyspace;
  ks.writeInteger(ctx.out, hyperLogLogsOf(ks).mergeCount());
}

async function pfmergeAcrossShards(ctx: CommandContext): Promise<void> {
  const dest = ctx.args.bytes(1).slice();
  const destOwner = ctx.shard.ownerOf(dest);
  const sparseMax = sparseMaxBytes(ctx);
  await ctx.cross!.atomically(keyOwners(ctx), async (run) => {
    const read = await readValues(ctx, run);
    if (!mergeValues(ctx, read)) return;
    const merged = hyperLogLogsOf(ctx.shard.keyspace).mergeResult(read.values[0], sparseMax);
    if (typeof merged === "number") return replyStatus(ctx, merged);
    await run(destOwner, [SET, dest, merged, KEEPTTL]);
    // Redis writes into an unshared (raw) string; SET would leave a short one embstr.
    if (merged.length <= EMBSTR_MAX) await run(destOwner, [SETRANGE, dest, ZERO, MAGIC_FIRST_BYTE]);
    ctx.out.ok();
  });
}

// ---- PFDEBUG, PFSELFTEST ----------------------------------------------------------------------

const DEBUG_OPS = new Map<string, number>([
  ["getreg", DEBUG_GETREG],
  ["decode", DEBUG_DECODE],
  ["encoding", DEBUG_ENCODING],
  ["todense", DEBUG_TODENSE],
]);

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. The key is checked before the subcommand. */
function pfdebug(ctx: CommandContext): void {
  const { args, out, client } = ctx;
  const ks = ctx.shard.keyspace;
  const name = args.cText(1);
  const op = DEBUG_OPS.get(name.toLowerCase());
  // An unknown subcommand still looks the key up first (ENCODING has no side effect).
  const n = hyperLogLogsOf(ks).debug(client.db, args, 2, op ?? DEBUG_ENCODING);
  if (n < 0) return replyStatus(ctx, n);
  if (op === undefined) return out.error(`ERR Unknown PFDEBUG subcommand '${name}'`);
  if (op === DEBUG_ENCODING) return out.simple(n === 1 ? "sparse" : "dense");
  if (op === DEBUG_TODENSE) return out.integer(n);
  if (op === DEBUG_DECODE) return ks.writeBulk(out, n);
  const registers = ks.memoryBytes().slice(ks.resultOffset(), ks.resultOffset() + n);
  out.arrayHeader(n);
  for (const value of registers) out.integer(value);
}

function pfselftest(ctx: CommandContext): void {
  const failure = hyperLogLogsOf(ctx.shard.keyspace).selfTest(sparseMaxBytes(ctx));
  if (failure === 0) ctx.out.ok();
  else ctx.out.error(SELFTEST_FAILURES[failure]);
}

export const hyperLogLogCommands: CommandRows = {
  pfadd: { handler: pfadd },
  pfcount: { handler: pfcount, acrossShards: pfcountAcrossShards },
  pfmerge: { handler: pfmerge, acrossShards: pfmergeAcrossShards },
  pfdebug: { handler: pfdebug },
  pfselftest: { handler: pfselftest },
};
