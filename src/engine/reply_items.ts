// Reads the packed item list a typed operation left at the engine's result pointer
// (wasm/assembly/items.ts) and writes each item as RESP2 or RESP3: bulk strings are copied
// straight from Wasm memory, scores are formatted as Redis's "%.17g", nulls per protocol.
// Handlers write the aggregate headers (array, map, set, pairs), since only they know the shape.
import type { ReplyWriter } from "../protocol/reply_writer.ts";

const ITEM_DOUBLE = 0xfffffffd, ITEM_INT = 0xfffffffe, ITEM_NULL = 0xffffffff;

export class ReplyItems {
  #bytes: Uint8Array;
  #view: DataView;
  #at: number;

  /** `memory` and `at`: Keyspace.memoryBytes() and resultOffset() right after the operation;
   * `view`: a DataView of memory's whole buffer, if the caller keeps one. */
  constructor(memory: Uint8Array, at: number, view = new DataView(memory.buffer)) {
    this.#bytes = memory;
    this.#view = view;
    this.#at = at;
  }

  #tag(): number {
    return this.#view.getUint32(this.#at, true);
  }

  /** Writes the next item. */
  writeNext(out: ReplyWriter): void {
    const tag = this.#tag();
    this.#at += 4;
    if (tag === ITEM_NULL) return out.nullBulk();
    if (tag === ITEM_DOUBLE) {
      out.double(this.#view.getFloat64(this.#at, true));
      this.#at += 8;
      return;
    }
    if (tag === ITEM_INT) {
      out.integer(this.#view.getBigInt64(this.#at, true));
      this.#at += 8;
      return;
    }
    out.bulkRange(this.#bytes, this.#at, tag);
    this.#at += tag;
  }

  /** Writes the next `n` items back to back. */
  writeMany(out: ReplyWriter, n: number): void {
    for (let i = 0; i < n; i++) this.writeNext(out);
  }

  /** The next item as a copy of its bytes (strings only). */
  nextBytes(): Uint8Array {
    const len = this.#tag();
    const start = this.#at + 4;
    this.#at = start + len;
    return this.#bytes.slice(start, start + len);
  }

  /** The next item as a number (a double or an integer item). */
  nextNumber(): number {
    const tag = this.#tag();
    const value = tag === ITEM_DOUBLE
      ? this.#view.getFloat64(this.#at + 4, true)
      : Number(this.#view.getBigInt64(this.#at + 4, true));
    this.#at += 12;
    return value;
  }
}
