// `ironcache server`: load the configuration, check the port, start one worker per shard,
// link the workers pairwise for forwarding, and stop gracefully on SIGTERM/SIGINT.
import { formatProblem, loadConfig, type LoadedConfig } from "../config/load.ts";
import type { FromWorker, InitMessage, ServerIdentity } from "./messages.ts";
import { log, setLogFile, setLogLevel } from "../log.ts";
import { IRONCACHE_VERSION } from "../version.ts";
import type { LinkRings } from "./peers.ts";
import { createRing, ringCapacity } from "./shard_link.ts";
import { sharedMemoryBuffer, usedMemoryOf } from "./memory_shared.ts";
import { startMetricsServer } from "./metrics.ts";
import { tlsServerOptions } from "./tls.ts";
import { AofWriter } from "../persistence/aof/writer.ts";
import { aofSnapshotId } from "../persistence/aof/shard_aof.ts";
import { aofSharedOf, createAofShared } from "../persistence/aof/shared.ts";
import { aofSettings } from "../persistence/aof/settings.ts";
import { AofLoadError, findManifest } from "../persistence/aof/load.ts";
import { upgradeOldStyleAof } from "../persistence/aof/upgrade.ts";
import { listsFiles } from "../persistence/aof/manifest.ts";
import { PersistenceCoordinator } from "../persistence/coordinator.ts";

