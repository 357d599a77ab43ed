// State shared by the AOF writer (main thread) and the shards, in one SharedArrayBuffer.
//   Int32 [SEQ_NEXT]: the next global sequence number of a logged command (Atomics.add);
//   Int32 [SEQ_DONE]: every command numbered below it is written (and fsynced under
//                     appendfsync always): replies may go out;
//   Int32 [REWRITE_CLAIM]: 1 while a rewrite is claimed (one at a time);
//   Int32 [REWRITE_ID], [REWRITE_CUT]: the claimed rewrite and its cut (set under the locks);
//   Float64 stats for INFO persistence, written by the writer.

export const SEQ_NEXT = 0, SEQ_DONE = 1, REWRITE_CLAIM = 2, REWRITE_ID = 3, REWRITE_CUT = 4;
const INT_SLOTS = 8;

export const STAT = {
  rewriteStartedAt: 0,
  lastRewriteSec: 1,
  lastRewriteOk: 2,
  rewrites: 3,
  consecutiveFailures: 4,
  lastWriteOk: 5,
  currentSize: 6,
  baseSize: 7,
  rewriteScheduled: 8,
  delayedFsync: 9,
} as const;
const STAT_SLOTS = 16;

export interface AofShared {
  ints: Int32Array;
  stats: Float64Array;
}

export function createAofShared(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(INT_SLOTS * 4 + STAT_SLOTS * 8);
  const shared = aofSharedOf(buffer);
  shared.stats[STAT.lastRewriteSec] = -1;
  shared.stats[STAT.lastRewriteOk] = 1;
  shared.stats[STAT.lastWriteOk] = 1;
  return buffer;
}

export function aofSharedOf(buffer: SharedArrayBuffer): AofShared {
  return {
    ints: new Int32Array(buffer, 0, INT_SLOTS),
    stats: new Float64Array(buffer, INT_SLOTS * 4, STAT_SLOTS),
  };
}

/** a - b for sequence numbers that wrap around at 2^32. */
export const seqDistance = (a: number, b: number) => (a - b) | 0;
