// MONITOR (Redis 7.0's replicationFeedMonitors): every command a client runs, as one status
// line `+<sec>.<usec> [<db> <ip:port>] "arg" ...`, to every monitor on every shard. A
// command is fed by its connection's shard after it ran (the db is the client's afterwards,
// as Redis shows SELECT), with secrets redacted (src/acl/redact.ts); admin and skip_monitor
// commands and commands refused before running are not fed. A line for another shard's
// monitors goes in one NoticeTopic.monitor notice per shard, so each client's lines keep
// their order. The number of monitors is shared (MONITORS counter): with none, a connection
// pays one atomic read per read batch.
import type { Client } from "./client.ts";
import type { Shard } from "./shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { NoticeTopic, type Peers } from "./peers.ts";
import { MONITORS } from "./messages.ts";
import { redactedArgs } from "../acl/redact.ts";
import { quoteBytes } from "../cli/reply_format.ts";

const encoder = new TextEncoder();
/** Monitors of this worker (CLIENT LIST's O flag). */
const monitorClients = new WeakSet<Client>();

class Monitors {
  readonly local = new Set<Client>();
  constructor(
    private shard: Shard,
    private peers: Peers | null,
    private counters: Int32Array | null,
  ) {
    peers?.onNotice(NoticeTopic.monitor, (_from, line) => this.deliver(line.slice()));
    shard.clientClosedObservers.push((client) => this.remove(client));
  }

  /** Some client of any shard is a monitor. */
  any(): boolean {
    return this.counters ? Atomics.load(this.counters, MONITORS) > 0 : this.local.size > 0;
  }

  add(client: Client): void {
    if (this.local.has(client)) return;
    this.local.add(client);
    monitorClients.add(client);
    if (this.counters) Atomics.add(this.counters, MONITORS, 1);
  }

  remove(client: Client): void {
    if (!this.local.delete(client)) return;
    monitorClients.delete(client);
    if (this.counters) Atomics.sub(this.counters, MONITORS, 1);
  }

  /** Feed the command ctx just ran, unless Redis keeps it from monitors. */
  feed(ctx: CommandContext, spec: CommandSpec): void {
    if (spec.flags.includes("admin") || spec.flags.includes("skip_monitor")) return;
    const argv: Uint8Array[] = [];
    for (let i = 0; i < ctx.args.argc; i++) argv.push(ctx.args.bytes(i));
    const now = performance.timeOrigin + performance.now();
    const sec = Math.floor(now / 1000);
    const usec = Math.floor(now * 1000 - sec * 1e6);
    const line = encoder.encode(
      `+${sec}.${String(usec).padStart(6, "0")} [${ctx.client.db} ${ctx.client.addr}] ` +
        redactedArgs(spec, argv).map(quoteBytes).join(" ") + "\r\n",
    );
    this.peers?.notifyAll(NoticeTopic.monitor, line);
    this.deliver(line);
  }

  private deliver(line: Uint8Array): void {
    for (const monitor of this.local) monitor.deliver(line);
  }
}

const all = new WeakMap<Shard, Monitors>();

export function installMonitors(
  shard: Shard,
  peers: Peers | null,
  counters: Int32Array | null,
): Monitors {
  const monitors = new Monitors(shard, peers, counters);
  all.set(shard, monitors);
  return monitors;
}

export function monitorsOf(shard: Shard): Monitors {
  return all.get(shard) ?? installMonitors(shard, null, null);
}

/** CLIENT LIST's O flag. */
export function isMonitor(client: Client): boolean {
  return monitorClients.has(client);
}