export async function runServer(argv: string[]): Promise<number> {
  const loaded = await loadConfig(argv, Deno.env.toObject());
  if (loaded.problems.length) {
    for (const p of loaded.problems) console.error(`ironcache: ${formatProblem(p)}`);
    return 1;
  }
  const values = loaded.values;
  setLogLevel(String(values.loglevel));
  try {
    setLogFile(String(values.logfile));
  } catch (err) {
    console.error(
      `ironcache: can't open the log file ${values.logfile}: ${(err as Error).message}`,
    );
    return 1;
  }
  const port = Number(values["port"]), tlsPort = Number(values["tls-port"]);
  const binds = String(values["bind"]).split(/\s+/).filter(Boolean);
  const shardCount = Number(values["shards"]);
  if (port === 0 && tlsPort === 0) {
    console.error("ironcache: Configured to not listen anywhere, exiting.");
    return 1;
  }
  if (tlsPort !== 0) {
    // A bad certificate or key stops the server here, once, instead of in every worker.
    try {
      tlsServerOptions((name) => values[name]);
    } catch (err) {
      console.error(`ironcache: Failed to configure TLS: ${(err as Error).message}`);
      return 1;
    }
  }

  // Workers bind with SO_REUSEPORT, which would silently share the port with another
  // reuse-port process; a plain bind first turns "in use" into one clear error.
  for (const hostname of binds) {
    for (const p of [port, tlsPort].filter((p) => p !== 0)) {
      try {
        Deno.listen({ hostname, port: p }).close();
      } catch (err) {
        const why = err instanceof Deno.errors.AddrInUse
          ? "address already in use"
          : (err as Error).message;
        console.error(`ironcache: cannot listen on ${hostname}:${p}: ${why}`);
        return 1;
      }
    }
  }

  const aofShared = createAofShared();
  const settings = aofSettings((name) => values[name]);
  let aofLoad = false;
  try {
    upgradeOldStyleAof(String(values["dir"]), settings); // a Redis 6 appendonly.aof
    // Read whatever appendonly says: Redis refuses to start on a bad manifest either way.
    const manifest = findManifest(settings.directory, settings.prefix);
    aofLoad = settings.appendonly && manifest !== null && listsFiles(manifest);
  } catch (err) {
    if (!(err instanceof AofLoadError)) throw err;
    console.error(`ironcache: ${err.message}`);
    return 1;
  }
  // The RDB file is the dataset unless the AOF is on (Redis then reads only the AOF).
  const changes = new SharedArrayBuffer(8 * shardCount);
  const rdbSettings = {
    save: String(values["save"]),
    dir: String(values["dir"]),
    dbfilename: String(values["dbfilename"]),
    rdbchecksum: values["rdbchecksum"] === true,
  };
  const rdbPath = `${rdbSettings.dir.replace(/\/+$/, "") || "."}/${rdbSettings.dbfilename}`;
  const loading = !settings.appendonly &&
    await Deno.stat(rdbPath).then((s) => s.isFile, () => false);
  // Every shard's memory in use (memory.ts): for maxmemory, and the snapshots' used-mem.
  const memoryUsage = sharedMemoryBuffer(shardCount);
  const usedMemory = () => Math.round(usedMemoryOf(new Float64Array(memoryUsage)));
  const writer = new AofWriter(
    settings,
    aofSharedOf(aofShared),
    shardCount,
    () => workers[0].postMessage({ type: "aof-rewrite" }),
    (id, dir) => persistence.collectSnapshot(aofSnapshotId(id), dir),
    usedMemory,
  );
  // Nothing to load: the AOF opens (a first start writes its base) before any shard serves.
  if (!aofLoad && !(await startAof(writer))) return 1;
  const workers = startWorkers(shardCount, loaded, aofShared, aofLoad, memoryUsage, {
    changes,
    loading,
  });
  followAof(workers, writer);
  // Up before the shards are ready: /livez answers at once, /readyz says 503 until loaded.
  const metricsAddr = String(values["metrics-addr"]);
  const metrics = metricsAddr === "" ? null : startMetricsServer(metricsAddr, workers);
  if (metricsAddr !== "" && !metrics) {
    console.error(`ironcache: cannot serve metrics on ${metricsAddr}`);
    for (const w of workers) w.terminate();
    return 1;
  }
  const persistence = new PersistenceCoordinator(
    workers,
    new Float64Array(changes),
    rdbSettings,
    Number(values["databases"]),
    () => requestStop("SHUTDOWN"),
    usedMemory,
  );
  for (const w of workers) {
    w.addEventListener(
      "message",
      (e: MessageEvent<FromWorker>) => persistence.onMessage(w, e.data),
    );
  }
  // Signals are handled from the start: a stop may arrive while the workers come up.
  let requestStop: (why: string) => void = () => {};
  const stopped = untilStopped(
    workers,
    persistence,
    (stop) => requestStop = stop,
    () => writer.close(),
  );
  try {
    const first = await Promise.race([
      waitForAll(workers, "listening").then(() => "listening" as const),
      stopped,
    ]);
    if (first !== "listening") {
      await metrics?.close();
      return first; // stopped before it was ready
    }
  } catch (err) {
    console.error(`ironcache: ${(err as Error).message}`);
    for (const w of workers) w.terminate();
    await metrics?.close();
    return 1;
  }
  if (loading) {
    try {
      await persistence.load(rdbPath);
    } catch (err) {
      log.warning(
        `Fatal error loading the DB from ${rdbPath}: ${(err as Error).message}. Exiting.`,
      );
      for (const w of workers) w.terminate();
      return 1;
    }
  }
  log.always(
    `IronCache ${IRONCACHE_VERSION} ready: pid=${Deno.pid} port=${port}${
      tlsPort ? ` tls-port=${tlsPort}` : ""
    } bind=${binds.join(",")} shards=${shardCount}` +
      (loaded.configFile ? ` config=${loaded.configFile}` : ""),
  );
  const code = await stopped;
  await metrics?.close();
  return code;
}

function serverIdentity(config: LoadedConfig): ServerIdentity {
  const random = crypto.getRandomValues(new Uint8Array(20));
  return {
    runId: Array.from(random, (b) => b.toString(16).padStart(2, "0")).join(""),
    pid: Deno.pid,
    startedAt: Date.now(),
    configFile: config.configFile ?? "",
    configFileIsToml: config.configFileIsToml,
    executable: Deno.execPath(),
  };
}

/** Opens the AOF (Redis's aofOpenIfNeededOnServerStart); false, logged, if that failed. */
async function startAof(writer: AofWriter): Promise<boolean> {
  try {
    await writer.start();
    return true;
  } catch (err) {
    log.warning(`Can't open the append-only file on server start: ${(err as Error).message}`);
    return false;
  }
}

