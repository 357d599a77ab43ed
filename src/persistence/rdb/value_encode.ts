// Writing a value as Redis 7.0's rdbSaveObject does: the RDB type Redis would pick for the
// same contents (rdbSaveObjectType), then the body. Compact encodings hold their elements in
// Redis's order: insertion order for hashes, by score then member for sorted sets, ascending
// integers for intsets.
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
} from "./constants.ts";
import { encodeIntset, intsetValues } from "./intset.ts";
import { encodeListpack } from "./listpack.ts";
import { quicklistNodes } from "./quicklist.ts";
import type { EncodeOptions, HashEntry, RdbValue, ZsetEntry } from "./value.ts";
import { RdbWriter } from "./writer.ts";
import { formatDouble17g } from "../../protocol/numbers.ts";

const encoder = new TextEncoder();

function hashIsCompact(entries: readonly HashEntry[], o: EncodeOptions): boolean {
  return entries.length <= o.hashMaxListpackEntries &&
    entries.every(([f, v]) =>
      f.length <= o.hashMaxListpackValue && v.length <= o.hashMaxListpackValue
    );
}

function zsetIsCompact(entries: readonly ZsetEntry[], o: EncodeOptions): boolean {
  return entries.length <= o.zsetMaxListpackEntries &&
    entries.every((e) => e.member.length <= o.zsetMaxListpackValue);
}

/** The RDB type Redis writes for this value (rdbSaveObjectType). */
export function rdbTypeOf(value: RdbValue, options: EncodeOptions): number {
  switch (value.kind) {
    case "string":
      return RDB_TYPE_STRING;
    case "list":
      return RDB_TYPE_LIST_QUICKLIST_2; // 7.0 keeps every list in a quicklist
    case "set": {
      const compact = value.compact ??
        (value.members.length <= options.setMaxIntsetEntries &&
          intsetValues(value.members) !== null);
      return compact ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    }
    case "zset":
      return (value.compact ?? zsetIsCompact(value.entries, options))
        ? RDB_TYPE_ZSET_LISTPACK
        : RDB_TYPE_ZSET_2;
    case "hash":
      return (value.compact ?? hashIsCompact(value.entries, options))
        ? RDB_TYPE_HASH_LISTPACK
        : RDB_TYPE_HASH;
  }
}

/** Redis's zset order: by score, then member bytes (zslInsert / zzlInsert). */
function byScoreThenMember(a: ZsetEntry, b: ZsetEntry): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return compareBytes(a.member, b.member);
}

/** sdscmp: memcmp over the common length, then the shorter first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** d2string, as zzlInsertAt formats a score into a listpack: integers (|x| < 2^52) as such. */
export function scoreText(score: number): Uint8Array {
  if (
    Number.isInteger(score) && score > -4503599627370495 && score < 4503599627370496 &&
    !Object.is(score, -0)
  ) {
    return encoder.encode(String(score));
  }
  return encoder.encode(formatDouble17g(score));
}

/** rdbSaveObject: the body of `value` in the format of RDB type `type` (from rdbTypeOf). */
export function writeValueBody(
  w: RdbWriter,
  type: number,
  value: RdbValue,
  options: EncodeOptions,
): void {
  switch (value.kind) {
    case "string":
      w.string(value.value);
      return;
    case "list": {
      const nodes = quicklistNodes(value.elements, options.listMaxListpackSize);
      w.len(nodes.length);
      for (const node of nodes) {
        if (node.plain) w.len(QUICKLIST_NODE_CONTAINER_PLAIN).string(node.element);
        else w.len(QUICKLIST_NODE_CONTAINER_PACKED).string(encodeListpack(node.elements));
      }
      return;
    }
    case "set":
      if (type === RDB_TYPE_SET_INTSET) {
        const values = intsetValues(value.members);
        if (values === null) throw new RangeError("an intset holds only integers");
        w.string(encodeIntset(values));
      } else {
        w.len(value.members.length);
        for (const member of value.members) w.string(member);
      }
      return;
    case "zset": {
      const sorted = [...value.entries].sort(byScoreThenMember);
      if (type === RDB_TYPE_ZSET_LISTPACK) {
        w.string(encodeListpack(sorted.flatMap((e) => [e.member, scoreText(e.score)])));
      } else {
        // From the greatest to the smallest: loading then always inserts at the head.
        w.len(sorted.length);
        for (let i = sorted.length - 1; i >= 0; i--) {
          w.string(sorted[i].member).binaryDouble(sorted[i].score);
        }
      }
      return;
    }
    case "hash":
      if (type === RDB_TYPE_HASH_LISTPACK) w.string(encodeListpack(value.entries.flat()));
      else {
        w.len(value.entries.length);
        for (const [field, v] of value.entries) w.string(field).string(v);
      }
      return;
  }
}

/** The type byte and body of a value, as in a DUMP payload. */
export function writeValue(w: RdbWriter, value: RdbValue, options: EncodeOptions): void {
  const type = rdbTypeOf(value, options);
  w.u8(type);
  writeValueBody(w, type, value, options);
}
