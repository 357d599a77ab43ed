// LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP (Redis 7.0's latency.c). Each
// shard keeps its own events (src/server/latency_monitor.ts) and command histograms
// (info_stats.ts); the shard a client is on merges everyone's: per second the larger
// sample, per command the histograms added up.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import {
  LATENCY_SAMPLES,
  latencyOf,
  type LatencySample,
  type LatencySeries,
} from "../server/latency_monitor.ts";
import { infoStatsOf } from "../server/info_stats.ts";
import { LatencyHistogram } from "../server/latency_histogram.ts";
import { isShardPart, replyShardData, shardData, withOtherShards } from "./every_shard.ts";
import { commandNamed } from "./introspection.ts";
import { writeHelp } from "./help.ts";

type Events = Record<string, LatencySeries>;

/** Runs `finish` with every shard's events merged (a shard part just sends its own). */
function withAllEvents(
  ctx: CommandContext,
  finish: (events: Map<string, LatencySeries>) => void,
): void | Promise<void> {
  const own: Events = Object.fromEntries(latencyOf(ctx.shard).events);
  if (isShardPart(ctx)) return replyShardData(ctx, own);
  return withOtherShards(
    ctx,
    (replies) => finish(mergeEvents([own, ...shardData<Events>(replies)])),
  );
}

export function mergeEvents(perShard: Events[]): Map<string, LatencySeries> {
  const merged = new Map<string, LatencySeries>();
  for (const events of perShard) {
    for (const [name, series] of Object.entries(events)) {
      const into = merged.get(name);
      if (!into) {
        merged.set(name, { samples: series.samples.map((s) => ({ ...s })), max: series.max });
        continue;
      }
      const byTime = new Map(into.samples.map((s) => [s.time, s]));
      for (const s of series.samples) {
        const same = byTime.get(s.time);
        if (same) same.ms = Math.max(same.ms, s.ms);
        else byTime.set(s.time, { ...s });
      }
      into.samples = [...byTime.values()].sort((a, b) => a.time - b.time).slice(-LATENCY_SAMPLES);
      into.max = Math.max(into.max, series.max);
    }
  }
  return merged;
}

function latest(ctx: CommandContext): void | Promise<void> {
  return withAllEvents(ctx, (events) => {
    const { out } = ctx;
    out.arrayHeader(events.size);
    for (const [name, series] of events) {
      const last = series.samples.at(-1)!;
      out.arrayHeader(4);
      out.bulkText(name);
      out.integer(last.time);
      out.integer(last.ms);
      out.integer(series.max);
    }
  });
}

function history(ctx: CommandContext): void | Promise<void> {
  return withAllEvents(ctx, (events) => {
    const samples = events.get(ctx.args.text(2))?.samples ?? [];
    ctx.out.arrayHeader(samples.length);
    for (const s of samples) {
      ctx.out.arrayHeader(2);
      ctx.out.integer(s.time);
      ctx.out.integer(s.ms);
    }
  });
}

function reset(ctx: CommandContext): void | Promise<void> {
  const names: string[] = [];
  for (let i = 2; i < ctx.args.argc; i++) names.push(ctx.args.text(i));
  const own = latencyOf(ctx.shard).reset(names);
  if (isShardPart(ctx)) return replyShardData(ctx, own);
  return withOtherShards(ctx, (replies) => {
    ctx.out.integer(new Set(own.concat(...shardData<string[]>(replies))).size);
  });
}

function graph(ctx: CommandContext): void | Promise<void> {
  return withAllEvents(ctx, (events) => {
    const event = ctx.args.text(2);
    const series = events.get(event);
    if (!series) return ctx.out.error(`ERR No samples available for event '${event}'`);
    ctx.out.verbatim(latencyGraph(event, series, Math.floor(Date.now() / 1000)));
  });
}

/** Redis's latencyCommandGenSparkeline: a header, 80 dashes, then the sparkline. */
export function latencyGraph(event: string, series: LatencySeries, now: number): string {
  const values = series.samples.map((s) => s.ms);
  const min = Math.min(...values), max = Math.max(...values);
  const labels = series.samples.map((s: LatencySample) => {
    const elapsed = now - s.time;
    if (elapsed < 60) return `${elapsed}s`;
    if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
    if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
    return `${Math.floor(elapsed / 86400)}d`;
  });
  let text = `${event} - high ${max} ms, low ${min} ms (all time high ${series.max} ms)\n`;
  text += "-".repeat(GRAPH_COLUMNS) + "\n";
  for (let from = 0; from < values.length; from += GRAPH_COLUMNS) {
    if (from !== 0) text += "\n";
    text += sparkline(
      values,
      labels,
      min,
      max,
      from,
      Math.min(GRAPH_COLUMNS, values.length - from),
    );
  }
  return text;
}

const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;
const FILL = "_o#";

/** Redis's sparklineRenderRange with SPARKLINE_FILL: rows of bars, then a blank line and
 * the labels written vertically. */
