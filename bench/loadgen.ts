// What the runner needs from a load generator, and picking one: memtier_benchmark when it is on
// PATH, else redis-benchmark (Debian's redis-tools). The generators are run as processes and
// their output is parsed; nothing here generates load itself.
import type { Workload } from "./workloads.ts";

export interface LoadSpec {
  workload: Workload;
  host: string;
  port: number;
  pipeline: number;
  clients: number;
  /** Total operations to send (all parts together). */
  requests: number;
  keyspace: number;
  dataSize: number;
  /** taskset CPU list for the generator's process, or null for no pinning. */
  cpus: string | null;
}

export interface Latency {
  p50: number;
  p99: number;
  /** Null when the generator's output does not give it (redis-benchmark --csv). */
  p999: number | null;
}

/** One part of a run (e.g. LPUSH and LPOP, or the SET and GET streams of MIX). */
export interface LoadPart {
  name: string;
  ops: number;
  opsPerSec: number;
  /** Milliseconds; null when the generator did not report them. */
  latencyMs: Latency | null;
}

export interface LoadResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** Per-percentile maximum over the parts, in ms (a conservative merge). */
  latencyMs: Latency | null;
  parts: LoadPart[];
}

export interface LoadGenerator {
  name: "memtier_benchmark" | "redis-benchmark";
  version: string;
  /** The string key with index i, as this generator names it (the fill writes these). */
  keyName(i: number): string;
  /** The members and scores of the ZRANGE workload's sorted set, as ZADD arguments. */
  zsetEntry(i: number): [score: string, member: string];
  /** The exact command lines a spec runs (for the report). */
  commandLines(spec: LoadSpec): string[][];
  run(spec: LoadSpec): Promise<LoadResult>;
}

export class LoadGenError extends Error {}

/** Combines parts that ran one after the other (their times add up). */
export function sequentialParts(parts: LoadPart[]): LoadResult {
  const ops = parts.reduce((n, p) => n + p.ops, 0);
  const seconds = parts.reduce((s, p) => s + p.ops / p.opsPerSec, 0);
  return { ops, seconds, opsPerSec: ops / seconds, latencyMs: worstLatency(parts), parts };
}

/** Combines parts that ran at the same time (the run lasts as long as the slowest). */
export function concurrentParts(parts: LoadPart[]): LoadResult {
  const ops = parts.reduce((n, p) => n + p.ops, 0);
  const seconds = Math.max(...parts.map((p) => p.ops / p.opsPerSec));
  return { ops, seconds, opsPerSec: ops / seconds, latencyMs: worstLatency(parts), parts };
}

export function worstLatency(parts: LoadPart[]): Latency | null {
  const known = parts.map((p) => p.latencyMs).filter((l): l is Latency => l !== null);
  if (known.length === 0) return null;
  return {
    p50: Math.max(...known.map((l) => l.p50)),
    p99: Math.max(...known.map((l) => l.p99)),
    p999: known.some((l) => l.p999 === null) ? null : Math.max(...known.map((l) => l.p999 as number)),
  };
}

export async function onPath(program: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

export interface ProcessOutput {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

/** Runs a program to completion (optionally pinned with taskset), killing it after `timeoutMs`. */
export async function runProgram(program: string, args: string[], cpus: string | null, timeoutMs: number): Promise<ProcessOutput> {
  const [cmd, argv] = cpus ? ["taskset", ["-c", cpus, program, ...args]] : [program, args];
  const started = performance.now();
  const child = new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped", stdin: "null" }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, timeoutMs);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** memtier_benchmark if on PATH (unless `prefer` says otherwise), else redis-benchmark, else null. */
export async function pickLoadGenerator(prefer: "auto" | "memtier" | "redis-benchmark"): Promise<LoadGenerator | string> {
  const { memtierGenerator } = await import("./loadgen_memtier.ts");
  const { redisBenchmarkGenerator } = await import("./loadgen_redis_benchmark.ts");
  if (prefer !== "redis-benchmark") {
    const path = await onPath("memtier_benchmark");
    if (path) return await memtierGenerator(path);
    if (prefer === "memtier") return "memtier_benchmark is not on PATH";
  }
  const path = await onPath("redis-benchmark");
  if (path) return await redisBenchmarkGenerator(path);
  return "neither memtier_benchmark nor redis-benchmark is on PATH; install one, e.g. apt-get install redis-tools";
}
