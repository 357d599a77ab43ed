// Loaded keys on their way from the coordinator to the shard that owns them, packed into one
// buffer per batch: per key [u8 db][u32 key length][key][u32 blob length][engine blob]
// [f64 expiry ms, 0 = none; NaN: the exact i64 follows (a time beyond 2^53)].
import { RdbWriter } from "./rdb/writer.ts";
import { type ExpireTime, expireTime } from "../engine/expire_time.ts";

export class LoadBatch {
  readonly w = new RdbWriter({ compress: false }, 1 << 16);
  keys = 0;

  add(db: number, key: Uint8Array, blob: Uint8Array, expireAt: ExpireTime): void {
    this.w.u8(db).u32le(key.length).raw(key).u32le(blob.length).raw(blob);
    if (typeof expireAt === "number") this.w.binaryDouble(expireAt);
    else this.w.binaryDouble(NaN).i64le(expireAt);
    this.keys++;
  }

  /** The packed batch (a copy), and the batch emptied. */
  take(): Uint8Array {
    const bytes = this.w.bytes().slice();
    this.w.reset();
    this.keys = 0;
    return bytes;
  }
}

export function forEachLoadRecord(
  batch: Uint8Array,
  each: (db: number, key: Uint8Array, blob: Uint8Array, expireAt: ExpireTime) => void,
): void {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let at = 0;
  while (at < batch.length) {
    const db = batch[at];
    const klen = view.getUint32(at + 1, true);
    const key = batch.subarray(at + 5, at + 5 + klen);
    at += 5 + klen;
    const blen = view.getUint32(at, true);
    const blob = batch.subarray(at + 4, at + 4 + blen);
    at += 4 + blen;
    const expireAt = view.getFloat64(at, true);
    at += 8;
    if (expireAt === expireAt) each(db, key, blob, expireAt);
    else {
      each(db, key, blob, expireTime(view.getBigInt64(at, true)));
      at += 8;
    }
  }
}
