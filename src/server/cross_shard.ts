// Atomic work across shards for one connection: lock the shards involved (ascending order,
// see shard_lock.ts), run commands on them under the lock, release. Used by commands whose
// keys span shards and that Redis makes atomic (MSET, MSETNX, RENAME, ...).
import type { Shard } from "./shard.ts";
import type { Peers } from "./peers.ts";
import type { Client } from "./client.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { appendToBatch } from "./executor.ts";
import { encodeCommand } from "./multishard.ts";

/** Runs one command (argv) on a shard under the caller's locks, in the client's db unless
 * `db` is given; resolves with its reply. */
export type RunOnShard = (shard: number, argv: Uint8Array[], db?: number) => Promise<Uint8Array>;

export interface CrossShard {
  atomically<T>(shards: Iterable<number>, work: (run: RunOnShard) => Promise<T>): Promise<T>;
}

let lockSequence = 0;

export function createCrossShard(shard: Shard, peers: Peers | null, client: Client): CrossShard {
  return {
    async atomically<T>(
      shards: Iterable<number>,
      work: (run: RunOnShard) => Promise<T>,
    ): Promise<T> {
      const owner = `${shard.id}:${++lockSequence}`;
      const ordered = [...new Set(shards)].sort((a, b) => a - b);
      const held: number[] = [];
      try {
        for (const s of ordered) {
          if (s === shard.id) await shard.lock.acquire(owner);
          else await peers!.lockShard(s, owner);
          held.push(s);
        }
        const run: RunOnShard = async (target, argv, db = client.db) => {
          const batch = new ByteBuffer(256);
          appendToBatch(batch, db, client.resp, encodeCommand(argv), true);
          if (target === shard.id) return shard.executeBatch(batch.bytes()).replies.slice();
          return (await peers!.call(target, batch.bytes(), owner)).replies;
        };
        return await work(run);
      } finally {
        for (const s of held) {
          if (s === shard.id) shard.lock.release(owner);
          else peers!.unlockShard(s, owner);
        }
      }
    },
  };
}
