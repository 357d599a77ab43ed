// Loading an RDB file fast: the coordinator (main thread) only cuts the file into key records
// (RdbRecordScanner: opcodes, the key's hash slot, the value skipped by its lengths, nothing
// decoded or allocated per key) and copies each record as it is into its shard's batch
// (LoadBatchWriter, one transferred ArrayBuffer per batch); the shards decode and store them in
// parallel (storeLoadBatch): strings and the common small-collection encodings in bulk inside
// the engine (wasm/assembly/rdb_load.ts), other encodings with the codec (readValueBody ->
// blobFromRdbValue -> restore).
//
// Batch layout (wasm/assembly/rdb_load.ts reads it), records back to back, little endian:
//   u8 kind | u8 db | i64 expireAt ms (0 = none) | u32 n | n bytes
//   kind 0 (KEY): the RDB key record as in the file (type byte, key string, value)
//   kind 1 (RESIZE): no bytes; n = keys expected in the db, to size its index once
//   kind 2 (KEY_ACCESS): a key after the file's IDLE or FREQ opcode: i64 idle seconds | i32
//     freq (each -1 when absent) | u32 0, then as kind 0 (the shard applies them as Redis's
//     rdbLoad does, objectSetLRUOrLFU)
import { keyHashSlotAt, slotOwner } from "../cluster/slot.ts";
import { BAD_PAYLOAD, type Keyspace } from "../engine/keyspace.ts";
import type { EncodingLimits } from "../engine/encoding_limits.ts";
import * as rdb from "./rdb/constants.ts";
import { RdbFormatError, RdbUnsupportedError } from "./rdb/constants.ts";
import { RdbReader } from "./rdb/reader.ts";
import { RdbEmptyKeyError, readValueBody } from "./rdb/value_decode.ts";
import { blobFromRdbValue } from "./value_codec.ts";
import { type ExpireTime, readExpireTime, writeExpireTime } from "../engine/expire_time.ts";
import { copyRange, latin1 } from "../protocol/bytes.ts";

const KIND_KEY = 0, KIND_RESIZE = 1, KIND_KEY_ACCESS = 2;
const RECORD_HEADER = 14;
/** What a KIND_KEY_ACCESS record adds after the header. */
const ACCESS_BYTES = 16;

/** A key's LRU idle seconds and LFU counter as an RDB file gives them (-1: absent). */
export interface KeyAccess {
  lruIdle: number;
  lfuFreq: number;
}
const NO_ACCESS: KeyAccess = { lruIdle: -1, lfuFreq: -1 };
/** A batch is sent when it holds this much (a larger record gets a batch of its own size). */
export const LOAD_BATCH_BYTES = 1 << 20;

