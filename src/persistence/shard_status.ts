// A shard's view of persistence: the coordinator's status (INFO, LASTSAVE) and requests to
// it (SAVE, BGSAVE...). Kept apart from shard_persistence.ts (the worker's setup, which
// imports the snapshot code and through it the command table) so commands can import it.
import type { Peers } from "../server/peers.ts";
import type { Shard } from "../server/shard.ts";
import type {
  PersistFromWorker,
  PersistOp,
  PersistOptions,
  PersistReply,
  PersistStatus,
} from "./messages.ts";
import { initialStatus } from "./messages.ts";

export interface ShardPersistence {
  status: PersistStatus;
  /** Float64 per shard: each shard's count of changes since start (monotonic). */
  changes: Float64Array;
  post: (m: PersistFromWorker, transfer?: Transferable[]) => void;
  /** The links to the other shards (null with one shard). */
  peers: () => Peers | null;
  /** Starts this shard's walk of snapshot `id` (shard_persistence.ts streamSnapshot). */
  startWalk: (id: number) => void;
  pending: Map<number, (reply: PersistReply) => void>;
  nextRequest: number;
}

const states = new WeakMap<Shard, ShardPersistence>();

export function stateOf(shard: Shard): ShardPersistence {
  let state = states.get(shard);
  if (!state) {
    state = {
      status: initialStatus(shard.server.startedAt, shard.count),
      changes: new Float64Array(shard.count),
      post: () => {},
      peers: () => null,
      startWalk: () => {},
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

/** This shard's walk of snapshot `id`, started now (the internal BGSAVE that shard 0 runs on
 * every shard under their locks). */
export function startSnapshotWalk(shard: Shard, id: number): void {
  stateOf(shard).startWalk(id);
}
