// Entry point of a shard worker: owns one Wasm keyspace, accepts connections on the shared
// port (SO_REUSEPORT: the kernel spreads connections over the workers), serves them, and
// executes batches forwarded by the other shards.
/// <reference lib="deno.worker" />
import type { FromWorker, InitMessage, ToWorker } from "./messages.ts";
import { CONNECTED_CLIENTS, SLOWLOG_IDS } from "./messages.ts";
import { shareSlowlogIds } from "./slowlog.ts";
import { shardFigures } from "./shard_metrics.ts";
import { ConfigStore } from "../config/store.ts";
import { followEncodingLimits } from "../engine/encoding_limits.ts";
import { createKeyspace, keepHugePagesAdvised } from "../engine/engine_module.ts";
import type { Keyspace } from "../engine/keyspace.ts";
import { Shard } from "./shard.ts";
import { type LinkRings, Peers } from "./peers.ts";
import { createBatchExecutor } from "./executor.ts";
import { type ClientConn, Connection } from "./connection.ts";
import { TlsListeners } from "./tls.ts";
import { configureClientIds } from "./client.ts";
import { log, setLogFile, setLogLevel, setLogRole } from "../log.ts";
import { ERR_MAX_CLIENTS } from "../protocol/errors.ts";
import { startCron } from "./cron.ts";
import { installPubSub } from "../pubsub/hub.ts";
import { installNotifications } from "../pubsub/notify.ts";
import { installTracking } from "../tracking/tracking.ts";
import { installMonitors } from "./monitor.ts";
import { notePeakMemory } from "./info_stats.ts";
import { setUpTransactions } from "./transaction.ts";
import { setUpShardPersistence } from "../persistence/shard_persistence.ts";
import { setUpBlocking } from "./blocking.ts";
import { startStallProbe } from "./stall_probe.ts";
import { setUpAcl } from "../acl/setup.ts";
import { admitClient, ERR_DENIED_PROTECTED, protectedModeRefuses } from "../acl/gate.ts";
import { ShardAof } from "../persistence/aof/shard_aof.ts";
import { setShardAof } from "../persistence/aof/registry.ts";
import { aofSharedOf } from "../persistence/aof/shared.ts";
import { loadAppendOnlyFile } from "../persistence/aof/replay.ts";

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  close(): void;
};

let shard: Shard;
let peers: Peers | null = null;
let counters: Int32Array;
const listeners: Deno.Listener[] = [];
let tlsListeners: TlsListeners | null = null;
const connections = new Set<Connection>();
let shuttingDown = false;
let stopCron = () => {};
let aof: ShardAof;

let persistenceMessage: (msg: ToWorker) => boolean = () => false;

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") start(msg).catch(fatal);
  else if (msg.type === "shutdown") shutdown();
  else if (msg.type === "metrics" && shard) {
    self.postMessage({
      type: "metrics",
      shardId: shard.id,
      id: msg.id,
      figures: shardFigures(shard),
    });
  } else if (msg.type === "aof-rewrite") aof.startRewrite();
  else if (msg.type === "aof-loaded") {
    shard.keyspace.setLoading(false);
    serveClients().catch(fatal);
  } else persistenceMessage(msg);
};

/** Report a failure that stops this shard (the main thread exits with the message). */
function fatal(err: unknown): void {
  self.postMessage({
    type: "fatal",
    shardId: shard?.id ?? -1,
    message: err instanceof Error ? err.message : String(err),
  });
}

async function start(init: InitMessage): Promise<void> {
  setLogRole(`S${init.shardId}`);
  const config = new ConfigStore(init.config);
  setLogLevel(String(config.get("loglevel")));
  setLogFile(String(config.get("logfile")));
  config.onChange((name, value) => {
    if (name === "loglevel") setLogLevel(String(value));
  });
  configureClientIds(init.shardId, init.shardCount);
  counters = new Int32Array(init.counters);
  shareSlowlogIds(counters, SLOWLOG_IDS);
  const keyspace = createKeyspace();
  adviseHugePagesIfAsked(config, keyspace, init.shardId);
  shard = new Shard(init.shardId, init.shardCount, keyspace, config, init.server);
  followEncodingLimits(config, shard.keyspace);
  notePeakMemory(shard, shard.memory.used()); // used_memory_startup
  startStallProbe(`S${init.shardId}`);
  shard.executeBatch = createBatchExecutor(shard);
  shard.markLoaded = () => {
    shard.loaded = true;
    self.postMessage({ type: "loaded", shardId: shard.id });
  };
  persistenceMessage = setUpShardPersistence(
    shard,
    init.persistence.changes,
    init.persistence.loading,
    (m, transfer) => self.postMessage(m, transfer ?? []),
    () => peers,
  );
  shard.requestShutdown = (how) =>
    self.postMessage({ type: "shutdown-request", shardId: shard.id, how });
  const rings = new Map<number, LinkRings>(
    Object.entries(init.peers).map(([id, r]) => [Number(id), r]),
  );
  if (rings.size) {
    peers = new Peers(
      rings,
      shard.executeBatch,
      shard.lock,
      () => shard.afterReplies?.(),
    );
  }
  shard.memory.attachShared(init.memoryUsage, peers);
  installPubSub(shard, peers);
  installNotifications(shard);
  installTracking(shard, peers, counters);
  installMonitors(shard, peers, counters);
  setUpTransactions(shard, peers);
  setUpBlocking(shard, peers);
  const aclProblem = setUpAcl(shard, init.config);
  if (aclProblem) {
    self.postMessage({ type: "fatal", shardId: shard.id, message: aclProblem });
    return;
  }
  aof = new ShardAof(shard, peers, aofSharedOf(init.aof), (m) => self.postMessage(m));
  setShardAof(shard, aof);
  if (!init.aofLoad) return await serveClients();
  // Every shard holds still (nothing expires) while shard 0 replays the AOF through them.
  shard.keyspace.setLoading(true);
  if (shard.id !== 0) return;
  loadAppendOnlyFile(shard, peers).then(
    () => self.postMessage({ type: "aof-loaded", shardId: shard.id }),
    (err) => self.postMessage({ type: "fatal", shardId: shard.id, message: err.message }),
  );
}

