// Whole RDB files (rdb.c rdbSaveRio / rdbLoadRio): "REDIS0010", AUX fields, then per
// non-empty database SELECTDB, RESIZEDB and its keys (an optional EXPIRETIME_MS before each),
// then EOF and the CRC-64 of everything before it. Module, function and stream data are
// refused with RdbUnsupportedError.
import {
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_VERSION,
  RdbFormatError,
  RdbUnsupportedError,
} from "./constants.ts";
import { Crc64 } from "./crc64.ts";
import { type ExpireTime, expireTime } from "../../engine/expire_time.ts";
import { RdbReader } from "./reader.ts";
import type { EncodeOptions, RdbValue } from "./value.ts";
import { REDIS_DEFAULTS } from "./value.ts";
import { RdbEmptyKeyError, readValueBody } from "./value_decode.ts";
import { rdbTypeOf, writeValueBody } from "./value_encode.ts";
import { RdbWriter } from "./writer.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const MAGIC = "REDIS";
/** Files of Redis 7.2 (RDB 11) are read too: their only new value type is SET_LISTPACK. */
const HIGHEST_READ_VERSION = 11;

export interface RdbEntry {
  key: Uint8Array;
  value: RdbValue;
  /** Absolute expiry in Unix milliseconds, or undefined for none. */
  expireAtMs?: ExpireTime;
  /** The file's IDLE seconds (an LRU policy saved it), if any. */
  lruIdle?: number;
  /** The file's FREQ counter (an LFU policy saved it), if any. */
  lfuFreq?: number;
}

export interface RdbDatabase {
  index: number;
  entries: RdbEntry[];
}

export interface RdbFile {
  version: number;
  /** AUX fields in file order (redis-ver, redis-bits, ctime, used-mem, aof-base...). */
  aux: Array<[string, string]>;
  databases: RdbDatabase[];
  /** The bytes the RDB takes, its checksum included: an old-style AOF's commands follow. */
  length: number;
}

export interface WriteOptions extends EncodeOptions {
  /** AUX fields; integers are written in the integer encodings, as Redis does. */
  aux: Array<[string, string | number]>;
}

/** The AUX fields Redis 7.0 writes for a plain save (no replication info). */
export function defaultAux(nowMs = Date.now(), usedMemory = 0): Array<[string, string | number]> {
  return [
    ["redis-ver", "7.0.15"],
    ["redis-bits", 64],
    ["ctime", Math.floor(nowMs / 1000)],
    ["used-mem", usedMemory],
    ["aof-base", 0],
  ];
}

/** The start of a version 10 file: "REDIS0010" and the AUX fields. */
export function writeRdbHeader(w: RdbWriter, aux: WriteOptions["aux"]): void {
  w.raw(encoder.encode(MAGIC + String(RDB_VERSION).padStart(4, "0")));
  for (const [name, value] of aux) {
    w.u8(RDB_OPCODE_AUX).string(encoder.encode(name)).string(encoder.encode(String(value)));
  }
}

/** SELECTDB and RESIZEDB before a database's keys. */
export function writeDbHeader(w: RdbWriter, index: number, keys: number, expiring: number): void {
  w.u8(RDB_OPCODE_SELECTDB).len(index);
  w.u8(RDB_OPCODE_RESIZEDB).len(keys).len(expiring);
}

/** One key: its expiry (if any), type, name and value. */
export function writeRdbEntry(w: RdbWriter, entry: RdbEntry, options: EncodeOptions): void {
  if (entry.expireAtMs !== undefined) w.u8(RDB_OPCODE_EXPIRETIME_MS).i64le(entry.expireAtMs);
  const type = rdbTypeOf(entry.value, options);
  w.u8(type).string(entry.key);
  writeValueBody(w, type, entry.value, options);
}

/** A complete RDB file of version 10 holding the databases' keys. */
export function writeRdbFile(
  databases: readonly RdbDatabase[],
  options: WriteOptions = { ...REDIS_DEFAULTS, aux: defaultAux() },
): Uint8Array {
  const w = new RdbWriter({ compress: options.compress }, 4096);
  writeRdbHeader(w, options.aux);
  for (const db of databases) {
    if (db.entries.length === 0) continue;
    const expiring = db.entries.filter((e) => e.expireAtMs !== undefined).length;
    writeDbHeader(w, db.index, db.entries.length, expiring);
    for (const entry of db.entries) writeRdbEntry(w, entry, options);
  }
  w.u8(RDB_OPCODE_EOF);
  w.raw(new Crc64().update(w.bytes()).bytes());
  return w.bytes().slice();
}

