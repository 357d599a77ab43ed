// redis-benchmark (redis-tools 7.x) as the load generator: the flags per workload, and the
// parser of its output. The human-readable output is parsed, not --csv, because only it has the
// full percentile distribution (so p99.9); the --csv format is parsed too, for captured files.
import {
  concurrentParts,
  type Latency,
  type LoadGenerator,
  LoadGenError,
  type LoadPart,
  type LoadResult,
  type LoadSpec,
  runProgram,
  sequentialParts,
} from "./loadgen.ts";
import { stringKey, ZSET_KEY } from "./workloads.ts";

export async function redisBenchmarkGenerator(path: string): Promise<LoadGenerator> {
  const v = await runProgram(path, ["--version"], null, 10_000).catch(() => null);
  const version = v ? (/redis-benchmark ([\d.]+)/.exec(v.stdout)?.[1] ?? v.stdout.trim()) : "unknown";
  return {
    name: "redis-benchmark",
    version,
    keyName: stringKey, // -r N turns key:__rand_int__ into key:000000xxxxxx
    zsetEntry: (i) => [String(i), `m:${i}`],
    commandLines: (spec) => redisBenchmarkArgs(spec).map((args) => [path, ...args]),
    async run(spec: LoadSpec): Promise<LoadResult> {
      const argLists = redisBenchmarkArgs(spec);
      const timeoutMs = 120_000 + spec.requests * 0.5;
      const outs = await Promise.all(argLists.map((args) => runProgram(path, args, spec.cpus, timeoutMs)));
      const parts: LoadPart[] = [];
      for (const out of outs) {
        const error = redisBenchmarkError(out.code, out.stderr, out.stdout);
        if (error) throw new LoadGenError(error);
        const found = parseRedisBenchmark(out.stdout, out.wallSeconds);
        if (found.length === 0) throw new LoadGenError(`could not parse redis-benchmark output: ${out.stdout.slice(-300)}`);
        parts.push(...found);
      }
      return spec.workload.id === "MIX" ? concurrentParts(parts) : sequentialParts(parts);
    },
  };
}

/** The redis-benchmark argument lists for a spec (MIX runs two processes at the same time). */
export function redisBenchmarkArgs(spec: LoadSpec): string[][] {
  const common = (clients: number, requests: number, keyspace = spec.keyspace) => [
    "-h", spec.host, "-p", String(spec.port),
    "-c", String(clients), "-n", String(Math.max(1, Math.round(requests))),
    "-P", String(spec.pipeline), "-r", String(keyspace), "-d", String(spec.dataSize),
  ];
  const value = "v".repeat(spec.dataSize);
  switch (spec.workload.id) {
    case "SET":
    case "SET-4K":
      return [[...common(spec.clients, spec.requests), "-t", "set"]];
    case "GET":
      return [[...common(spec.clients, spec.requests), "-t", "get"]];
    case "INCR":
      return [[...common(spec.clients, spec.requests), "-t", "incr"]];
    case "HSET":
      return [[...common(spec.clients, spec.requests), "-t", "hset"]];
    case "SADD":
      return [[...common(spec.clients, spec.requests), "-t", "sadd"]];
    case "ZADD":
      return [[...common(spec.clients, spec.requests), "-t", "zadd"]];
    case "LPUSH+LPOP":
      // One process: LPUSH n times, then LPOP n times (the list empties again).
      return [[...common(spec.clients, spec.requests / 2), "-t", "lpush,lpop"]];
    case "MIX": {
      // redis-benchmark sends one command type per process: SET:GET 1:10 is two processes at
      // once, with the connections and requests split 1:10 (5 + 45 connections of 50).
      const setClients = Math.max(1, Math.round(spec.clients / 11));
      const getClients = Math.max(1, spec.clients - setClients);
      const setRequests = Math.max(1, Math.round(spec.requests / 11));
      return [
        [...common(setClients, setRequests), "-t", "set"],
        [...common(getClients, spec.requests - setRequests), "-t", "get"],
      ];
    }
    case "ZRANGE":
      // __rand_int__ is a 12-digit zero-padded number: a valid score (strtod), not a valid index.
      return [[...common(spec.clients, spec.requests), "ZRANGE", ZSET_KEY, "__rand_int__", "+inf", "BYSCORE", "LIMIT", "0", "10"]];
    case "PUBLISH":
      return [[...common(spec.clients, spec.requests), "PUBLISH", "bench:channel", value]];
    case "PUBLISH-50SUB":
    case "PUBLISH-1000CH":
      // -r keyspace turns key:__rand_int__ into the subscribed channels key:000000000xxx.
      return [[...common(spec.clients, spec.requests), "PUBLISH", "key:__rand_int__", value]];
  }
}