function sparkline(
  values: number[],
  labels: string[],
  min: number,
  max: number,
  offset: number,
  len: number,
): string {
  const relmax = max - min || 1;
  const steps = FILL.length * GRAPH_ROWS;
  let text = "";
  for (let row = 0;; row++) {
    let more = false;
    const chars = Array<string>(len).fill(" ");
    for (let j = 0; j < len; j++) {
      const step = Math.min(
        steps - 1,
        Math.max(0, Math.trunc(((values[j + offset] - min) * steps) / relmax)),
      );
      if (row < GRAPH_ROWS) {
        more = true;
        const index = step - (GRAPH_ROWS - row - 1) * FILL.length;
        if (index >= 0 && index < FILL.length) chars[j] = FILL[index];
        else if (index >= FILL.length) chars[j] = "|";
      } else if (row === GRAPH_ROWS) { // the margin above the labels
        more = true;
        break;
      } else {
        const label = labels[j + offset], at = row - GRAPH_ROWS - 1;
        if (label.length > at) {
          more = true;
          chars[j] = label[at];
        }
      }
    }
    if (!more) return text;
    text += chars.join("") + "\n";
  }
}

const DISABLED =
  "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
const NO_SPIKES =
  "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";

/** Redis's createLatencyReport, without its advice section (it is about Redis's own knobs). */
function doctor(ctx: CommandContext): void | Promise<void> {
  return withAllEvents(ctx, (events) => {
    const enabled = Number(ctx.shard.config.get("latency-monitor-threshold")) > 0;
    if (events.size === 0) return ctx.out.verbatim(enabled ? NO_SPIKES : DISABLED);
    let report =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    let n = 1;
    for (const [name, series] of events) {
      const values = series.samples.map((s) => s.ms);
      const avg = values.reduce((a, b) => a + b, 0) / values.length;
      const mad = values.reduce((a, b) => a + Math.abs(b - avg), 0) / values.length;
      const period = Math.floor(Date.now() / 1000) - series.samples[0].time;
      report += `${n++}. ${name}: ${values.length} latency spikes (average ${
        Math.trunc(avg)
      }ms, mean deviation ${Math.trunc(mad)}ms, period ${
        Math.trunc(period / values.length)
      } sec). Worst all time event ${series.max}ms.\n`;
    }
    ctx.out.verbatim(report);
  });
}

/** Sparse histogram counts as shard parts send them: [bucket, count] pairs. */
type SentHistograms = Record<string, Array<[number, number]>>;

function ownHistograms(ctx: CommandContext, names: string[] | null): SentHistograms {
  const sent: SentHistograms = {};
  for (const [name, stat] of infoStatsOf(ctx.shard).commands) {
    if (!stat.latency || (names && !names.includes(name))) continue;
    sent[name] = [];
    stat.latency.counts.forEach((c, i) => c && sent[name].push([i, c]));
  }
  return sent;
}

/** LATENCY HISTOGRAM [command ...]: the named commands (a container names all its
 * subcommands) or every command that has run, each with its cumulative distribution. */
function histogram(ctx: CommandContext): void | Promise<void> {
  let names: string[] | null = null;
  if (ctx.args.argc > 2) {
    names = [];
    for (let i = 2; i < ctx.args.argc; i++) {
      const spec = commandNamed(ctx.args.text(i));
      if (spec) names.push(spec.name, ...(spec.subcommands ?? []).map((s) => s.name));
    }
  }
  const own = ownHistograms(ctx, names);
  if (isShardPart(ctx)) return replyShardData(ctx, own);
  return withOtherShards(ctx, (replies) => {
    const merged = new Map<string, LatencyHistogram>();
    for (const sent of [own, ...shardData<SentHistograms>(replies)]) {
      for (const [name, counts] of Object.entries(sent)) {
        let h = merged.get(name);
        if (!h) merged.set(name, h = new LatencyHistogram());
        for (const [i, c] of counts) {
          h.counts[i] += c;
          h.total += c;
        }
      }
    }
    writeHistograms(ctx.out, merged);
  });
}

function writeHistograms(out: ReplyWriter, histograms: Map<string, LatencyHistogram>): void {
  out.mapHeader(histograms.size);
  for (const [name, h] of histograms) {
    out.bulkText(name);
    out.mapHeader(2);
    out.bulkText("calls");
    out.integer(Math.round(h.total));
    out.bulkText("histogram_usec");
    const buckets = h.cumulative();
    out.mapHeader(buckets.length);
    for (const [usec, count] of buckets) {
      out.integer(usec);
      out.integer(count);
    }
  }
}

const LATENCY_HELP = [
  "DOCTOR",
  "    Return a human readable latency analysis report.",
  "GRAPH <event>",
  "    Return an ASCII latency graph for the <event> class.",
  "HISTORY <event>",
  "    Return time-latency samples for the <event> class.",
  "LATEST",
  "    Return the latest latency samples for all events.",
  "RESET [<event> ...]",
  "    Reset latency data of one or more <event> classes.",
  "    (default: reset all data for all event classes)",
  "HISTOGRAM [COMMAND ...]",
  "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
  "    If no commands are specified then all histograms are replied.",
];

export const latencyCommands: CommandRows = {
  latency: {
    subcommands: {
      latest: { handler: latest },
      history: { handler: history },
      reset: { handler: reset },
      graph: { handler: graph },
      doctor: { handler: doctor },
      histogram: { handler: histogram },
      help: { handler: (ctx) => writeHelp(ctx, LATENCY_HELP) },
    },
  },
};
