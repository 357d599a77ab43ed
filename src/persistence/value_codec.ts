// The seam between the engine's values and the RDB codec: a key's engine blob (keyDump) <->
// the codec's plain RdbValue. Each engine type is mapped here when it can be converted both
// ways; until then it is reported as an UnsupportedType, and callers fall back to the
// engine's own blob (DUMP) or refuse the value (RESTORE of a Redis payload).
import { blobStringValue, blobType, stringBlob } from "../engine/value_blob.ts";
import { TYPE_STRING } from "../engine/keyspace.ts";
import { typeName } from "../commands/keys_common.ts";
import { canonicalInt64 } from "./rdb/integers.ts";
import type { RdbValue } from "./rdb/value.ts";

/** A value whose type has no RDB mapping yet (`type`: Redis's name, as TYPE prints it). */
export class UnsupportedType {
  constructor(readonly type: string) {}
}

/** Mapped types: strings. */
export function rdbValueFromBlob(blob: Uint8Array): RdbValue | UnsupportedType {
  const type = blobType(blob);
  if (type !== TYPE_STRING) return new UnsupportedType(typeName(type));
  const value = blobStringValue(blob);
  if (value === null) throw new Error("malformed engine string blob");
  return { kind: "string", value };
}

/** An engine blob for keyRestore holding `value`, as Redis's rdbLoadObject would hold it. */
export function blobFromRdbValue(value: RdbValue): Uint8Array | UnsupportedType {
  if (value.kind !== "string") return new UnsupportedType(value.kind);
  return stringBlob(value.value, canonicalInt64(value.value));
}
