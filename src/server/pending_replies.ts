// The replies of one read batch that other shards produce, and where each goes among the
// connection's local replies. A plain forwarded command (the common case: one key, owned by
// another shard) is three integers in typed arrays, not an object: at P16 with --shards 2 an
// object, its parts array and an [shard, index] pair per command were a visible share of the
// forwarding cost (allocation and GC). Fan-outs and split commands keep an object with their
// parts and combiner.
import type { Combiner, SplitPart } from "../commands/spec.ts";
import type { BatchReply } from "./peers.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";

/** A reply combined from several parts (fan-out, keys split over shards). */
export interface CombinedReply {
  /** Per part: [shard, index in that shard's batch], or a reply already computed here. */
  parts: Array<[number, number] | Uint8Array>;
  combine: Combiner;
  split: SplitPart[];
}

const COMBINED = -1;

export class PendingReplies {
  /** Pending replies so far. */
  count = 0;
  /** Per reply: its offset among the local replies. */
  private at = new Int32Array(64);
  /** Per reply: the shard that answers it, or COMBINED. */
  private shard = new Int32Array(64);
  /** Per reply: its index in that shard's batch, or in `combined`. */
  private index = new Int32Array(64);
  private combined: CombinedReply[] = [];

  /** A forwarded command's reply, the `index`th of shard `shard`'s batch, goes at `at`. */
  forwarded(at: number, shard: number, index: number): void {
    const i = this.slot();
    this.at[i] = at;
    this.shard[i] = shard;
    this.index[i] = index;
  }

  /** A reply combined from parts goes at `at`. */
  combinedAt(at: number, reply: CombinedReply): void {
    const i = this.slot();
    this.at[i] = at;
    this.shard[i] = COMBINED;
    this.index[i] = this.combined.length;
    this.combined.push(reply);
  }

  /** Forget the pending replies from the `count`th on (CLIENT REPLY OFF/SKIP). */
  truncate(count: number): void {
    for (let i = count; i < this.count; i++) {
      if (this.shard[i] === COMBINED) {
        this.combined.length = this.index[i];
        break;
      }
    }
    this.count = count;
  }

  /**
   * Writes into `out` the local replies local[0, localLength) with the pending replies
   * spliced in at their places, in request order, then forgets them. `stores[s]` holds
   * shard s's replies. Runs of forwarded replies that are adjacent both in the request
   * order and in one shard's batch (nothing local between them) are copied in one piece.
   */
  spliceInto(
    out: ReplyWriter,
    local: Uint8Array,
    localLength: number,
    stores: readonly BatchReply[],
  ): void {
    const at = this.at, shard = this.shard, index = this.index, n = this.count;
    let copied = 0;
    for (let i = 0; i < n;) {
      const p = at[i], s = shard[i];
      out.rawRange(local, copied, p);
      copied = p;
      if (s === COMBINED) {
        const { parts, combine, split } = this.combined[index[i]];
        combine(parts.map((part) => replyOf(stores, part)), out, split);
        i++;
        continue;
      }
      const first = index[i];
      let last = first;
      i++;
      while (i < n && shard[i] === s && at[i] === p && index[i] === last + 1) {
        last++;
        i++;
      }
      const r = stores[s];
      out.rawRange(r.replies, first === 0 ? 0 : r.ends[first - 1], r.ends[last]);
    }
    out.rawRange(local, copied, localLength);
    this.count = 0;
    this.combined.length = 0;
  }

  private slot(): number {
    const i = this.count++;
    if (i === this.at.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.at = grow(this.at);
      this.shard = grow(this.shard);
      this.index = grow(this.index);
    }
    return i;
  }
}

function replyOf(stores: readonly BatchReply[], part: [number, number] | Uint8Array): Uint8Array {
  if (part instanceof Uint8Array) return part;
  const r = stores[part[0]];
  return r.replies.subarray(part[1] === 0 ? 0 : r.ends[part[1] - 1], r.ends[part[1]]);
}
