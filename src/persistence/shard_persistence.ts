// A shard worker's side of persistence: it counts its changes (the save policy's and INFO's
// rdb_changes_since_last_save), writes its part of snapshots, applies loaded keys, and keeps
// the coordinator's status (shard_status.ts) for INFO and LASTSAVE. Shard 0 also checks the `save` policy once a
// second and tells the coordinator the settings it needs (they may change by CONFIG SET).
import type { Shard } from "../server/shard.ts";
import { encodingLimitsOf } from "../engine/encoding_limits.ts";
import { accessSaveOf } from "./rdb/access.ts";
import { log } from "../log.ts";
import type { PersistFromWorker, PersistToWorker } from "./messages.ts";
import { ShardSnapshot } from "./snapshot_shard.ts";
import { WalkPacer } from "./walk_pacer.ts";
import { stallProbeMark } from "../server/stall_probe.ts";
import { storeLoadBatch } from "./load_batch.ts";
import { requestPersistence, type ShardPersistence, stateOf } from "./shard_status.ts";
import { runOnEveryShardAtOnce } from "../server/cross_shard.ts";
import type { Peers } from "../server/peers.ts";

/**
 * Starts the shard's side: the change counter (a write observer), and on shard 0 the save
 * policy check and the settings report. Returns the handler of the coordinator's messages
 * (true when the message was one of them).
 */
export function setUpShardPersistence(
  shard: Shard,
  changes: SharedArrayBuffer,
  loading: boolean,
  post: (m: PersistFromWorker, transfer?: Transferable[]) => void,
  /** The links to the other shards (null with one shard), once they are set up. */
  peers: () => Peers | null,
): (msg: { type: string }) => boolean {
  const state = stateOf(shard);
  state.changes = new Float64Array(changes);
  state.post = post;
  state.peers = peers;
  state.startWalk = (id) => streamSnapshot(shard, id);
  shard.loading = state.status.loading = loading;
  const counter = state.changes, id = shard.id;
  shard.writeObservers.push(() => counter[id]++);
  if (shard.id === 0) {
    const report = () =>
      post({
        type: "persist-config",
        shardId: 0,
        save: String(shard.config.get("save")),
        dir: String(shard.config.get("dir")),
        dbfilename: String(shard.config.get("dbfilename")),
        rdbchecksum: shard.config.get("rdbchecksum") === true,
      });
    report();
    const reported = new Set(["save", "dir", "dbfilename", "rdbchecksum"]);
    shard.config.onChange((name) => {
      if (reported.has(name)) report();
    });
    const timer = setInterval(() => checkSavePolicy(shard), 1000);
    Deno.unrefTimer(timer);
  }
  return (msg) => handle(shard, state, msg as PersistToWorker);
}

function handle(shard: Shard, state: ShardPersistence, msg: PersistToWorker): boolean {
  switch (msg.type) {
    case "persist-status":
      state.status = msg.status;
      state.post({ type: "persist-status-seen", shardId: shard.id, seq: msg.seq });
      // The end of a load (boot, DEBUG RELOAD): the shard is ready (/readyz).
      if (shard.loading && !msg.status.loading) shard.markLoaded();
      shard.loading = msg.status.loading;
      return true;
    case "persist-reply": {
      const resolve = state.pending.get(msg.reqId);
      state.pending.delete(msg.reqId);
      resolve?.(msg.reply);
      return true;
    }
    case "snapshot":
      if (msg.together) snapshotEveryShard(shard, state, msg.id);
      else streamSnapshot(shard, msg.id);
      return true;
    case "load-batch":
      state.post({
        type: "persist-ack",
        shardId: shard.id,
        id: msg.id,
        ...applyLoadBatch(shard, msg.batch, msg.replace),
      });
      return true;
    case "flush":
      for (let db = 0; db < shard.databases; db++) shard.keyspace.flush(db);
      state.post({ type: "persist-ack", shardId: shard.id, id: msg.id });
      return true;
  }
  return false;
}

