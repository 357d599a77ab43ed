// Peers.notifySoon (src/server/peers.ts): notices held back per target shard travel as one
// message, ahead of anything sent after them on the link, at the sender's poll() or at the
// end of the turn; the receiver's handler gets each one, in order.
import assert from "node:assert/strict";
import { NoticeTopic, Peers } from "../../src/server/peers.ts";
import { createRing } from "../../src/server/shard_link.ts";
import { ShardLock } from "../../src/server/shard_lock.ts";

function pair() {
  const aToB = createRing(1 << 16), bToA = createRing(1 << 16);
  const none = () => ({ replies: new Uint8Array(0), ends: new Int32Array(0) });
  const a = new Peers(new Map([[1, { send: aToB, receive: bToA }]]), none, new ShardLock());
  const b = new Peers(new Map([[0, { send: bToA, receive: aToB }]]), none, new ShardLock());
  const heard: string[] = [];
  for (const [name, topic] of Object.entries(NoticeTopic)) {
    b.onNotice(topic, (from, payload) => heard.push(`${from}:${name}:${text(payload)}`));
  }
  return { a, b, heard, close: () => (a.close(), b.close()) };
}
const enc = new TextEncoder(), dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);

Deno.test("held notices go as one message before what is sent after them", () => {
  const { a, b, heard, close } = pair();
  try {
    for (const m of ["m1", "m2", "m3"]) a.notifySoon(1, NoticeTopic.pubsub, enc.encode(m));
    b.poll();
    assert.deepEqual(heard, [], "held until something else goes or the work ends");
    a.notify(1, NoticeTopic.monitor, enc.encode("after"));
    a.notifySoon(1, NoticeTopic.pubsub, enc.encode("m4"));
    a.poll();
    b.poll();
    assert.deepEqual(heard, [
      "0:pubsub:m1",
      "0:pubsub:m2",
      "0:pubsub:m3",
      "0:monitor:after",
      "0:pubsub:m4",
    ]);
  } finally {
    close();
  }
});

Deno.test("held notices go at the end of the turn without a poll, payloads copied", async () => {
  const { a, b, heard, close } = pair();
  try {
    const reused = enc.encode("x1");
    a.notifySoon(1, NoticeTopic.pubsub, reused);
    reused.set(enc.encode("x2"));
    a.notifySoon(1, NoticeTopic.pubsub, reused);
    a.notifySoon(1, NoticeTopic.pubsub, new Uint8Array(0));
    await Promise.resolve();
    b.poll();
    assert.deepEqual(heard, ["0:pubsub:x1", "0:pubsub:x2", "0:pubsub:"]);
  } finally {
    close();
  }
});
