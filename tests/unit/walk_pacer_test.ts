// The snapshot walk's pacer (src/persistence/walk_pacer.ts): its pauses end, through its
// thread once that is up (before: through setTimeout), and close() ends a pause in progress.
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
