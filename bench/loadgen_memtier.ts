// memtier_benchmark as the load generator (used when it is on PATH): the flags per workload,
// and the parser of its --json-out-file output ("ALL STATS" → per-command sections and Totals).
import {
  type Latency,
  type LoadGenerator,
  LoadGenError,
  type LoadPart,
  type LoadResult,
  type LoadSpec,
  runProgram,
} from "./loadgen.ts";
import { ZSET_KEY } from "./workloads.ts";

export async function memtierGenerator(path: string): Promise<LoadGenerator> {
  const v = await runProgram(path, ["--version"], null, 10_000).catch(() => null);
  const version = v ? (/memtier_benchmark ([\d.]+)/.exec(v.stdout + v.stderr)?.[1] ?? "unknown") : "unknown";
  return {
    name: "memtier_benchmark",
    version,
    keyName: (i) => `key:${i}`, // --key-prefix=key: and no padding
    zsetEntry: (i) => [String(i), `m:${i}`],
    commandLines: (spec) => [[path, ...memtierArgs(spec, "OUT.json")]],
    async run(spec: LoadSpec): Promise<LoadResult> {
      const file = await Deno.makeTempFile({ prefix: "ironcache-memtier-", suffix: ".json" });
      try {
        const out = await runProgram(path, memtierArgs(spec, file), spec.cpus, 120_000 + spec.requests * 0.5);
        if (out.code !== 0) {
          const last = (out.stderr.trim() || out.stdout.trim()).split(/[\r\n]+/).slice(-3).join(" / ");
          throw new LoadGenError(`memtier_benchmark exited with code ${out.code}: ${last}`);
        }
        const result = parseMemtierJson(await Deno.readTextFile(file));
        if (!result) throw new LoadGenError("could not parse memtier_benchmark's JSON output");
        return result;
      } finally {
        await Deno.remove(file).catch(() => {});
      }
    },
  };
}

/** The memtier_benchmark arguments for a spec (one process; MIX uses --ratio 1:10). */
export function memtierArgs(spec: LoadSpec, jsonFile: string): string[] {
  const perClient = Math.max(1, Math.ceil(spec.requests / spec.clients));
  const args = [
    `--server=${spec.host}`, `--port=${spec.port}`, "--protocol=redis",
    "--threads=1", `--clients=${spec.clients}`, `--requests=${perClient}`,
    `--pipeline=${spec.pipeline}`, `--data-size=${spec.dataSize}`,
    "--key-minimum=0", `--key-maximum=${Math.max(0, spec.keyspace - 1)}`, "--key-pattern=R:R",
    "--distinct-client-seed", "--hide-histogram", "--print-percentiles=50,99,99.9",
    `--json-out-file=${jsonFile}`,
  ];
  const command = (prefix: string, ...commands: string[]) => [
    `--key-prefix=${prefix}`,
    ...commands.flatMap((c) => [`--command=${c}`, "--command-ratio=1", "--command-key-pattern=R"]),
  ];
  switch (spec.workload.id) {
    case "SET":
    case "SET-4K":
      return [...args, "--key-prefix=key:", "--ratio=1:0"];
    case "GET":
      return [...args, "--key-prefix=key:", "--ratio=0:1"];
    case "MIX":
      return [...args, "--key-prefix=key:", "--ratio=1:10"];
    case "INCR":
      return [...args, ...command("counter:", "INCR __key__")];
    case "LPUSH+LPOP":
      return [...args, ...command("", "LPUSH mylist __data__", "LPOP mylist")];
    case "HSET":
      return [...args, ...command("element:", "HSET myhash __key__ __data__")];
    case "SADD":
      return [...args, ...command("element:", "SADD myset __key__")];
    case "ZADD":
      return [...args, ...command("", "ZADD myzset __key__ __key__")];
    case "ZRANGE":
      return [...args, ...command("", `ZRANGE ${ZSET_KEY} __key__ +inf BYSCORE LIMIT 0 10`)];
    case "PUBLISH":
      return [...args, ...command("", "PUBLISH bench:channel __data__")];
    case "PUBLISH-50SUB":
    case "PUBLISH-1000CH":
      return [...args, ...command("key:", "PUBLISH __key__ __data__")];
  }
}

type Json = Record<string, unknown>;

/**
 * Parses memtier's JSON ("Format version" 2, and the older layout without it): one part per
 * command section of "ALL STATS" that counted operations, totals from "Totals". memtier can
 * print bare nan/inf, which are not JSON; they become null first.
 */
export function parseMemtierJson(text: string): LoadResult | null {
  let doc: Json;
  try {
    doc = JSON.parse(text.replace(/(?<=[:\[,]\s*)-?(nan|inf)\b/gi, "null"));
  } catch {
    return null;
  }
  const all = doc["ALL STATS"] as Json | undefined;
  if (!all || typeof all !== "object") return null;
  const seconds = runSeconds(doc, all);
  const part = (name: string, s: Json): LoadPart | null => {
    const count = num(s["Count"]);
    let opsPerSec = num(s["Ops/sec"]);
    if ((opsPerSec === null || opsPerSec <= 0) && count !== null && seconds) opsPerSec = count / seconds;
    if (opsPerSec === null || opsPerSec <= 0) return null;
    const ops = count ?? (seconds ? Math.round(opsPerSec * seconds) : NaN);
    return { name, ops, opsPerSec, latencyMs: latency(s) };
  };
  const parts: LoadPart[] = [];
  for (const [name, value] of Object.entries(all)) {
    if (name === "Totals" || name === "Runtime" || name === "Waits" || !value || typeof value !== "object") continue;
    const p = part(commandName(name), value as Json);
    if (p && p.ops > 0) parts.push(p);
  }
  const totals = all["Totals"] && typeof all["Totals"] === "object" ? part("TOTAL", all["Totals"] as Json) : null;
  if (!totals) return null;
  return {
    ops: totals.ops,
    seconds: seconds ?? totals.ops / totals.opsPerSec,
    opsPerSec: totals.opsPerSec,
    latencyMs: totals.latencyMs,
    parts: parts.length ? parts : [totals],
  };
}

function runSeconds(doc: Json, all: Json): number | null {
  const info = doc["run information"] as Json | undefined;
  const fromInfo = info ? num(info["Actual benchmark duration (seconds)"]) : null;
  if (fromInfo && fromInfo > 0) return fromInfo;
  const runtime = all["Runtime"] as Json | undefined;
  const ms = runtime ? num(runtime["Total duration"]) : null;
  return ms && ms > 0 ? ms / 1000 : null;
}

function latency(s: Json): Latency | null {
  const pct = s["Percentile Latencies"] as Json | undefined;
  const get = (k: string) => pct ? num(pct[k]) : null;
  const p50 = get("p50.00") ?? get("p50");
  const p99 = get("p99.00") ?? get("p99");
  const p999 = get("p99.90") ?? get("p99.9");
  if (p50 === null || p99 === null) return null;
  return { p50, p99, p999 };
}

/** "Sets" → SET, "Gets" → GET, "Incrs" → INCR; other names upper-cased. */
function commandName(section: string): string {
  const upper = section.toUpperCase();
  return upper.endsWith("S") && upper.length > 3 ? upper.slice(0, -1) : upper;
}

function num(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}
