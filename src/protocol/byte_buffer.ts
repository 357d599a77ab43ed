// A growable byte buffer, reused across batches so steady-state encoding allocates nothing.

export class ByteBuffer {
  buf: Uint8Array;
  length = 0;
  /** The last view bytes() made, of `#viewOf`: one batch after another often ends at the
   * same length (a pipeline-1 client's replies), and then it serves again instead of a new
   * subarray. Dropped with the buffer it views. */
  #view: Uint8Array | null = null;
  #viewOf: Uint8Array | null = null;

  constructor(initialCapacity = 16 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  reset(): void {
    this.length = 0;
  }

  /** The bytes so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    const view = this.#view;
    if (view !== null && view.length === this.length && this.#viewOf === this.buf) return view;
    this.#viewOf = this.buf;
    return this.#view = this.buf.subarray(0, this.length);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.#view = this.#viewOf = null;
  }

  /** Drop a big buffer after a huge reply so an idle connection doesn't keep it. */
  shrinkIfIdle(limit = 1024 * 1024): void {
    if (this.length === 0 && this.buf.length > limit) {
      this.buf = new Uint8Array(16 * 1024);
      this.#view = this.#viewOf = null;
    }
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Append src[start, end); short ranges are copied by hand (cheaper than a subarray). */
  rawRange(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n > 64) this.buf.set(src.subarray(start, end), this.length);
    else {
      const b = this.buf;
      for (let i = 0, p = this.length; i < n; i++) b[p + i] = src[start + i];
    }
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