/** What iterateRdbFile finds, in file order; `position` is where the reader stands after it. */
export type RdbItem =
  | { kind: "aux"; name: string; value: string; position: number }
  | { kind: "entry"; db: number; entry: RdbEntry; position: number };

/**
 * Reads a whole RDB file (versions 1..11). The checksum is verified unless it is zero (a file
 * saved with rdbchecksum no). Empty collections are skipped, as Redis skips them on load.
 */
export function readRdbFile(bytes: Uint8Array): RdbFile {
  const file: RdbFile = { version: rdbFileVersion(bytes), aux: [], databases: [], length: 0 };
  const items = iterateRdbFile(bytes);
  let next = items.next();
  for (; !next.done; next = items.next()) {
    const item = next.value;
    if (item.kind === "aux") file.aux.push([item.name, item.value]);
    else {
      let db = file.databases.find((d) => d.index === item.db);
      if (!db) file.databases.push(db = { index: item.db, entries: [] });
      db.entries.push(item.entry);
    }
  }
  file.length = next.value;
  return file;
}

/** The version of an RDB file, or an RdbFormatError for a wrong signature or version. */
export function rdbFileVersion(bytes: Uint8Array): number {
  if (bytes.length < 9 || latin1.decode(bytes.subarray(0, 5)) !== MAGIC) {
    throw new RdbFormatError("not an RDB file (wrong signature)");
  }
  const version = Number(latin1.decode(bytes.subarray(5, 9)));
  if (!Number.isInteger(version) || version < 1 || version > HIGHEST_READ_VERSION) {
    throw new RdbFormatError(
      `can't handle RDB format version ${latin1.decode(bytes.subarray(5, 9))}`,
    );
  }
  return version;
}

/** The AUX fields and keys of a file one by one (rdbLoadRio), the checksum checked at EOF
 * unless the caller has (`verify` false); returns where the RDB ends. */
export function* iterateRdbFile(bytes: Uint8Array, verify = true): Generator<RdbItem, number> {
  const version = rdbFileVersion(bytes);
  const r = new RdbReader(bytes, 9);
  let db = 0;
  let expireAtMs: ExpireTime | undefined;
  let lruIdle: number | undefined, lfuFreq: number | undefined;
  while (true) {
    const type = r.u8();
    switch (type) {
      case RDB_OPCODE_EXPIRETIME_MS:
        expireAtMs = expireTime(r.i64le());
        continue;
      case RDB_OPCODE_EXPIRETIME:
        expireAtMs = r.u32le() * 1000;
        continue;
      case RDB_OPCODE_FREQ:
        lfuFreq = r.u8();
        continue;
      case RDB_OPCODE_IDLE:
        lruIdle = r.len();
        continue;
      case RDB_OPCODE_AUX: {
        const name = latin1.decode(r.string()), value = latin1.decode(r.string());
        yield { kind: "aux", name, value, position: r.position };
        continue;
      }
      case RDB_OPCODE_RESIZEDB:
        r.len();
        r.len();
        continue;
      case RDB_OPCODE_SELECTDB:
        db = r.len();
        continue;
      case RDB_OPCODE_MODULE_AUX:
        throw new RdbUnsupportedError("RDB files with module data are not supported");
      case RDB_OPCODE_FUNCTION:
      case RDB_OPCODE_FUNCTION2:
        throw new RdbUnsupportedError("RDB files with functions are not supported");
      case RDB_OPCODE_EOF:
        return endOfRdb(bytes, r, version, verify);
    }
    const key = r.string().slice();
    let value: RdbValue | null = null;
    try {
      value = readValueBody(r, type);
    } catch (e) {
      if (!(e instanceof RdbEmptyKeyError)) throw e;
    }
    if (value !== null) {
      const entry: RdbEntry = { key, value };
      if (expireAtMs !== undefined) entry.expireAtMs = expireAtMs;
      if (lruIdle !== undefined) entry.lruIdle = lruIdle;
      if (lfuFreq !== undefined) entry.lfuFreq = lfuFreq;
      yield { kind: "entry", db, entry, position: r.position };
    }
    expireAtMs = lruIdle = lfuFreq = undefined;
  }
}

/** Past the EOF opcode: version 5 and later end with the CRC-64 of everything before it
 * (0: not computed), checked when `verify`. Returns where the RDB ends. */
function endOfRdb(bytes: Uint8Array, r: RdbReader, version: number, verify: boolean): number {
  if (version < 5) return r.position;
  const end = r.position;
  const stored = r.bytes(8);
  if (!verify || stored.every((b) => b === 0)) return r.position;
  const crc = new Crc64().update(bytes, 0, end).bytes();
  if (!crc.every((b, i) => b === stored[i])) throw new RdbFormatError("wrong RDB checksum");
  return r.position;
}
