// The measuring method for one workload at one pipeline depth over two (or more) servers:
// probe the command on every server, prepare the keyspace, warm up, then run the servers
// alternately (A B A B ...) for N rounds, recording ops/s, latency percentiles and the server's
// CPU time per operation (all its threads, from /proc, read just before and after each run).
import { fillStrings, fillZset, flushAll } from "./fill.ts";
import { type Latency, type LoadGenerator, LoadGenError, type LoadPart, type LoadSpec } from "./loadgen.ts";
import { cpuTime, machineCpu } from "./procstat.ts";
import { ReplyError, RespClient } from "./resp.ts";
import type { ServerHandle } from "./servers.ts";
import { PROBE_KEYS, type Workload } from "./workloads.ts";
import { Subscribers } from "./subscribers.ts";

export interface RunRecord {
  round: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** Server CPU (user + sys, all threads) per operation; null when the pid is unknown. */
  cpuNsPerOp: number | null;
  /** The rest of the machine's CPU per operation (all busy CPU time minus the server's): the
   * load generator's, plus anything else that ran. Null without /proc or the server's pid. */
  restNsPerOp?: number | null;
  /** The share of all cores' time left idle during the run (0-1); null without /proc. */
  idleShare?: number | null;
  latencyMs: Latency | null;
  parts: LoadPart[];
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface SideSummary {
  opsPerSec: Spread;
  cpuNsPerOp: Spread | null;
  restNsPerOp?: Spread | null;
  idleShare?: Spread | null;
  /** Median over the rounds of each percentile, ms. */
  latencyMs: Latency | null;
}

export interface WorkloadResult {
  workload: string;
  description: string;
  pipeline: number;
  /** ok; unsupported (a probe got an error reply); error (a run failed). */
  status: "ok" | "unsupported" | "error";
  /** Why it is not ok: "unsupported by target: ERR unknown command 'lpush' ...". */
  reason?: string;
  requestsPerRun: number;
  commandLines: string[][];
  runs: Record<string, RunRecord[]>;
  summary: Record<string, SideSummary>;
  /** Median ops/s of the first server over the second's (IronCache / redis). */
  ratio: number | null;
  /** Median CPU ns/op of the first server over the second's (lower is better). */
  cpuRatio: number | null;
}

export interface MethodOptions {
  rounds: number;
  clients: number;
  keyspace: number;
  dataSize: number;
  /** Fixed requests per measured run, or null to size runs from the warm-up (`seconds`). */
  requests: number | null;
  seconds: number;
  /** Warm-up requests at pipeline 1 (ten times as many when pipelined). */
  warmupRequests: number;
  minRequests: number;
  maxRequests: number;
  /** taskset CPU list for the load generator, or null. */
  loadgenCpus: string | null;
  /** Wording of an unsupported probe per server index: "target", "baseline". */
  roles: string[];
  progress(text: string): void;
  /** Remembers what each server holds, so GET and MIX share one fill. */
  prepared: Map<string, string>;
}

export async function measureWorkload(
  gen: LoadGenerator,
  workload: Workload,
  pipeline: number,
  servers: ServerHandle[],
  o: MethodOptions,
): Promise<WorkloadResult> {
  const keyspace = workload.keyspace ? Math.min(workload.keyspace, o.keyspace) : o.keyspace;
  const dataSize = workload.dataSize ?? o.dataSize;
  const spec = (s: ServerHandle, requests: number): LoadSpec => ({
    workload, host: s.host, port: s.port, pipeline, clients: o.clients, requests, keyspace, dataSize, cpus: o.loadgenCpus,
  });
  const result: WorkloadResult = {
    workload: workload.id, description: workload.description, pipeline, status: "ok", requestsPerRun: 0,
    commandLines: [], runs: {}, summary: {}, ratio: null, cpuRatio: null,
  };
  const tag = `${workload.id} P${pipeline}`;

  for (let i = 0; i < servers.length; i++) {
    o.progress(`${tag}: probing ${servers[i].label}`);
    const problem = await probe(servers[i], workload);
    if (problem) {
      result.status = "unsupported";
      result.reason = `unsupported by ${o.roles[i] ?? servers[i].label}: ${problem.trim()}`;
      return result;
    }
  }

  // Fan-out workloads: subscribers on every server for the whole measurement.
  const listeners = new Map<string, Subscribers>();
  try {
    if (workload.subscribers) {
      for (const s of servers) {
        o.progress(`${tag}: subscribing on ${s.label}`);
        listeners.set(s.label, await Subscribers.open(s, workload.subscribers, gen.keyName));
      }
    }
    for (const s of servers) {
      o.progress(`${tag}: preparing ${s.label} (${workload.prepare})`);
      await prepare(gen, workload, s, keyspace, dataSize, o.prepared);
    }
    const warm: number[] = [];
    for (const s of servers) {
      o.progress(`${tag}: warm-up on ${s.label}`);
      // Deeper pipelines go ~10x faster: warm up for about as long.
      warm.push((await gen.run(spec(s, o.warmupRequests * (pipeline > 1 ? 10 : 1)))).opsPerSec);
      await listeners.get(s.label)?.settle(Infinity);
    }
    const requests = o.requests ??
      Math.min(o.maxRequests, Math.max(o.minRequests, Math.round(Math.max(...warm) * o.seconds / 1000) * 1000));
    result.requestsPerRun = requests;
    result.commandLines = gen.commandLines(spec(servers[0], requests));
    for (const s of servers) result.runs[s.label] = [];
    for (let round = 1; round <= o.rounds; round++) {
      for (const s of servers) {
        o.progress(`${tag}: round ${round}/${o.rounds} on ${s.label} (${requests} requests)`);
        result.runs[s.label].push(
          await measuredRun(gen, spec(s, requests), s, round, listeners.get(s.label)),
        );
      }
    }
  } catch (err) {
    if (!(err instanceof LoadGenError) && !(err instanceof Error)) throw err;
    result.status = "error";
    result.reason = (err as Error).message;
    return result;
  } finally {
    for (const l of listeners.values()) l.close();
  }

  for (const s of servers) result.summary[s.label] = summarize(result.runs[s.label]);
  const [a, b] = servers.map((s) => result.summary[s.label]);
  if (a && b) {
    result.ratio = a.opsPerSec.median / b.opsPerSec.median;
    result.cpuRatio = a.cpuNsPerOp && b.cpuNsPerOp ? a.cpuNsPerOp.median / b.cpuNsPerOp.median : null;
  }
  return result;
}

/** One run; with subscribers, ops are the messages delivered to them and the run lasts until
 * the last one arrived. */
async function measuredRun(
  gen: LoadGenerator,
  spec: LoadSpec,
  s: ServerHandle,
  round: number,
  listeners?: Subscribers,
): Promise<RunRecord> {
  const before = s.pid === null ? null : cpuTime(s.pid);
  const machineBefore = machineCpu();
  const startedAt = performance.now(), deliveredBefore = listeners?.delivered ?? 0;
  const r = await gen.run(spec);
  if (listeners) {
    const perPublish = spec.workload.subscribers!.perChannel;
    await listeners.settle(deliveredBefore + r.ops * perPublish);
    r.ops = listeners.delivered - deliveredBefore;
    r.seconds = (listeners.lastAt - startedAt) / 1000;
    r.opsPerSec = r.ops / r.seconds;
  }
  const machineAfter = machineCpu();
  const after = s.pid === null ? null : cpuTime(s.pid);
  const cpuNsPerOp = before && after && after.source === before.source ? (after.ns - before.ns) / r.ops : null;
  let restNsPerOp: number | null = null, idleShare: number | null = null;
  if (machineBefore && machineAfter) {
    const busy = machineAfter.busyNs - machineBefore.busyNs;
    const idle = machineAfter.idleNs - machineBefore.idleNs;
    idleShare = busy + idle > 0 ? idle / (busy + idle) : null;
    if (cpuNsPerOp !== null) restNsPerOp = Math.max(0, busy / r.ops - cpuNsPerOp);
  }
  return {
    round,
    ops: r.ops,
    seconds: r.seconds,
    opsPerSec: r.opsPerSec,
    cpuNsPerOp,
    restNsPerOp,
    idleShare,
    latencyMs: r.latencyMs,
    parts: r.parts,
  };
}

/** Null when every probe command got a non-error reply, else the first error. */
export async function probe(s: ServerHandle, workload: Workload): Promise<string | null> {
  const c = await RespClient.connect(s.host, s.port);
  try {
    for (const cmd of workload.probes) {
      const r = await c.command(...cmd);
      if (r instanceof ReplyError) return r.message;
    }
    for (const key of PROBE_KEYS) await c.command("DEL", key);
    return null;
  } finally {
    c.close();
  }
}

async function prepare(
  gen: LoadGenerator,
  workload: Workload,
  s: ServerHandle,
  keyspace: number,
  dataSize: number,
  prepared: Map<string, string>,
): Promise<void> {
  const want = workload.prepare === "flush" ? "" : `${workload.prepare}:${keyspace}:${dataSize}`;
  if (want !== "" && prepared.get(s.label) === want) return; // GET then MIX: one fill
  await flushAll(s);
  if (workload.prepare === "fill-strings") await fillStrings(s, keyspace, dataSize, gen.keyName);
  if (workload.prepare === "fill-zset") await fillZset(s, keyspace, gen.zsetEntry);
  prepared.set(s.label, want);
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

export function summarize(runs: RunRecord[]): SideSummary {
  const cpu = runs.map((r) => r.cpuNsPerOp).filter((v): v is number => v !== null);
  const rest = runs.map((r) => r.restNsPerOp ?? null).filter((v): v is number => v !== null);
  const idle = runs.map((r) => r.idleShare ?? null).filter((v): v is number => v !== null);
  const lat = runs.map((r) => r.latencyMs).filter((l): l is Latency => l !== null);
  const p999 = lat.map((l) => l.p999).filter((v): v is number => v !== null);
  return {
    opsPerSec: spread(runs.map((r) => r.opsPerSec)),
    cpuNsPerOp: cpu.length ? spread(cpu) : null,
    restNsPerOp: rest.length ? spread(rest) : null,
    idleShare: idle.length ? spread(idle) : null,
    latencyMs: lat.length
      ? {
        p50: spread(lat.map((l) => l.p50)).median,
        p99: spread(lat.map((l) => l.p99)).median,
        p999: p999.length ? spread(p999).median : null,
      }
      : null,
  };
}
