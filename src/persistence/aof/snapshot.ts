// A shard's whole dataset as plain RDB values (the AOF base, written by the AOF writer on the
// main thread). Read synchronously, so it is this shard's state at one instant. When
// feat-rdbsave's snapshot lands, point shardSnapshot at it.
import type { ArgSource, Keyspace } from "../../engine/keyspace.ts";
import { TYPE_HASH, TYPE_LIST, TYPE_SET, TYPE_STRING, TYPE_ZSET } from "../../engine/keyspace.ts";
import { listRange } from "../../engine/list.ts";
import { SET_INTER, setOps } from "../../engine/set.ts";
import { HASH_PAIRS, hashGetAll } from "../../engine/hash.ts";
import { zsetsOf } from "../../engine/zset.ts";
import { blobStringValue } from "../../engine/value_blob.ts";
import type { RdbDatabase, RdbEntry } from "../rdb/file.ts";
import type { RdbValue } from "../rdb/value.ts";
import { latin1 } from "../../protocol/bytes.ts";

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

/** Every key of every db of this shard. */
export function shardSnapshot(ks: Keyspace, databases: number): RdbDatabase[] {
  const out: RdbDatabase[] = [];
  for (let db = 0; db < databases; db++) {
    if (ks.dbSize(db) === 0) continue;
    const entries: RdbEntry[] = [];
    // Reading steps the incremental rehash, so SCAN may report a key twice (never skip one).
    const seen = new Set<string>();
    let cursor = 0;
    do {
      const step = ks.scan(db, cursor, 1000);
      for (const key of step.keys) {
        const name = latin1(key);
        if (seen.has(name)) continue;
        seen.add(name);
        const entry = readEntry(ks, db, key);
        if (entry) entries.push(entry);
      }
      cursor = step.cursor;
    } while (cursor !== 0);
    if (entries.length) out.push({ index: db, entries });
  }
  return out;
}