/** One shard's batch being filled. */
export class LoadBatchWriter {
  #buf = new Uint8Array(LOAD_BATCH_BYTES);
  #view = new DataView(this.#buf.buffer);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length >= LOAD_BATCH_BYTES - 256;
  }

  /** Appends the key record src[start, end) (type byte onward), with the LRU idle seconds or
   * LFU counter the file gave it. */
  addKey(
    db: number,
    expireAt: ExpireTime,
    src: Uint8Array,
    start: number,
    end: number,
    access: KeyAccess = NO_ACCESS,
  ): void {
    const n = end - start;
    const withAccess = access.lruIdle >= 0 || access.lfuFreq >= 0;
    let at = this.#header(withAccess ? KIND_KEY_ACCESS : KIND_KEY, db, expireAt, n);
    if (withAccess) {
      this.#view.setBigInt64(at, BigInt(access.lruIdle), true); // the scanner's: safe integers
      this.#view.setInt32(at + 8, access.lfuFreq, true);
      this.#view.setUint32(at + 12, 0, true);
      at += ACCESS_BYTES;
    }
    copyRange(src, start, this.#buf, at, n);
    this.#length = at + n;
  }

  /** Tells the shard how many keys `db` will get (RESIZEDB), before its keys. */
  addResize(db: number, keys: number): void {
    this.#length = this.#header(KIND_RESIZE, db, 0, Math.min(keys, 0xffffffff));
  }

  #header(kind: number, db: number, expireAt: ExpireTime, n: number): number {
    const at = this.#length;
    const needed = at + RECORD_HEADER +
      (kind === KIND_KEY ? n : kind === KIND_KEY_ACCESS ? ACCESS_BYTES + n : 0);
    if (needed > this.#buf.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, at));
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#buf[at] = kind;
    this.#buf[at + 1] = db;
    writeExpireTime(this.#view, at + 2, expireAt);
    this.#view.setUint32(at + 10, n, true);
    return at + RECORD_HEADER;
  }

  /** The batch (its buffer may be transferred), and a fresh one started. */
  take(): Uint8Array {
    const batch = this.#buf.subarray(0, this.#length);
    this.#buf = new Uint8Array(LOAD_BATCH_BYTES);
    this.#view = new DataView(this.#buf.buffer);
    this.#length = 0;
    return batch;
  }
}

/** What RdbRecordScanner.next() found. */
export const SCAN_END = 0, SCAN_KEY = 1, SCAN_RESIZE = 2;

/**
 * Walks a whole RDB file (rdbLoadRio's loop) record by record without decoding values:
 * after next() returns SCAN_KEY, the record is bytes[recordStart, position) with `db`,
 * `expireAtMs` (NaN = none), `lruIdle` and `lfuFreq` (-1 = none) and the key's `slot`; after
 * SCAN_RESIZE, `db` and `dbSize`. The
 * checksum is the caller's (verified over the whole file first). Throws RdbFormatError for
 * malformed data, RdbUnsupportedError for modules, functions and streams.
 */
export class RdbRecordScanner implements KeyAccess {
  #pos = 9; // after "REDIS" and the 4-digit version
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  db = 0;
  expireAtMs: ExpireTime = NaN;
  lruIdle = -1;
  lfuFreq = -1;
  slot = 0;
  recordStart = 0;
  dbSize = 0;

  constructor(bytes: Uint8Array, private readonly databases: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.#pos;
  }

  next(): number {
    this.expireAtMs = NaN;
    this.lruIdle = this.lfuFreq = -1;
    for (;;) {
      const type = this.#u8();
      switch (type) {
        case rdb.RDB_OPCODE_EXPIRETIME_MS:
          this.expireAtMs = readExpireTime(this.#bytes, this.#need(8));
          continue;
        case rdb.RDB_OPCODE_EXPIRETIME:
          this.expireAtMs = this.#view.getUint32(this.#need(4), true) * 1000;
          continue;
        case rdb.RDB_OPCODE_FREQ:
          this.lfuFreq = this.#bytes[this.#need(1)];
          continue;
        case rdb.RDB_OPCODE_IDLE:
          this.lruIdle = this.#len();
          continue;
        case rdb.RDB_OPCODE_AUX:
          this.#skipString();
          this.#skipString();
          continue;
        case rdb.RDB_OPCODE_RESIZEDB:
          this.dbSize = this.#len();
          this.#len();
          return SCAN_RESIZE;
        case rdb.RDB_OPCODE_SELECTDB:
          this.db = this.#len();
          if (this.db >= this.databases) {
            throw new RdbFormatError( // rdbLoadRioWithLoadingCtx's words
              `Data file was created with a Redis server configured to handle more than ${this.databases} databases`,
            );
          }
          continue;
        case rdb.RDB_OPCODE_MODULE_AUX:
          throw new RdbUnsupportedError("RDB files with module data are not supported");
        case rdb.RDB_OPCODE_FUNCTION:
        case rdb.RDB_OPCODE_FUNCTION2:
          throw new RdbUnsupportedError("RDB files with functions are not supported");
        case rdb.RDB_OPCODE_EOF:
          return SCAN_END;
      }
      this.recordStart = this.#pos - 1;
      this.slot = this.#keySlot();
      this.#skipValue(type);
      return SCAN_KEY;
    }
  }

  /** Reads the key string and returns its hash slot (in place unless int- or LZF-encoded). */
  #keySlot(): number {
    const at = this.#pos;
    if (this.#bytes[at] >> 6 === 3) { // encoded: decode it (rare for keys)
      const r = new RdbReader(this.#bytes, at);
      const key = r.string();
      this.#pos = r.position;
      return keyHashSlotAt(key, 0, key.length);
    }
    const n = this.#len();
    const start = this.#need(n);
    return keyHashSlotAt(this.#bytes, start, start + n);
  }

  #skipValue(type: number): void {
    switch (type) {
      case rdb.RDB_TYPE_STRING:
      case rdb.RDB_TYPE_HASH_ZIPMAP:
      case rdb.RDB_TYPE_LIST_ZIPLIST:
      case rdb.RDB_TYPE_SET_INTSET:
      case rdb.RDB_TYPE_ZSET_ZIPLIST:
      case rdb.RDB_TYPE_HASH_ZIPLIST:
      case rdb.RDB_TYPE_HASH_LISTPACK:
      case rdb.RDB_TYPE_ZSET_LISTPACK:
      case rdb.RDB_TYPE_SET_LISTPACK:
        this.#skipString();
        return;
      case rdb.RDB_TYPE_LIST:
      case rdb.RDB_TYPE_SET:
      case rdb.RDB_TYPE_LIST_QUICKLIST:
        for (let n = this.#len(); n > 0; n--) this.#skipString();
        return;
      case rdb.RDB_TYPE_HASH:
        for (let n = this.#len(); n > 0; n--) {
          this.#skipString();
          this.#skipString();
        }
        return;
      case rdb.RDB_TYPE_ZSET:
        for (let n = this.#len(); n > 0; n--) {
          this.#skipString();
          const len = this.#u8(); // rdbLoadDoubleValue: 253-255 are nan / +inf / -inf
          if (len < 253) this.#need(len);
        }
        return;
      case rdb.RDB_TYPE_ZSET_2:
        for (let n = this.#len(); n > 0; n--) {
          this.#skipString();
          this.#need(8);
        }
        return;
      case rdb.RDB_TYPE_LIST_QUICKLIST_2:
        for (let n = this.#len(); n > 0; n--) {
          this.#len();
          this.#skipString();
        }
        return;
      case rdb.RDB_TYPE_MODULE:
      case rdb.RDB_TYPE_MODULE_2:
        throw new RdbUnsupportedError("module values are not supported");
      case rdb.RDB_TYPE_STREAM_LISTPACKS:
      case rdb.RDB_TYPE_STREAM_LISTPACKS_2:
      case rdb.RDB_TYPE_STREAM_LISTPACKS_3:
        throw new RdbUnsupportedError("stream values are not supported");
    }
    throw new RdbFormatError(`unknown RDB value type ${type}`);
  }

  #need(n: number): number {
    const at = this.#pos;
    if (n > this.#bytes.length - at) throw new RdbFormatError("unexpected end of RDB data");
    this.#pos = at + n;
    return at;
  }

  #u8(): number {
    return this.#bytes[this.#need(1)];
  }

  /** rdbLoadLen; an encoded-value prefix is an error here. */
  #len(): number {
    const first = this.#u8();
    const kind = first >> 6;
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.#u8();
    if (first === 0x80) return this.#view.getUint32(this.#need(4), false);
    if (first === 0x81) {
      const value = this.#view.getBigUint64(this.#need(8), false);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError("RDB length too large");
      return Number(value);
    }
    throw new RdbFormatError(
      kind === 3
        ? "an encoded value where a length was expected"
        : `unknown length encoding ${first} in RDB data`,
    );
  }

  /** Skips a string in any encoding (raw, INT8/16/32, LZF). */
  #skipString(): void {
    const first = this.#bytes[this.#pos];
    if (first >> 6 !== 3) {
      this.#need(this.#len());
      return;
    }
    this.#pos++;
    switch (first & 0x3f) {
      case rdb.RDB_ENC_INT8:
        this.#need(1);
        return;
      case rdb.RDB_ENC_INT16:
        this.#need(2);
        return;
      case rdb.RDB_ENC_INT32:
        this.#need(4);
        return;
      case rdb.RDB_ENC_LZF: {
        const compressed = this.#len();
        this.#len();
        this.#need(compressed);
        return;
      }
    }
    throw new RdbFormatError(`unknown RDB string encoding ${first & 0x3f}`);
  }
}

