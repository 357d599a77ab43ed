// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence
// of two strings, with Redis 7.0's dynamic-programming table and its exact walk back through
// it, so that ties pick the same subsequence and ranges as redis-server.
import type { CommandContext } from "./spec.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";

const EMPTY = new Uint8Array(0);

/** A key's string bytes, NOT_FOUND or WRONG_TYPE. */
type StringRead = Uint8Array | number;

export function lcs(ctx: CommandContext): void {
  const { args, client } = ctx;
  const ks = ctx.shard.keyspace;
  const a = ks.getString(client.db, args.bytes(1));
  const first = typeof a === "number" ? a : a.slice(); // the view ends at the next engine call
  replyLcs(ctx, first, ks.getString(client.db, args.bytes(2)));
}

const GET = asciiBytes("GET");

/** LCS with its two keys on different shards: read both under the shards' locks. */
export async function lcsAcrossShards(ctx: CommandContext): Promise<void> {
  const { args, shard } = ctx;
  const keys = [args.bytes(1).slice(), args.bytes(2).slice()];
  const owners = keys.map((key) => shard.ownerOf(key));
  const replies = await ctx.cross!.atomically(
    owners,
    (run) => Promise.all(keys.map((key, i) => run(owners[i], [GET, key]))),
  );
  const values = replies.map(stringFromGetReply);
  const failed = values.find((v) => v instanceof Error);
  if (failed) return ctx.out.error((failed as Error).message);
  replyLcs(ctx, values[0] as StringRead, values[1] as StringRead);
}

/** A GET reply frame (RESP2 or RESP3) as a StringRead; an Error for any other error. */
function stringFromGetReply(reply: Uint8Array): StringRead | Error {
  const headerEnd = reply.indexOf(0x0d);
  const header = latin1(reply.subarray(1, headerEnd));
  if (reply[0] === 0x24 && header !== "-1") {
    return reply.subarray(headerEnd + 2, headerEnd + 2 + Number(header));
  }
  if (reply[0] !== 0x2d) return NOT_FOUND; // $-1 or _
  return header.startsWith("WRONGTYPE") ? WRONG_TYPE : new Error(header);
}

interface LcsOptions {
  getLength: boolean;
  getIndexes: boolean;
  withMatchLength: boolean;
  minMatchLength: number;
}

/** The options after the keys, or null after replying an error. */
function parseOptions(ctx: CommandContext): LcsOptions | null {
  const { args, out } = ctx;
  const options: LcsOptions = {
    getLength: false,
    getIndexes: false,
    withMatchLength: false,
    minMatchLength: 0,
  };
  for (let j = 3; j < args.argc; j++) {
    if (args.is(j, "idx")) options.getIndexes = true;
    else if (args.is(j, "len")) options.getLength = true;
    else if (args.is(j, "withmatchlen")) options.withMatchLength = true;
    else if (args.is(j, "minmatchlen") && j < args.argc - 1) {
      const n = args.int(++j);
      if (n === null) {
        out.error(ERR_NOT_INTEGER);
        return null;
      }
      options.minMatchLength = Math.max(n, 0);
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  if (options.getIndexes && options.getLength) {
    out.error("ERR If you want both the length and indexes, please just use IDX.");
    return null;
  }
  return options;
}

/** One run of matching bytes: a[aStart..aEnd] equals b[bStart..bEnd]. */
type MatchRange = [aStart: number, aEnd: number, bStart: number, bEnd: number];

/** Redis's lcsCommand once both keys are read (missing keys are empty strings). */
function replyLcs(ctx: CommandContext, readA: StringRead, readB: StringRead): void {
  const { out } = ctx;
  if (readA === WRONG_TYPE || readB === WRONG_TYPE) {
    return out.error("ERR The specified keys must contain string values");
  }
  const a = typeof readA === "number" ? EMPTY : readA;
  const b = typeof readB === "number" ? EMPTY : readB;
  const options = parseOptions(ctx);
  if (!options) return;
  // (Redis's "String too long for LCS" needs 4 GB strings: unreachable under 512 MB.)
  const table = lcsTable(ctx, a, b);
  if (!table) return;
  const width = b.length + 1;
  const total = table[a.length * width + b.length];
  const { getIndexes, getLength, withMatchLength, minMatchLength } = options;
  if (getLength && !getIndexes) return out.integer(total);

  // Walk back from the end, rebuilding the subsequence and its contiguous ranges.
  const result = new Uint8Array(total);
  const ranges: MatchRange[] = [];
  let idx = total;
  let i = a.length, j = b.length;
  let aStart = a.length, aEnd = 0, bStart = 0, bEnd = 0; // aStart === a.length: no open range
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === a.length) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--, i--, j--;
    } else {
      if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
      else j--;
      if (aStart !== a.length) emit = true;
    }
    if (emit) {
      if (minMatchLength === 0 || aEnd - aStart + 1 >= minMatchLength) {
        ranges.push([aStart, aEnd, bStart, bEnd]);
      }
      aStart = a.length;
    }
  }

  if (!getIndexes) return out.bulk(result);
  out.mapHeader(2);
  out.bulkText("matches");
  out.arrayHeader(ranges.length);
  for (const [as, ae, bs, be] of ranges) {
    out.arrayHeader(withMatchLength ? 3 : 2);
    out.arrayHeader(2);
    out.integer(as);
    out.integer(ae);
    out.arrayHeader(2);
    out.integer(bs);
    out.integer(be);
    if (withMatchLength) out.integer(ae - as + 1);
  }
  out.bulkText("len");
  out.integer(total);
}

/**
 * The table of LCS lengths: cell (i, j) is the LCS length of a[0..i) and b[0..j). Null after
 * replying Redis's error when it would take more than proto-max-bulk-len bytes (4 per cell)
 * or cannot be allocated.
 */
function lcsTable(ctx: CommandContext, a: Uint8Array, b: Uint8Array): Uint32Array | null {
  const cells = (a.length + 1) * (b.length + 1);
  if (cells * 4 > Number(ctx.shard.config.get("proto-max-bulk-len"))) {
    ctx.out.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return null;
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells); // zeroed: row 0 and column 0 stay 0
  } catch {
    ctx.out.error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return null;
  }
  const width = b.length + 1;
  for (let i = 1; i <= a.length; i++) {
    const row = i * width, above = row - width;
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      if (ai === b[j - 1]) table[row + j] = table[above + j - 1] + 1;
      else {
        const up = table[above + j], left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  return table;
}
