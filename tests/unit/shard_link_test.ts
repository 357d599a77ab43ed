// The shard-to-shard ring (src/server/shard_link.ts): messages of several parts arrive whole
// and in order, across the ring's wrap-around, and larger than the ring itself.
import assert from "node:assert/strict";
import { createRing, ShardLink } from "../../src/server/shard_link.ts";

function linkPair(capacity: number) {
  const aToB = createRing(capacity), bToA = createRing(capacity);
  const received: Uint8Array[] = [];
  const a = new ShardLink(aToB, bToA, () => {});
  const b = new ShardLink(bToA, aToB, (msg) => received.push(msg.slice()));
  return { a, b, received, close: () => (a.close(), b.close()) };
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

Deno.test("parts arrive as one message, in order, across the wrap-around", () => {
  const { a, b, received, close } = linkPair(256);
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    // Lengths that do not divide the ring, so messages straddle its end.
    const head = bytes(12, i), body = bytes(i % 37, i + 1), more = i % 3 ? bytes(5, i + 2) : null;
    a.send(head, i % 2 ? body : null, more);
    const whole = new Uint8Array(12 + (i % 2 ? body.length : 0) + (more ? 5 : 0));
    whole.set(head);
    if (i % 2) whole.set(body, 12);
    if (more) whole.set(more, whole.length - 5);
    sent.push(whole);
    if (i % 4 === 3) b.poll();
  }
  b.poll();
  assert.deepEqual(received, sent);
  close();
});

Deno.test("a message larger than the ring streams through in pieces", async () => {
  const { a, b, received, close } = linkPair(64);
  const big = bytes(1000, 7), head = bytes(12, 1);
  a.send(head, big);
  a.send(head); // queued behind the big one
  for (let i = 0; i < 200 && received.length < 2; i++) {
    b.poll();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const whole = new Uint8Array(1012);
  whole.set(head);
  whole.set(big, 12);
  assert.deepEqual(received, [whole, head]);
  close();
});
