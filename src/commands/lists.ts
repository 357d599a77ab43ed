// List family (Redis 7.0's t_list.c, without the blocking variants). The lists live in the
// shard's Wasm engine (wasm/assembly/t_list.ts); handlers parse and check arguments in
// Redis's order and with its error texts, and write the replies.
//
// LMOVE / RPOPLPUSH / LMPOP whose keys live on different shards run under those shards'
// locks as plain list commands (TYPE, LPOP/RPOP, LPUSH/RPUSH, LMPOP of one key), so they
// stay atomic and report the same errors in the same order as Redis.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import { CONDITION, NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import {
  listIndex,
  listInsert,
  listLength,
  listMove,
  listPop,
  listPos,
  listPush,
  listRange,
  listRemove,
  listSet,
  listTrim,
  writeElement,
} from "../engine/list.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, errArity } from "../protocol/errors.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";
import { bulkPayload, ERR_NO_SUCH_KEY, isErrorReply, isNullReply } from "./keys_common.ts";

const ERR_INDEX_RANGE = "ERR index out of range";
const LLONG_MIN_TEXT = "-9223372036854775808";

// ---- pushes ------------------------------------------------------------------------------------

/** LPUSH / RPUSH, and LPUSHX / RPUSHX (`onlyExisting`): Redis's pushGenericCommand. */
function pushCommand(front: boolean, onlyExisting: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    const n = listPush(ctx.shard.keyspace, ctx.client.db, args, args.argc, front, onlyExisting);
    if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else out.integer(n);
  };
}

// ---- pops ---------------------------------------------------------------------------------------

/** LPOP / RPOP key [count]: one element as a bulk, or with a count an array (a missing key
 * is a null bulk, or with a count a null array). */
function popCommand(front: boolean) {
  return (ctx: CommandContext): void => {
    const { args, out } = ctx;
    if (args.argc > 3) return out.error(errArity(ctx.spec.name));
    let count = -1;
    if (args.argc === 3) {
      const c = args.int(2);
      if (c === null || c < 0) return out.error("ERR value is out of range, must be positive");
      count = c;
    }
    const ks = ctx.shard.keyspace;
    const n = listPop(ks, ctx.client.db, args, 1, front, count);
    if (n === NOT_FOUND) return count < 0 ? out.nullBulk() : out.nullArray();
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    if (count < 0) return writeElement(ks, out);
    out.arrayHeader(n);
    ks.replyItems().writeMany(out, n);
  };
}

/** LEFT / RIGHT (Redis's getListPositionFromObjectOrReply): true for LEFT, null after the
 * syntax error. */
