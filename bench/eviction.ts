// Issue #8's eviction targets, IronCache (--shards 1 and 2) vs redis-server with the same settings:
//  1. flood: maxmemory 100mb allkeys-lru, ~1 GB of distinct 1 KiB SETs pipelined; used_memory
//     sampled every 200 ms, and a PING probe on its own connection meanwhile (p50/p99).
//  2. hit ratio: Zipf(0.99) GET, SET on a miss, over a keyspace ~3-4x what fits; INFO stats deltas
//     of keyspace_hits/misses after a warm-up.
// Each round runs every server (the order reversed every other round, so drift and bursts of
// load spread over all of them) and a redis whose maxmemory holds as many keys as IronCache
// --shards 1 did; every round's figures are reported.
// Run: node_modules/.bin/deno run -A bench/eviction.ts [--rounds N] [--flood-keys N] [--zipf-keys N] [--ops N]
import { parseArgs } from "node:util";
import { type ServerHandle, startIronCache, startRedis } from "./servers.ts";
import { encodeCommand, parseInfo, ReplyError, RespClient } from "./resp.ts";
import { seededRandom, zipfGenerator } from "./zipf.ts";
import { rssBytes } from "./procstat.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    "flood-keys": { type: "string", default: "1000000" },
    "zipf-keys": { type: "string", default: "400000" },
    "warmup": { type: "string", default: "400000" },
    "ops": { type: "string", default: "600000" },
    "maxmemory": { type: "string", default: "100mb" },
    "out": { type: "string", default: "bench/results/eviction.json" },
    "rounds": { type: "string", default: "1" },
  },
});
const FLOOD_KEYS = Number(opts["flood-keys"]);
const ZIPF_KEYS = Number(opts["zipf-keys"]);
const WARMUP_OPS = Number(opts.warmup);
const MEASURED_OPS = Number(opts.ops);
const MAXMEMORY = opts.maxmemory!;
const ROUNDS = Number(opts.rounds);
const VALUE = "v".repeat(1024);
const BATCH = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

async function info(c: RespClient, section: string): Promise<Record<string, string>> {
  const r = await c.command("INFO", section);
  if (typeof r !== "string") throw new Error(`INFO ${section} replied ${JSON.stringify(r)}`);
  return parseInfo(r);
}

