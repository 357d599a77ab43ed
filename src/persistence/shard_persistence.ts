// A shard worker's side of persistence: it counts its changes (the save policy's and INFO's
// rdb_changes_since_last_save), asks the main thread's coordinator to save (SAVE, BGSAVE,
// DEBUG RELOAD, SHUTDOWN), writes its part of snapshots, applies loaded keys, and keeps the
// coordinator's status for INFO and LASTSAVE. Shard 0 also checks the `save` policy once a
// second and tells the coordinator the settings it needs (they may change by CONFIG SET).
import type { Shard } from "../server/shard.ts";
import { BAD_PAYLOAD } from "../engine/keyspace.ts";
import { log } from "../log.ts";
import type {
  PersistFromWorker,
  PersistOp,
  PersistOptions,
  PersistReply,
  PersistStatus,
  PersistToWorker,
} from "./messages.ts";
import { ShardSnapshot } from "./snapshot_shard.ts";
import { forEachLoadRecord } from "./load_batch.ts";

interface ShardPersistence {
  status: PersistStatus;
  /** Float64 per shard: each shard's count of changes since start (monotonic). */
  changes: Float64Array;
  post: (m: PersistFromWorker) => void;
  pending: Map<number, (reply: PersistReply) => void>;
  nextRequest: number;
}

const states = new WeakMap<Shard, ShardPersistence>();

function initialStatus(shard: Shard): PersistStatus {
  return {
    lastSave: Math.floor(shard.server.startedAt / 1000),
    lastBgsaveOk: true,
    lastBgsaveTimeSec: -1,
    bgsaveStartedMs: 0,
    saving: false,
    scheduled: false,
    saves: 0,
    changesAtLastSave: new Array(shard.count).fill(0),
    loading: false,
    lastLoadKeysLoaded: 0,
    lastLoadKeysExpired: 0,
  };
}

function stateOf(shard: Shard): ShardPersistence {
  let state = states.get(shard);
  if (!state) {
    state = {
      status: initialStatus(shard),
      changes: new Float64Array(shard.count),
      post: () => {},
      pending: new Map(),
      nextRequest: 0,
    };
    states.set(shard, state);
  }
  return state;
}

/** The coordinator's last status (INFO persistence, LASTSAVE). */
export function persistStatus(shard: Shard): PersistStatus {
  return stateOf(shard).status;
}

/** This shard's changes since the last successful save began. */
export function changesSinceSave(shard: Shard): number {
  const state = stateOf(shard);
  return state.changes[shard.id] - (state.status.changesAtLastSave[shard.id] ?? 0);
}

/** Asks the coordinator to run `op`; resolves with the reply for the client. */
export function requestPersistence(
  shard: Shard,
  op: PersistOp,
  options: PersistOptions = {},
): Promise<PersistReply> {
  const state = stateOf(shard);
  const reqId = ++state.nextRequest;
  return new Promise((resolve) => {
    state.pending.set(reqId, resolve);
    state.post({ type: "persist-request", shardId: shard.id, reqId, op, options });
  });
}

/**
 * Starts the shard's side: the change counter (a write observer), and on shard 0 the save
 * policy check and the settings report. Returns the handler of the coordinator's messages
 * (true when the message was one of them).
 */
export function setUpShardPersistence(
  shard: Shard,
  changes: SharedArrayBuffer,
  loading: boolean,
  post: (m: PersistFromWorker) => void,
): (msg: { type: string }) => boolean {
  const state = stateOf(shard);
  state.changes = new Float64Array(changes);
  state.post = post;
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
      });
    report();
    shard.config.onChange((name) => {
      if (name === "save" || name === "dir" || name === "dbfilename") report();
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
      shard.loading = msg.status.loading;
      return true;
    case "persist-reply": {
      const resolve = state.pending.get(msg.reqId);
      state.pending.delete(msg.reqId);
      resolve?.(msg.reply);
      return true;
    }
    case "snapshot":
      writePart(shard, msg.id, msg.path, state.post);
      return true;
    case "load-batch":
      state.post({
        type: "persist-ack",
        shardId: shard.id,
        id: msg.id,
        error: applyLoadBatch(shard, msg.batch),
      });
      return true;
    case "flush":
      for (let db = 0; db < shard.databases; db++) shard.keyspace.flush(db);
      state.post({ type: "persist-ack", shardId: shard.id, id: msg.id });
      return true;
  }
  return false;
}

async function writePart(
  shard: Shard,
  id: number,
  path: string,
  post: (m: PersistFromWorker) => void,
): Promise<void> {
  try {
    const sections = await new ShardSnapshot(shard, path).run();
    post({ type: "snapshot-done", shardId: shard.id, id, sections });
  } catch (e) {
    post({ type: "snapshot-done", shardId: shard.id, id, error: (e as Error).message });
  }
}

/** Stores a batch of loaded keys; an error text when the engine refused one. */
function applyLoadBatch(shard: Shard, batch: Uint8Array): string | undefined {
  const ks = shard.keyspace;
  ks.setClock(Date.now());
  let error: string | undefined;
  forEachLoadRecord(batch, (db, key, blob, expireAt) => {
    if (error === undefined && ks.restore(db, key, blob, expireAt, true) === BAD_PAYLOAD) {
      error = "a value the engine can't hold";
    }
  });
  return error;
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
