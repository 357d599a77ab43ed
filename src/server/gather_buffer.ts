// A message body made of its own bytes with ranges of other arrays spliced in, sent without
// first being assembled in one buffer. A connection forwards a large command frame this way:
// the frame goes from the read buffer straight into the shard link's ring (one copy), not into
// the connection's batch buffer and from there into the ring (two). With SET-4K at pipeline 16
// and 50 connections, the batch buffers were megabytes of memory out of cache, and an extra
// 4 KiB copy through them cost about 0.3 µs per command (bench/forwarding_micro.ts).

import { ByteBuffer } from "../protocol/byte_buffer.ts";

export class GatherBuffer extends ByteBuffer {
  /** Ranges spliced in so far; the i-th goes before own byte `spliceAt[i]`. */
  splices = 0;
  spliceAt: Int32Array = new Int32Array(16);
  spliceFrom: Int32Array = new Int32Array(16);
  spliceTo: Int32Array = new Int32Array(16);
  sources: Array<Uint8Array | null> = [];
  /** Bytes spliced in so far (the message is `length` + this long). */
  splicedLength = 0;

  constructor(initialCapacity = 1024) {
    super(initialCapacity);
  }

  /** The whole message's length: own bytes and spliced ranges. */
  get totalLength(): number {
    return this.length + this.splicedLength;
  }

  /** Splice src[from, to) in after the bytes so far. `src` is read when the message is sent:
   * it must not change until then (or until reset). */
  splice(src: Uint8Array, from: number, to: number): void {
    const i = this.splices++;
    if (i === this.spliceAt.length) {
      this.spliceAt = grow(this.spliceAt);
      this.spliceFrom = grow(this.spliceFrom);
      this.spliceTo = grow(this.spliceTo);
    }
    this.spliceAt[i] = this.length;
    this.spliceFrom[i] = from;
    this.spliceTo[i] = to;
    this.sources[i] = src;
    this.splicedLength += to - from;
  }

  override reset(): void {
    super.reset();
    // Drop the references: a read buffer is not kept alive by an idle connection's batch.
    for (let i = 0; i < this.splices; i++) this.sources[i] = null;
    this.splices = 0;
    this.splicedLength = 0;
  }

  /** The whole message, copied into dest at `at` (dest must have room for totalLength). */
  copyTo(dest: Uint8Array, at: number): void {
    let own = 0;
    for (let i = 0; i < this.splices; i++) {
      const upTo = this.spliceAt[i], from = this.spliceFrom[i], to = this.spliceTo[i];
      dest.set(this.buf.subarray(own, upTo), at);
      at += upTo - own;
      own = upTo;
      dest.set(this.sources[i]!.subarray(from, to), at);
      at += to - from;
    }
    dest.set(this.buf.subarray(own, this.length), at);
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
