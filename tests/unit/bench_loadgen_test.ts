// The load generators' output parsers, on captured redis-benchmark 7.0 outputs and a memtier
// JSON file (bench/testdata/README.md), plus the flags each workload turns into.
import assert from "node:assert/strict";
import {
  parseRedisBenchmark,
  percentileDistribution,
  percentileFrom,
  redisBenchmarkArgs,
  redisBenchmarkError,
} from "../../bench/loadgen_redis_benchmark.ts";
import { memtierArgs, parseMemtierJson } from "../../bench/loadgen_memtier.ts";
import { concurrentParts, type LoadSpec, sequentialParts } from "../../bench/loadgen.ts";
import { parseWorkloadList, stringKey, WORKLOADS } from "../../bench/workloads.ts";

const data = (name: string) =>
  Deno.readTextFileSync(new URL(`../../bench/testdata/${name}`, import.meta.url));

Deno.test("bench redis-benchmark: one section, throughput and percentiles incl. p99.9", () => {
  const parts = parseRedisBenchmark(data("redis-benchmark-7.0-set-p16.txt"));
  assert.equal(parts.length, 1);
  const [p] = parts;
  assert.equal(p.name, "SET");
  assert.equal(p.ops, 100000);
  assert.equal(p.opsPerSec, 281690.16);
  assert.deepEqual(p.latencyMs, { p50: 2.319, p99: 5.655, p999: 6.055 });
});

Deno.test("bench redis-benchmark: two tests in one run (LPUSH then LPOP) add up sequentially", () => {
  const parts = parseRedisBenchmark(data("redis-benchmark-7.0-lpush-lpop-p1.txt"));
  assert.deepEqual(parts.map((p) => [p.name, p.ops, p.opsPerSec]), [["LPUSH", 20000, 41841], [
    "LPOP",
    20000,
    40000,
  ]]);
  const r = sequentialParts(parts);
  assert.equal(r.ops, 40000);
  assert.ok(Math.abs(r.seconds - (20000 / 41841 + 20000 / 40000)) < 1e-9);
  assert.ok(r.opsPerSec > 40000 && r.opsPerSec < 41841);
  // The merged latency is the worse of the two per percentile.
  for (const k of ["p50", "p99", "p999"] as const) {
    assert.equal(r.latencyMs![k], Math.max(parts[0].latencyMs![k]!, parts[1].latencyMs![k]!));
  }
});

Deno.test("bench redis-benchmark: --csv output (no request count, no p99.9)", () => {
  const parts = parseRedisBenchmark(data("redis-benchmark-7.0-get-csv.txt"));
  assert.equal(parts.length, 1);
  assert.equal(parts[0].name, "GET");
  assert.ok(parts[0].opsPerSec > 0);
  assert.equal(parts[0].latencyMs!.p999, null);
  assert.ok(parts[0].latencyMs!.p50 > 0);
});

Deno.test("bench redis-benchmark: an error reply is reported, never parsed as numbers", () => {
  const stdout = data("redis-benchmark-7.0-unsupported.stdout.txt");
  const stderr = data("redis-benchmark-7.0-unsupported.stderr.txt");
  assert.deepEqual(parseRedisBenchmark(stdout), []);
  const msg = redisBenchmarkError(1, stderr, stdout);
  assert.match(msg!, /^server replied with an error: ERR unknown command 'zrange'/);
  assert.equal(redisBenchmarkError(0, "WARNING: Could not fetch server CONFIG\n", ""), null);
  assert.match(
    redisBenchmarkError(1, "Could not connect to Redis at 127.0.0.1:1: Connection refused\n", "")!,
    /code 1: Could not connect/,
  );
});

Deno.test("bench redis-benchmark: 'inf' throughput falls back to the completion time, then wall time", () => {
  const section = (secs: string) =>
    `====== LPOP ======\n  10 requests completed in ${secs} seconds\n  50 parallel clients\n\nSummary:\n  throughput summary: inf requests per second\n`;
  assert.equal(parseRedisBenchmark(section("0.01"))[0].opsPerSec, 1000);
  assert.equal(parseRedisBenchmark(section("0.00"), 0.5)[0].opsPerSec, 20);
  assert.deepEqual(parseRedisBenchmark(section("0.00")), []);
});

Deno.test("bench redis-benchmark: percentile lookup takes the first point at or above q", () => {
  const dist = percentileDistribution(data("redis-benchmark-7.0-set-p16.txt").replace(/\r/g, "\n"));
  assert.equal(dist[0][0], 0);
  assert.equal(percentileFrom(dist, 50), 2.319);
  assert.equal(percentileFrom(dist, 99.9), 6.055);
  assert.equal(percentileFrom(dist, 100), 6.303);
  assert.equal(percentileFrom([], 50), null);
});

const spec = (id: keyof typeof WORKLOADS, over: Partial<LoadSpec> = {}): LoadSpec => ({
  workload: WORKLOADS[id],
  host: "127.0.0.1",
  port: 7000,
  pipeline: 16,
  clients: 50,
  requests: 110000,
  keyspace: 1000000,
  dataSize: 32,
  cpus: null,
  ...over,
});

