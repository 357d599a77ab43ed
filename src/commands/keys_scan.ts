// Walking the keyspace: KEYS, SCAN, RANDOMKEY (Redis's db.c), over all shards.
//
// SCAN's cursor says which shard the walk is in: cursor = engineCursor * shards + shard. So
// cursor 0 starts shard 0, and when a shard's own walk ends the cursor becomes the next
// shard's index (its start). Redis's contract holds: every key present for the whole walk is
// returned at least once (each shard's engine cursor guarantees it for that shard). When a
// shard's walk ends with room left under COUNT, the same call goes on into the next shard,
// so a small keyspace is returned whole by one SCAN 0, with cursor 0, as Redis does.
import type { Combiner, CommandContext, CommandRows } from "./spec.ts";
import type { Keyspace } from "../engine/keyspace.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { arrayElements, concatArrays } from "../server/multishard.ts";
import { latin1 } from "../protocol/bytes.ts";
import { stringMatch } from "./glob.ts";
import { bulkPayload, isErrorReply, refreshClock, typeName } from "./keys_common.ts";

/** KEYS's and SCAN's shortcut: the pattern "*" is not matched at all (so it also selects the
 * empty key, which the matcher alone would not). */
function matchesEverything(pattern: Uint8Array): boolean {
  return pattern.length === 1 && pattern[0] === 0x2a;
}

/** Keys per engine scan call while collecting a whole database (KEYS, SWAPDB). */
const WHOLE_DB_STEP = 1024;

/** Every live key of a database. The engine's scan does not change the table, so one pass
 * over it sees each key once. */
export function allKeys(ks: Keyspace, db: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  let cursor = 0;
  do {
    const step = ks.scan(db, cursor, WHOLE_DB_STEP);
    for (const key of step.keys) keys.push(key);
    cursor = step.cursor;
  } while (cursor !== 0);
  return keys;
}

/** KEYS pattern: this shard's matching keys (the shards' arrays are joined). */
export function keys(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const pattern = ctx.args.bytes(1);
  const everything = matchesEverything(pattern);
  const found = allKeys(ks, ctx.client.db).filter((key) => everything || stringMatch(pattern, key));
  ctx.out.arrayHeader(found.length);
  for (const key of found) ctx.out.bulk(key);
}

// ---- SCAN ----------------------------------------------------------------------------------

const ULONG_MAX = 18446744073709551615n;

/**
 * The cursor as Redis reads it (parseScanCursorOrReply: strtoul, base 10, then nothing may
 * follow): up to a NUL byte; no leading space; an optional sign, a minus wrapping around
 * as unsigned; no digits at all reads as 0 if nothing else is there (so "" is cursor 0).
 * Null when invalid or beyond 64 bits.
 */
export function parseCursor(arg: Uint8Array): bigint | null {
  const nul = arg.indexOf(0);
  const text = latin1(nul < 0 ? arg : arg.subarray(0, nul));
  if (text === "") return 0n;
  const m = /^([+-]?)([0-9]+)$/.exec(text);
  if (!m) return null;
  const magnitude = BigInt(m[2]);
  if (magnitude > ULONG_MAX) return null;
  return m[1] === "-" && magnitude !== 0n ? ULONG_MAX + 1n - magnitude : magnitude;
}

export interface ScanOptions {
  count: number;
  /** null: match everything. */
  pattern: Uint8Array | null;
  /** The TYPE filter, lower-cased as Redis compares it (strcasecmp); null: any type. */
  type: string | null;
}

/** Redis's engine budget is COUNT*10 buckets; the engine takes an i32. */
const MAX_COUNT = 100_000_000;

