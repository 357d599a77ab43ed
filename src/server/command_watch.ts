// Which commands are slow: the timing behind SLOWLOG and the latency monitor's "command" and
// "fast-command" events (Redis times every command in call()).
//
// Reading the clock costs about as much as a whole GET here (performance.now() is a call
// into the runtime, ~150 ns), so commands are not timed one by one unless that is needed:
// - neither the slow log (slowlog-log-slower-than < 0) nor the latency monitor
//   (latency-monitor-threshold 0) is on: no clock reading at all;
// - slowlog-log-slower-than 0 (log everything): every command is timed;
// - otherwise a connection times its read batch: the clock is read when the batch starts,
//   after its first command (so a batch of one command, what an interactive client or a
//   slow admin command usually is, is timed exactly) and when the batch ends. A batch of
//   several commands that took longer than the threshold can't say which command was slow,
//   so the connection then times every command of its next batches, until a batch has no
//   slow command. The cost is two or three clock readings per read batch.
// The time is the command's run on the shard serving the client (what Redis measures); a
// command forwarded to another shard counts only the time to queue it there.
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import type { Shard } from "./shard.ts";
import { slowlogOf } from "./slowlog.ts";
import { latencyOf } from "./latency_monitor.ts";
import { log } from "../log.ts";

const WATCHED = new Set([
  "slowlog-log-slower-than",
  "slowlog-max-len",
  "latency-monitor-threshold",
]);

export class CommandWatch {
  /** Anything to record at all. */
  on = false;
  /** Every command must be timed (slowlog-log-slower-than 0). */
  timeEach = false;
  /** The smallest duration (µs) that is recorded somewhere. */
  minUs = Infinity;
  #slowUs = Infinity;
  #latencyMs = 0;
  #maxLen = 128;

  constructor(private shard: Shard) {
    this.#refresh();
    shard.config.onChange((name) => {
      if (WATCHED.has(name)) this.#refresh();
    });
  }

  #refresh(): void {
    const config = this.shard.config;
    const slow = Number(config.get("slowlog-log-slower-than"));
    this.#latencyMs = Number(config.get("latency-monitor-threshold"));
    this.#maxLen = Number(config.get("slowlog-max-len"));
    this.#slowUs = slow >= 0 ? slow : Infinity;
    this.minUs = Math.min(this.#slowUs, this.#latencyMs > 0 ? this.#latencyMs * 1000 : Infinity);
    this.on = this.minUs !== Infinity;
    this.timeEach = slow === 0;
  }

  /** A command took `usec`: record it where it qualifies (Redis's call() epilogue). */
  observe(ctx: CommandContext, spec: CommandSpec, usec: number): void {
    if (usec < this.minUs || spec.flags.includes("skip_slowlog")) return;
    const ms = Math.floor(usec / 1000);
    if (this.#latencyMs > 0 && ms >= this.#latencyMs) {
      latencyOf(this.shard).add(spec.flags.includes("fast") ? "fast-command" : "command", ms);
    }
    if (usec >= this.#slowUs) {
      slowlogOf(this.shard).push(spec, ctx.args, ctx.client, usec, this.#maxLen);
      log.verbose(
        `Slow command: ${spec.name} took ${Math.floor(usec)} us (client ${ctx.client.addr})`,
      );
    }
  }
}

const byShard = new WeakMap<Shard, CommandWatch>();

export function commandWatchOf(shard: Shard): CommandWatch {
  let w = byShard.get(shard);
  if (!w) byShard.set(shard, w = new CommandWatch(shard));
  return w;
}
