// The benchmark report: its JSON shape, and the markdown tables printed on stdout.
import type { WorkloadResult } from "./method.ts";
import type { MemoryResult } from "./memory.ts";
import type { Latency } from "./loadgen.ts";

export interface ServerDescription {
  label: string;
  role: "target" | "baseline" | "scaling";
  kind: string;
  address: string;
  pid: number | null;
  started: boolean;
  version: string;
  settings: string;
  pinnedCpus: string | null;
}

export interface BenchReport {
  tool: "ironcache bench";
  format: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  quick: boolean;
  command: string;
  loadGenerator: { name: string; version: string; note: string };
  machine: Record<string, string | number>;
  loadavgEnd: string;
  settings: {
    clients: number;
    keyspace: number;
    dataSize: number;
    pipelines: number[];
    rounds: number;
    secondsPerRun: number | null;
    requestsPerRun: number | null;
    loadgenCpus: string | null;
    serverCpus: string | null;
  };
  servers: ServerDescription[];
  workloads: WorkloadResult[];
  memory: MemoryResult[] | null;
  scaling: { description: string; result: WorkloadResult } | null;
  notes: string[];
}

export function fmtOps(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  if (v === 0) return "0";
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}

function fmtNs(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "n/a" : String(Math.round(v));
}

function fmtRatio(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "n/a" : `${v.toFixed(2)}x`;
}

function fmtMs(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return v < 10 ? v.toFixed(3) : v.toFixed(1);
}

