// ShardLock's two modes: reads (owners named with SHARED_PREFIX) hold a shard together,
// writes alone; ordinary work and writes wait for every read, and a read that arrives while a
// write waits queues behind it (no starvation).
import assert from "node:assert/strict";
import { ShardLock, SHARED_PREFIX } from "../../src/server/shard_lock.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
const read = (n: number) => `${SHARED_PREFIX}0:${n}`;

Deno.test("reads share the lock; ordinary work and a write wait for all of them", async () => {
  const lock = new ShardLock();
  await lock.acquire(read(1));
  await lock.acquire(read(2)); // joins at once
  assert.ok(lock.allows(read(1)) && lock.allows(read(2)));
  assert.ok(!lock.allows(null), "ordinary work waits while reads hold the shard");
  let wrote = false;
  const write = lock.acquire("1:1").then(() => wrote = true);
  lock.release(read(1));
  await settle();
  assert.ok(!wrote, "a write waits for the last read");
  lock.release(read(2));
  await write;
  assert.ok(wrote && lock.holds("1:1") && !lock.allows(read(3)));
  lock.release("1:1");
  assert.ok(lock.allows(null));
});

Deno.test("a read arriving while a write waits queues behind the write", async () => {
  const lock = new ShardLock();
  await lock.acquire(read(1));
  const order: string[] = [];
  const write = lock.acquire("1:1").then(() => order.push("write"));
  const lateRead = lock.acquire(read(2)).then(() => order.push("read"));
  await settle();
  assert.deepEqual(order, [], "neither joins the holding read");
  lock.release(read(1));
  await write;
  await settle();
  assert.deepEqual(order, ["write"]);
  lock.release("1:1");
  await lateRead;
  assert.deepEqual(order, ["write", "read"]);
});

Deno.test("ordinary work waiting for the lock keeps new reads from joining", async () => {
  const lock = new ShardLock();
  await lock.acquire(read(1));
  let ordinaryRan = false;
  const ordinary = lock.whenFree().then(() => ordinaryRan = true);
  let joined = false;
  const next = lock.acquire(read(2)).then(() => joined = true);
  await settle();
  assert.ok(!joined, "a read does not join while ordinary work waits");
  lock.release(read(1));
  await ordinary;
  assert.ok(ordinaryRan);
  await next;
  assert.ok(joined);
});

Deno.test("a queued owner passed over once by a newcomer gets the lock at the next release", async () => {
  const lock = new ShardLock();
  await lock.acquire("1:1");
  let granted = false;
  const queued = lock.acquire("0:1").then(() => granted = true);
  // The lock is free for a moment after a release, and a newcomer (the next spanning command
  // of a stream) takes it before the queued owner's grant runs.
  lock.release("1:1");
  await lock.acquire("1:2");
  await settle();
  assert.ok(!granted && lock.holds("1:2"), "the newcomer got in first");
  // Before the fix, every later release went the same way for as long as the stream lasted.
  lock.release("1:2");
  assert.ok(lock.holds("0:1"), "granted at the first release after being passed over");
  await queued;
  const next = lock.acquire("1:3").then(() => lock.holds("1:3"));
  await settle();
  assert.ok(lock.holds("0:1"), "newcomers now wait for it");
  lock.release("0:1");
  assert.ok(await next);
});
