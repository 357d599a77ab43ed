// `ironcache bench` (and `deno task bench`): IronCache against redis-server with an external
// load generator. Starts both servers (or attaches to running ones), measures memory per key,
// runs each workload alternately on both, then IronCache --shards 1 vs 2; prints a markdown
// table and writes a JSON file and an SVG chart. See docs/benchmarks.md.
import { parseArgs } from "node:util";
import { type LoadGenerator, onPath, pickLoadGenerator } from "./loadgen.ts";
import { measureMemory, type MemoryResult } from "./memory.ts";
import { measureWorkload, type MethodOptions, type WorkloadResult } from "./method.ts";
import { loadAverage, machineInfo, pinProcess } from "./procstat.ts";
import { type BenchReport, type ServerDescription, toJson, toMarkdown } from "./report.ts";
import { dbSize, fillHashes } from "./fill.ts";
import { attach, type ServerHandle, startIronCache, startRedis } from "./servers.ts";
import { toSvg } from "./svg.ts";
import { DEFAULT_WORKLOADS, FANOUT_WORKLOADS, parseWorkloadList, WORKLOADS, type WorkloadId } from "./workloads.ts";

const USAGE = `Usage: ironcache bench [OPTIONS]

Benchmarks IronCache against redis-server with memtier_benchmark (when on PATH) or
redis-benchmark, alternating the servers A B A B. Prints a markdown table; writes
<out>/<name>.json and <out>/<name>.svg.

Servers (default: start both on free ports of 127.0.0.1, persistence off):
  --target HOST:PORT       attach to a running IronCache instead of starting one
  --baseline HOST:PORT     attach to a running redis instead of starting one
  --target-pid N, --baseline-pid N
                           the attached server's pid (else INFO process_id or /proc for local ones)
  --allow-flush            attached servers holding keys are flushed (FLUSHALL): say so explicitly
  --shards N               shards of the started IronCache (default 1)
Workloads:
  --workloads LIST         comma-separated subset of: ${[...DEFAULT_WORKLOADS, ...FANOUT_WORKLOADS].join(", ")}
  --pipelines LIST         pipeline depths (default 1,16)
  --clients N              connections (default 50)
  --keyspace N             keys (default 1000000)
  --data-size N            value bytes (default 32)
Method:
  --rounds N               measured rounds per server (default 3)
  --seconds S              size each run to about S seconds from the warm-up (default 2)
  --requests N             fixed requests per run instead
  --no-pin                 do not pin (default: server on CPU 0, load generator on CPU 1)
  --generator G            auto | memtier | redis-benchmark (default auto)
Extras:
  --memory-keys N          keys for the memory-per-key fill (default 1000000; 0 skips it)
  --memory-hash-fields N   fill hashes of N fields (field<j> = value:<i>:<j>) instead of strings
  --no-scaling             skip IronCache --shards 1 vs --shards 2
  --scaling-only           only that comparison (no workloads vs redis, no memory fill)
  --scaling-workload W     the workload of that comparison (default SET-4K: 4 KiB values, P16)
Output:
  --out DIR                directory for the JSON and SVG (default bench/results)
  --name NAME              file name stem (default bench-<timestamp>)
  --quick                  a few seconds, tiny keyspace: a smoke test of the runner itself
  --help                   this text`;

interface Options {
  quick: boolean;
  target: string | null;
  baseline: string | null;
  targetPid: number | null;
  baselinePid: number | null;
  allowFlush: boolean;
  shards: number;
  workloads: WorkloadId[];
  pipelines: number[];
  clients: number;
  keyspace: number;
  dataSize: number;
  rounds: number;
  seconds: number;
  requests: number | null;
  pin: boolean;
  generator: "auto" | "memtier" | "redis-benchmark";
  memoryKeys: number;
  memoryHashFields: number;
  scaling: boolean;
  scalingWorkload: WorkloadId;
  out: string;
  name: string;
}

const repoRoot = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

