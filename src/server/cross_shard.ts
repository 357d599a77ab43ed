// Atomic work across shards for one connection: lock the shards involved (ascending order,
// see shard_lock.ts), run commands on them under the lock, release. Used by commands whose
// keys span shards and that Redis makes atomic (MSET, MSETNX, RENAME, ...), and by EXEC,
// which holds the locks of every shard its queued commands touch while they all run.
import type { Shard } from "./shard.ts";
import type { Peers } from "./peers.ts";
import { Client } from "./client.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { appendToBatch } from "./executor.ts";
import { encodeCommand } from "./multishard.ts";
import { SHARED_PREFIX } from "./shard_lock.ts";

/** Runs one command (argv) on a shard under the caller's locks, in the client's db unless
 * `db` is given; resolves with its reply. */
export type RunOnShard = (shard: number, argv: Uint8Array[], db?: number) => Promise<Uint8Array>;

/** Runs a batch (entries made with appendToBatch) on a shard under the caller's locks;
 * resolves with its replies, back to back. */
export type SendToShard = (shard: number, batch: Uint8Array) => Promise<Uint8Array>;

export interface CrossShard {
  /** `shared`: the work only reads, so other reads may hold the same shards meanwhile. */
  atomically<T>(
    shards: Iterable<number>,
    work: (run: RunOnShard, send: SendToShard) => Promise<T>,
    shared?: boolean,
  ): Promise<T>;
  /** Take the locks of `shards` until release(): atomically() inside runs under them (its
   * shards must be among them), and heldBy() names the owner for forwarded batches. */
  hold(shards: Iterable<number>): Promise<void>;
  release(): void;
  /** The lock owner while hold() is in force, else null. */
  heldBy(): string | null;
  /** Runs one internal command on shard `target` without taking locks (it waits there if
   * another owner holds that shard). */
  call(target: number, argv: Uint8Array[]): Promise<Uint8Array>;
}

let lockSequence = 0;

export function createCrossShard(shard: Shard, peers: Peers | null, client: Client): CrossShard {
  let heldOwner: string | null = null;
  let heldShards: number[] = [];

  async function lockAll(owner: string, ordered: number[], held: number[]): Promise<void> {
    for (const s of ordered) {
      if (s === shard.id) await shard.lock.acquire(owner);
      else await peers!.lockShard(s, owner);
      held.push(s);
    }
  }

  function unlockAll(owner: string, held: number[]): void {
    for (const s of held) {
      if (s === shard.id) shard.lock.release(owner);
      else peers!.unlockShard(s, owner);
    }
  }

  const sendUnder = (owner: string | null): SendToShard => async (target, batch) => {
    if (target === shard.id) return shard.executeBatch(batch).replies.slice();
    return (await peers!.call(target, batch, owner)).replies;
  };

  const runUnder = (owner: string | null): RunOnShard => (target, argv, db = client.db) => {
    const batch = new ByteBuffer(256);
    appendToBatch(batch, db, client.resp, encodeCommand(argv), true);
    return sendUnder(owner)(target, batch.bytes());
  };

  const ascending = (shards: Iterable<number>) => [...new Set(shards)].sort((a, b) => a - b);

  return {
    async atomically<T>(
      shards: Iterable<number>,
      work: (run: RunOnShard, send: SendToShard) => Promise<T>,
      shared = false,
    ): Promise<T> {
      const ordered = ascending(shards);
      if (heldOwner !== null) {
        // Inside EXEC: the transaction's locks already cover this step.
        if (ordered.some((s) => !heldShards.includes(s))) {
          throw new Error("a step inside EXEC needs a shard the transaction did not lock");
        }
        return await work(runUnder(heldOwner), sendUnder(heldOwner));
      }
      const owner = `${shared ? SHARED_PREFIX : ""}${shard.id}:${++lockSequence}`;
      const held: number[] = [];
      try {
        await lockAll(owner, ordered, held);
        return await work(runUnder(owner), sendUnder(owner));
      } finally {
        unlockAll(owner, held);
      }
    },
    async hold(shards: Iterable<number>): Promise<void> {
      const owner = `${shard.id}:${++lockSequence}`;
      const held: number[] = [];
      try {
        await lockAll(owner, ascending(shards), held);
      } catch (err) {
        unlockAll(owner, held);
        throw err;
      }
      heldOwner = owner;
      heldShards = held;
    },
    release(): void {
      if (heldOwner === null) return;
      unlockAll(heldOwner, heldShards);
      heldOwner = null;
      heldShards = [];
    },
    heldBy: () => heldOwner,
    call: (target, argv) => runUnder(null)(target, argv),
  };
}

/**
 * Runs the internal command `argv` on every shard while holding all their locks, `first`
 * before: no command runs on any shard in between, so they all act at one instant (a
 * snapshot's start, an AOF rewrite's cut). `ran` collects the shards whose reply was no error
 * (also when another failed).
 */
export async function runOnEveryShardAtOnce(
  shard: Shard,
  peers: Peers,
  name: string,
  argv: Uint8Array[],
  first: () => void = () => {},
  ran = new Set<number>(),
): Promise<Set<number>> {
  const all = Array.from({ length: shard.count }, (_, s) => s);
  const cross = createCrossShard(shard, peers, new Client(name, "", 0));
  await cross.atomically(all, async (run) => {
    first();
    await Promise.all(all.map(async (s) => {
      if ((await run(s, argv))[0] !== 0x2d) ran.add(s); // not "-ERR..."
    }));
  });
  return ran;
}
