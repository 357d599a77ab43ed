// One key's value as a plain RDB value, read through the typed readers (the AOF's propagated
// form of RESTORE). The rewrite's base is written by the RDB snapshot walk (snapshot_shard.ts).
import type { ArgSource, Keyspace } from "../../engine/keyspace.ts";
import { TYPE_HASH, TYPE_LIST, TYPE_SET, TYPE_STRING, TYPE_ZSET } from "../../engine/keyspace.ts";
import { listRange } from "../../engine/list.ts";
import { SET_INTER, setOps } from "../../engine/set.ts";
import { HASH_PAIRS, hashGetAll } from "../../engine/hash.ts";
import { zsetsOf } from "../../engine/zset.ts";
import { blobStringValue } from "../../engine/value_blob.ts";
import type { RdbEntry } from "../rdb/file.ts";
import type { RdbValue } from "../rdb/value.ts";

/** The key as argument 1 of a command (the typed readers take their key from there). */
function keyArgs(key: Uint8Array): ArgSource {
  return {
    argBuf: key,
    argStart: new Int32Array([0, 0, key.length]),
    argLen: new Int32Array([0, key.length, 0]),
  };
}

function items(ks: Keyspace, n: number): Uint8Array[] {
  const reader = ks.replyItems();
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = reader.nextBytes();
  return out;
}

/** A key's value as an RdbValue, or null when it is missing. */
export function readValue(ks: Keyspace, db: number, key: Uint8Array): RdbValue | null {
  const type = ks.type(db, key);
  if (type === TYPE_STRING) {
    const blob = ks.dump(db, key);
    const value = blob && blobStringValue(blob);
    return value ? { kind: "string", value: value.slice() } : null;
  }
  const args = keyArgs(key);
  if (type === TYPE_LIST) {
    const n = listRange(ks, db, args, 0, -1);
    return n > 0 ? { kind: "list", elements: items(ks, n) } : null;
  }
  if (type === TYPE_SET) {
    const n = setOps(ks).combine(db, args, SET_INTER, 1, 2);
    return n > 0 ? { kind: "set", members: items(ks, n) } : null;
  }
  if (type === TYPE_HASH) {
    const n = hashGetAll(ks, db, args, 1, HASH_PAIRS);
    if (n <= 0) return null;
    const flat = items(ks, 2 * n);
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
    return { kind: "hash", entries };
  }
  if (type === TYPE_ZSET) {
    const all = zsetsOf(ks).all(db, key);
    return typeof all === "number" || all.length === 0 ? null : { kind: "zset", entries: all };
  }
  return null;
}

/** A key with its value and expiry, or null when it is missing. */
export function readEntry(ks: Keyspace, db: number, key: Uint8Array): RdbEntry | null {
  const value = readValue(ks, db, key);
  if (value === null) return null;
  const at = ks.expireAt(db, key);
  return at > 0 ? { key, value, expireAtMs: at } : { key, value };
}
