// The settings that decide when a small collection leaves its compact encoding
// (hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*, list-max-listpack-size):
// read from the config store, pushed into the engine at start and on every CONFIG SET.
import type { ConfigStore } from "../config/store.ts";
import type { Keyspace } from "./keyspace.ts";

export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  listMaxListpackSize: number;
}

const KEYS = [
  "hash-max-listpack-entries",
  "hash-max-listpack-value",
  "set-max-intset-entries",
  "zset-max-listpack-entries",
  "zset-max-listpack-value",
  "list-max-listpack-size",
];

/** The engine holds counts as u32: larger settings mean "never convert" there too. */
function clampU32(value: unknown): number {
  return Math.min(Number(value), 0xffffffff);
}

/** The current settings. */
export function encodingLimitsOf(config: ConfigStore): EncodingLimits {
  return {
    hashMaxListpackEntries: clampU32(config.get("hash-max-listpack-entries")),
    hashMaxListpackValue: clampU32(config.get("hash-max-listpack-value")),
    setMaxIntsetEntries: clampU32(config.get("set-max-intset-entries")),
    zsetMaxListpackEntries: clampU32(config.get("zset-max-listpack-entries")),
    zsetMaxListpackValue: clampU32(config.get("zset-max-listpack-value")),
    listMaxListpackSize: Number(config.get("list-max-listpack-size")),
  };
}

/** Applies the settings now and after every change. */
export function followEncodingLimits(config: ConfigStore, keyspace: Keyspace): void {
  keyspace.setEncodingLimits(encodingLimitsOf(config));
  config.onChange((name) => {
    if (KEYS.includes(name)) keyspace.setEncodingLimits(encodingLimitsOf(config));
  });
}
