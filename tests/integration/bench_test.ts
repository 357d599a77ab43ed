// `ironcache bench --quick` end to end: it starts IronCache and redis-server, runs every
// workload (unsupported ones must be reported as such, not crash), and writes a markdown table,
// a JSON file and an SVG chart that must be sane. Also attaching to running servers.
import assert from "node:assert/strict";
import { repoRoot, startIronCache, startRedis } from "../helpers/servers.ts";
import { DEFAULT_WORKLOADS } from "../../bench/workloads.ts";

const dec = new TextDecoder();

/**
 * The bench command line. The runner spawns programs, so it needs --allow-run: through the
 * launcher when scripts/runtime-flags grants it, else the launcher's own flags plus --allow-run
 * (the same program, only the permission added).
 */
function benchCommand(args: string[]): [string, string[]] {
  const flags = Deno.readTextFileSync(`${repoRoot}/scripts/runtime-flags`).split("\n").map((l) =>
    l.trim()
  )
    .filter((l) => l && !l.startsWith("#"));
  if (flags.includes("--allow-run") || flags.includes("--allow-all") || flags.includes("-A")) {
    return [`${repoRoot}/ironcache`, ["bench", ...args]];
  }
  return [Deno.execPath(), [
    "run",
    "--quiet",
    "--no-prompt",
    ...flags,
    "--allow-run",
    `${repoRoot}/src/main.ts`,
    "bench",
    ...args,
  ]];
}

async function bench(args: string[]) {
  const [cmd, argv] = benchCommand(args);
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args: argv,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    seconds: (performance.now() - t0) / 1000,
  };
}

function processGone(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    // A zombie still has an entry; it has exited all the same.
    return /^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return true;
  }
}

Deno.test("bench: --quick end to end (markdown, JSON, SVG)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ironcache-bench-" });
  try {
    const r = await bench(["--quick", "--out", dir, "--name", "quick"]);
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    // Its duration is printed, not asserted: tests make no timing claims (the machine is shared).
    console.log(`bench --quick took ${r.seconds.toFixed(1)} s`);
    assert.match(r.stderr, /\[bench +\d+ s\] SET P1: /, "progress lines on stderr");

    // Markdown: every workload at both depths, the generator named.
    assert.match(r.stdout, /Load generator: \*\*(redis-benchmark|memtier_benchmark) [\d.]+\*\*/);
    assert.match(r.stdout, /\| workload \| P \| IronCache ops\/s median/);
    for (const w of DEFAULT_WORKLOADS) {
      for (const p of [1, 16]) assert.ok(r.stdout.includes(`| ${w} | ${p} | `), `row ${w} P${p}`);
    }
    assert.match(r.stdout, /### Memory: 10000 keys/);
    assert.match(r.stdout, /### Scaling: IronCache --shards 1 vs --shards 2/);

    // JSON.
    const report = JSON.parse(await Deno.readTextFile(`${dir}/quick.json`));
    assert.equal(report.tool, "ironcache bench");
    assert.equal(report.quick, true);
    assert.equal(report.workloads.length, DEFAULT_WORKLOADS.length * 2);
    for (const w of report.workloads) {
      assert.ok(
        ["ok", "unsupported"].includes(w.status),
        `${w.workload} P${w.pipeline}: ${w.status} ${w.reason ?? ""}`,
      );
      if (w.status === "unsupported") {
        assert.match(w.reason, /^unsupported by target: /);
        assert.equal(w.ratio, null);
        continue;
      }
      assert.equal(typeof w.ratio, "number");
      assert.ok(w.ratio > 0 && Number.isFinite(w.ratio), `${w.workload} ratio ${w.ratio}`);
      for (const label of ["IronCache", "redis"]) {
        const s = w.summary[label];
        assert.equal(w.runs[label].length, report.settings.rounds);
        assert.ok(
          s.opsPerSec.min > 0 && s.opsPerSec.min <= s.opsPerSec.median &&
            s.opsPerSec.median <= s.opsPerSec.max,
        );
        assert.ok(s.cpuNsPerOp.median > 0, `${label} ${w.workload} CPU ns/op`);
        assert.ok(s.latencyMs.p50 > 0 && s.latencyMs.p99 >= s.latencyMs.p50);
      }
    }
    const ok = report.workloads.filter((w: { status: string }) => w.status === "ok").map((
      w: { workload: string },
    ) => w.workload);
    for (const w of ["SET", "GET", "MIX", "INCR"]) {
      assert.ok(ok.includes(w), `${w} runs on IronCache`);
    }
    for (const m of report.memory) {
      assert.equal(m.dbsize, 10000, `${m.label} holds the filled keys`);
      assert.ok(m.rssBytesPerKey !== null, `${m.label} RSS per key`);
    }
    assert.ok(
      report.memory.find((m: { label: string }) => m.label === "redis").usedMemoryBytesPerKey >
        16 + 32,
    );
    assert.equal(report.scaling.result.status, "ok");
    assert.equal(typeof report.scaling.result.ratio, "number");

    // SVG: well-formed enough, one ratio label per measured group.
    const svg = await Deno.readTextFile(`${dir}/quick.svg`);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    const ratios = [...svg.matchAll(/class="ratio"[^>]*>([\d.]+)x</g)];
    assert.equal(ratios.length, ok.length);

    // Every server the runner started is gone.
    for (const s of report.servers) {
      assert.ok(processGone(s.pid), `${s.label} (pid ${s.pid}) stopped`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: attaches to running servers (--target/--baseline), refuses to flush keys unasked", async () => {
  const ic = await startIronCache();
  const redis = await startRedis();
  const dir = await Deno.makeTempDir({ prefix: "ironcache-bench-" });
  try {
    const common = [
      "--quick",
      "--target",
      `127.0.0.1:${ic.port}`,
      "--baseline",
      `127.0.0.1:${redis.port}`,
      "--workloads",
      "SET,HSET",
      "--pipelines",
      "16",
      "--memory-keys",
      "1000",
      "--out",
      dir,
      "--name",
      "attach",
    ];
    const r = await bench(common);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/attach.json`));
    assert.deepEqual(report.servers.map((s: { pid: number }) => s.pid), [
      ic.process.pid,
      redis.process.pid,
    ]);
    assert.ok(report.servers.every((s: { started: boolean }) => !s.started));
    assert.equal(report.workloads[0].status, "ok");
    assert.ok(report.workloads[0].summary.IronCache.cpuNsPerOp.median > 0);
    assert.equal(report.scaling, null);
    assert.match(r.stdout, /Scaling skipped/);

    // The attached servers now hold keys: without --allow-flush the runner stops.
    const refused = await bench(common);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /holds \d+ keys; the benchmark runs FLUSHALL\. Pass --allow-flush/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await ic.stop();
    await redis.stop();
  }
});

Deno.test("bench: --help and a bad flag", async () => {
  const help = await bench(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: ironcache bench/);
  const bad = await bench(["--rounds", "zero"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rounds wants an integer/);
});
