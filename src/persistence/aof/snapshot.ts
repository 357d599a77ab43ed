// One key as the AOF logs it by its contents (the propagated form of RESTORE): its value as a
// plain RDB value and its expiry, looked at without touching its LRU / LFU data (Redis logs
// the command itself and never reads the key). The rewrite's base is written by the RDB
// snapshot walk (snapshot_shard.ts).
import type { Keyspace } from "../../engine/keyspace.ts";
import type { RdbEntry } from "../rdb/file.ts";
import { rdbValueFromBlob } from "../value_codec.ts";

/** A key with its value and expiry, or null when it is missing. */
export function readEntry(ks: Keyspace, db: number, key: Uint8Array): RdbEntry | null {
  const blob = ks.peek(db, key);
  if (blob === null) return null;
  const value = rdbValueFromBlob(blob);
  const at = ks.expireAt(db, key);
  return at > 0 ? { key, value, expireAtMs: at } : { key, value };
}