function sideArg(ctx: CommandContext, i: number): boolean | null {
  if (ctx.args.is(i, "left")) return true;
  if (ctx.args.is(i, "right")) return false;
  ctx.out.error(ERR_SYNTAX);
  return null;
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT, and RPOPLPUSH (RIGHT, LEFT). */
function moveCommand(fixed?: [boolean, boolean]) {
  return (ctx: CommandContext): void => {
    const sides = fixed ?? moveSides(ctx);
    if (!sides) return;
    const { out } = ctx;
    const ks = ctx.shard.keyspace;
    const n = listMove(ks, ctx.client.db, ctx.args, sides[0], sides[1]);
    if (n === NOT_FOUND) out.nullBulk();
    else if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else writeElement(ks, out);
  };
}

export function moveSides(ctx: CommandContext): [boolean, boolean] | null {
  const from = sideArg(ctx, 3);
  if (from === null) return null;
  const to = sideArg(ctx, 4);
  if (to === null) return null;
  return [from, to];
}

interface MultiPop {
  /** Argument indexes of the keys. */
  keys: number[];
  whereIndex: number;
  front: boolean;
  count: number;
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: Redis's lmpopGenericCommand
 * checks, or null after replying the error. */
export function multiPopArgs(ctx: CommandContext): MultiPop | null {
  const { args, out } = ctx;
  const numkeys = args.int(1);
  if (numkeys === null || numkeys < 1) {
    out.error("ERR numkeys should be greater than 0");
    return null;
  }
  const whereIndex = 2 + numkeys;
  if (whereIndex >= args.argc) {
    out.error(ERR_SYNTAX);
    return null;
  }
  const front = sideArg(ctx, whereIndex);
  if (front === null) return null;
  let count = -1;
  for (let j = whereIndex + 1; j < args.argc; j++) {
    if (count === -1 && args.is(j, "count") && j + 1 < args.argc) {
      const c = args.int(++j);
      if (c === null || c < 1) {
        out.error("ERR count should be greater than 0");
        return null;
      }
      count = c;
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  const keys = Array.from({ length: numkeys }, (_, k) => 2 + k);
  return { keys, whereIndex, front, count: count === -1 ? 1 : count };
}

/** LMPOP's key positions (for routing): none when numkeys is not valid (the handler, run
 * where the client is, replies the error). */
function multiPopKeys(args: Args): number[] {
  const numkeys = args.int(1);
  if (numkeys === null || numkeys < 1 || 2 + numkeys >= args.argc) return [];
  return Array.from({ length: numkeys }, (_, k) => 2 + k);
}

/** LMPOP on one shard: pops from the first non-empty list, [key, [elements]]. */
function lmpop(ctx: CommandContext): void {
  const pop = multiPopArgs(ctx);
  if (!pop) return;
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  for (const key of pop.keys) {
    const n = listPop(ks, ctx.client.db, args, key, pop.front, pop.count);
    if (n === NOT_FOUND) continue;
    if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
    out.arrayHeader(2);
    out.bulk(args.bytes(key));
    out.arrayHeader(n);
    ks.replyItems().writeMany(out, n);
    return;
  }
  out.nullArray();
}

// ---- reads --------------------------------------------------------------------------------------

function llen(ctx: CommandContext): void {
  const n = listLength(ctx.shard.keyspace, ctx.client.db, ctx.args, true);
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(n === NOT_FOUND ? 0 : n);
}

/** Arguments 2 and 3 as integers (LRANGE, LTRIM), or null after the error. */
function rangeArgs(ctx: CommandContext): [number, number] | null {
  const start = ctx.args.int(2), end = ctx.args.int(3);
  if (start === null || end === null) {
    ctx.out.error(ERR_NOT_INTEGER);
    return null;
  }
  return [start, end];
}

function lrange(ctx: CommandContext): void {
  const range = rangeArgs(ctx);
  if (!range) return;
  const { out } = ctx;
  const ks = ctx.shard.keyspace;
  const n = listRange(ks, ctx.client.db, ctx.args, range[0], range[1]);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  out.arrayHeader(n);
  ks.replyItems().writeMany(out, n);
}

/** LINDEX key index: the key is looked up before the index is parsed, as in Redis. */
function lindex(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  const index = args.int(2);
  if (index === null) {
    const n = listLength(ks, ctx.client.db, args, true);
    if (n === NOT_FOUND) out.nullBulk();
    else if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
    else out.error(ERR_NOT_INTEGER);
    return;
  }
  const n = listIndex(ks, ctx.client.db, args, index);
  if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else if (n === 1) writeElement(ks, out);
  else out.nullBulk();
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(ctx: CommandContext): void {
  const { args, out } = ctx;
  let rank = 1, count = -1, maxlen = 0, rankIsMin = false;
  for (let j = 3; j < args.argc; j++) {
    const more = j + 1 < args.argc;
    if (args.is(j, "rank") && more) {
      const r = args.int(++j);
      if (r === null) return out.error(ERR_NOT_INTEGER);
      if (r === 0) {
        return out.error(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
            "or use negative to start from the end of the list",
        );
      }
      rank = r;
      rankIsMin = args.text(j) === LLONG_MIN_TEXT;
    } else if (args.is(j, "count") && more) {
      const c = args.int(++j);
      if (c === null || c < 0) return out.error("ERR COUNT can't be negative");
      count = c;
    } else if (args.is(j, "maxlen") && more) {
      const m = args.int(++j);
      if (m === null || m < 0) return out.error("ERR MAXLEN can't be negative");
      maxlen = m;
    } else return out.error(ERR_SYNTAX);
  }
  // Redis negates a negative rank; LLONG_MIN stays negative there, so every match counts
  // from the first one on and COUNT never stops the scan.
  let scanRank = Math.abs(rank), scanCount = count;
  if (rankIsMin) [scanRank, scanCount] = [1, count === -1 ? -1 : 0];
  const ks = ctx.shard.keyspace;
  const n = listPos(ks, ctx.client.db, args, rank < 0, scanRank, scanCount, maxlen);
  if (n === WRONG_TYPE) return out.error(ERR_WRONGTYPE);
  if (count !== -1) {
    out.arrayHeader(n === NOT_FOUND ? 0 : n);
    if (n > 0) ks.replyItems().writeMany(out, n);
  } else if (n === 1) ks.replyItems().writeNext(out);
  else out.nullBulk();
}

// ---- in-place writes ------------------------------------------------------------------------------

/** LSET key index element: the key is looked up before the index is parsed, as in Redis. */
function lset(ctx: CommandContext): void {
  const { args, out } = ctx;
  const ks = ctx.shard.keyspace;
  const index = args.int(2);
  const n = index === null
    ? listLength(ks, ctx.client.db, args, false)
    : listSet(ks, ctx.client.db, args, index);
  if (n === NOT_FOUND) out.error(ERR_NO_SUCH_KEY);
  else if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else if (index === null) out.error(ERR_NOT_INTEGER);
  else if (n === CONDITION) out.error(ERR_INDEX_RANGE);
  else out.ok();
}

/** LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0 for a
 * missing key. */
function linsert(ctx: CommandContext): void {
  const { args, out } = ctx;
  let after: boolean;
  if (args.is(2, "after")) after = true;
  else if (args.is(2, "before")) after = false;
  else return out.error(ERR_SYNTAX);
  const n = listInsert(ctx.shard.keyspace, ctx.client.db, args, after);
  if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else out.integer(n === CONDITION ? -1 : n);
}

/** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
function lrem(ctx: CommandContext): void {
  const { args, out } = ctx;
  const count = args.int(2);
  if (count === null) return out.error(ERR_NOT_INTEGER);
  const n = listRemove(ctx.shard.keyspace, ctx.client.db, args, count);
  if (n === WRONG_TYPE) out.error(ERR_WRONGTYPE);
  else out.integer(n);
}

function ltrim(ctx: CommandContext): void {
  const range = rangeArgs(ctx);
  if (!range) return;
  const n = listTrim(ctx.shard.keyspace, ctx.client.db, ctx.args, range[0], range[1]);
  if (n === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.ok();
}

// ---- keys on different shards ---------------------------------------------------------------------

const [TYPE, LPOP, RPOP, LPUSH, RPUSH, LMPOP, ONE, LEFT, RIGHT, COUNT] = [
  "TYPE",
  "LPOP",
  "RPOP",
  "LPUSH",
  "RPUSH",
  "LMPOP",
  "1",
  "LEFT",
  "RIGHT",
  "COUNT",
].map(asciiBytes);

/** The type name in a TYPE reply (`+list`). */
function typeOf(reply: Uint8Array): string {
  return latin1(reply.subarray(1, reply.length - 2));
}

/** `*-1` (RESP2 null array) or `_` (RESP3). */
function isNullArrayReply(frame: Uint8Array): boolean {
  return frame[0] === 0x5f || (frame[0] === 0x2a && frame[1] === 0x2d);
}

/** LMOVE / RPOPLPUSH with the two keys on different shards: the destination's type is known
 * before anything is popped (Redis checks the source, then the destination). */
function moveAcrossShards(fixed?: [boolean, boolean]) {
  return async (ctx: CommandContext): Promise<void> => {
    const sides = fixed ?? moveSides(ctx);
    if (!sides) return;
    const { out, shard } = ctx;
    const src = ctx.args.bytes(1).slice(), dst = ctx.args.bytes(2).slice();
    const from = shard.ownerOf(src), to = shard.ownerOf(dst);
    await ctx.cross!.atomically([from, to], async (run) => {
      const dstType = typeOf(await run(to, [TYPE, dst]));
      if (dstType !== "none" && dstType !== "list") {
        const srcType = typeOf(await run(from, [TYPE, src]));
        return srcType === "none" ? out.nullBulk() : out.error(ERR_WRONGTYPE);
      }
      const popped = await run(from, [sides[0] ? LPOP : RPOP, src]);
      if (isErrorReply(popped) || isNullReply(popped)) return out.raw(popped);
      const element = bulkPayload(popped).slice();
      await run(to, [sides[1] ? LPUSH : RPUSH, dst, element]);
      out.bulk(element);
    });
  };
}

/** LMPOP with keys on several shards: each key in turn, on its shard, until one pops. */
async function lmpopAcrossShards(ctx: CommandContext): Promise<void> {
  const pop = multiPopArgs(ctx);
  if (!pop) return;
  const { out, shard } = ctx;
  const keys = pop.keys.map((i) => ctx.args.bytes(i).slice());
  const count = asciiBytes(String(pop.count));
  await ctx.cross!.atomically(keys.map((k) => shard.ownerOf(k)), async (run) => {
    for (const key of keys) {
      const reply = await run(shard.ownerOf(key), [
        LMPOP,
        ONE,
        key,
        pop.front ? LEFT : RIGHT,
        COUNT,
        count,
      ]);
      if (!isNullArrayReply(reply)) return out.raw(reply);
    }
    out.nullArray();
  });
}

/** RPOPLPUSH: from the tail (RIGHT) to the head (LEFT). */
const RIGHT_LEFT: [boolean, boolean] = [false, true];

export const listCommands: CommandRows = {
  lpush: { handler: pushCommand(true, false) },
  rpush: { handler: pushCommand(false, false) },
  lpushx: { handler: pushCommand(true, true) },
  rpushx: { handler: pushCommand(false, true) },
  lpop: { handler: popCommand(true) },
  rpop: { handler: popCommand(false) },
  llen: { handler: llen },
  lrange: { handler: lrange },
  lindex: { handler: lindex },
  lset: { handler: lset },
  linsert: { handler: linsert },
  lrem: { handler: lrem },
  ltrim: { handler: ltrim },
  lpos: { handler: lpos },
  lmove: { handler: moveCommand(), acrossShards: moveAcrossShards() },
  rpoplpush: { handler: moveCommand(RIGHT_LEFT), acrossShards: moveAcrossShards(RIGHT_LEFT) },
  lmpop: { handler: lmpop, getKeys: multiPopKeys, acrossShards: lmpopAcrossShards },
};
