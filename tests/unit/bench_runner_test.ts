// The runner's option parsing and its noise warnings (no servers started here).
import assert from "node:assert/strict";
import { noiseNotes, parseOptions } from "../../bench/runner.ts";
import type { WorkloadResult } from "../../bench/method.ts";

Deno.test("bench runner: defaults, --quick, subsets and bad values", () => {
  const full = parseOptions([]);
  assert.ok(typeof full !== "string");
  assert.equal(full.keyspace, 1_000_000);
  assert.equal(full.clients, 50);
  assert.equal(full.dataSize, 32);
  assert.equal(full.rounds, 3);
  assert.deepEqual(full.pipelines, [1, 16]);
  assert.equal(full.memoryKeys, 1_000_000);
  assert.equal(full.workloads.length, 12);
  assert.equal(full.scalingWorkload, "SET-4K");
  assert.ok(full.out.endsWith("/bench/results"));

  const quick = parseOptions([
    "--quick",
    "--workloads",
    "get,set",
    "--pipelines",
    "16",
    "--no-pin",
    "--memory-keys",
    "0",
  ]);
  assert.ok(typeof quick !== "string");
  assert.equal(quick.keyspace, 1000);
  assert.deepEqual(quick.workloads, ["GET", "SET"]);
  assert.deepEqual(quick.pipelines, [16]);
  assert.equal(quick.pin, false);
  assert.equal(quick.memoryKeys, 0);
  assert.match(quick.name, /-quick$/);

  assert.match(parseOptions(["--help"]) as string, /^Usage: ironcache bench/);
  assert.throws(() => parseOptions(["--rounds", "0"]), /--rounds wants an integer >= 1/);
  assert.throws(() => parseOptions(["--generator", "wrk"]), /--generator/);
  assert.throws(() => parseOptions(["--workloads", "SET,NOPE"]), /unknown workload 'NOPE'/);
  assert.throws(() => parseOptions(["--bogus"]), /bogus/);
});

Deno.test("bench runner: noise warnings", () => {
  const row = (min: number, max: number): WorkloadResult => ({
    workload: "SET",
    description: "",
    pipeline: 1,
    status: "ok",
    requestsPerRun: 1,
    commandLines: [],
    runs: {},
    summary: { a: { opsPerSec: { median: min, min, max }, cpuNsPerOp: null, latencyMs: null } },
    ratio: 1,
    cpuRatio: null,
  });
  assert.deepEqual(noiseNotes("0.20 0.10 0.05", 2, [row(100, 120)]), []);
  const notes = noiseNotes("3.5 2.0 1.0", 2, [row(100, 120), row(100, 200)]);
  assert.equal(notes.length, 2);
  assert.match(notes[0], /load average 3.5 on 2 cores/);
  assert.match(notes[1], /In 1 of 2 server rows/);
});
