// CLIENT PAUSE's state (src/server/pause.ts) and CLIENT REPLY's mode (client_state.ts).
import assert from "node:assert/strict";
import { ClientPause } from "../../src/server/pause.ts";
import { clientModes, replySuppressed } from "../../src/commands/client_state.ts";
import { Client } from "../../src/server/client.ts";

const GET = { name: "get", flags: ["readonly", "fast"] };
const SET = { name: "set", flags: ["write", "denyoom"] };
const PUBLISH = { name: "publish", flags: ["pubsub", "loading", "stale", "fast"] };

Deno.test("WRITE holds back writes and may-replicate commands, ALL everything", () => {
  const p = new ClientPause();
  const now = Date.now();
  p.pause("write", now + 10_000, now);
  assert.equal(p.isPaused(GET, now), false);
  assert.equal(p.isPaused(SET, now), true);
  assert.equal(p.isPaused(PUBLISH, now), true);
  assert.equal(p.writesPaused(now), true);
  p.pause("all", now + 10, now); // stricter type wins, the later end stays
  assert.equal(p.isPaused(GET, now + 5000), true);
  p.unpause();
  assert.equal(p.isPaused(SET, now), false);
});

Deno.test("a pause ends by itself; an end in the past is no pause", async () => {
  const p = new ClientPause();
  const now = Date.now();
  p.pause("all", now - 1, now);
  assert.equal(p.isPaused(GET), false);
  p.pause("all", Date.now() + 30);
  assert.equal(p.isPaused(GET), true);
  const t0 = performance.now();
  await p.whenUnpaused();
  assert.ok(performance.now() - t0 >= 20);
  assert.equal(p.isPaused(GET), false);
  await p.whenUnpaused(); // resolves at once when not paused
});

Deno.test("UNPAUSE wakes the waiters", async () => {
  const p = new ClientPause();
  p.pause("write", Date.now() + 60_000);
  const woken = p.whenUnpaused();
  p.unpause();
  await woken;
});

Deno.test("CLIENT REPLY: OFF drops until ON, SKIP drops the next command's reply only", () => {
  const c = new Client("127.0.0.1:1", "127.0.0.1:2", 99);
  const m = clientModes(c);
  assert.equal(replySuppressed(c), false);
  m.skipNext = true; // CLIENT REPLY SKIP ran (it has no reply of its own)
  assert.equal(replySuppressed(c), false); // ...after SKIP itself
  assert.equal(replySuppressed(c), true); // the next command
  assert.equal(replySuppressed(c), false); // and the one after is sent
  m.replyOff = true;
  assert.equal(replySuppressed(c), true);
  assert.equal(replySuppressed(c), true);
});
