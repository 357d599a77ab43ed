import assert from "node:assert/strict";
import { keyHashSlot, slotOwner } from "../../src/cluster/slot.ts";

const slot = (s: string) => keyHashSlot(new TextEncoder().encode(s));

Deno.test("key slots match Redis Cluster (CLUSTER KEYSLOT values)", () => {
  assert.equal(slot("foo"), 12182);
  assert.equal(slot("bar"), 5061);
  assert.equal(slot("123456789"), 12739);
  assert.equal(slot("{user1000}.following"), slot("user1000"));
  assert.equal(slot("foo{}{bar}"), slot("foo{}{bar}")); // empty tag: whole key hashed
  assert.notEqual(slot("foo{}{bar}"), slot("bar"));
  assert.equal(slot("foo{{bar}}zap"), slot("{bar"));
});

Deno.test("slots split into contiguous shard ranges", () => {
  assert.equal(slotOwner(0, 2), 0);
  assert.equal(slotOwner(8191, 2), 0);
  assert.equal(slotOwner(8192, 2), 1);
  assert.equal(slotOwner(16383, 3), 2);
});