export function parseOptions(argv: string[]): Options | string {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean", default: false },
      target: { type: "string" },
      baseline: { type: "string" },
      "target-pid": { type: "string" },
      "baseline-pid": { type: "string" },
      "allow-flush": { type: "boolean", default: false },
      shards: { type: "string" },
      workloads: { type: "string" },
      only: { type: "string" },
      pipelines: { type: "string" },
      clients: { type: "string" },
      keyspace: { type: "string" },
      "data-size": { type: "string" },
      rounds: { type: "string" },
      seconds: { type: "string" },
      requests: { type: "string" },
      "no-pin": { type: "boolean", default: false },
      generator: { type: "string" },
      "memory-keys": { type: "string" },
      "memory-hash-fields": { type: "string" },
      "no-scaling": { type: "boolean", default: false },
      "scaling-only": { type: "boolean", default: false },
      "scaling-workload": { type: "string" },
      out: { type: "string" },
      name: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return USAGE;
  const quick = values.quick;
  const int = (name: string, v: string | undefined, dflt: number, min = 1): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants an integer >= ${min}, got '${v}'`);
    return n;
  };
  const generator = values.generator ?? "auto";
  if (!["auto", "memtier", "redis-benchmark"].includes(generator)) throw new Error(`--generator: auto, memtier or redis-benchmark, not '${generator}'`);
  const seconds = values.seconds === undefined ? (quick ? 0.2 : 2) : Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds wants a positive number, got '${values.seconds}'`);
  const pipelines = (values.pipelines ?? "1,16").split(",").map((p) => int("pipelines", p.trim(), 1));
  const stamp = new Date().toISOString().replace(/[:]/g, "").replace(/\..*/, "");
  return {
    quick,
    target: values.target ?? null,
    baseline: values.baseline ?? null,
    targetPid: values["target-pid"] ? int("target-pid", values["target-pid"], 0) : null,
    baselinePid: values["baseline-pid"] ? int("baseline-pid", values["baseline-pid"], 0) : null,
    allowFlush: values["allow-flush"],
    shards: int("shards", values.shards, 1),
    workloads: values["scaling-only"] ? [] : parseWorkloadList(
      values.workloads ?? values.only ??
        (quick ? DEFAULT_WORKLOADS : [...DEFAULT_WORKLOADS, ...FANOUT_WORKLOADS]).join(","),
    ),
    pipelines,
    clients: int("clients", values.clients, 50),
    keyspace: int("keyspace", values.keyspace, quick ? 1000 : 1_000_000),
    dataSize: int("data-size", values["data-size"], 32),
    rounds: int("rounds", values.rounds, quick ? 2 : 3),
    seconds,
    requests: values.requests !== undefined ? int("requests", values.requests, 1) : null,
    pin: !values["no-pin"],
    generator: generator as Options["generator"],
    memoryKeys: values["scaling-only"] ? 0 : int("memory-keys", values["memory-keys"], quick ? 10_000 : 1_000_000, 0),
    memoryHashFields: int("memory-hash-fields", values["memory-hash-fields"], 0, 0),
    scaling: !values["no-scaling"],
    scalingWorkload: parseWorkloadList(values["scaling-workload"] ?? "SET-4K")[0] ?? "SET-4K",
    out: values.out ?? `${repoRoot}/bench/results`,
    name: values.name ?? `bench-${stamp}${quick ? "-quick" : ""}`,
  };
}

/** One status line while it runs: rewritten in place on a terminal, one line each otherwise. */
function progressPrinter(started: number) {
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  return {
    show(text: string) {
      const line = `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`;
      Deno.stderr.writeSync(enc.encode(tty ? `\r\x1b[K${line}` : `${line}\n`));
    },
    done() {
      if (tty) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    },
  };
}