const SNAPSHOT_COMMAND = new TextEncoder().encode("BGSAVE");

/**
 * Starts snapshot `id` on every shard at one instant, as Redis's fork takes the whole dataset
 * at once (asked of shard 0): with the locks of every shard held, each starts its walk (an
 * internal BGSAVE with the id, src/commands/persistence.ts), so no command runs on any shard
 * between the walks' instants, and a command spanning shards (MSET...) is in the snapshot whole
 * or not at all. A shard that could not start reports its part failed.
 */
function snapshotEveryShard(shard: Shard, state: ShardPersistence, id: number): void {
  const peers = state.peers();
  if (shard.count === 1 || peers === null) return streamSnapshot(shard, id);
  const argv = [SNAPSHOT_COMMAND, new TextEncoder().encode(String(id))];
  const started = new Set<number>();
  runOnEveryShardAtOnce(shard, peers, "persistence", argv, undefined, started)
    .catch((err) => log.warning(`Starting a snapshot failed: ${(err as Error).message}`))
    .finally(() => {
      for (let s = 0; s < shard.count; s++) {
        if (!started.has(s)) {
          state.post({ type: "snapshot-done", shardId: s, id, error: "the shard did not start" });
        }
      }
    });
}

/**
 * Starts the shard's walk of snapshot `id`: its instant is this call. The records stream to
 * the coordinator (snapshot-chunk, then snapshot-done).
 */
export function streamSnapshot(shard: Shard, id: number): void {
  const { post } = stateOf(shard);
  const shardId = shard.id;
  const access = accessSaveOf(
    String(shard.config.get("maxmemory-policy")),
    Number(shard.config.get("lfu-decay-time")),
    Date.now(),
  );
  const compress = shard.config.get("rdbcompression") === true;
  const send = (data: Uint8Array, flow: Int32Array, slot: number) => {
    const limits = encodingLimitsOf(shard.config);
    post(
      { type: "snapshot-chunk", shardId, id, data, limits, access, compress, flow, slot },
      slot < 0 ? [data.buffer as ArrayBuffer] : [],
    );
  };
  stallProbeMark("before snapshot");
  new ShardSnapshot(shard, send, WalkPacer.kept()).run().then(
    () => {
      stallProbeMark("during snapshot");
      post({ type: "snapshot-done", shardId, id });
    },
    (e) => post({ type: "snapshot-done", shardId, id, error: (e as Error).message }),
  );
}

/** Stores a batch of loaded keys: how many, or the error text of a record that failed. */
function applyLoadBatch(
  shard: Shard,
  batch: Uint8Array,
  replace: boolean,
): { keys?: number; error?: string } {
  shard.keyspace.setClock(Date.now());
  try {
    const limits = encodingLimitsOf(shard.config);
    return { keys: storeLoadBatch(shard.keyspace, batch, limits, replace) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** serverCron's save points: BGSAVE after `seconds` when at least `changes` happened (and,
 * after a failed BGSAVE, not before 5 s, CONFIG_BGSAVE_RETRY_DELAY). */
function checkSavePolicy(shard: Shard): void {
  const { status, changes } = stateOf(shard);
  if (status.saving || status.loading) return;
  const words = String(shard.config.get("save")).split(" ").filter(Boolean).map(Number);
  if (words.length === 0) return;
  let dirty = 0;
  for (let s = 0; s < shard.count; s++) dirty += changes[s] - (status.changesAtLastSave[s] ?? 0);
  const now = Date.now() / 1000;
  for (let i = 0; i + 1 < words.length; i += 2) {
    const [seconds, wanted] = [words[i], words[i + 1]];
    if (
      dirty >= wanted && now - status.lastSave > seconds &&
      (status.lastBgsaveOk || now - status.lastSave > 5)
    ) {
      log.notice(`${dirty} changes in ${seconds} seconds. Saving...`);
      requestPersistence(shard, "bgsave");
      return;
    }
  }
}
