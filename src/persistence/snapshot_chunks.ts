// What a shard's snapshot walk (snapshot_shard.ts) and the encoder thread (encoder_worker.ts)
// share: the chunks' format and their flow control. A module of its own so that the encoder's
// thread does not load the walk's imports (the command table, and most of the server with it:
// ~90 ms of CPU at normal priority when its Worker started, at a server's first BGSAVE).

/** A chunk is segments: [u8 kind][u8 db][u32 length LE][length bytes]. */
export const SEGMENT_HEADER = 6;
/** Records of the walk: [u32 klen][key][f64 expireAt, -1 none][DUMP blob]... */
export const SEG_WALK = 0;
/** One record of a key a write is about to change, as it was when the snapshot began. */
export const SEG_SAVED = 1;
/** A key a write is about to create: not in the snapshot (the body is the key). */
export const SEG_CREATED = 2;
/** The walk of the db is over (no body). */
export const SEG_END_DB = 3;

/** One database's records in a part file. */
export interface PartSection {
  db: number;
  offset: number;
  length: number;
  keys: number;
  expires: number;
}

/**
 * A snapshot's flow control, shared by the shard and the encoder thread: `[IN_FLIGHT]` counts
 * the chunks sent and not yet encoded, `[1 + slot]` is 1 while a shared slot holds one.
 */
export const IN_FLIGHT = 0;

/** The encoder is done with a chunk (`slot` -1: a private buffer): frees it, wakes the walk. */
export function releaseChunk(flow: Int32Array, slot: number): void {
  if (slot >= 0) Atomics.store(flow, 1 + slot, 0);
  Atomics.sub(flow, IN_FLIGHT, 1);
  Atomics.notify(flow, IN_FLIGHT);
}

/** The encoder is gone: nothing is in flight any more. */
export function releaseAllChunks(flow: Int32Array): void {
  for (let i = 0; i < flow.length; i++) Atomics.store(flow, i, 0);
  Atomics.notify(flow, IN_FLIGHT);
}