export async function runBench(argv: string[]): Promise<number> {
  let o: Options;
  try {
    const parsed = parseOptions(argv);
    if (typeof parsed === "string") {
      console.log(parsed);
      return 0;
    }
    o = parsed;
  } catch (err) {
    console.error(`ironcache bench: ${(err as Error).message}\n(see 'ironcache bench --help')`);
    return 2;
  }

  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    console.error(
      "ironcache bench: needs permission to run programs (redis-server, redis-benchmark or memtier_benchmark, " +
        "ironcache server), i.e. deno's --allow-run, which this executable was not given; add --allow-run to " +
        "scripts/runtime-flags, or run: node_modules/.bin/deno run -A src/main.ts bench ...",
    );
    return 2;
  }
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const progress = progressPrinter(t0);
  const started: ServerHandle[] = [];
  const cleanup = async () => {
    for (const s of started.splice(0)) await s.stop().catch(() => {});
  };
  const onSignal = () => {
    progress.done();
    console.error("ironcache bench: interrupted; stopping the servers it started");
    cleanup().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const gen = await pickLoadGenerator(o.generator);
    if (typeof gen === "string") {
      console.error(`ironcache bench: ${gen}`);
      return 1;
    }
    const machine = machineInfo();
    const canPin = o.pin && Number(machine.cores) >= 2 && (await onPath("taskset")) !== null;
    const serverCpus = canPin ? "0" : null;
    const loadgenCpus = canPin ? "1" : null;
    const notes: string[] = [];
    const genNote = gen.name === "redis-benchmark"
      ? "memtier_benchmark is not on PATH (Debian 12 does not package it), so redis-benchmark from redis-tools ran; MIX is two concurrent redis-benchmark processes (5 SET + 45 GET connections, requests 1:10)"
      : "memtier_benchmark was found on PATH";

    progress.show("starting the servers");
    const target = o.target
      ? await attach("IronCache", o.target, o.targetPid)
      : track(started, await startIronCache("IronCache", o.shards));
    const baseline = o.baseline ? await attach("redis", o.baseline, o.baselinePid) : track(started, await startRedis("redis"));
    const servers = [target, baseline];
    for (const s of servers) {
      if (s.started || o.allowFlush) continue;
      const n = await dbSize(s);
      if (n !== 0) {
        console.error(`ironcache bench: ${s.label} at ${s.host}:${s.port} holds ${n ?? "an unknown number of"} keys; the benchmark runs FLUSHALL. Pass --allow-flush to go ahead.`);
        return 1;
      }
    }
    const pinned: Record<string, string | null> = {};
    for (const s of servers) {
      pinned[s.label] = serverCpus && s.pid !== null && await pinProcess(s.pid, serverCpus) ? serverCpus : null;
    }
    if (servers.some((s) => s.pid === null)) notes.push("CPU ns/op and RSS are n/a for a server whose process is not visible from here.");

    const method: MethodOptions = {
      rounds: o.rounds,
      clients: o.clients,
      keyspace: o.keyspace,
      dataSize: o.dataSize,
      requests: o.requests,
      seconds: o.seconds,
      warmupRequests: o.quick ? 1000 : 20_000,
      minRequests: o.quick ? 1000 : 10_000,
      maxRequests: o.quick ? 20_000 : 5_000_000,
      loadgenCpus,
      roles: ["target", "baseline"],
      progress: (t) => progress.show(t),
      prepared: new Map(),
    };

    let memory: MemoryResult[] | null = null;
    if (o.memoryKeys > 0) {
      memory = [];
      for (const s of servers) {
        progress.show(`memory: filling ${o.memoryKeys} keys into ${s.label}`);
        try {
          const fields = o.memoryHashFields;
          const fill = fields > 0 ? (x: ServerHandle) => fillHashes(x, o.memoryKeys, fields, gen.keyName) : undefined;
          memory.push({ ...await measureMemory(s, o.memoryKeys, o.dataSize, gen.keyName, fill), hashFields: fields || undefined });
        } catch (err) {
          memory.push({
            label: s.label, keys: o.memoryKeys, dataSize: o.dataSize, dbsize: null, fillSeconds: 0,
            rssBefore: null, rssAfter: null, rssBytesPerKey: null,
            usedMemoryBefore: null, usedMemoryAfter: null, usedMemoryBytesPerKey: null,
            notes: [`error: ${(err as Error).message.split("\n")[0]}`],
          });
        }
      }
      // The fill is the GET workload's fill when the sizes match.
      if (o.memoryKeys === o.keyspace && o.memoryHashFields === 0) for (const s of servers) method.prepared.set(s.label, `fill-strings:${o.keyspace}:${o.dataSize}`);
    }

    const workloads: WorkloadResult[] = [];
    for (const id of o.workloads) {
      for (const p of o.pipelines) {
        workloads.push(await measureWorkload(gen, WORKLOADS[id], p, servers, method));
      }
    }

    let scaling: BenchReport["scaling"] = null;
    const scalingServers: ServerHandle[] = [];
    if (o.scaling && !o.target) {
      progress.show("scaling: starting IronCache --shards 1 and --shards 2");
      for (const s of started.filter((x) => x !== baseline)) {
        await s.stop(); // free the memory and the CPU of the comparison's IronCache
        started.splice(started.indexOf(s), 1);
      }
      const w = WORKLOADS[o.scalingWorkload];
      const description = `${w.description}. Unpinned: the load generator shares the machine's ${machine.cores} cores with the server, so the gain shows only as far as the client leaves a core free. Ratio = shards=2 / shards=1.`;
      try {
        const two = track(started, await startIronCache("shards=2", 2));
        const one = track(started, await startIronCache("shards=1", 1));
        scalingServers.push(two, one);
        const result = await measureWorkload(gen, w, 16, [two, one], {
          ...method,
          loadgenCpus: null,
          roles: ["shards=2", "shards=1"],
          prepared: new Map(),
        });
        scaling = { description, result };
      } catch (err) {
        // Keep everything measured so far: the scaling part failed, not the benchmark.
        scaling = {
          description,
          result: {
            workload: w.id, description: w.description, pipeline: 16, status: "error",
            reason: `could not run the scaling comparison: ${(err as Error).message.split("\n")[0]}`,
            requestsPerRun: 0, commandLines: [], runs: {}, summary: {}, ratio: null, cpuRatio: null,
          },
        };
      }
    } else if (o.scaling) {
      notes.push("Scaling skipped: it starts its own IronCache instances, which --target rules out.");
    }

    notes.push(...noiseNotes(String(machine.loadavg), Number(machine.cores), [...workloads, ...(scaling ? [scaling.result] : [])]));
    const describe = (s: ServerHandle, role: ServerDescription["role"]): ServerDescription => ({
      label: s.label, role, kind: s.kind, address: `${s.host}:${s.port}`, pid: s.pid, started: s.started,
      version: s.version, settings: s.settings, pinnedCpus: pinned[s.label] ?? null,
    });
    const report: BenchReport = {
      tool: "ironcache bench",
      format: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      durationSeconds: (performance.now() - t0) / 1000,
      quick: o.quick,
      command: ["ironcache", "bench", ...argv].join(" "),
      loadGenerator: { name: gen.name, version: gen.version, note: genNote },
      machine,
      loadavgEnd: loadAverage(),
      settings: {
        clients: o.clients,
        keyspace: o.keyspace,
        dataSize: o.dataSize,
        pipelines: o.pipelines,
        rounds: o.rounds,
        secondsPerRun: o.requests ? null : o.seconds,
        requestsPerRun: o.requests,
        loadgenCpus,
        serverCpus,
      },
      servers: [
        describe(target, "target"),
        describe(baseline, "baseline"),
        ...scalingServers.map((s) => describe(s, "scaling")),
      ],
      workloads,
      memory,
      scaling,
      notes,
    };
    progress.show("writing the report");
    const files = await writeFiles(report, o, gen);
    progress.done();
    console.log(toMarkdown(report, files));
    return 0;
  } catch (err) {
    progress.done();
    console.error(`ironcache bench: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

/** Plain warnings when the figures are noisy: a busy machine, or rounds that disagree. */
export function noiseNotes(loadavgAtStart: string, cores: number, results: WorkloadResult[]): string[] {
  const notes: string[] = [];
  const load = Number(loadavgAtStart.split(" ")[0]);
  if (Number.isFinite(load) && cores > 0 && load > cores / 2) {
    notes.push(`The machine was busy before the run started (load average ${load} on ${cores} cores): other processes shared the CPUs, so expect noisy figures.`);
  }
  let rows = 0;
  let wide = 0;
  for (const r of results) {
    for (const side of Object.values(r.summary)) {
      rows++;
      if (side.opsPerSec.max > 1.5 * side.opsPerSec.min) wide++;
    }
  }
  if (wide > 0) {
    notes.push(`In ${wide} of ${rows} server rows the rounds' ops/s differ by more than 1.5x (max/min): compare those on CPU ns/op, not ops/s.`);
  }
  return notes;
}

function track(list: ServerHandle[], s: ServerHandle): ServerHandle {
  list.push(s);
  return s;
}

async function writeFiles(report: BenchReport, o: Options, _gen: LoadGenerator): Promise<{ json: string; svg: string }> {
  await Deno.mkdir(o.out, { recursive: true });
  const json = `${o.out}/${o.name}.json`;
  const svg = `${o.out}/${o.name}.svg`;
  await Deno.writeTextFile(json, toJson(report));
  const title = `IronCache vs redis ${report.machine.cores} cores, ${report.loadGenerator.name} ${report.loadGenerator.version}, ${report.startedAt.slice(0, 16)}`;
  await Deno.writeTextFile(svg, toSvg(report.workloads, ["IronCache", "redis"], title));
  return { json, svg };
}
