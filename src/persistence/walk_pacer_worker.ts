// The snapshot walk's pacer thread (walk_pacer.ts): it sleeps in Atomics.wait until the shard
// asks for a pause, sleeps the pause (a futex with a µs timeout: no timer wheel), and wakes the
// shard by notifying the cell its Atomics.waitAsync watches.
import { PACE_PAUSE_US, PACE_READY, PACE_STATE, PACE_WAITING, PACE_WAKE } from "./walk_pacer.ts";

self.onmessage = (e: MessageEvent<Int32Array>) => {
  const cell = e.data;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(cell, PACE_READY, 1);
  for (;;) {
    Atomics.wait(cell, PACE_STATE, PACE_WAKE);
    if (Atomics.load(cell, PACE_STATE) !== PACE_WAITING) continue; // spurious: not asked
    Atomics.wait(sleeper, 0, 0, Atomics.load(cell, PACE_PAUSE_US) / 1000);
    Atomics.store(cell, PACE_STATE, PACE_WAKE);
    Atomics.notify(cell, PACE_STATE);
  }
};
