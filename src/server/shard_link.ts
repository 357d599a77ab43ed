// The transport between two shard workers: one single-producer single-consumer byte ring per
// direction, each in a SharedArrayBuffer. A message is copied into the ring as
// [u32 length][bytes][padding to 8]; the reader copies it out. No structured clone, no
// MessagePort event. A message sent as head + body + more has the body padded to 8 bytes, so
// with a 12-byte head both body and more sit at multiples of 8 in the ring.
//
// Wakeups are the expensive part (an eventfd write and an event-loop turn on the other
// thread). A reader raises SLEEPING and waits with Atomics.waitAsync; a writer notifies only
// when it finds SLEEPING raised, and lowers it. The reader raises it again only once its
// event loop has handled that wakeup, and meanwhile the worker calls poll() at the end of
// each batch of work, so a busy reader takes any number of messages per wakeup (about one
// message in twenty caused one under a pipelined load).
//
// The ring is a byte stream, so a message larger than the ring still goes through: the
// writer keeps what does not fit in a backlog and sleeps on WRITER_WAITING until the reader
// frees space; the reader assembles such a message in pieces.

import { copyBytes } from "../protocol/bytes.ts";
import { GatherBuffer } from "./gather_buffer.ts";

// Int32 indexes into the ring's header; the writer's and the reader's words sit on
// separate cache lines.
const HEAD = 0; // bytes written (mod 2^30), advanced by the writer
const SPACE_SEQ = 1; // bumped by the reader to wake a writer waiting for space
const WRITER_WAITING = 2; // 1: the writer waits for space
const TAIL = 16; // bytes read (mod 2^30), advanced by the reader
const DATA_SEQ = 17; // bumped by the writer to wake a sleeping reader
const SLEEPING = 18; // 1: the reader is idle and wants a wakeup for new data
const HEADER_BYTES = 128;
const COUNTER_MASK = 0x3fffffff; // counters wrap at 2^30, a multiple of any ring capacity

/** Messages start at multiples of 8 bytes in the ring. V8 copies to and from shared memory
 * (TypedArray.set on a SharedArrayBuffer) with relaxed atomic loads and stores: a word at a
 * time when source and destination are equally aligned, a byte at a time otherwise (about 20k
 * instructions per 4 KiB against 1k). */
export const align8 = (n: number) => (n + 7) & ~7;