/** The shard that owns a slot (0 with one shard). */
export function loadShardOf(slot: number, shards: number): number {
  return shards === 1 ? 0 : slotOwner(slot, shards);
}

/**
 * Stores a batch in the shard's keyspace; returns the keys stored (empty collections are
 * skipped, as Redis skips them). A key that exists is replaced with `replace` (DEBUG RELOAD
 * MERGE: Redis's RDBFLAGS_ALLOW_DUP), otherwise it is an error, as rdbLoad stops on a
 * duplicated key. Throws RdbFormatError for a record that does not parse.
 */
export function storeLoadBatch(
  ks: Keyspace,
  batch: Uint8Array,
  limits: EncodingLimits,
  replace = false,
): number {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let decoded = 0;
  const stored = ks.loadRdbRecords(batch, replace, (at) => {
    const kind = batch[at];
    if (kind !== KIND_KEY && kind !== KIND_KEY_ACCESS) {
      throw new RdbFormatError("malformed load batch");
    }
    const db = batch[at + 1], expireAt = readExpireTime(batch, at + 2);
    const start = at + RECORD_HEADER + (kind === KIND_KEY_ACCESS ? ACCESS_BYTES : 0);
    const end = start + view.getUint32(at + 10, true);
    const r = new RdbReader(batch, start, end);
    const type = r.u8();
    const key = r.string();
    try {
      const blob = blobFromRdbValue(readValueBody(r, type), limits);
      if (r.position !== end) throw new RdbFormatError("trailing bytes after an RDB value");
      const access = kind === KIND_KEY_ACCESS
        ? {
          freq: view.getInt32(at + RECORD_HEADER + 8, true),
          idleSeconds: Number(view.getBigInt64(at + RECORD_HEADER, true)),
        }
        : undefined;
      const result = ks.restore(db, key, blob, expireAt, replace, false, access);
      if (result === BAD_PAYLOAD) throw new RdbFormatError("a value the engine can't hold");
      if (result === 0) { // rdbLoad's words (it stops the server the same way)
        throw new RdbFormatError(
          `Duplicated key found in RDB file: '${latin1(key)}' in DB ${db}`,
        );
      }
      decoded++;
    } catch (e) {
      if (!(e instanceof RdbEmptyKeyError)) throw e;
    }
    return end;
  });
  return stored + decoded;
}
