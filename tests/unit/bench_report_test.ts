// The report writers: markdown table rows (including unsupported workloads), JSON with no
// non-finite numbers, and a well-formed SVG with the ratio per group.
import assert from "node:assert/strict";
import {
  type BenchReport,
  cpuBudget,
  fmtOps,
  toJson,
  toMarkdown,
  workloadTable,
} from "../../bench/report.ts";
import { niceMax, toSvg } from "../../bench/svg.ts";
import { spread, summarize, type WorkloadResult } from "../../bench/method.ts";

function ok(workload: string, pipeline: number, a: number[], b: number[]): WorkloadResult {
  const runs = (ops: number[]) =>
    ops.map((o, i) => ({
      round: i + 1,
      ops: 1000,
      seconds: 1000 / o,
      opsPerSec: o,
      cpuNsPerOp: 1e9 / o,
      latencyMs: { p50: 0.5, p99: 1, p999: 2 },
      parts: [],
    }));
  const ra = runs(a);
  const rb = runs(b);
  const sa = summarize(ra);
  const sb = summarize(rb);
  return {
    workload,
    description: workload,
    pipeline,
    status: "ok",
    requestsPerRun: 1000,
    commandLines: [],
    runs: { IronCache: ra, redis: rb },
    summary: { IronCache: sa, redis: sb },
    ratio: sa.opsPerSec.median / sb.opsPerSec.median,
    cpuRatio: sa.cpuNsPerOp!.median / sb.cpuNsPerOp!.median,
  };
}

const unsupported: WorkloadResult = {
  workload: "HSET",
  description: "HSET",
  pipeline: 1,
  status: "unsupported",
  reason: "unsupported by target: ERR unknown command 'HSET'",
  requestsPerRun: 0,
  commandLines: [],
  runs: {},
  summary: {},
  ratio: null,
  cpuRatio: null,
};

Deno.test("bench report: spread and summary", () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
  assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 });
  assert.equal(fmtOps(1_234_567), "1.23M");
  assert.equal(fmtOps(98_765), "98.8k");
  assert.equal(fmtOps(0), "0");
  assert.equal(niceMax(180_000), 200_000);
  assert.equal(niceMax(2_100_000), 2_500_000);
});

Deno.test("bench report: markdown rows, ratio bold, unsupported named", () => {
  const rows = workloadTable([
    ok("SET", 16, [900e3, 1000e3, 1100e3], [1000e3, 1000e3, 1200e3]),
    unsupported,
  ], ["IronCache", "redis"]);
  assert.equal(rows.length, 4);
  assert.match(
    rows[2],
    /^\| SET \| 16 \| 1\.00M \(900k–1\.10M\) \| 1\.00M \(1\.00M–1\.20M\) \| \*\*1\.00x\*\* \| 1000 \(909–1111\) \|/,
  );
  assert.match(rows[3], /^\| HSET \| 1 \| unsupported by target: ERR unknown command 'HSET' \|/);
});

Deno.test("bench report: full markdown, JSON and SVG", () => {
  const report: BenchReport = {
    tool: "ironcache bench",
    format: 1,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:01:00Z",
    durationSeconds: 60,
    quick: false,
    command: "ironcache bench",
    loadGenerator: { name: "redis-benchmark", version: "7.0.15", note: "test" },
    machine: {
      cpu: "x",
      cores: 2,
      memoryGiB: 1,
      kernel: "6",
      os: "linux",
      deno: "2",
      loadavg: "0 0 0",
    },
    loadavgEnd: "0 0 0",
    settings: {
      clients: 50,
      keyspace: 1000,
      dataSize: 32,
      pipelines: [1, 16],
      rounds: 3,
      secondsPerRun: 2,
      requestsPerRun: null,
      loadgenCpus: "1",
      serverCpus: "0",
    },
    servers: [
      {
        label: "IronCache",
        role: "target",
        kind: "ironcache",
        address: "127.0.0.1:1",
        pid: 1,
        started: true,
        version: "0.1.0",
        settings: "--shards 1",
        pinnedCpus: "0",
      },
      {
        label: "redis",
        role: "baseline",
        kind: "redis",
        address: "127.0.0.1:2",
        pid: 2,
        started: true,
        version: "7.0.15",
        settings: "--save ''",
        pinnedCpus: "0",
      },
    ],
    workloads: [
      ok("SET", 1, [100e3, 110e3, 120e3], [120e3, 125e3, 130e3]),
      ok("SET", 16, [1e6, 1.1e6, 1.2e6], [1e6, 1e6, 1e6]),
      unsupported,
    ],
    memory: [{
      label: "IronCache",
      keys: 1000,
      dataSize: 32,
      dbsize: 1000,
      fillSeconds: 0.1,
      rssBefore: 1,
      rssAfter: 2,
      rssBytesPerKey: 100,
      usedMemoryBefore: null,
      usedMemoryAfter: null,
      usedMemoryBytesPerKey: null,
      notes: ["used_memory n/a"],
    }],
    scaling: null,
    notes: ["a note"],
  };
  const md = toMarkdown(report, { json: "a.json", svg: "a.svg" });
  assert.match(md, /\*\*redis-benchmark 7\.0\.15\*\*/);
  assert.match(md, /\| SET \| 1 \| 110k/);
  assert.match(md, /\| IronCache \| 1000 \| n\/a \| 100 \|/);
  assert.match(md, /Files: a\.json, a\.svg/);
  const json = JSON.parse(toJson({ ...report, durationSeconds: NaN }));
  assert.equal(json.durationSeconds, null);
  assert.equal(json.workloads.length, 3);
  const svg = toSvg(report.workloads, ["IronCache", "redis"], "t & <title>");
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /t &amp; &lt;title&gt;/);
  assert.equal(
    [...svg.matchAll(/class="ratio"[^>]*>([^<]+)</g)].map((m) => m[1]).join(","),
    "0.88x,1.10x",
  );
  assert.match(svg, />unsupported</);
  assert.equal((svg.match(/<rect /g) ?? []).length, 2 + 1 + 4); // legend 2, background 1, bars 4
});

Deno.test("bench report: the CPU budget line of a comparison, only with the machine's figures", () => {
  const r = ok("SET-4K", 16, [100, 110, 120], [200, 210, 220]);
  assert.equal(cpuBudget(r, ["IronCache", "redis"]), null); // runs without /proc figures
  const withMachine = (rest: number, idle: number) =>
    summarize([100, 110, 120].map((o, i) => ({
      round: i + 1,
      ops: 1000,
      seconds: 1000 / o,
      opsPerSec: o,
      cpuNsPerOp: 4000 + i,
      restNsPerOp: rest + i,
      idleShare: idle,
      latencyMs: null,
      parts: [],
    })));
  r.summary = { "shards=2": withMachine(2100, 0.15), "shards=1": withMachine(2600, 0.14) };
  assert.equal(
    cpuBudget(r, ["shards=2", "shards=1"]),
    "- CPU per operation (medians): shards=2: server 4001 ns/op, rest of the machine (mostly the load generator) 2101 ns/op, cores idle 15%; shards=1: server 4001 ns/op, rest of the machine (mostly the load generator) 2601 ns/op, cores idle 14%.",
  );
});
