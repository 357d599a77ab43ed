// The encoding side of a shard's snapshot walk (snapshot_shard.ts), run on the encoder thread
// (encoder_worker.ts): it turns the raw records the shard streams into RDB records (the value
// codec, LZF) and writes them to the shard's part file, one section per database, so the
// shard's thread never encodes, compresses or writes a file. Synchronous: that thread does
// nothing else, and its message queue holds the chunks. It also resolves what the walk and the
// writes during it both sent: a key a write saved (or created) before the walk reached it is
// written from the saved record, and the walk's later record of it is dropped.
import { u32le } from "../protocol/bytes.ts";
import { KeyBytesSet } from "./key_bytes_set.ts";
import { readExpireTime, readInt64 } from "../engine/expire_time.ts";
import { RdbWriter } from "./rdb/writer.ts";
import { writeRdbEntry } from "./rdb/file.ts";
import { RDB_OPCODE_EXPIRETIME_MS, RDB_TYPE_STRING } from "./rdb/constants.ts";
import {
  BLOB_ACCESS,
  BLOB_HEADER,
  ENCODING_INT64,
  stringBlobEncodingAt,
} from "../engine/value_blob.ts";
import type { EncodeOptions } from "./rdb/value.ts";
import { type AccessSave, writeAccess } from "./rdb/access.ts";
import { rdbValueFromBlob } from "./value_codec.ts";
import { WRITE_SLICE_BYTES } from "./snapshot_file.ts";
import {
  type PartSection,
  SEG_CREATED,
  SEG_END_DB,
  SEG_SAVED,
  SEG_WALK,
  SEGMENT_HEADER,
} from "./snapshot_chunks.ts";

/** A snapshot's encoding settings: the shard's limits, and what its records say of access. */
export interface SnapshotEncodeOptions extends EncodeOptions {
  access?: AccessSave | null;
}

/** Encoded bytes gathered before they are written to the part file. */
const WRITE_BYTES = 1 << 20;

interface Records {
  w: RdbWriter;
  keys: number;
  expires: number;
}

const newRecords = (capacity = 4096): Records => ({
  w: new RdbWriter({ compress: true }, capacity),
  keys: 0,
  expires: 0,
});

export class PartEncoder {
  readonly sections: PartSection[] = [];
  #db = 0;
  #current = newRecords(WRITE_BYTES * 2);
  /** Saved records of databases the walk has not reached yet. */
  readonly #later = new Map<number, Records>();
  /** Per db: keys a write saved or created before the walk got there. */
  readonly #covered = new Map<number, KeyBytesSet>();
  #written = 0;
  #sectionStart = 0;
  #error: Error | null = null;
  #file: Deno.FsFile | null = null;

  constructor(path: string) {
    try {
      this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
    } catch (e) {
      this.#error = e as Error; // reported by finish()
    }
  }

  /** A chunk from the shard, in the order it sent them, with its encoding settings. */
  push(chunk: Uint8Array, options: SnapshotEncodeOptions): void {
    if (this.#error) return;
    try {
      this.#decode(chunk, options);
      if (this.#current.w.length >= WRITE_BYTES) this.#write();
    } catch (e) {
      this.#error = e as Error;
    }
  }

  /** After the shard's last chunk: the sections, once the part file is written and closed. */
  finish(): PartSection[] {
    try {
      if (this.#error) throw this.#error;
      this.#write();
    } finally {
      this.#file?.close();
      this.#file = null;
    }
    return this.sections;
  }

  #decode(chunk: Uint8Array, options: SnapshotEncodeOptions): void {
    for (let at = 0; at < chunk.length;) {
      const kind = chunk[at], db = chunk[at + 1];
      const n = u32le(chunk, at + 2);
      const body = chunk.subarray(at + SEGMENT_HEADER, at + SEGMENT_HEADER + n);
      at += SEGMENT_HEADER + n;
      if (kind === SEG_WALK) this.#records(body, options, this.#covered.get(db), this.#current);
      else if (kind === SEG_SAVED) {
        this.#cover(db, this.#keyOf(body, 0));
        this.#records(
          body,
          options,
          undefined,
          db === this.#db ? this.#current : this.#laterIn(db),
        );
      } else if (kind === SEG_CREATED) this.#cover(db, body);
      else if (kind === SEG_END_DB) this.#endDb(db);
    }
  }

  #cover(db: number, key: Uint8Array): void {
    let covered = this.#covered.get(db);
    if (!covered) this.#covered.set(db, covered = new KeyBytesSet());
    covered.add(key);
  }

