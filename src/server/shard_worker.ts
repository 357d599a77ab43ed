// Entry point of a shard worker: owns one Wasm keyspace, accepts connections on the shared
// port (SO_REUSEPORT: the kernel spreads connections over the workers), serves them, and
// executes batches forwarded by the other shards.
/// <reference lib="deno.worker" />
import type { FromWorker, InitMessage, ToWorker } from "./messages.ts";
import { CONNECTED_CLIENTS } from "./messages.ts";
import { ConfigStore } from "../config/store.ts";
import { followEncodingLimits } from "../engine/encoding_limits.ts";
import { createKeyspace } from "../engine/engine_module.ts";
import { Shard } from "./shard.ts";
import { type LinkRings, Peers } from "./peers.ts";
import { createBatchExecutor } from "./executor.ts";
import { Connection } from "./connection.ts";
import { configureClientIds } from "./client.ts";
import { log, setLogLevel, setLogRole } from "../log.ts";
import { ERR_MAX_CLIENTS } from "../protocol/errors.ts";
import { startCron } from "./cron.ts";
import { setUpBlocking } from "./blocking.ts";
import { setUpAcl } from "../acl/setup.ts";
import { admitClient, ERR_DENIED_PROTECTED, protectedModeRefuses } from "../acl/gate.ts";

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
  close(): void;
};

let shard: Shard;
let peers: Peers | null = null;
let counters: Int32Array;
const listeners: Deno.Listener[] = [];
const connections = new Set<Connection>();
let shuttingDown = false;
let stopCron = () => {};

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") start(msg);
  else if (msg.type === "shutdown") shutdown();
};

function start(init: InitMessage): void {
  setLogRole(`S${init.shardId}`);
  const config = new ConfigStore(init.config);
  setLogLevel(String(config.get("log-level")));
  configureClientIds(init.shardId, init.shardCount);
  counters = new Int32Array(init.counters);
  shard = new Shard(init.shardId, init.shardCount, createKeyspace(), config, init.server);
  followEncodingLimits(config, shard.keyspace);
  shard.executeBatch = createBatchExecutor(shard);
  shard.requestShutdown = (how) =>
    self.postMessage({ type: "shutdown-request", shardId: shard.id, how });
  const rings = new Map<number, LinkRings>(
    Object.entries(init.peers).map(([id, r]) => [Number(id), r]),
  );
  if (rings.size) peers = new Peers(rings, shard.executeBatch, shard.lock);
  setUpBlocking(shard, peers);
  const aclProblem = setUpAcl(shard, init.config);
  if (aclProblem) {
    self.postMessage({ type: "fatal", shardId: shard.id, message: aclProblem });
    return;
  }
  stopCron = startCron(shard);
  const port = Number(config.get("port"));
  try {
    for (const hostname of String(config.get("bind")).split(/\s+/).filter(Boolean)) {
      const listener = Deno.listen({ hostname, port, reusePort: true });
      listeners.push(listener);
      acceptLoop(listener);
    }
  } catch (err) {
    self.postMessage({
      type: "fatal",
      shardId: shard.id,
      message: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  self.postMessage({ type: "listening", shardId: shard.id });
}

async function acceptLoop(listener: Deno.Listener): Promise<void> {
  const maxClients = Number(shard.config.get("maxclients"));
  try {
    for await (const conn of listener) {
      const tcp = conn as Deno.TcpConn;
      shard.stats.connectionsReceived++;
      if (Atomics.add(counters, CONNECTED_CLIENTS, 1) >= maxClients) {
        Atomics.sub(counters, CONNECTED_CLIENTS, 1);
        shard.stats.rejectedConnections++;
        refuse(tcp, ERR_MAX_CLIENTS);
        continue;
      }
      const remote = tcp.remoteAddr as Deno.NetAddr;
      if (
        protectedModeRefuses(
          shard.config.get("protected-mode") === true,
          shard.acl.default.noPass,
          remote.hostname,
        )
      ) {
        Atomics.sub(counters, CONNECTED_CLIENTS, 1);
        shard.stats.rejectedConnections++;
        refuse(tcp, ERR_DENIED_PROTECTED);
        continue;
      }
      try {
        tcp.setNoDelay(true);
        tcp.setKeepAlive(true);
      } catch { /* the client may already be gone */ }
      const connection = new Connection(tcp, shard, peers, {
        isShuttingDown: () => shuttingDown,
        onIdle: maybeStopped,
      });
      admitClient(shard, connection.client);
      serve(connection);
    }
  } catch (err) {
    if (!shuttingDown) log.warning(`accept failed: ${err instanceof Error ? err.message : err}`);
  }
}

async function serve(connection: Connection): Promise<void> {
  connections.add(connection);
  shard.stats.connectedClients++;
  try {
    await connection.serve();
  } finally {
    connections.delete(connection);
    shard.stats.connectedClients--;
    Atomics.sub(counters, CONNECTED_CLIENTS, 1);
    maybeStopped();
  }
}

async function refuse(conn: Deno.TcpConn, error: string): Promise<void> {
  try {
    await conn.write(new TextEncoder().encode(`-${error}\r\n`));
  } catch { /* gone */ }
  try {
    conn.close();
  } catch { /* gone */ }
}

/** Stop accepting; idle connections close now, busy ones after their current batch. */
function shutdown(): void {
  shuttingDown = true;
  stopCron();
  for (const l of listeners) {
    try {
      l.close();
    } catch { /* closed */ }
  }
  for (const c of connections) {
    if (!c.busy) c.close();
    else if (c.client.blocked) c.client.kill(); // a blocked command would never finish
  }
  maybeStopped();
}

function maybeStopped(): void {
  if (!shuttingDown || connections.size > 0) return;
  self.postMessage({ type: "stopped", shardId: shard?.id ?? -1 });
}