async function configure(server: ServerHandle, maxmemory = MAXMEMORY): Promise<number> {
  const c = await RespClient.connect(server.host, server.port);
  try {
    for (const [k, v] of [["maxmemory", maxmemory], ["maxmemory-policy", "allkeys-lru"]]) {
      const r = await c.command("CONFIG", "SET", k, v);
      if (r !== "OK") throw new Error(`CONFIG SET ${k} on ${server.label}: ${JSON.stringify(r)}`);
    }
    return Number((await info(c, "memory"))["maxmemory"]);
  } finally {
    c.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

/** Sends `commands` in one write and reads as many replies. */
async function batch(c: RespClient, commands: string[][]) {
  const parts = commands.map(encodeCommand);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  await c.writeAll(out);
  const replies = [];
  for (let i = 0; i < commands.length; i++) replies.push(await c.readReply());
  return replies;
}

interface FloodResult {
  maxmemory: number;
  keysWritten: number;
  oomReplies: number;
  seconds: number;
  peakUsedMemory: number;
  finalUsedMemory: number;
  peakOverLimitPct: number;
  finalOverLimitPct: number;
  samples: number;
  /** The process's resident memory (the runtime and allocator included), for context. */
  peakRssBytes: number;
  /** Resident memory after the flood, and before it (the server's runtime alone). */
  finalRssBytes: number;
  idleRssBytes: number;
  evictedKeys: number;
  dbsize: number;
  pings: number;
  pingP50Ms: number;
  pingP99Ms: number;
  pingMaxMs: number;
}

async function flood(server: ServerHandle, maxmemory: number): Promise<FloodResult> {
  const writer = await RespClient.connect(server.host, server.port);
  const sampler = await RespClient.connect(server.host, server.port);
  const prober = await RespClient.connect(server.host, server.port);
  let done = false;
  const used: number[] = [];
  const rss = () => (server.pid !== null ? rssBytes(server.pid) : null) ?? 0;
  const idleRss = rss();
  let peakRss = 0;
  const sampling = (async () => {
    while (!done) {
      used.push(Number((await info(sampler, "memory"))["used_memory"]));
      peakRss = Math.max(peakRss, rss());
      await sleep(200);
    }
  })();
  const pings: number[] = [];
  const probing = (async () => {
    while (!done) {
      const t = performance.now();
      if ((await prober.command("PING")) !== "PONG") {
        throw new Error("PING failed during the flood");
      }
      pings.push(performance.now() - t);
      await sleep(10);
    }
  })();
  const start = performance.now();
  let oom = 0;
  for (let i = 0; i < FLOOD_KEYS; i += BATCH) {
    const cmds = [];
    for (let j = i; j < Math.min(FLOOD_KEYS, i + BATCH); j++) {
      cmds.push(["SET", `flood:${j}`, VALUE]);
    }
    for (const r of await batch(writer, cmds)) {
      if (r instanceof ReplyError) oom++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  done = true;
  await Promise.all([sampling, probing]);
  await sleep(300); // let a shard's cron finish evicting, then the final figure
  const finalUsed = Number((await info(sampler, "memory"))["used_memory"]);
  const finalRss = rss();
  const stats = await info(sampler, "stats");
  const dbsize = Number(await sampler.command("DBSIZE"));
  for (const c of [writer, sampler, prober]) c.close();
  const peak = Math.max(...used, finalUsed);
  const sorted = pings.sort((a, b) => a - b);
  const pct = (x: number) => Math.round((x / maxmemory - 1) * 1000) / 10;
  return {
    maxmemory,
    keysWritten: FLOOD_KEYS,
    oomReplies: oom,
    seconds: Math.round(seconds * 10) / 10,
    peakUsedMemory: peak,
    finalUsedMemory: finalUsed,
    peakOverLimitPct: pct(peak),
    finalOverLimitPct: pct(finalUsed),
    samples: used.length,
    peakRssBytes: Math.max(peakRss, finalRss),
    finalRssBytes: finalRss,
    idleRssBytes: idleRss,
    evictedKeys: Number(stats["evicted_keys"]),
    dbsize,
    pings: pings.length,
    pingP50Ms: round2(percentile(sorted, 0.5)),
    pingP99Ms: round2(percentile(sorted, 0.99)),
    pingMaxMs: round2(sorted[sorted.length - 1]),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

interface HitRatioResult {
  keys: number;
  warmupOps: number;
  measuredOps: number;
  hits: number;
  misses: number;
  hitRatioPct: number;
  clientHitRatioPct: number;
  dbsize: number;
  evictedKeys: number;
  seconds: number;
}

/** GET a Zipf-chosen key; on a miss SET it (the cache-aside pattern), BATCH GETs per round trip. */
async function zipfRun(c: RespClient, ops: number, next: () => number): Promise<{ hits: number }> {
  let hits = 0;
  for (let done = 0; done < ops; done += BATCH) {
    const keys = [];
    for (let j = 0; j < Math.min(BATCH, ops - done); j++) keys.push(`zipf:${next()}`);
    const replies = await batch(c, keys.map((k) => ["GET", k]));
    const sets = [];
    for (let j = 0; j < keys.length; j++) {
      if (replies[j] === null) sets.push(["SET", keys[j], VALUE]);
      else hits++;
    }
    if (sets.length) await batch(c, sets);
  }
  return { hits };
}

async function hitRatio(server: ServerHandle): Promise<HitRatioResult> {
  const c = await RespClient.connect(server.host, server.port);
  // Same seeded key sequence for every server.
  const next = zipfGenerator(ZIPF_KEYS, 0.99, seededRandom(8));
  await zipfRun(c, WARMUP_OPS, next);
  const before = await info(c, "stats");
  const start = performance.now();
  const { hits } = await zipfRun(c, MEASURED_OPS, next);
  const seconds = (performance.now() - start) / 1000;
  const after = await info(c, "stats");
  const dbsize = Number(await c.command("DBSIZE"));
  c.close();
  const d = (f: string) => Number(after[f]) - Number(before[f]);
  const h = d("keyspace_hits"), m = d("keyspace_misses");
  return {
    keys: ZIPF_KEYS,
    warmupOps: WARMUP_OPS,
    measuredOps: MEASURED_OPS,
    hits: h,
    misses: m,
    hitRatioPct: round2(100 * h / (h + m)),
    clientHitRatioPct: round2(100 * hits / MEASURED_OPS),
    dbsize,
    evictedKeys: Number(after["evicted_keys"]),
    seconds: Math.round(seconds * 10) / 10,
  };
}

async function fresh(which: string): Promise<ServerHandle> {
  if (which === "redis") return await startRedis("redis");
  return await startIronCache(which, which.endsWith("2") ? 2 : 1);
}

const SERVERS = ["redis", "IronCache --shards 1", "IronCache --shards 2"];
interface ServerRun {
  round: number;
  server: string;
  version: string;
  settings: string;
  flood: FloodResult;
  hitRatio: HitRatioResult;
}
const runs: ServerRun[] = [];
const scaledRuns: Array<HitRatioResult & { round: number; maxmemory: number }> = [];
const loadBefore = Deno.loadavg();
const startedAt = new Date().toISOString();

async function runServer(which: string, round: number): Promise<ServerRun> {
  // A fresh server for each phase: the flood's leftovers would skew the hit ratio.
  let server = await fresh(which);
  let floodResult: FloodResult;
  try {
    const maxmemory = await configure(server);
    log(`round ${round}, ${which}: flood of ${FLOOD_KEYS} x 1 KiB SETs, maxmemory ${maxmemory}`);
    floodResult = await flood(server, maxmemory);
    log(`${which}: ${JSON.stringify(floodResult)}`);
  } finally {
    await server.stop();
  }
  server = await fresh(which);
  try {
    await configure(server);
    log(
      `round ${round}, ${which}: Zipf(0.99) over ${ZIPF_KEYS} keys, ${WARMUP_OPS} warm-up + ${MEASURED_OPS} measured`,
    );
    const hr = await hitRatio(server);
    log(`${which}: ${JSON.stringify(hr)}`);
    return {
      round,
      server: which,
      version: server.version,
      settings: server.settings,
      flood: floodResult,
      hitRatio: hr,
    };
  } finally {
    await server.stop();
  }
}

for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? SERVERS : [...SERVERS].reverse();
  const byServer: Record<string, ServerRun> = {};
  for (const which of order) runs.push(byServer[which] = await runServer(which, round));
  // IronCache's accounting fits more 1 KiB keys in the same maxmemory than redis's, which alone
  // raises its hit ratio; a redis with maxmemory scaled to hold as many keys separates that from
  // the quality of the LRU approximation.
  const scaledMaxmemory = Math.round(
    byServer["redis"].flood.maxmemory * byServer["IronCache --shards 1"].hitRatio.dbsize /
      byServer["redis"].hitRatio.dbsize,
  );
  const scaled = await startRedis("redis (scaled maxmemory)");
  try {
    await configure(scaled, String(scaledMaxmemory));
    log(`redis with maxmemory ${scaledMaxmemory} (as many keys as IronCache --shards 1 holds)`);
    scaledRuns.push({ round, maxmemory: scaledMaxmemory, ...await hitRatio(scaled) });
    log(JSON.stringify(scaledRuns[scaledRuns.length - 1]));
  } finally {
    await scaled.stop();
  }
}

const report = {
  startedAt,
  finishedAt: new Date().toISOString(),
  loadAverageBefore: loadBefore,
  loadAverageAfter: Deno.loadavg(),
  cpus: navigator.hardwareConcurrency,
  maxmemory: MAXMEMORY,
  policy: "allkeys-lru",
  valueBytes: 1024,
  batch: BATCH,
  rounds: ROUNDS,
  runs,
  redisWithScaledMaxmemory: scaledRuns,
};
await Deno.mkdir(opts.out!.replace(/\/[^/]*$/, ""), { recursive: true });
await Deno.writeTextFile(opts.out!, JSON.stringify(report, null, 2) + "\n");

const mb = (b: number) => (b / 1048576).toFixed(1);
const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;
const lines = [
  `| round | server | flood time (s) | OOM replies | used_memory peak (MiB, vs limit) | final (MiB, vs limit) | evicted | RSS idle / peak / final (MiB) | final RSS / used_memory | PING p50 / p99 / max (ms) | hit ratio (INFO) | vs redis, same round (points) |`,
  `|---|---|---|---|---|---|---|---|---|---|---|---|`,
];
for (const r of runs) {
  const f = r.flood, h = r.hitRatio;
  const redis = runs.find((x) => x.round === r.round && x.server === "redis")!.hitRatio;
  lines.push(
    `| ${r.round} | ${r.server} | ${f.seconds} | ${f.oomReplies} | ${mb(f.peakUsedMemory)} (${
      signed(f.peakOverLimitPct, 1)
    }%) | ${mb(f.finalUsedMemory)} (${signed(f.finalOverLimitPct, 1)}%) | ${f.evictedKeys} | ` +
      `${mb(f.idleRssBytes)} / ${mb(f.peakRssBytes)} / ${mb(f.finalRssBytes)} | ${
        (f.finalRssBytes / f.finalUsedMemory).toFixed(2)
      } | ${f.pingP50Ms} / ${f.pingP99Ms} / ${f.pingMaxMs} | ${h.hitRatioPct}% | ${
        signed(h.hitRatioPct - redis.hitRatioPct, 2)
      } |`,
  );
}
lines.push("");
for (const scaled of scaledRuns) {
  const iron = runs.find((x) => x.round === scaled.round && x.server === "IronCache --shards 1")!
    .hitRatio;
  lines.push(
    `round ${scaled.round}: redis with maxmemory ${scaled.maxmemory} (holds ${scaled.dbsize} keys, IronCache --shards 1 held ${iron.dbsize}): ` +
      `hit ratio ${scaled.hitRatioPct}% (IronCache --shards 1 minus it: ${
        signed(iron.hitRatioPct - scaled.hitRatioPct, 2)
      } points)`,
  );
}
lines.push(
  "",
  `load average before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${
    report.loadAverageAfter.map((x) => x.toFixed(2)).join(" ")
  }; ` +
    `${report.cpus} CPUs; ${startedAt} .. ${report.finishedAt}`,
);
const markdown = lines.join("\n");
console.log(markdown);
await Deno.writeTextFile(opts.out!.replace(/\.json$/, "") + ".md", markdown + "\n");