/** Start logging (if appendonly), the cron, and accepting clients. */
async function serveClients(): Promise<void> {
  const config = shard.config;
  aof.start();
  stopCron = startCron(shard);
  // `port 0` disables plain TCP, `tls-port 0` TLS (the main thread refuses both at 0).
  const port = Number(config.get("port")), tlsPort = Number(config.get("tls-port"));
  const binds = String(config.get("bind")).split(/\s+/).filter(Boolean);
  for (const hostname of binds) {
    if (port !== 0) {
      const listener = Deno.listen({ hostname, port, reusePort: true });
      listeners.push(listener);
      acceptLoop(listener);
    }
    if (tlsPort !== 0) {
      tlsListeners ??= new TlsListeners(config, accept);
      await tlsListeners.listen(hostname, tlsPort);
    }
  }
  self.postMessage({ type: "listening", shardId: shard.id });
  // Loaded: the AOF, if there was one, was replayed before the shards started serving; an RDB
  // file is loaded while they serve -LOADING (shard_persistence.ts marks the end).
  if (!shard.loading) shard.markLoaded();
}

async function acceptLoop(listener: Deno.Listener): Promise<void> {
  try {
    for await (const conn of listener) {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
        (conn as Deno.TcpConn).setKeepAlive(true);
      } catch { /* the client may already be gone */ }
      accept(conn);
    }
  } catch (err) {
    if (!shuttingDown) log.warning(`accept failed: ${err instanceof Error ? err.message : err}`);
  }
}

let clientLimitLoggedAt = 0;

/** One warning per minute at most while clients are refused for maxclients. */
function noteClientLimit(maxClients: number): void {
  const now = Date.now();
  if (now - clientLimitLoggedAt < 60_000) return;
  clientLimitLoggedAt = now;
  log.warning(`Max number of clients reached (maxclients ${maxClients}): refusing connections`);
}

/** A new client on TCP or (after its handshake) TLS: admitted, refused or served. */
function accept(conn: ClientConn): void {
  shard.stats.connectionsReceived++;
  if (shuttingDown) return conn.close();
  const maxClients = Number(shard.config.get("maxclients"));
  if (Atomics.add(counters, CONNECTED_CLIENTS, 1) >= maxClients) {
    Atomics.sub(counters, CONNECTED_CLIENTS, 1);
    shard.stats.rejectedConnections++;
    noteClientLimit(maxClients);
    refuse(conn, ERR_MAX_CLIENTS);
    return;
  }
  const remote = conn.remoteAddr as Deno.NetAddr;
  if (
    protectedModeRefuses(
      shard.config.get("protected-mode") === true,
      shard.acl.default.noPass,
      remote.hostname,
    )
  ) {
    Atomics.sub(counters, CONNECTED_CLIENTS, 1);
    shard.stats.rejectedConnections++;
    refuse(conn, ERR_DENIED_PROTECTED);
    return;
  }
  const connection = new Connection(conn, shard, peers, {
    isShuttingDown: () => shuttingDown,
    onIdle: maybeStopped,
  });
  admitClient(shard, connection.client);
  serve(connection);
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

async function refuse(conn: ClientConn, error: string): Promise<void> {
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
  tlsListeners?.close();
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

/** `engine-huge-pages`, before the keyspace holds anything. */
function adviseHugePagesIfAsked(config: ConfigStore, keyspace: Keyspace, shardId: number): void {
  if (config.get("engine-huge-pages") !== true) return;
  if (keepHugePagesAdvised(keyspace)) log.verbose("engine memory: transparent huge pages advised");
  else if (shardId === 0) {
    log.warning(
      "engine-huge-pages: madvise(MADV_HUGEPAGE) was refused or unavailable (no THP in the kernel, no --allow-ffi or no glibc): the engine keeps 4 KiB pages",
    );
  }
}
