// The shard-to-shard ring (src/server/shard_link.ts): messages of several parts arrive whole
// and in order, across the ring's wrap-around, and larger than the ring itself.
import assert from "node:assert/strict";
import { createRing, ShardLink } from "../../src/server/shard_link.ts";

function linkPair(capacity: number) {
  const aToB = createRing(capacity), bToA = createRing(capacity);
  const received: Uint8Array[] = [];
  const a = new ShardLink(aToB, bToA, () => {});
  const b = new ShardLink(
    bToA,
    aToB,
    (bytes, start, end) => received.push(bytes.slice(start, end)),
  );
  return { a, b, received, close: () => (a.close(), b.close()) };
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

Deno.test("parts arrive as one message, in order, across the wrap-around", () => {
  const { a, b, received, close } = linkPair(256);
  const sent: Array<{ head: Uint8Array; body: Uint8Array | null; more: Uint8Array | null }> = [];
  for (let i = 0; i < 200; i++) {
    // Lengths that do not divide the ring, so messages straddle its end.
    const head = bytes(12, i), body = i % 2 ? bytes(i % 37, i + 1) : null;
    const more = i % 3 ? bytes(5, i + 2) : null;
    a.send(head, body, more);
    sent.push({ head, body, more });
    if (i % 4 === 3) b.poll();
  }
  b.poll();
  assert.equal(received.length, sent.length);
  received.forEach((msg, i) => {
    const { head, body, more } = sent[i];
    // With `more`, the body is padded to 8 bytes (more stays aligned in the ring).
    const bodyRoom = body ? (more ? (body.length + 7) & ~7 : body.length) : 0;
    assert.equal(msg.length, 12 + bodyRoom + (more ? more.length : 0));
    assert.deepEqual(msg.subarray(0, 12), head);
    if (body) assert.deepEqual(msg.subarray(12, 12 + body.length), body);
    if (more) assert.deepEqual(msg.subarray(12 + bodyRoom), more);
  });
  close();
});

Deno.test("a message's parts sit 8-byte aligned as they did in the ring", () => {
  const aToB = createRing(1024), bToA = createRing(1024);
  const offsets: number[] = [];
  const a = new ShardLink(aToB, bToA, () => {});
  const b = new ShardLink(
    bToA,
    aToB,
    (bytes, start) => offsets.push(bytes.byteOffset + start + 12),
  );
  for (let i = 0; i < 40; i++) {
    a.send(bytes(12, i), bytes(3 + i, i), bytes(100, i));
    if (i % 4 === 3) b.poll();
  }
  assert.equal(offsets.length, 40);
  for (const at of offsets) assert.equal(at % 8, 0);
  a.close();
  b.close();
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
