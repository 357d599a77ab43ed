// Forwarded batches with long frames spliced in (src/server/gather_buffer.ts): the ring
// delivers a gathered message as its bytes in order (across the wrap-around, and through the
// backlog when the ring is full), appendToBatch pads a spliced frame to its source's alignment
// mod 8, and the owner's executor runs padded entries (tracked or not) like copied ones.
import assert from "node:assert/strict";
import { createRing, ShardLink } from "../../src/server/shard_link.ts";
import { GatherBuffer } from "../../src/server/gather_buffer.ts";
import { Peers } from "../../src/server/peers.ts";
import { ShardLock } from "../../src/server/shard_lock.ts";
import { Shard } from "../../src/server/shard.ts";
import { appendToBatch, createBatchExecutor } from "../../src/server/executor.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { encodeCommand } from "../helpers/servers.ts";

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** A gathered message and the same bytes flattened by hand. */
function gathered(seed: number): { g: GatherBuffer; flat: Uint8Array } {
  const g = new GatherBuffer(16), parts: Uint8Array[] = [];
  for (let i = 0; i < 1 + (seed % 4); i++) {
    const own = bytes((seed * 7 + i) % 23, seed + i);
    g.raw(own);
    parts.push(own);
    const src = bytes(300 + seed, seed * 3 + i), from = (seed + i) % 50, to = src.length - i;
    g.splice(src, from, to);
    parts.push(src.slice(from, to));
  }
  const tail = bytes(seed % 5, seed);
  g.raw(tail);
  parts.push(tail);
  const flat = new Uint8Array(g.totalLength);
  let at = 0;
  for (const part of parts) {
    flat.set(part, at);
    at += part.length;
  }
  assert.equal(at, g.totalLength);
  return { g, flat };
}

Deno.test("a gathered message arrives as its bytes in order, across the wrap-around", () => {
  const aToB = createRing(2048), bToA = createRing(2048);
  const received: Uint8Array[] = [];
  const a = new ShardLink(aToB, bToA, () => {});
  const b = new ShardLink(bToA, aToB, (m, start, end) => received.push(m.slice(start, end)));
  const sent: Array<{ head: Uint8Array; body: Uint8Array | null; flat: Uint8Array }> = [];
  for (let i = 0; i < 60; i++) {
    const head = bytes(12, i), body = i % 2 ? bytes(i % 11, i) : null, { g, flat } = gathered(i);
    a.send(head, body, g);
    sent.push({ head, body, flat });
    b.poll(); // the ring holds about one message: each is taken before the next is sent
  }
  assert.equal(received.length, sent.length);
  received.forEach((msg, i) => {
    const { head, body, flat } = sent[i];
    // The body is padded to 8 bytes (the gathered part stays aligned in the ring).
    const bodyRoom = body ? (body.length + 7) & ~7 : 0;
    assert.equal(msg.length, 12 + bodyRoom + flat.length);
    assert.deepEqual(msg.subarray(0, 12), head);
    if (body) assert.deepEqual(msg.subarray(12, 12 + body.length), body);
    assert.deepEqual(msg.subarray(12 + bodyRoom), flat);
  });
  a.close();
  b.close();
});

Deno.test("a gathered message that does not fit goes through the backlog whole", async () => {
  const aToB = createRing(256), bToA = createRing(256);
  const received: Uint8Array[] = [];
  const a = new ShardLink(aToB, bToA, () => {});
  const b = new ShardLink(bToA, aToB, (m, start, end) => received.push(m.slice(start, end)));
  const head = bytes(12, 9), { g, flat } = gathered(3);
  a.send(head, null, g);
  g.reset(); // the backlog holds its own copy
  for (let i = 0; i < 200 && received.length < 1; i++) {
    b.poll();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const whole = new Uint8Array(12 + flat.length);
  whole.set(head);
  whole.set(flat, 12);
  assert.deepEqual(received, [whole]);
  a.close();
  b.close();
});

Deno.test("reset forgets the spliced ranges and their sources", () => {
  const { g } = gathered(5);
  g.reset();
  assert.equal(g.totalLength, 0);
  assert.equal(g.splices, 0);
  assert.ok(g.sources.every((s) => s === null));
});

async function ownerShard(): Promise<Shard> {
  const shard = new Shard(1, 2, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  shard.executeBatch = createBatchExecutor(shard);
  return shard;
}

Deno.test("spliced frames keep their source's alignment and run on the owner", async () => {
  const owner = await ownerShard();
  const aToB = createRing(1 << 16), bToA = createRing(1 << 16);
  const frameOffsets: Array<[number, number]> = [];
  const execute = owner.executeBatch;
  const a = new Peers(new Map([[1, { send: aToB, receive: bToA }]]), execute, new ShardLock());
  const b = new Peers(new Map([[0, { send: bToA, receive: aToB }]]), (batch) => {
    // Where each spliced SET's value sits in the owner's copy of the batch, mod 8.
    for (let p = batch.indexOf(0x78); p >= 0; p = batch.indexOf(0x78, p + 1)) {
      if (batch[p + 2] === 0x76) frameOffsets.push([batch.byteOffset + p, batch[p + 1]]);
    }
    return execute(batch);
  }, owner.lock);
  try {
    const batch = new GatherBuffer(64);
    const expected: string[] = [];
    const sourceOffsets: number[] = [];
    for (let i = 0; i < 12; i++) {
      // The frame sits at a different offset mod 8 in its source each time.
      const value = "x" + String.fromCharCode(0x30 + i) + "v".repeat(600 + i * 100);
      const frame = encodeCommand(["SET", `k${i}`, value]);
      const src = new Uint8Array(i + frame.length);
      src.set(frame, i);
      sourceOffsets.push(src.byteOffset + i + frame.indexOf(0x78, 20));
      // Every third one as a tracked read would be sent (caller id and remember byte).
      appendToBatch(batch, 0, 2, src, false, i % 3 === 0 ? 7 : 0, false, i, src.length);
      expected.push("+OK\r\n");
      // A short frame between them is copied, not spliced.
      appendToBatch(batch, 0, 3, encodeCommand(["GET", `k${i}`]));
      expected.push(`$${value.length}\r\n${value}\r\n`);
    }
    assert.equal(batch.splices, 12);
    const reply = a.call(1, batch);
    batch.reset();
    b.poll();
    a.poll();
    const { replies, ends } = await reply;
    assert.equal(ends.length, expected.length);
    assert.equal(new TextDecoder().decode(replies), expected.join(""));
    assert.equal(frameOffsets.length, 12);
    frameOffsets.forEach(([at, tag], i) => {
      assert.equal(tag, 0x30 + i);
      assert.equal(at % 8, sourceOffsets[i] % 8, `value ${i} at ${at}, source ${sourceOffsets[i]}`);
    });
  } finally {
    a.close();
    b.close();
  }
});