/** An error message when a run failed (non-zero exit, or an error reply it printed), else null. */
export function redisBenchmarkError(code: number, stderr: string, stdout: string): string | null {
  const fromServer = /Error from server: (.*)/.exec(stderr + "\n" + stdout);
  if (fromServer) return `server replied with an error: ${fromServer[1].trim()}`;
  if (code !== 0) {
    const last = (stderr.trim() || stdout.trim()).split(/[\r\n]+/).pop() ?? "";
    return `redis-benchmark exited with code ${code}${last ? `: ${last}` : ""}`;
  }
  return null;
}

/** Parses the human-readable output (one section per test) or the --csv output. */
export function parseRedisBenchmark(stdout: string, wallSeconds?: number): LoadPart[] {
  if (/^"test","rps"/m.test(stdout)) return parseRedisBenchmarkCsv(stdout);
  const parts: LoadPart[] = [];
  // Progress lines are separated by \r; the report itself by \n.
  const text = stdout.replace(/\r/g, "\n");
  const headers = [...text.matchAll(/^====== (.+?) ======$/gm)];
  for (let i = 0; i < headers.length; i++) {
    const start = headers[i].index! + headers[i][0].length;
    const end = i + 1 < headers.length ? headers[i + 1].index! : text.length;
    const part = parseSection(headers[i][1], text.slice(start, end), wallSeconds);
    if (part) parts.push(part);
  }
  return parts;
}

function parseSection(title: string, body: string, wallSeconds?: number): LoadPart | null {
  const completed = /(\d+) requests completed in ([\d.]+) seconds/.exec(body);
  if (!completed) return null;
  const ops = Number(completed[1]);
  let opsPerSec = Number(/throughput summary: (\S+) requests per second/.exec(body)?.[1]);
  if (!Number.isFinite(opsPerSec) || opsPerSec <= 0) {
    // Very short runs print "inf": use the completion time, then the process's wall time.
    const secs = Number(completed[2]) > 0 ? Number(completed[2]) : wallSeconds ?? NaN;
    opsPerSec = ops / secs;
  }
  if (!Number.isFinite(opsPerSec) || opsPerSec <= 0) return null;
  const summary = latencySummary(body);
  const dist = percentileDistribution(body);
  const p50 = summary.p50 ?? percentileFrom(dist, 50);
  const p99 = summary.p99 ?? percentileFrom(dist, 99);
  const p999 = percentileFrom(dist, 99.9);
  const latencyMs = p50 !== null && p99 !== null ? { p50, p99, p999 } : null;
  return { name: title.split(" ")[0].toUpperCase(), ops, opsPerSec, latencyMs };
}

/** The "latency summary (msec):" table: a header row of names and a row of values. */
function latencySummary(body: string): Record<string, number> {
  const m = /latency summary \(msec\):\s*\n\s*([a-z0-9. \t]+)\n\s*([-\d. \t]+)\n/.exec(body);
  const out: Record<string, number> = {};
  if (!m) return out;
  const names = m[1].trim().split(/\s+/);
  const values = m[2].trim().split(/\s+/).map(Number);
  names.forEach((n, i) => {
    if (Number.isFinite(values[i])) out[n] = values[i];
  });
  return out;
}

/** The "Latency by percentile distribution:" lines as [percent, ms] pairs. */
export function percentileDistribution(body: string): [number, number][] {
  const start = body.indexOf("Latency by percentile distribution:");
  if (start < 0) return [];
  const out: [number, number][] = [];
  for (const line of body.slice(start).split("\n").slice(1)) {
    const m = /^([\d.]+)% <= ([\d.]+) milliseconds/.exec(line.trim());
    if (!m) break;
    out.push([Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** The latency at percentile q: the first distribution point at or above q. */
export function percentileFrom(dist: [number, number][], q: number): number | null {
  for (const [pct, ms] of dist) if (pct >= q) return ms;
  return null;
}

export function parseRedisBenchmarkCsv(stdout: string): LoadPart[] {
  const lines = stdout.split(/\r?\n/).filter((l) => l.startsWith('"'));
  if (lines.length < 2) return [];
  const cells = (l: string) => [...l.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const header = cells(lines[0]);
  const col = (row: string[], name: string) => Number(row[header.indexOf(name)]);
  const parts: LoadPart[] = [];
  for (const line of lines.slice(1)) {
    const row = cells(line);
    const opsPerSec = col(row, "rps");
    if (!Number.isFinite(opsPerSec) || opsPerSec <= 0) continue;
    const latencyMs: Latency = { p50: col(row, "p50_latency_ms"), p99: col(row, "p99_latency_ms"), p999: null };
    // --csv does not print the request count; the caller knows it (-n).
    parts.push({ name: row[0].split(" ")[0].toUpperCase(), ops: NaN, opsPerSec, latencyMs });
  }
  return parts;
}
