// The codec's view of a key's value: plain element arrays, independent of how the engine
// stores them, so each engine type can be plugged in by converting to and from these.
import type { EncodingLimits } from "../../engine/encoding_limits.ts";

export interface ZsetEntry {
  member: Uint8Array;
  score: number;
}

export type HashEntry = [field: Uint8Array, value: Uint8Array];

/**
 * `compact` says which of the two encodings Redis holds the collection in (listpack / intset
 * when true, hashtable / skiplist when false): Redis never converts back, so a collection
 * that shrank may still be in the large form. Left out, the thresholds decide, as for a
 * collection built by adding its elements.
 */
export type RdbValue =
  | { kind: "string"; value: Uint8Array }
  | { kind: "list"; elements: Uint8Array[] }
  | { kind: "set"; members: Uint8Array[]; compact?: boolean }
  | { kind: "zset"; entries: ZsetEntry[]; compact?: boolean }
  | { kind: "hash"; entries: HashEntry[]; compact?: boolean };

export interface EncodeOptions extends EncodingLimits {
  /** rdbcompression (default yes). */
  compress: boolean;
}

/** Redis 7.0's defaults (hash-max-listpack-entries 512 in this build). */
export const REDIS_DEFAULTS: EncodeOptions = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2,
  compress: true,
};
