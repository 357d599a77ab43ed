// The snapshot walk's pacer thread (walk_pacer.ts): it sleeps in Atomics.wait until the shard
// asks for a pause, sleeps the pause (a futex with a µs timeout: no timer wheel), and wakes the
// shard by notifying the cell its Atomics.waitAsync watches. It ends when the walk does
// (PACE_STOP): a thread blocked in Atomics.wait outlives Worker.terminate().
import {
  PACE_GONE,
  PACE_PAUSE_US,
  PACE_READY,
  PACE_STATE,
  PACE_STOP,
  PACE_UP,
  PACE_WAITING,
  PACE_WAKE,
} from "./walk_pacer.ts";

self.onmessage = (e: MessageEvent<Int32Array>) => {
  const cell = e.data;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(cell, PACE_READY, PACE_UP);
  for (;;) {
    Atomics.wait(cell, PACE_STATE, PACE_WAKE);
    const state = Atomics.load(cell, PACE_STATE);
    if (state === PACE_STOP) break;
    if (state !== PACE_WAITING) continue; // spurious: not asked
    Atomics.wait(sleeper, 0, 0, Atomics.load(cell, PACE_PAUSE_US) / 1000);
    // Only a pause still asked for is ended here: a stop that came meanwhile stays.
    if (Atomics.compareExchange(cell, PACE_STATE, PACE_WAITING, PACE_WAKE) === PACE_WAITING) {
      Atomics.notify(cell, PACE_STATE);
    }
  }
  Atomics.store(cell, PACE_READY, PACE_GONE);
  self.close();
};
