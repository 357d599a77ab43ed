// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP (Redis's object.c
// memoryCommand). USAGE runs on the key's shard and measures the key exactly in the engine;
// STATS gathers every shard's figures (a shard part replies them as JSON) and sums them.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Shard } from "../server/shard.ts";
import { parseLongLong } from "../protocol/numbers.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { infoStatsOf } from "../server/info_stats.ts";
import { isShardPart, replyText, withOtherShards } from "./every_shard.ts";
import { writeHelp } from "./help.ts";

export function memoryUsage(ctx: CommandContext): void {
  const args = ctx.args;
  // Redis parses every option before it looks the key up.
  for (let i = 3; i < args.argc; i++) {
    if (args.cText(i).toLowerCase() !== "samples" || i + 1 >= args.argc) {
      return ctx.out.error(ERR_SYNTAX);
    }
    const samples = parseLongLong(
      args.argBuf,
      args.argStart[i + 1],
      args.argStart[i + 1] + args.argLen[i + 1],
    );
    if (samples === null) return ctx.out.error(ERR_NOT_INTEGER);
    if (samples < 0) return ctx.out.error(ERR_SYNTAX);
    i++; // SAMPLES is accepted; the engine measures every element exactly
  }
  const bytes = ctx.shard.keyspace.memoryUsage(ctx.client.db, args.bytes(2));
  if (bytes < 0) ctx.out.nullBulk();
  else ctx.out.integer(bytes);
}

/** One shard's share of MEMORY STATS. */
interface ShardFigures {
  peak: number;
  total: number;
  startup: number;
  clients: number;
  rss: number;
  /** Per db with keys: [db, keys, keys with a TTL]. */
  dbs: Array<[number, number, number]>;
}

function figuresOf(shard: Shard): ShardFigures {
  const stats = infoStatsOf(shard);
  const total = shard.memory.used();
  const dbs: Array<[number, number, number]> = [];
  for (let db = 0; db < shard.databases; db++) {
    const keys = shard.keyspace.dbSize(db);
    if (keys > 0) dbs.push([db, keys, shard.keyspace.volatileCount(db)]);
  }
  return {
    peak: Math.max(stats.memoryPeak, total),
    total,
    startup: stats.memoryStartup,
    clients: shard.memory.clientBytes,
    rss: Deno.memoryUsage().rss,
    dbs,
  };
}

/** Shards' figures added up (RSS is the process's, the same for all). */
function sumFigures(all: ShardFigures[]): ShardFigures {
  const sum: ShardFigures = { peak: 0, total: 0, startup: 0, clients: 0, rss: all[0].rss, dbs: [] };
  const dbs = new Map<number, [number, number, number]>();
  for (const f of all) {
    sum.peak += f.peak;
    sum.total += f.total;
    sum.startup += f.startup;
    sum.clients += f.clients;
    for (const [db, keys, expires] of f.dbs) {
      const d = dbs.get(db) ?? [db, 0, 0];
      d[1] += keys;
      d[2] += expires;
      dbs.set(db, d);
    }
  }
  sum.dbs = [...dbs.values()].sort((a, b) => a[0] - b[0]);
  return sum;
}

/** The engine's index costs one 8-byte slot per key, its TTL list 4 bytes per volatile key
 * (Redis reports its dicts' buckets and entries here). */
const INDEX_SLOT_BYTES = 8, VOLATILE_ITEM_BYTES = 4;

/** Redis computes these ratios as C floats. */
const float = (v: number) => Math.fround(v);

