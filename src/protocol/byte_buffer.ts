// A growable byte buffer, reused across batches so steady-state encoding allocates nothing.

import { copyRange } from "./bytes.ts";

export class ByteBuffer {
  buf: Uint8Array;
  length = 0;
  /** The last two views bytes() made, each with the buffer it views: one batch after
   * another often ends at one of the same two lengths (a pipeline-1 client's replies, e.g.
   * alternating GET and SET), in one of the same two buffers (a connection swaps `buf` with
   * a spare while splicing in forwarded replies), and then one serves again instead of a new
   * subarray. */
  #view: Uint8Array | null = null;
  #viewOf: Uint8Array | null = null;
  #spare: Uint8Array | null = null;
  #spareOf: Uint8Array | null = null;

  constructor(initialCapacity = 16 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  reset(): void {
    this.length = 0;
  }

  /** The bytes so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    const buf = this.buf, length = this.length, view = this.#view, spare = this.#spare;
    if (view !== null && view.length === length && this.#viewOf === buf) return view;
    if (spare !== null && spare.length === length && this.#spareOf === buf) {
      this.#spare = view;
      this.#spareOf = this.#viewOf;
      this.#viewOf = buf;
      return this.#view = spare;
    }
    // A huge buffer is not remembered: shrinkIfIdle drops it, and a view would keep it.
    if (buf.length > 1024 * 1024) return buf.subarray(0, length);
    this.#spare = view;
    this.#spareOf = this.#viewOf;
    this.#viewOf = buf;
    return this.#view = buf.subarray(0, length);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.#view =
      this.#viewOf =
      this.#spare =
      this.#spareOf =
        null;
  }

  /** Drop a big buffer after a huge reply so an idle connection doesn't keep it. */
  shrinkIfIdle(limit = 1024 * 1024): void {
    if (this.length === 0 && this.buf.length > limit) {
      this.buf = new Uint8Array(16 * 1024);
      this.#view =
        this.#viewOf =
        this.#spare =
        this.#spareOf =
          null;
    }
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Append src[start, end); short ranges are copied by hand (cheaper than a subarray), up
   * to `loopMax` bytes (see copyRange). */
  rawRange(src: Uint8Array, start: number, end: number, loopMax?: number): void {
    const n = end - start;
    this.ensure(n);
    copyRange(src, start, this.buf, this.length, n, loopMax);
    this.length += n;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    const b = this.buf, p = this.length;
    b[p] = value & 0xff;
    b[p + 1] = (value >>> 8) & 0xff;
    b[p + 2] = (value >>> 16) & 0xff;
    b[p + 3] = value >>> 24;
    this.length += 4;
  }
}