/** The shards' AOF messages to the writer; once the AOF is loaded it opens, then they serve. */
function followAof(workers: Worker[], writer: AofWriter): void {
  for (const w of workers) {
    w.addEventListener("message", (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if (msg.type === "aof-entries") writer.onEntries(msg.shardId, msg.data);
      else if (msg.type === "aof-snapshot") {
        writer.onSnapshot(msg.shardId, msg.rewriteId, msg.cut);
      } else if (msg.type === "aof-config") writer.configure(msg.settings);
      else if (msg.type === "aof-loaded") {
        startAof(writer).then((ok) => {
          if (!ok) Deno.exit(1); // as Redis's exit(1)
          for (const each of workers) each.postMessage({ type: "aof-loaded" });
        });
      }
    });
  }
}

function startWorkers(
  count: number,
  config: LoadedConfig,
  aof: SharedArrayBuffer,
  aofLoad: boolean,
  memoryUsage: SharedArrayBuffer,
  persistence: InitMessage["persistence"],
): Worker[] {
  const counters = new SharedArrayBuffer(64);
  const server = serverIdentity(config);
  const workers: Worker[] = [];
  // One ring per direction between every pair of shards.
  const links: Record<number, LinkRings>[] = Array.from({ length: count }, () => ({}));
  const capacity = ringCapacity(count);
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      const aToB = createRing(capacity), bToA = createRing(capacity);
      links[a][b] = { send: aToB, receive: bToA };
      links[b][a] = { send: bToA, receive: aToB };
    }
  }
  for (let id = 0; id < count; id++) {
    const worker = new Worker(new URL("./shard_worker.ts", import.meta.url), {
      type: "module",
      name: `shard-${id}`,
    });
    const init: InitMessage = {
      type: "init",
      shardId: id,
      shardCount: count,
      config,
      peers: links[id],
      counters,
      memoryUsage,
      server,
      aof,
      aofLoad,
      persistence,
    };
    worker.postMessage(init);
    workers.push(worker);
  }
  return workers;
}

/** Resolves when every worker has sent `type`; rejects on a worker's fatal error. */
function waitForAll(workers: Worker[], type: FromWorker["type"]): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen = new Set<number>();
    for (const w of workers) {
      w.addEventListener("error", (e) => {
        e.preventDefault();
        reject(new Error(`shard worker failed: ${e.message}`));
      });
      w.addEventListener("message", (e: MessageEvent<FromWorker>) => {
        const msg = e.data;
        if (msg.type === "fatal") reject(new Error(msg.message));
        else if (msg.type === type) {
          seen.add(msg.shardId);
          if (seen.size === workers.length) resolve();
        }
      });
    }
  });
}

/** Runs until SIGTERM/SIGINT or SHUTDOWN: the first stops gracefully (saving first when save
 * points are set: a failed save keeps the server running, as Redis), a second signal exits at
 * once. `expose` receives the stop function (SHUTDOWN, after its own save). */
function untilStopped(
  workers: Worker[],
  persistence: PersistenceCoordinator,
  expose: (stop: (why: string) => void) => void,
  beforeExit: () => void,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      stopping = true;
      log.notice(`${why} received: shutting down`);
      const stopped = waitForAll(workers, "stopped");
      for (const w of workers) w.postMessage({ type: "shutdown" });
      stopped.then(() => {
        beforeExit();
        for (const w of workers) w.terminate();
        log.notice("IronCache is now ready to exit, bye bye...");
        resolve(0);
      }, (err) => {
        log.warning(`shutdown: ${(err as Error).message}`);
        resolve(1);
      });
    };
    const onSignal = async (why: string) => {
      if (stopping) {
        log.warning(`${why} received again: exiting now`);
        Deno.exit(1);
      }
      stopping = true;
      if (persistence.savesOnShutdown && !persistence.status.loading) {
        if (!(await persistence.saveForShutdown())) {
          log.warning(`${why} received but errors trying to shut down the server, check the logs`);
          stopping = false;
          return;
        }
      }
      stop(why);
    };
    expose((why) => {
      if (!stopping) stop(why);
    });
    Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));
    Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));
    for (const w of workers) {
      w.addEventListener("message", (e: MessageEvent<FromWorker>) => {
        if (e.data.type === "shutdown-request" && !stopping) stop("SHUTDOWN");
      });
    }
  });
}