/** A ring of `capacity` bytes (a power of two), to give to a ShardLink on each side. */
export function createRing(capacity: number): SharedArrayBuffer {
  if (capacity & (capacity - 1) || capacity < 64) {
    throw new Error(`ring capacity ${capacity} is not a power of two`);
  }
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

/** Ring capacity for `shards` workers: up to 4 MiB per direction, less when there are many
 * links (they all live in memory at once); large messages stream through a small ring. 4 MiB
 * holds a pipeline of 16 SETs of 4 KiB (66 KB) from each of 50 connections: with 1 MiB, under
 * that load (SET-4K at P16, --shards 2) about 40% of the calls found the ring full and went
 * through the backlog (a copy into a new buffer, then waits for space); without it V8's helper
 * threads (freeing those buffers, GC) fell from 11% to 4% of the CPU samples
 * (bench/forwarding_micro.ts under perf). */
export function ringCapacity(shards: number): number {
  const links = Math.max(1, shards * (shards - 1));
  let cap = 1 << 22;
  while (cap > 16 * 1024 && cap * links > 64 * 1024 * 1024) cap >>= 1;
  return cap;
}

/** Up to this many bytes a copy to or from the ring is a loop: TypedArray.set needs a view of
 * the exact range, and a view per message was most of what forwarding allocated. */
const SMALL_COPY = 256;

class Ring {
  readonly ctl: Int32Array;
  readonly data: Uint8Array;
  readonly capacity: number;
  readonly mask: number;

  constructor(sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(sab, HEADER_BYTES);
    this.capacity = this.data.length;
    this.mask = this.capacity - 1;
  }

  /** Copy src[from, from + length) into the ring at counter `at` (wrapping). */
  put(at: number, src: Uint8Array, length = src.length, from = 0): void {
    const p = at & this.mask, first = Math.min(length, this.capacity - p);
    if (first === length && length <= SMALL_COPY) {
      copyBytes(src, from, this.data, p, length);
      return;
    }
    this.data.set(from === 0 && first === src.length ? src : src.subarray(from, from + first), p);
    if (first < length) this.data.set(src.subarray(from + first, from + length), 0);
  }

  /** Copy a gathered message into the ring at counter `at` (wrapping): its own bytes and its
   * spliced ranges in order, each straight from where it is. */
  putGathered(at: number, g: GatherBuffer): void {
    let own = 0;
    for (let i = 0; i < g.splices; i++) {
      const upTo = g.spliceAt[i], from = g.spliceFrom[i], length = g.spliceTo[i] - from;
      this.put(at, g.buf, upTo - own, own);
      at += upTo - own;
      own = upTo;
      this.put(at, g.sources[i]!, length, from);
      at += length;
    }
    this.put(at, g.buf, g.length - own, own);
  }

  /** Copy `dest.length` bytes from counter `at` (wrapping) into dest at `offset`. */
  take(at: number, dest: Uint8Array, offset = 0, length = dest.length - offset): void {
    const p = at & this.mask, first = Math.min(length, this.capacity - p);
    if (first === length && length <= SMALL_COPY) {
      copyBytes(this.data, p, dest, offset, length);
      return;
    }
    dest.set(this.data.subarray(p, p + first), offset);
    if (first < length) dest.set(this.data.subarray(0, length - first), offset + first);
  }

  /** Write a little-endian u32 at counter `at` (wrapping). */
  putU32(at: number, v: number): void {
    const d = this.data, m = this.mask;
    d[at & m] = v & 0xff;
    d[(at + 1) & m] = (v >>> 8) & 0xff;
    d[(at + 2) & m] = (v >>> 16) & 0xff;
    d[(at + 3) & m] = v >>> 24;
  }

  u32At(at: number): number {
    const d = this.data, m = this.mask;
    return (d[at & m] | (d[(at + 1) & m] << 8) | (d[(at + 2) & m] << 16)) +
      d[(at + 3) & m] * 16777216;
  }
}

/** Some number of bytes, not yet written to the ring (it was full). */
interface Pending {
  bytes: Uint8Array;
  from: number;
}

export interface LinkStats {
  sent: number;
  received: number;
  /** Wakeups this side asked the other for (it was asleep). */
  notifies: number;
  /** Messages that did not fit in the ring when sent (copied aside, written as it drains). */
  backlogged: number;
}

/** One side of a link: sends into one ring, receives from the other. */
export class ShardLink {
  private tx: Ring;
  private rx: Ring;
  readonly stats: LinkStats = { sent: 0, received: 0, notifies: 0, backlogged: 0 };
  private backlog: Pending[] = [];
  private waitingForSpace = false;
  private readerArmed = false;
  private polling = false;
  /** A message larger than the ring, assembled from the pieces read so far. */
  private assembly: Uint8Array | null = null;
  private assembled = 0;
  private assemblyLength = 0;
  /** Where a message is copied out of the ring (the ring's bytes are the writer's again as
   * soon as the tail moves). Reused: a message is only valid during onMessage. */
  private scratch = new Uint8Array(64 * 1024);
  private closed = false;
  /** HEAD when poll last stopped at a message the writer had not finished copying in (-1:
   * it did not): until HEAD moves there is nothing to take, so the reader sleeps. */
  private stalledHead = -1;

  /** `onMessage` gets each message in order, as bytes[start, end) of a buffer that is valid
   * only during the call (`start` is 4 mod 8 in the buffer, as the bytes were in the ring;
   * no view per message). */
  constructor(
    send: SharedArrayBuffer,
    receive: SharedArrayBuffer,
    private onMessage: (bytes: Uint8Array, start: number, end: number) => void,
  ) {
    this.tx = new Ring(send);
    this.rx = new Ring(receive);
    this.sleep();
  }

  /** Send one message: `head`, then `body` and `more` if given (fixed parts, so a send
   * allocates nothing). They are copied before this returns. With `more`, the body is padded
   * to 8 bytes (see the layout above: `more` stays 8-byte aligned). `bodyLength`: only
   * body[0, bodyLength) is sent (a reused buffer needs no view of its filled part). A
   * gathered `more` is copied piece by piece from where its parts are. */
  send(
    head: Uint8Array,
    body: Uint8Array | null = null,
    more: Uint8Array | GatherBuffer | null = null,
    bodyLength = body ? body.length : 0,
  ): void {
    const bodyRoom = body ? (more ? align8(bodyLength) : bodyLength) : 0;
    const gathered = more instanceof GatherBuffer ? more : null;
    const moreLength = gathered ? gathered.totalLength : more ? more.length : 0;
    const total = head.length + bodyRoom + moreLength;
    const size = align8(4 + total);
    this.stats.sent++;
    const tx = this.tx, ctl = tx.ctl;
    const head0 = Atomics.load(ctl, HEAD);
    if (
      !this.backlog.length &&
      size <= tx.capacity - ((head0 - Atomics.load(ctl, TAIL)) & COUNTER_MASK)
    ) {
      // Fast path: the whole message fits now.
      tx.putU32(head0, total);
      tx.put(head0 + 4, head);
      const at = head0 + 4 + head.length;
      if (body) tx.put(at, body, bodyLength);
      if (gathered) tx.putGathered(at + bodyRoom, gathered);
      else if (more) tx.put(at + bodyRoom, more as Uint8Array);
      Atomics.store(ctl, HEAD, (head0 + size) & COUNTER_MASK);
      this.wakeReader();
      return;
    }
    this.stats.backlogged++;
    const whole = new Uint8Array(size);
    new DataView(whole.buffer).setUint32(0, total, true);
    whole.set(head, 4);
    const at = 4 + head.length;
    if (body) whole.set(bodyLength === body.length ? body : body.subarray(0, bodyLength), at);
    if (gathered) gathered.copyTo(whole, at + bodyRoom);
    else if (more) whole.set(more as Uint8Array, at + bodyRoom);
    this.backlog.push({ bytes: whole, from: 0 });
    this.writeBacklog();
  }

  /** Write as much of the backlog as fits; if some is left, sleep until the reader frees space. */
  private writeBacklog(): void {
    const tx = this.tx, ctl = tx.ctl;
    let head = Atomics.load(ctl, HEAD);
    while (this.backlog.length) {
      const free = tx.capacity - ((head - Atomics.load(ctl, TAIL)) & COUNTER_MASK);
      if (free === 0) break;
      const item = this.backlog[0];
      const n = Math.min(free, item.bytes.length - item.from);
      tx.put(head, item.bytes, n, item.from);
      head = (head + n) & COUNTER_MASK;
      item.from += n;
      if (item.from === item.bytes.length) this.backlog.shift();
    }
    Atomics.store(ctl, HEAD, head);
    this.wakeReader();
    if (this.backlog.length && !this.waitingForSpace && !this.closed) this.waitForSpace();
  }

  private waitForSpace(): void {
    const ctl = this.tx.ctl;
    const seq = Atomics.load(ctl, SPACE_SEQ);
    Atomics.store(ctl, WRITER_WAITING, 1);
    // Re-check after raising the flag: the reader may have freed space just before.
    if (((Atomics.load(ctl, HEAD) - Atomics.load(ctl, TAIL)) & COUNTER_MASK) < this.tx.capacity) {
      Atomics.store(ctl, WRITER_WAITING, 0);
      queueMicrotask(() => this.writeBacklog());
      return;
    }
    this.waitingForSpace = true;
    const wait = Atomics.waitAsync(ctl, SPACE_SEQ, seq);
    const resume = () => {
      this.waitingForSpace = false;
      this.writeBacklog();
    };
    if (wait.async) wait.value.then(resume);
    else queueMicrotask(resume);
  }

  private wakeReader(): void {
    const ctl = this.tx.ctl;
    if (Atomics.load(ctl, SLEEPING) === 1 && Atomics.compareExchange(ctl, SLEEPING, 1, 0) === 1) {
      this.stats.notifies++;
      Atomics.add(ctl, DATA_SEQ, 1);
      Atomics.notify(ctl, DATA_SEQ);
    }
  }

  /** Deliver every complete message waiting in the ring; cheap when there is none. Call it
   * whenever the worker finishes a piece of work. */
  poll(): void {
    if (this.polling) return;
    const rx = this.rx, ctl = rx.ctl;
    let tail = Atomics.load(ctl, TAIL);
    if (Atomics.load(ctl, HEAD) === tail) return;
    this.polling = true;
    this.stalledHead = -1;
    try {
      for (;;) {
        const head = Atomics.load(ctl, HEAD);
        const avail = (head - tail) & COUNTER_MASK;
        if (avail === 0) break;
        let msg: Uint8Array | null = null, msgStart = 0, msgEnd = 0;
        if (this.assembly) {
          const n = Math.min(avail, this.assembly.length - this.assembled);
          rx.take(tail, this.assembly, this.assembled, n);
          this.assembled += n;
          tail = (tail + n) & COUNTER_MASK;
          if (this.assembled === this.assembly.length) {
            msg = this.assembly;
            msgEnd = this.assemblyLength;
            this.assembly = null;
          }
        } else {
          if (avail < 4) {
            this.stalledHead = head;
            break;
          }
          const len = rx.u32At(tail), size = align8(4 + len);
          if (size <= avail) {
            if (4 + len > this.scratch.length) {
              this.scratch = new Uint8Array(Math.max(4 + len, this.scratch.length * 2));
            }
            // At offset 4 of scratch, as the message's bytes are at 4 mod 8 in the ring: the
            // same alignment makes the copy out of shared memory word by word, not byte by byte.
            msg = this.scratch;
            msgStart = 4;
            msgEnd = 4 + len;
            rx.take(tail + 4, this.scratch, 4, len);
            tail = (tail + size) & COUNTER_MASK;
          } else if (size > rx.capacity) {
            // Too big to ever sit in the ring whole: take it piece by piece (with its padding).
            this.assembly = new Uint8Array(size - 4);
            this.assemblyLength = len;
            this.assembled = 0;
            tail = (tail + 4) & COUNTER_MASK;
            continue;
          } else {
            this.stalledHead = head; // the writer is still copying it in
            break;
          }
        }
        // Free the space before handling the message: handling it may take a while.
        Atomics.store(ctl, TAIL, tail);
        this.wakeWriter();
        if (msg) {
          this.stats.received++;
          this.onMessage(msg, msgStart, msgEnd);
        }
      }
      Atomics.store(ctl, TAIL, tail);
      this.wakeWriter();
    } finally {
      this.polling = false;
      if (this.scratch.length > 1024 * 1024) this.scratch = new Uint8Array(64 * 1024);
    }
  }

  private wakeWriter(): void {
    const ctl = this.rx.ctl;
    if (
      Atomics.load(ctl, WRITER_WAITING) === 1 &&
      Atomics.compareExchange(ctl, WRITER_WAITING, 1, 0) === 1
    ) {
      Atomics.add(ctl, SPACE_SEQ, 1);
      Atomics.notify(ctl, SPACE_SEQ);
    }
  }

  /** Ask the writer for a wakeup when data arrives, unless some is already there. */
  private sleep(): void {
    if (this.readerArmed || this.closed) return;
    const ctl = this.rx.ctl;
    const seq = Atomics.load(ctl, DATA_SEQ);
    Atomics.store(ctl, SLEEPING, 1);
    const head = Atomics.load(ctl, HEAD);
    if (head !== Atomics.load(ctl, TAIL) && head !== this.stalledHead) {
      // Data raced in: take it now instead of sleeping. (Only part of a message that the
      // writer is still copying is no reason: taking it again at once would spin.)
      Atomics.store(ctl, SLEEPING, 0);
      queueMicrotask(() => this.woken());
      return;
    }
    const wait = Atomics.waitAsync(ctl, DATA_SEQ, seq);
    if (!wait.async) {
      queueMicrotask(() => this.woken());
      return;
    }
    this.readerArmed = true;
    wait.value.then(() => {
      this.readerArmed = false;
      this.woken();
    });
  }

  private woken(): void {
    this.poll();
    this.sleep();
  }

  close(): void {
    this.closed = true;
  }
}
