// SORT and SORT_RO (Redis's sort.c) over lists, sets and sorted sets.
//
// BY and GET patterns name keys that may live on any shard, so SORT always runs as an atomic
// step over the shards it may touch (all of them when a pattern substitutes '*', else the
// sorted key's and the STORE key's), reading with plain commands: TYPE, then LRANGE /
// SMEMBERS / ZRANGE for the elements, MGET (strings) and HGET (`->field`) for the patterns,
// DEL + RPUSH for STORE. The ordering rules are Redis's sortCompare.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { RunOnShard } from "../server/cross_shard.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { parseLongLong, parseStrtod } from "../protocol/numbers.ts";
import { arrayElements } from "../server/multishard.ts";
import { bulkPayload, isErrorReply, isNullReply } from "./keys_common.ts";
import { coordinated } from "./every_shard.ts";

const encoder = new TextEncoder();
const [TYPE, LRANGE, SMEMBERS, ZRANGE, MGET, HGET, DEL, RPUSH, ZERO, MINUS_ONE] = [
  "TYPE",
  "LRANGE",
  "SMEMBERS",
  "ZRANGE",
  "MGET",
  "HGET",
  "DEL",
  "RPUSH",
  "0",
  "-1",
].map((word) => encoder.encode(word));
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const STAR = 0x2a;

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** BY pattern; `dontSort` when it has no '*'. */
  by: Uint8Array | null;
  dontSort: boolean;
  gets: Uint8Array[];
  store: Uint8Array | null;
}

/** A C long argument (getLongFromObjectOrReply), or null. */
function longArg(ctx: CommandContext, i: number): number | null {
  const { args } = ctx;
  return parseLongLong(args.argBuf, args.argStart[i], args.argStart[i] + args.argLen[i]);
}