function writeStats(ctx: CommandContext, f: ShardFigures): void {
  const out = ctx.out;
  const dbOverhead = f.dbs.reduce(
    (n, [, keys, expires]) => n + keys * INDEX_SLOT_BYTES + expires * VOLATILE_ITEM_BYTES,
    0,
  );
  const overhead = f.startup + f.clients + dbOverhead;
  const keys = f.dbs.reduce((n, d) => n + d[1], 0);
  const net = Math.max(0, f.total - f.startup);
  const dataset = Math.max(0, f.total - overhead);
  const pairs: Array<[string, (() => void)]> = [];
  const int = (name: string, v: number) => pairs.push([name, () => out.integer(Math.floor(v))]);
  const dbl = (name: string, v: number) => pairs.push([name, () => out.double(float(v))]);
  int("peak.allocated", f.peak);
  int("total.allocated", f.total);
  int("startup.allocated", f.startup);
  int("replication.backlog", 0);
  int("clients.slaves", 0);
  int("clients.normal", f.clients);
  int("cluster.links", 0);
  int("aof.buffer", 0);
  int("lua.caches", 0);
  int("functions.caches", 0);
  for (const [db, count, expires] of f.dbs) {
    pairs.push([`db.${db}`, () => {
      out.mapHeader(3);
      out.bulkText("overhead.hashtable.main");
      out.integer(count * INDEX_SLOT_BYTES);
      out.bulkText("overhead.hashtable.expires");
      out.integer(expires * VOLATILE_ITEM_BYTES);
      out.bulkText("overhead.hashtable.slot-to-keys");
      out.integer(0);
    }]);
  }
  int("overhead.total", overhead);
  int("keys.count", keys);
  int("keys.bytes-per-key", keys ? net / keys : 0);
  int("dataset.bytes", dataset);
  dbl("dataset.percentage", net ? dataset * 100 / net : 0);
  dbl("peak.percentage", f.peak ? f.total * 100 / f.peak : 0);
  // The engine's allocator: allocated = active (exact block accounting); resident = RSS.
  int("allocator.allocated", f.total);
  int("allocator.active", f.total);
  int("allocator.resident", f.rss);
  dbl("allocator-fragmentation.ratio", 1);
  int("allocator-fragmentation.bytes", 0);
  dbl("allocator-rss.ratio", f.total ? f.rss / f.total : 0);
  int("allocator-rss.bytes", f.rss - f.total);
  dbl("rss-overhead.ratio", 1);
  int("rss-overhead.bytes", 0);
  dbl("fragmentation", f.total ? f.rss / f.total : 0);
  int("fragmentation.bytes", f.rss - f.total);
  out.mapHeader(pairs.length);
  for (const [name, write] of pairs) {
    out.bulkText(name);
    write();
  }
}

export function memoryStats(ctx: CommandContext): void | Promise<void> {
  const own = figuresOf(ctx.shard);
  if (isShardPart(ctx)) return ctx.out.bulkText(JSON.stringify(own));
  return withOtherShards(ctx, (replies) => {
    const others = replies.map((r) => JSON.parse(replyText(r)) as ShardFigures);
    writeStats(ctx, sumFigures([own, ...others]));
  });
}

/** Redis's getMemoryDoctorReport says an instance under 5 MB is too empty to judge. */
const DOCTOR_EMPTY_BELOW = 5 * 1024 * 1024;
const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_FINE =
  "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

/** The engine's memory is counted block by block and freed blocks are reused, so of Redis's
 * checks only the empty instance applies (see docs/compatibility.md). */
export function memoryDoctor(ctx: CommandContext): void {
  const total = ctx.shard.memory.total();
  ctx.out.verbatim(total < DOCTOR_EMPTY_BELOW ? DOCTOR_EMPTY : DOCTOR_FINE);
}

/** Not jemalloc: a short report of this shard's engine allocator instead. */
export function memoryMallocStats(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  ctx.out.verbatim(
    "___ Begin IronCache engine allocator statistics ___\n" +
      `Allocator: AssemblyScript TLSF (WebAssembly), shard ${ctx.shard.id}\n` +
      `allocated: ${ks.memoryUsed()}\n` +
      `freed, kept for reuse: ${ks.memoryCached()}\n` +
      `linear memory: ${ks.memoryBytes().length}\n` +
      `highest address used: ${ks.memoryHighWater()}\n` +
      "___ End IronCache engine allocator statistics ___\n",
  );
}

/** Wasm memory never shrinks: frees FLUSHALL ASYNC's backlog and gives the freed blocks
 * kept for reuse back to the allocator (so other sizes can use them). */
export function memoryPurge(ctx: CommandContext): void {
  while (ctx.shard.keyspace.lazyFreeStep(1 << 16) !== 0) { /* free it all */ }
  ctx.shard.keyspace.memoryPurge();
  ctx.out.ok();
}

const HELP = [
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
];

export const memoryCommands: CommandRows = {
  memory: {
    subcommands: {
      usage: { handler: memoryUsage },
      stats: { handler: memoryStats },
      doctor: { handler: memoryDoctor },
      "malloc-stats": { handler: memoryMallocStats },
      purge: { handler: memoryPurge },
      help: { handler: (ctx) => writeHelp(ctx, HELP) },
    },
  },
};