Deno.test("bench redis-benchmark: flags per workload", () => {
  const set = redisBenchmarkArgs(spec("SET"));
  assert.deepEqual(set, [[
    "-h",
    "127.0.0.1",
    "-p",
    "7000",
    "-c",
    "50",
    "-n",
    "110000",
    "-P",
    "16",
    "-r",
    "1000000",
    "-d",
    "32",
    "-t",
    "set",
  ]]);
  // LPUSH+LPOP: -n is per test, so the total is the requested count.
  assert.ok(redisBenchmarkArgs(spec("LPUSH+LPOP"))[0].join(" ").includes("-n 55000"));
  // MIX: two processes, connections 5 + 45, requests 1:10.
  const mix = redisBenchmarkArgs(spec("MIX")).map((a) => a.join(" "));
  assert.equal(mix.length, 2);
  assert.match(mix[0], /-c 5 -n 10000 .* -t set$/);
  assert.match(mix[1], /-c 45 -n 100000 .* -t get$/);
  assert.match(
    redisBenchmarkArgs(spec("ZRANGE"))[0].join(" "),
    /ZRANGE bench:zset __rand_int__ \+inf BYSCORE LIMIT 0 10$/,
  );
  assert.match(
    redisBenchmarkArgs(spec("SET-4K", { dataSize: 4096 }))[0].join(" "),
    /-d 4096 -t set$/,
  );
  assert.equal(stringKey(42), "key:000000000042");
  assert.equal(stringKey(42).length, 16);
});

Deno.test("bench memtier: JSON totals, parts per command, percentiles", () => {
  const r = parseMemtierJson(data("memtier-2.x-mix.json"))!;
  assert.equal(r.ops, 100000);
  assert.equal(r.opsPerSec, 400000);
  assert.equal(r.seconds, 0.25);
  assert.deepEqual(r.latencyMs, { p50: 1.199, p99: 3.487, p999: 5.311 });
  assert.deepEqual(r.parts.map((p) => [p.name, p.ops]), [["SET", 9091], ["GET", 90909]]); // Waits had none
});

Deno.test("bench memtier: bare nan, zero Ops/sec (interrupted run) and garbage", () => {
  const doc = {
    "run information": { "Actual benchmark duration (seconds)": 2 },
    "ALL STATS": {
      Incrs: {
        Count: 1000,
        "Ops/sec": 0,
        "Percentile Latencies": { "p50.00": 0.5, "p99.00": 1.5, "p99.90": 2.5 },
      },
      Totals: {
        Count: 1000,
        "Ops/sec": 0,
        Latency: "NAN",
        "Percentile Latencies": { "p50.00": 0.5, "p99.00": 1.5, "p99.90": 2.5 },
      },
    },
  };
  const text = JSON.stringify(doc).replace('"NAN"', "-nan");
  const r = parseMemtierJson(text)!;
  assert.equal(r.opsPerSec, 500);
  assert.equal(r.parts[0].name, "INCR");
  assert.equal(parseMemtierJson("not json"), null);
  assert.equal(parseMemtierJson("{}"), null);
});

Deno.test("bench memtier: flags per workload", () => {
  const mix = memtierArgs(spec("MIX", { pipeline: 1 }), "/tmp/x.json");
  for (
    const f of [
      "--ratio=1:10",
      "--pipeline=1",
      "--clients=50",
      "--requests=2200",
      "--key-maximum=999999",
      "--data-size=32",
      "--hide-histogram",
      "--json-out-file=/tmp/x.json",
      "--key-prefix=key:",
    ]
  ) {
    assert.ok(mix.includes(f), `${f} in ${mix.join(" ")}`);
  }
  const lists = memtierArgs(spec("LPUSH+LPOP"), "/tmp/x.json");
  assert.ok(
    lists.includes("--command=LPUSH mylist __data__") && lists.includes("--command=LPOP mylist"),
  );
  assert.ok(memtierArgs(spec("GET"), "f").includes("--ratio=0:1"));
});

Deno.test("bench: concurrent parts last as long as the slowest", () => {
  const r = concurrentParts([
    { name: "SET", ops: 100, opsPerSec: 100, latencyMs: { p50: 1, p99: 2, p999: 3 } },
    { name: "GET", ops: 1000, opsPerSec: 500, latencyMs: null },
  ]);
  assert.equal(r.seconds, 2);
  assert.equal(r.opsPerSec, 550);
  assert.deepEqual(r.latencyMs, { p50: 1, p99: 2, p999: 3 });
});

Deno.test("bench: workload list parsing", () => {
  assert.deepEqual(parseWorkloadList("set, get,lpush,LPOP,mix"), [
    "SET",
    "GET",
    "LPUSH+LPOP",
    "MIX",
  ]);
  assert.throws(() => parseWorkloadList("SET,FOO"), /unknown workload 'FOO'/);
});