/** The options after the key, or null after replying the error (Redis parses them first). */
function parseOptions(ctx: CommandContext, readonly: boolean): SortOptions | null {
  const { args, out } = ctx;
  const o: SortOptions = {
    desc: false,
    alpha: false,
    limitStart: 0,
    limitCount: -1,
    by: null,
    dontSort: false,
    gets: [],
    store: null,
  };
  for (let j = 2; j < args.argc; j++) {
    const left = args.argc - j - 1;
    if (args.is(j, "asc")) o.desc = false;
    else if (args.is(j, "desc")) o.desc = true;
    else if (args.is(j, "alpha")) o.alpha = true;
    else if (args.is(j, "limit") && left >= 2) {
      const start = longArg(ctx, j + 1), count = longArg(ctx, j + 2);
      if (start === null || count === null) {
        out.error(ERR_NOT_INTEGER);
        return null;
      }
      o.limitStart = start;
      o.limitCount = count;
      j += 2;
    } else if (!readonly && args.is(j, "store") && left >= 1) {
      o.store = args.bytes(++j).slice();
    } else if (args.is(j, "by") && left >= 1) {
      o.by = args.bytes(++j).slice();
      o.dontSort = !o.by.includes(STAR);
    } else if (args.is(j, "get") && left >= 1) {
      o.gets.push(args.bytes(++j).slice());
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
  }
  return o;
}

/** A pattern substitutes '*' with an element: it may name a key on any shard. */
function substitutes(pattern: Uint8Array): boolean {
  return !(pattern.length === 1 && pattern[0] === 0x23) && pattern.includes(STAR);
}

/** Where a pattern leads for one element (Redis's lookupKeyByPattern). */
type Target = { self: true } | { self: false; key: Uint8Array; field: Uint8Array | null } | null;

function patternTarget(pattern: Uint8Array, element: Uint8Array): Target {
  if (pattern.length === 1 && pattern[0] === 0x23) return { self: true };
  const star = pattern.indexOf(STAR);
  if (star < 0) return null;
  let fieldAt = -1;
  for (let i = star + 1; i + 2 < pattern.length; i++) {
    if (pattern[i] === 0x2d && pattern[i + 1] === 0x3e) {
      fieldAt = i;
      break;
    }
  }
  const keyEnd = fieldAt >= 0 ? fieldAt : pattern.length;
  const key = new Uint8Array(keyEnd - 1 + element.length);
  key.set(pattern.subarray(0, star));
  key.set(element, star);
  key.set(pattern.subarray(star + 1, keyEnd), star + element.length);
  return { self: false, key, field: fieldAt >= 0 ? pattern.slice(fieldAt + 2) : null };
}

/** Looks a pattern up for every element: string keys with one MGET per shard, hash fields
 * with HGET. null where Redis's lookup gives NULL (missing key, wrong type, no '*'). */
async function lookupAll(
  ctx: CommandContext,
  run: RunOnShard,
  pattern: Uint8Array,
  elements: Uint8Array[],
): Promise<(Uint8Array | null)[]> {
  const values: (Uint8Array | null)[] = new Array(elements.length).fill(null);
  const stringKeys = new Map<number, { at: number; key: Uint8Array }[]>();
  for (let i = 0; i < elements.length; i++) {
    const target = patternTarget(pattern, elements[i]);
    if (target === null) continue;
    if (target.self) {
      values[i] = elements[i];
      continue;
    }
    const shard = ctx.shard.ownerOf(target.key);
    if (target.field) {
      const reply = await run(shard, [HGET, target.key, target.field]);
      if (!isNullReply(reply) && !isErrorReply(reply)) values[i] = bulkPayload(reply).slice();
    } else {
      const list = stringKeys.get(shard) ?? [];
      list.push({ at: i, key: target.key });
      stringKeys.set(shard, list);
    }
  }
  for (const [shard, list] of stringKeys) {
    const reply = await run(shard, [MGET, ...list.map((l) => l.key)]);
    arrayElements(reply).forEach((item, j) => {
      if (!isNullReply(item)) values[list[j].at] = bulkPayload(item).slice();
    });
  }
  return values;
}

/** Binary comparison, shorter first on a common prefix (compareStringObjects). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The elements of the key to sort, in Redis's iteration order; a string for an error. */
async function loadElements(
  ctx: CommandContext,
  run: RunOnShard,
  key: Uint8Array,
): Promise<{ elements: Uint8Array[]; type: string } | string> {
  const shard = ctx.shard.ownerOf(key);
  const typeReply = new TextDecoder().decode(await run(shard, [TYPE, key])).slice(1, -2);
  const read = {
    list: [LRANGE, key, ZERO, MINUS_ONE],
    set: [SMEMBERS, key],
    zset: [ZRANGE, key, ZERO, MINUS_ONE],
  }[
    typeReply
  ];
  if (typeReply === "none") return { elements: [], type: "list" };
  if (!read) return WRONGTYPE;
  const reply = await run(shard, read);
  return {
    elements: arrayElements(reply).map((item) => bulkPayload(item).slice()),
    type: typeReply,
  };
}

async function sortGeneric(ctx: CommandContext, readonly: boolean): Promise<void> {
  const { out } = ctx;
  const o = parseOptions(ctx, readonly);
  if (!o) return;
  const key = ctx.args.bytes(1).slice();
  const shards = new Set([ctx.shard.ownerOf(key)]);
  if (o.store) shards.add(ctx.shard.ownerOf(o.store));
  if ((o.by && !o.dontSort) || o.gets.some(substitutes)) {
    for (let s = 0; s < ctx.shard.count; s++) shards.add(s);
  }
  await ctx.cross!.atomically(shards, async (run) => {
    const loaded = await loadElements(ctx, run, key);
    if (typeof loaded === "string") return out.error(loaded);
    const { elements, type } = loaded;
    let { alpha, dontSort, by } = o;
    // A set has no order of its own: sort it when storing, so the result is reproducible.
    if (dontSort && type === "set" && o.store) {
      dontSort = false;
      alpha = true;
      by = null;
    }
    const n = elements.length;
    let start = Math.min(Math.max(o.limitStart, 0), n);
    const count = Math.min(Math.max(o.limitCount, -1), n);
    let end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
      start = n - 1;
      end = n - 2;
    }
    if (end >= n) end = n - 1;

    let order = elements.map((element, i) => ({
      element,
      i,
      score: 0,
      cmp: null as Uint8Array | null,
    }));
    if (dontSort) {
      // Lists and sorted sets keep their own order (reversed by DESC); sets their iteration's.
      if (o.desc && type !== "set") order.reverse();
    } else {
      const weights = by ? await lookupAll(ctx, run, by, elements) : elements;
      let conversionError = false;
      order.forEach((entry, i) => {
        const weight = weights[i];
        if (weight === null) return;
        if (alpha) {
          if (by) entry.cmp = weight;
        } else {
          const score = parseStrtod(weight);
          if (score === null) conversionError = true;
          else entry.score = score;
        }
      });
      if (conversionError) {
        return out.error("ERR One or more scores can't be converted into double");
      }
      const sign = o.desc ? -1 : 1;
      order.sort((a, b) => {
        let cmp: number;
        if (!alpha) {
          cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
        } else if (by) {
          if (!a.cmp || !b.cmp) cmp = a.cmp === b.cmp ? 0 : !a.cmp ? -1 : 1;
          else cmp = compareBytes(a.cmp, b.cmp);
        } else {
          cmp = compareBytes(a.element, b.element);
        }
        return sign * cmp;
      });
    }
    order = end >= start ? order.slice(start, end + 1) : [];
    const picked = order.map((e) => e.element);
    // GET patterns, each looked up for every picked element.
    const columns = await Promise.all(o.gets.map((p) => lookupAll(ctx, run, p, picked)));
    const output: (Uint8Array | null)[] = [];
    for (let i = 0; i < picked.length; i++) {
      if (!columns.length) output.push(picked[i]);
      for (const column of columns) output.push(column[i]);
    }
    if (!o.store) {
      out.arrayHeader(output.length);
      for (const value of output) {
        if (value === null) out.nullBulk();
        else out.bulk(value);
      }
      return;
    }
    const storeShard = ctx.shard.ownerOf(o.store);
    await run(storeShard, [DEL, o.store]);
    if (output.length) {
      const values = output.map((v) => v ?? new Uint8Array(0));
      const reply = await run(storeShard, [RPUSH, o.store, ...values]);
      if (isErrorReply(reply)) return out.raw(reply);
    }
    out.integer(output.length);
  });
}

export const sortCommands: CommandRows = {
  sort: {
    handler: (ctx) => sortGeneric(ctx, false),
    acrossShards: (ctx) => sortGeneric(ctx, false),
    route: coordinated,
  },
  sort_ro: {
    handler: (ctx) => sortGeneric(ctx, true),
    acrossShards: (ctx) => sortGeneric(ctx, true),
    route: coordinated,
  },
};
