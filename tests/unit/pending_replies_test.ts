import assert from "node:assert/strict";
import { PendingReplies } from "../../src/server/pending_replies.ts";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";
import { ReplyStore } from "../../src/server/peers.ts";
import { sumIntegers } from "../../src/server/multishard.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** A shard's replies as a ReplyStore holds them (back to back, with end offsets). */
function store(replies: string[]): ReplyStore {
  const s = new ReplyStore();
  const bytes = enc.encode(replies.join(""));
  let end = 0;
  s.fill(Int32Array.from(replies, (r) => end += enc.encode(r).length), bytes);
  return s;
}

/** Splices with `local` as the local replies and returns what `out` holds. */
function splice(pending: PendingReplies, local: string, stores: ReplyStore[]): string {
  const out = new ReplyWriter();
  const bytes = enc.encode(local);
  pending.spliceInto(out, bytes, bytes.length, stores);
  return dec.decode(out.bytes());
}

Deno.test("forwarded replies land at their places, runs and gaps alike", () => {
  const p = new PendingReplies();
  const stores = [store([":1\r\n", ":2\r\n", ":3\r\n", ":4\r\n"]), store(["+A\r\n", "+B\r\n"])];
  // Local "+L1" at 0; then shard 0's 0 and 1 adjacent (one run), shard 1's 0, local "+L2",
  // shard 0's 3 (index 2 was dropped: a gap), shard 1's 1, and a combined reply at the end.
  p.forwarded(5, 0, 0);
  p.forwarded(5, 0, 1);
  p.forwarded(5, 1, 0);
  p.forwarded(10, 0, 3);
  p.forwarded(10, 1, 1);
  p.combinedAt(10, { parts: [[0, 2], enc.encode(":10\r\n")], combine: sumIntegers, split: [] });
  assert.equal(p.count, 6);
  assert.equal(
    splice(p, "+L1\r\n+L2\r\n", stores),
    "+L1\r\n:1\r\n:2\r\n+A\r\n+L2\r\n:4\r\n+B\r\n:13\r\n",
  );
  assert.equal(p.count, 0);
});

Deno.test("a run is not joined across local replies or batch indexes out of order", () => {
  const p = new PendingReplies();
  const stores = [store([":1\r\n", ":2\r\n", ":3\r\n"])];
  p.forwarded(0, 0, 0);
  p.forwarded(4, 0, 1); // local "+L" between index 0 and 1
  p.forwarded(4, 0, 2);
  assert.equal(splice(p, "+L\r\n", stores), ":1\r\n+L\r\n:2\r\n:3\r\n");
});

Deno.test("truncate forgets later replies, combined ones included", () => {
  const p = new PendingReplies();
  const stores = [store([":1\r\n", ":2\r\n"])];
  p.forwarded(0, 0, 0);
  p.combinedAt(0, { parts: [[0, 1]], combine: sumIntegers, split: [] });
  p.truncate(1);
  assert.equal(splice(p, "", stores), ":1\r\n");
  // After a truncate the combined list starts over: a new combined reply is its own.
  p.combinedAt(0, { parts: [[0, 1]], combine: sumIntegers, split: [] });
  p.forwarded(0, 0, 0);
  p.truncate(1);
  assert.equal(splice(p, "+x\r\n", stores), ":2\r\n+x\r\n");
});

Deno.test("the arrays grow past their first size", () => {
  const p = new PendingReplies();
  const replies = Array.from({ length: 300 }, (_, i) => `:${i}\r\n`);
  for (let i = 0; i < 300; i++) p.forwarded(0, 0, i);
  assert.equal(splice(p, "", [store(replies)]), replies.join(""));
});
