// Reading a value of any RDB type Redis 7.0 (and 7.2, for sets) writes into the codec's plain
// element arrays (rdbLoadObject). Modules and streams are refused with RdbUnsupportedError.
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_MODULE,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_SET_LISTPACK,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STREAM_LISTPACKS_3,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
  RdbFormatError,
  RdbUnsupportedError,
} from "./constants.ts";
import { decodeIntset } from "./intset.ts";
import { decodeListpack } from "./listpack.ts";
import { parseDoubleText, RdbReader } from "./reader.ts";
import type { HashEntry, RdbValue, ZsetEntry } from "./value.ts";
import { decodeZiplist } from "./ziplist.ts";
import { decodeZipmap } from "./zipmap.ts";

/** A collection with no elements: Redis refuses it in a payload and skips it in a file. */
export class RdbEmptyKeyError extends RdbFormatError {
  constructor() {
    super("empty collection in RDB data");
    this.name = "RdbEmptyKeyError";
  }
}

const latin1 = new TextDecoder("latin1");

/** Rejects duplicates, as Redis does when it loads dict-encoded sets, hashes and zsets. */
function checkDistinct(keys: readonly Uint8Array[], what: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    const text = latin1.decode(key);
    if (seen.has(text)) throw new RdbFormatError(`duplicate ${what} in RDB data`);
    seen.add(text);
  }
}

function nonEmpty<T>(items: T[]): T[] {
  if (items.length === 0) throw new RdbEmptyKeyError();
  return items;
}

function strings(r: RdbReader, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(r.string());
  return out;
}

function pairs(flat: Uint8Array[], what: string): HashEntry[] {
  if (flat.length % 2 !== 0) throw new RdbFormatError(`odd number of ${what} elements`);
  const out: HashEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** [member, score text] pairs of a listpack or ziplist sorted set. */
function scoredPairs(flat: Uint8Array[]): ZsetEntry[] {
  return pairs(flat, "sorted set").map(([member, score]) => ({ member, score: parseScore(score) }));
}

function parseScore(text: Uint8Array): number {
  const score = parseDoubleText(text);
  if (Number.isNaN(score)) throw new RdbFormatError("sorted set with a NaN score");
  return score;
}

function readZset(r: RdbReader, binaryScores: boolean): ZsetEntry[] {
  const count = r.len();
  const entries: ZsetEntry[] = [];
  for (let i = 0; i < count; i++) {
    const member = r.string();
    const score = binaryScores ? r.binaryDouble() : r.stringDouble();
    if (Number.isNaN(score)) throw new RdbFormatError("sorted set with a NaN score");
    entries.push({ member, score });
  }
  checkDistinct(entries.map((e) => e.member), "sorted set member");
  return nonEmpty(entries);
}

function readQuicklist2(r: RdbReader): Uint8Array[] {
  const nodes = r.len();
  const elements: Uint8Array[] = [];
  for (let i = 0; i < nodes; i++) {
    const container = r.len();
    const data = r.string();
    if (container === QUICKLIST_NODE_CONTAINER_PLAIN) elements.push(data);
    else if (container === QUICKLIST_NODE_CONTAINER_PACKED) elements.push(...decodeListpack(data));
    else throw new RdbFormatError(`unknown quicklist node container ${container}`);
  }
  return elements;
}

/** rdbLoadObject for RDB type `type`: the value, or an RdbFormatError. */
export function readValueBody(r: RdbReader, type: number): RdbValue {
  switch (type) {
    case RDB_TYPE_STRING:
      return { kind: "string", value: r.string() };
    case RDB_TYPE_LIST:
      return { kind: "list", elements: nonEmpty(strings(r, r.len())) };
    case RDB_TYPE_LIST_ZIPLIST:
      return { kind: "list", elements: nonEmpty(decodeZiplist(r.string())) };
    case RDB_TYPE_LIST_QUICKLIST: {
      const nodes = r.len();
      const elements: Uint8Array[] = [];
      for (let i = 0; i < nodes; i++) elements.push(...decodeZiplist(r.string()));
      return { kind: "list", elements: nonEmpty(elements) };
    }
    case RDB_TYPE_LIST_QUICKLIST_2:
      return { kind: "list", elements: nonEmpty(readQuicklist2(r)) };
    case RDB_TYPE_SET: {
      const members = nonEmpty(strings(r, r.len()));
      checkDistinct(members, "set member");
      return { kind: "set", members, compact: false };
    }
    case RDB_TYPE_SET_INTSET:
      return { kind: "set", members: nonEmpty(decodeIntset(r.string())), compact: true };
    case RDB_TYPE_SET_LISTPACK:
      return { kind: "set", members: nonEmpty(decodeListpack(r.string())) }; // 7.2: no 7.0 equivalent
    case RDB_TYPE_ZSET:
      return { kind: "zset", entries: readZset(r, false), compact: false };
    case RDB_TYPE_ZSET_2:
      return { kind: "zset", entries: readZset(r, true), compact: false };
    case RDB_TYPE_ZSET_ZIPLIST:
      return {
        kind: "zset",
        entries: nonEmpty(scoredPairs(decodeZiplist(r.string()))),
        compact: true,
      };
    case RDB_TYPE_ZSET_LISTPACK:
      return {
        kind: "zset",
        entries: nonEmpty(scoredPairs(decodeListpack(r.string()))),
        compact: true,
      };
    case RDB_TYPE_HASH: {
      const count = r.len();
      const entries: HashEntry[] = [];
      for (let i = 0; i < count; i++) entries.push([r.string(), r.string()]);
      checkDistinct(entries.map(([field]) => field), "hash field");
      return { kind: "hash", entries: nonEmpty(entries), compact: false };
    }
    case RDB_TYPE_HASH_ZIPMAP:
      return { kind: "hash", entries: nonEmpty(decodeZipmap(r.string())), compact: true };
    case RDB_TYPE_HASH_ZIPLIST:
      return {
        kind: "hash",
        entries: nonEmpty(pairs(decodeZiplist(r.string()), "hash")),
        compact: true,
      };
    case RDB_TYPE_HASH_LISTPACK:
      return {
        kind: "hash",
        entries: nonEmpty(pairs(decodeListpack(r.string()), "hash")),
        compact: true,
      };
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2:
      throw new RdbUnsupportedError("module values are not supported");
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
      throw new RdbUnsupportedError("stream values are not supported");
  }
  throw new RdbFormatError(`unknown RDB value type ${type}`);
}

/** A type byte then the body, as in a DUMP payload (rdbLoadObjectType + rdbLoadObject). */
export function readValue(r: RdbReader): RdbValue {
  return readValueBody(r, r.u8());
}
