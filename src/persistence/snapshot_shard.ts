// One shard's part of an RDB snapshot (BGSAVE, SAVE, DEBUG RELOAD, an AOF base): its keys as
// RDB records (expiry, type, key, value), grouped by database, in a part file that the main
// thread splices into the one dump.rdb (snapshot_file.ts).
//
// Point in time without stalling the shard: the keyspace is walked with SCAN's cursor in
// slices of ~2 ms between the shard's batches, and until the walk is done every write command
// first saves the old values of the keys it is about to change (Shard.beforeWriteObservers): each key
// is written once, either by the walk or, if a write reaches it first, by the write as it was
// when the snapshot began. A key that did not exist then is marked seen so the walk skips it.
// Commands whose keys can't be listed beforehand (FLUSHALL, FLUSHDB, SWAPDB, MOVE, COPY ... DB)
// finish the walk synchronously first. Keys expiring meanwhile may be missed: a loader would
// drop them anyway.
import type { Shard } from "../server/shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { keyIndexes } from "../server/dispatch.ts";
import { latin1 } from "../protocol/bytes.ts";
import { encodingLimitsOf } from "../engine/encoding_limits.ts";
import { RdbWriter } from "./rdb/writer.ts";
import { writeRdbEntry } from "./rdb/file.ts";
import type { EncodeOptions } from "./rdb/value.ts";
import { rdbValueFromBlob } from "./value_codec.ts";

/** One database's records in a part file. */
export interface PartSection {
  db: number;
  offset: number;
  length: number;
  keys: number;
  expires: number;
}

const SLICE_MS = 2;
const SCAN_COUNT = 16;
const FLUSH_BYTES = 1 << 20;
/** Writes that change keys beyond their key arguments: the walk completes before them. */
const UNLISTED_KEYS = new Set(["move", "copy", "swapdb", "flushdb", "flushall"]);

/**
 * The keys of a database the snapshot has written or marked, as latin1 strings in 256 sets
 * picked by a hash of the key: one JS Set of a million keys stalls the shard for 100+ ms each
 * time it grows; 256 small ones grow in small steps.
 */
class KeySet {
  readonly #parts = Array.from({ length: 256 }, () => new Set<string>());
  /** Adds the key; false when it was there already. */
  add(key: Uint8Array): boolean {
    let h = key.length;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key[i]) & 0xff;
    const part = this.#parts[h], name = latin1(key);
    if (part.has(name)) return false;
    part.add(name);
    return true;
  }
}

interface Records {
  w: RdbWriter;
  keys: number;
  expires: number;
}

/** Lets the shard's connections and forwarded batches run between two slices. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class ShardSnapshot {
  readonly sections: PartSection[] = [];
  #db = 0;
  #cursor = 0;
  #done = false;
  #flushed = 0;
  #sectionStart = 0;
  #current: Records;
  #seen = new Map<number, KeySet>();
  #saved = new Map<number, Records>();
  readonly #options: EncodeOptions;
  readonly #file: Deno.FsFile;

  constructor(private readonly shard: Shard, path: string) {
    this.#options = { ...encodingLimitsOf(shard.config), compress: true };
    this.#current = this.#records(FLUSH_BYTES * 2);
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }

  /** Walks the keyspace in slices; resolves with the sections once the part file is closed. */
  async run(): Promise<PartSection[]> {
    const observers = this.shard.beforeWriteObservers;
    const observer = (ctx: CommandContext, spec: CommandSpec) => this.#beforeWrite(ctx, spec);
    observers.push(observer);
    try {
      while (!this.#done) {
        const until = performance.now() + SLICE_MS;
        while (!this.#done && performance.now() < until) this.#step();
        if (!this.#done) await nextTask();
      }
    } finally {
      observers.splice(observers.indexOf(observer), 1);
      this.#file.close();
    }
    return this.sections;
  }

  #records(capacity = 4096): Records {
    return { w: new RdbWriter({ compress: true }, capacity), keys: 0, expires: 0 };
  }

  /** One SCAN step of the current database, or the move to the next one. */
  #step(): void {
    const ks = this.shard.keyspace;
    if (this.#cursor === 0 && !this.#seen.has(this.#db) && ks.dbSize(this.#db) === 0) {
      this.#endDb(); // nothing there, nor can a write have saved anything in it
      return;
    }
    const { cursor, keys } = ks.scan(this.#db, this.#cursor, SCAN_COUNT);
    const seen = this.#seenIn(this.#db);
    for (const key of keys) if (seen.add(key)) this.#save(this.#db, key, this.#current);
    this.#cursor = cursor;
    if (cursor === 0) this.#endDb();
    else if (this.#current.w.length >= FLUSH_BYTES) this.#flush();
  }

  #seenIn(db: number): KeySet {
    let seen = this.#seen.get(db);
    if (!seen) this.#seen.set(db, seen = new KeySet());
    return seen;
  }

  /** Appends the key's record (as it is now) to `to`; nothing when it is gone. */
  #save(db: number, key: Uint8Array, to: Records): void {
    const ks = this.shard.keyspace;
    const expireAt = ks.expireAt(db, key);
    if (expireAt === -2) return;
    const blob = ks.dump(db, key);
    if (blob === null) return;
    const entry = {
      key,
      value: rdbValueFromBlob(blob),
      ...(expireAt >= 0 ? { expireAtMs: expireAt } : {}),
    };
    writeRdbEntry(to.w, entry, this.#options);
    to.keys++;
    if (expireAt >= 0) to.expires++;
  }

  /** The database is walked: its saved records join it, and the section is noted. */
  #endDb(): void {
    const saved = this.#saved.get(this.#db);
    const cur = this.#current;
    if (saved) {
      cur.w.raw(saved.w.bytes());
      cur.keys += saved.keys;
      cur.expires += saved.expires;
    }
    if (cur.keys > 0) {
      const end = this.#flushed + cur.w.length;
      this.sections.push({
        db: this.#db,
        offset: this.#sectionStart,
        length: end - this.#sectionStart,
        keys: cur.keys,
        expires: cur.expires,
      });
    }
    this.#flush();
    this.#sectionStart = this.#flushed;
    cur.keys = cur.expires = 0;
    this.#saved.delete(this.#db);
    this.#seen.delete(this.#db);
    this.#cursor = 0;
    if (++this.#db >= this.shard.databases) this.#done = true;
  }

  #flush(): void {
    const bytes = this.#current.w.bytes();
    for (let at = 0; at < bytes.length;) at += this.#file.writeSync(bytes.subarray(at));
    this.#flushed += bytes.length;
    this.#current.w.reset();
  }

  /** A before-write observer while the walk runs: save what the command is about to change. */
  #beforeWrite(ctx: CommandContext, spec: CommandSpec): void {
    const indexes = keyIndexes(spec, ctx.args);
    if (indexes.length === 0 || UNLISTED_KEYS.has(spec.name)) {
      while (!this.#done) this.#step();
      return;
    }
    const db = ctx.client.db;
    if (db < this.#db) return; // walked already: every key it had then is written
    const seen = this.#seenIn(db);
    for (const i of indexes) {
      const key = ctx.args.bytes(i);
      if (!seen.add(key)) continue;
      if (db === this.#db) this.#save(db, key, this.#current);
      else {
        let saved = this.#saved.get(db);
        if (!saved) this.#saved.set(db, saved = this.#records());
        this.#save(db, key, saved);
      }
    }
  }
}
