// Messages between the persistence coordinator (main thread, encoder_thread.ts) and the
// snapshot encoder thread (encoder_worker.ts).
import type { EncodeOptions } from "./rdb/value.ts";
import type { PartSection } from "./snapshot_shard.ts";

export type ToEncoder =
  /** Snapshot `id` begins: one part file per shard. */
  | { type: "open"; id: number; paths: string[] }
  /**
   * A shard's chunk of raw records (snapshot_shard.ts), its buffer transferred. `inFlight` is
   * the shard's count of chunks not yet encoded: the encoder takes one off when done with it.
   */
  | {
    type: "chunk";
    id: number;
    shard: number;
    data: Uint8Array;
    options: EncodeOptions;
    inFlight: Int32Array;
  }
  /** Every shard sent its last chunk: close the parts. */
  | { type: "finish"; id: number };

export type FromEncoder =
  /** The parts' sections in shard order, or why the snapshot failed. */
  | { type: "finished"; id: number; sections?: PartSection[][]; error?: string }
  /** The thread's scheduling priority could not be lowered (logged once by the main thread). */
  | { type: "priority"; nice: number; error?: string };