function fmtLatency(l: Latency | null): string {
  return l ? `${fmtMs(l.p50)} / ${fmtMs(l.p99)} / ${fmtMs(l.p999)}` : "n/a";
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** One table: a row per workload and pipeline depth, columns per server. */
export function workloadTable(results: WorkloadResult[], labels: string[]): string[] {
  const [a, b] = labels;
  const lines = [
    `| workload | P | ${a} ops/s median (min–max) | ${b} ops/s median (min–max) | ratio ${a}/${b} | ${a} CPU ns/op | ${b} CPU ns/op | CPU ratio | ${a} p50 / p99 / p99.9 ms | ${b} p50 / p99 / p99.9 ms |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    if (r.status !== "ok") {
      lines.push(`| ${r.workload} | ${r.pipeline} | ${cell(r.status === "unsupported" ? r.reason ?? "unsupported" : `error: ${r.reason}`)} | – | – | – | – | – | – | – |`);
      continue;
    }
    const sa = r.summary[a];
    const sb = r.summary[b];
    const ops = (s: typeof sa) => s ? `${fmtOps(s.opsPerSec.median)} (${fmtOps(s.opsPerSec.min)}–${fmtOps(s.opsPerSec.max)})` : "n/a";
    const cpu = (s: typeof sa) => s?.cpuNsPerOp ? `${fmtNs(s.cpuNsPerOp.median)} (${fmtNs(s.cpuNsPerOp.min)}–${fmtNs(s.cpuNsPerOp.max)})` : "n/a";
    lines.push(
      `| ${r.workload} | ${r.pipeline} | ${ops(sa)} | ${ops(sb)} | **${fmtRatio(r.ratio)}** | ${cpu(sa)} | ${cpu(sb)} | ${fmtRatio(r.cpuRatio)} | ${fmtLatency(sa?.latencyMs ?? null)} | ${fmtLatency(sb?.latencyMs ?? null)} |`,
    );
  }
  return lines;
}

export function toMarkdown(r: BenchReport, files: { json?: string; svg?: string } = {}): string {
  const target = r.servers.find((s) => s.role === "target");
  const baseline = r.servers.find((s) => s.role === "baseline");
  const labels = [target?.label ?? "IronCache", baseline?.label ?? "redis"];
  const out: string[] = [];
  out.push(`## IronCache vs redis: ${r.startedAt}${r.quick ? " (--quick: a smoke test, the figures mean nothing)" : ""}`);
  out.push("");
  out.push(`- Load generator: **${r.loadGenerator.name} ${r.loadGenerator.version}** (${r.loadGenerator.note})`);
  out.push(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Linux ${r.machine.kernel}, Deno ${r.machine.deno}; load average ${r.machine.loadavg} at start, ${r.loadavgEnd} at end`);
  for (const s of r.servers) {
    out.push(`- ${s.label} (${s.role}): ${s.kind} ${s.version} at ${s.address}, ${s.started ? "started by the runner" : "attached"}, ${s.settings}, pid ${s.pid ?? "unknown"}${s.pinnedCpus ? `, pinned to CPU ${s.pinnedCpus}` : ""}`);
  }
  const st = r.settings;
  out.push(`- ${st.clients} connections, keyspace ${st.keyspace}, ${st.dataSize}-byte values, pipeline ${st.pipelines.join(" and ")}; ${st.rounds} rounds alternating ${labels.join(" / ")} after a warm-up, ` +
    (st.requestsPerRun ? `${st.requestsPerRun} requests per run` : `runs sized to about ${st.secondsPerRun} s from the warm-up`) +
    (st.loadgenCpus ? `; load generator pinned to CPU ${st.loadgenCpus}` : "; nothing pinned"));
  out.push(`- Total time ${r.durationSeconds.toFixed(0)} s. CPU ns/op is user+sys of all the server's threads (/proc) per operation: steadier than ops/s on a shared machine.`);
  out.push("");
  out.push(...workloadTable(r.workloads, labels));
  if (r.memory) {
    out.push("");
    const fields = r.memory[0]?.hashFields;
    const shape = fields ? `hashes of ${fields} fields, field<j> = value:<i>:<j>` : `${r.memory[0]?.dataSize ?? 0}-byte values`;
    out.push(`### Memory: ${r.memory[0]?.keys ?? 0} keys (16-byte names, ${shape})`);
    out.push("");
    out.push("| server | keys after fill (DBSIZE) | used_memory bytes/key | RSS bytes/key | fill time | notes |");
    out.push("|---|---:|---:|---:|---:|---|");
    for (const m of r.memory) {
      out.push(`| ${m.label} | ${m.dbsize ?? "n/a"} | ${fmtNs(m.usedMemoryBytesPerKey)} | ${fmtNs(m.rssBytesPerKey)} | ${m.fillSeconds.toFixed(2)} s | ${cell(m.notes.join("; ") || "–")} |`);
    }
  }
  if (r.scaling) {
    const s = r.scaling.result;
    out.push("");
    out.push(`### Scaling: IronCache --shards 1 vs --shards 2, ${s.workload} at pipeline ${s.pipeline}, nothing pinned`);
    out.push("");
    out.push(r.scaling.description);
    out.push("");
    const names = Object.keys(s.summary).length ? Object.keys(s.summary) : ["shards=2", "shards=1"];
    out.push(...workloadTable([s], names));
    const budget = cpuBudget(s, names);
    if (budget) out.push("", budget);
  }
  if (r.notes.length) {
    out.push("");
    for (const n of r.notes) out.push(`- ${n}`);
  }
  if (files.json || files.svg) {
    out.push("");
    out.push(`Files: ${[files.json, files.svg].filter(Boolean).join(", ")}`);
  }
  return out.join("\n") + "\n";
}

/** Where the machine's CPU went in a comparison's runs (medians): each server's, the rest of
 * the machine's (the load generator, unpinned beside it) and the idle share of all cores. On a
 * machine with few cores this tells whether a second shard had a core to use. */
export function cpuBudget(result: WorkloadResult, names: string[]): string | null {
  const parts: string[] = [];
  for (const name of names) {
    const sum = result.summary[name];
    if (!sum?.cpuNsPerOp || !sum.restNsPerOp || !sum.idleShare) continue;
    parts.push(
      `${name}: server ${fmtNs(sum.cpuNsPerOp.median)} ns/op, rest of the machine (mostly the load generator) ${fmtNs(sum.restNsPerOp.median)} ns/op, cores idle ${(sum.idleShare.median * 100).toFixed(0)}%`,
    );
  }
  return parts.length ? `- CPU per operation (medians): ${parts.join("; ")}.` : null;
}

export function toJson(r: BenchReport): string {
  return JSON.stringify(r, (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v, 2) + "\n";
}
