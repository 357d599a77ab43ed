// PubSubHub finds a PUBLISH's channel by a hash of its bytes (no string per message): channels
// whose names share a hash must still each reach only their own subscribers, before and after
// either of them is dropped.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Shard } from "../../src/server/shard.ts";
import { Client } from "../../src/server/client.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { CHANNEL, hashName, PubSubHub } from "../../src/pubsub/hub.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** Two different channel names with the same hashName (found by the birthday bound). */
function collidingNames(): [Uint8Array, Uint8Array] {
  const seen = new Map<number, Uint8Array>();
  for (let i = 0;; i++) {
    const name = enc.encode(`channel:${i}`);
    const other = seen.get(hashName(name));
    if (other) return [other, name];
    seen.set(hashName(name), name);
  }
}

function subscriber(): { client: Client; got: string[] } {
  const client = new Client("127.0.0.1:1", "127.0.0.1:2");
  const got: string[] = [];
  client.deliver = (bytes) => got.push(dec.decode(bytes));
  return { client, got };
}

const message = (channel: Uint8Array, text: string) =>
  `*3\r\n$7\r\nmessage\r\n$${channel.length}\r\n${
    dec.decode(channel)
  }\r\n$${text.length}\r\n${text}\r\n`;

Deno.test("channels whose names share a hash each reach only their own subscribers", async () => {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const hub = new PubSubHub(shard, null);
  const [first, second] = collidingNames();
  assert.notDeepEqual(first, second);
  assert.equal(hashName(first), hashName(second));
  const a = subscriber(), b = subscriber();
  hub.subscribe(a.client, CHANNEL, first);
  hub.subscribe(b.client, CHANNEL, second);

  assert.equal(hub.publish(CHANNEL, first, enc.encode("1")), 1);
  assert.equal(hub.publish(CHANNEL, second, enc.encode("2")), 1);
  assert.deepEqual(a.got, [message(first, "1")]);
  assert.deepEqual(b.got, [message(second, "2")]);
  assert.equal(hub.subscriberCount(CHANNEL, second), 1);

  // The later topic heads the hash's chain: drop it, then the one behind a new head.
  hub.unsubscribeAll(b.client);
  assert.equal(hub.publish(CHANNEL, second, enc.encode("3")), 0);
  assert.equal(hub.publish(CHANNEL, first, enc.encode("4")), 1);
  hub.subscribe(b.client, CHANNEL, second);
  hub.unsubscribeAll(a.client);
  assert.equal(hub.publish(CHANNEL, first, enc.encode("5")), 0);
  assert.equal(hub.publish(CHANNEL, second, enc.encode("6")), 1);
  assert.equal(hub.subscriberCount(CHANNEL, first), 0);
  assert.deepEqual(a.got, [message(first, "1"), message(first, "4")]);
  assert.deepEqual(b.got, [message(second, "2"), message(second, "6")]);
  hub.unsubscribeAll(b.client);
  assert.equal(hub.topicCount(CHANNEL), 0);
  assert.equal(hub.publish(CHANNEL, second, enc.encode("7")), 0);
});
