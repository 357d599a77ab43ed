// Messages between the persistence coordinator (main thread, encoder_thread.ts) and the
// snapshot encoder thread (encoder_worker.ts).
import type { SnapshotEncodeOptions } from "./snapshot_encoder.ts";
import type { PartSection } from "./snapshot_chunks.ts";
import type { ShardPart } from "./snapshot_file.ts";
import type { WriteOptions } from "./rdb/file.ts";

export type ToEncoder =
  /** Snapshot `id` begins: one part file per shard. */
  | { type: "open"; id: number; paths: string[] }
  /**
   * A shard's chunk of raw records (snapshot_shard.ts): in the walk's shared slot `slot`, or
   * (-1) its own buffer, transferred. The encoder releases it when done (releaseChunk).
   */
  | {
    type: "chunk";
    id: number;
    shard: number;
    data: Uint8Array;
    options: SnapshotEncodeOptions;
    flow: Int32Array;
    slot: number;
  }
  /** Every shard sent its last chunk: close the parts. */
  | { type: "finish"; id: number }
  /** Splice the parts into the RDB file `target` (writeSnapshotFile). */
  | {
    type: "splice";
    id: number;
    target: string;
    parts: ShardPart[];
    aux: WriteOptions["aux"];
    /** rdbchecksum: end with the CRC-64 (else 0). */
    checksum: boolean;
  };

export type FromEncoder =
  /** The answer to "finish" (the parts' sections in shard order) or "splice" (the key count). */
  | { type: "done"; id: number; sections?: PartSection[][]; keys?: number; error?: string }
  /**
   * The thread's scheduling priority: its nice value and whether it runs at SCHED_IDLE, or why
   * it could not be lowered (logged once by the main thread).
   */
  | { type: "priority"; nice: number; idle?: boolean; error?: string };