/** SCAN's options after the cursor (scanGenericCommand), or null after replying the error. */
export function scanOptions(ctx: CommandContext): ScanOptions | null {
  const { args, out } = ctx;
  const options: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = 2; i < args.argc; i += 2) {
    const hasValue = i + 1 < args.argc;
    if (args.is(i, "count") && hasValue) {
      const n = args.int(i + 1);
      if (n === null) {
        out.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        out.error(ERR_SYNTAX);
        return null;
      }
      options.count = Math.min(n, MAX_COUNT);
    } else if (args.is(i, "match") && hasValue) {
      const pattern = args.bytes(i + 1);
      options.pattern = matchesEverything(pattern) ? null : pattern;
    } else if (args.is(i, "type") && hasValue) {
      options.type = args.cText(i + 1).toLowerCase();
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  return options;
}

/** One engine step on this shard, filtered like Redis: by pattern, then by type. */
function scanStep(ctx: CommandContext, engineCursor: number, options: ScanOptions, count: number) {
  const ks = ctx.shard.keyspace, db = ctx.client.db;
  refreshClock(ks);
  const step = ks.scan(db, engineCursor, count);
  let found = step.keys;
  const { pattern, type } = options;
  if (pattern) found = found.filter((key) => stringMatch(pattern, key));
  if (type !== null) found = found.filter((key) => typeName(ks.type(db, key)) === type);
  return { engineNext: step.cursor, keys: found };
}

/** Where a walk goes after a step on `shard`: on in that shard, or to the next shard's start,
 * or 0 when it was the last. */
function nextCursor(shard: number, engineNext: number, shards: number): number {
  if (engineNext !== 0) return engineNext * shards + shard;
  return shard + 1 < shards ? shard + 1 : 0;
}

/** A SCAN call ends within a shard's walk, at the end, or once it has COUNT keys; it goes on
 * only into the next shard. */
function walkStops(
  next: number,
  shard: number,
  shards: number,
  found: number,
  count: number,
): boolean {
  const stillInShard = next !== 0 && next % shards === shard;
  return stillInShard || next === 0 || found >= count;
}

function writeScanReply(out: ReplyWriter, cursor: number, keys: Uint8Array[]): void {
  out.arrayHeader(2);
  out.bulkText(String(cursor));
  out.arrayHeader(keys.length);
  for (const key of keys) out.bulk(key);
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
export function scan(ctx: CommandContext): void | Promise<void> {
  const { out, shard } = ctx;
  const cursor = parseCursor(ctx.args.bytes(1));
  if (cursor === null) return out.error("ERR invalid cursor");
  const options = scanOptions(ctx);
  if (options === null) return;
  const shards = BigInt(shard.count);
  let at = Number(cursor % shards);
  // Engine cursors fit in 32 bits (table masks); higher bits would be discarded by the
  // engine's next step anyway, as dictScan does.
  let engineCursor = Number((cursor / shards) & 0xffffffffn);
  if (ctx.cross === null) {
    // One step of another shard's walk (or of a single shard's): no shard to go on to.
    const step = scanStep(ctx, engineCursor, options, options.count);
    return writeScanReply(out, nextCursor(shard.id, step.engineNext, shard.count), step.keys);
  }
  let found: Uint8Array[] = [];
  // A step on this shard runs at once; going on to another shard makes the rest asynchronous.
  if (at === shard.id) {
    const step = scanStep(ctx, engineCursor, options, options.count);
    const next = nextCursor(at, step.engineNext, shard.count);
    if (walkStops(next, at, shard.count, step.keys.length, options.count)) {
      return writeScanReply(out, next, step.keys);
    }
    [found, at, engineCursor] = [step.keys, next, 0];
  }
  return scanOtherShards(ctx, at, engineCursor, options, found);
}

/** The rest of a walk that reaches other shards: each step there runs as SCAN on that shard
 * (a call under its lock, see cross_shard.ts), with the COUNT left. */
async function scanOtherShards(
  ctx: CommandContext,
  at: number,
  engineCursor: number,
  options: ScanOptions,
  found: Uint8Array[],
): Promise<void> {
  const { shard } = ctx;
  const shards = shard.count;
  const filters = scanFilterArgs(ctx);
  options = { ...options, pattern: options.pattern?.slice() ?? null }; // outlives the arguments
  // Let the connection first send the commands pipelined before this one to their shards.
  await Promise.resolve();
  for (;;) {
    const left = Math.max(1, options.count - found.length);
    let next: number;
    if (at === shard.id) {
      if (!shard.lock.allows(null)) await shard.lock.whenFree();
      const step = scanStep(ctx, engineCursor, options, left);
      for (const key of step.keys) found.push(key);
      next = nextCursor(at, step.engineNext, shards);
    } else {
      const argv = [
        SCAN,
        ascii(String(engineCursor * shards + at)),
        COUNT,
        ascii(String(left)),
        ...filters,
      ];
      const target = at;
      const reply = await ctx.cross!.atomically([target], (run) => run(target, argv));
      if (isErrorReply(reply)) return ctx.out.raw(reply);
      const [cursorFrame, keysFrame] = arrayElements(reply);
      next = Number(latin1(bulkPayload(cursorFrame)));
      for (const item of arrayElements(keysFrame)) found.push(bulkPayload(item));
    }
    if (walkStops(next, at, shards, found.length, options.count)) {
      return writeScanReply(ctx.out, next, found);
    }
    [at, engineCursor] = [next, 0];
  }
}

const encoder = new TextEncoder();
const ascii = (text: string) => encoder.encode(text);
const SCAN = ascii("SCAN"), COUNT = ascii("COUNT");

/** The client's MATCH and TYPE options, copied, to pass on to other shards. */
function scanFilterArgs(ctx: CommandContext): Uint8Array[] {
  const { args } = ctx;
  const filters: Uint8Array[] = [];
  for (let i = 2; i + 1 < args.argc; i += 2) {
    if (!args.is(i, "count")) filters.push(args.bytes(i).slice(), args.bytes(i + 1).slice());
  }
  return filters;
}

// ---- RANDOMKEY -------------------------------------------------------------------------------

export function randomkey(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const key = ks.randomKey(ctx.client.db);
  if (key) ctx.out.bulk(key);
  else ctx.out.nullBulk();
}

/** RANDOMKEY over shards: a random one of the shards' keys (null when every shard is empty).
 * Each non-empty shard is equally likely, whatever its size. */
const pickRandomKey: Combiner = (replies, out) => {
  const keys = replies.filter((r) => r[0] === 0x24 && r[1] !== 0x2d);
  out.raw(keys.length ? keys[Math.floor(Math.random() * keys.length)] : replies[0]);
};

export const scanCommands: CommandRows = {
  keys: { handler: keys, fanOut: concatArrays },
  scan: { handler: scan },
  randomkey: { handler: randomkey, fanOut: pickRandomKey },
};
