// The snapshot walk's pacer (src/persistence/walk_pacer.ts): its pauses end, through its
// thread once that is up (before: through setTimeout), and close() ends a pause in progress
// and the thread.
import assert from "node:assert/strict";
import { WalkPacer } from "../../src/persistence/walk_pacer.ts";

/** Pauses until the pacer's thread is up (deno test type-checks its module first: seconds). */
async function untilReady(pacer: WalkPacer): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!pacer.ready && Date.now() < deadline) await pacer.pause(100);
  assert.ok(pacer.ready, "the pacer thread came up");
}

Deno.test("the walk pacer's pauses end, before and after its thread is up", async () => {
  const pacer = new WalkPacer();
  try {
    await untilReady(pacer);
    for (let i = 0; i < 50; i++) await pacer.pause(200);
  } finally {
    pacer.close();
  }
});

Deno.test("closing the walk pacer ends a pause in progress", async () => {
  const pacer = new WalkPacer();
  await untilReady(pacer);
  const long = pacer.pause(600_000_000); // ten minutes: only close() ends it sooner
  pacer.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise((r) => timer = setTimeout(() => r("stuck"), 60_000));
  assert.notEqual(await Promise.race([long.then(() => "ended"), stuck]), "stuck");
  clearTimeout(timer);
});

Deno.test("closing the walk pacer ends its thread's loop, also during a pause", async () => {
  for (const pausing of [false, true]) {
    const pacer = new WalkPacer();
    await untilReady(pacer);
    const pause = pausing ? pacer.pause(50_000) : Promise.resolve();
    pacer.close();
    await pause;
    const deadline = Date.now() + 10_000;
    while (!pacer.gone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // terminate() alone left the thread blocked in Atomics.wait, its isolate kept for good.
    assert.ok(pacer.gone, `the thread left its loop (pausing: ${pausing})`);
  }
});

Deno.test("a shard's kept walk pacer is the same across walks until its thread fails", async () => {
  const first = WalkPacer.kept();
  try {
    assert.equal(WalkPacer.kept(), first);
    await untilReady(first);
    await first.pause(100);
    assert.equal(WalkPacer.kept(), first);
  } finally {
    first.close();
  }
  const next = WalkPacer.kept(); // a closed one (as after a thread error) is replaced
  assert.notEqual(next, first);
  next.close();
});