  #laterIn(db: number): Records {
    let later = this.#later.get(db);
    if (!later) this.#later.set(db, later = newRecords());
    return later;
  }

  #keyOf(body: Uint8Array, at: number): Uint8Array {
    return body.subarray(at + 4, at + 4 + u32le(body, at));
  }

  /** Encodes the records of `body` into `to`, skipping keys in `skip`. */
  #records(
    body: Uint8Array,
    options: SnapshotEncodeOptions,
    skip: KeyBytesSet | undefined,
    to: Records,
  ): void {
    to.w.compress = options.compress;
    for (let at = 0; at < body.length;) {
      const keyAt = at + 4, keyLength = u32le(body, at);
      let p = keyAt + keyLength;
      const expireAt = readExpireTime(body, p);
      p += 8;
      const end = p + BLOB_HEADER + u32le(body, p + 8);
      at = end;
      if (skip?.has(body.subarray(keyAt, keyAt + keyLength))) continue;
      // rdbSaveKeyValuePair's order: expiry, access, then writeRdbEntry's type, key and value.
      if (expireAt >= 0) to.w.u8(RDB_OPCODE_EXPIRETIME_MS).i64le(expireAt);
      if (options.access) writeAccess(to.w, options.access, u32le(body, p + BLOB_ACCESS));
      const string = stringBlobEncodingAt(body, p);
      if (string >= 0) {
        // writeRdbEntry's bytes for a string, written from the record in place: no key, value
        // or entry object per key, the encoder thread's garbage (and its GC's) for most keys.
        to.w.u8(RDB_TYPE_STRING).stringAt(body, keyAt, keyLength);
        if (string === ENCODING_INT64) to.w.integerString(readInt64(body, p + BLOB_HEADER));
        else to.w.stringAt(body, p + BLOB_HEADER, end - p - BLOB_HEADER);
      } else {
        const key = body.subarray(keyAt, keyAt + keyLength);
        const value = rdbValueFromBlob(body.subarray(p, end));
        writeRdbEntry(to.w, { key, value }, options);
      }
      to.keys++;
      if (expireAt >= 0) to.expires++;
    }
  }

  /** The walk left the db: its saved records join it and the section is noted. */
  #endDb(db: number): void {
    const later = this.#later.get(db), cur = this.#current;
    if (later) {
      cur.w.raw(later.w.bytes());
      cur.keys += later.keys;
      cur.expires += later.expires;
      this.#later.delete(db);
    }
    if (cur.keys > 0) {
      this.sections.push({
        db,
        offset: this.#sectionStart,
        length: this.#written + cur.w.length - this.#sectionStart,
        keys: cur.keys,
        expires: cur.expires,
      });
    }
    this.#sectionStart = this.#written + cur.w.length;
    cur.keys = cur.expires = 0;
    this.#covered.delete(db);
    this.#db = db + 1;
  }

  #write(): void {
    const bytes = this.#current.w.bytes();
    if (bytes.length === 0) return;
    for (let at = 0; at < bytes.length;) {
      at += this.#file!.writeSync(bytes.subarray(at, at + WRITE_SLICE_BYTES));
    }
    this.#written += bytes.length;
    this.#current.w.reset();
  }
}
