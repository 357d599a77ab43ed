// The pause between two slices of a snapshot walk (snapshot_shard.ts). A `setTimeout(0)` yield
// waits 2.1-2.5 ms (Deno's timers fire on a 1 ms wheel, nested or not) and costs the shard's
// thread about 90-120 µs of CPU each on this VM, as much as the 0.1 ms slice it follows; so a
// small thread of its own (walk_pacer_worker.ts) sleeps each pause in a futex with a µs timeout
// and wakes the shard through Atomics.waitAsync: about 40 µs of the shard's CPU a pause (and
// about as much on the pacer's thread), and pauses of any length. The wake is a task on the
// shard's event loop, as the timer was; requests read meanwhile run before or right after the
// next slice. Until the thread is up (and wherever Workers are not available) a pause is a
// setTimeout. A shard keeps its pacer from its first walk on (WalkPacer.kept); a walk without
// one (tests, benches) starts its own and closes it.

/** The cell's slots: the state, the pause asked for (µs), PACE_UP once the thread runs. */
export const PACE_STATE = 0;
export const PACE_PAUSE_US = 1;
export const PACE_READY = 2;
/** PACE_READY's values past 0 (not up yet, or closed): running, and gone (it left its loop). */
export const PACE_UP = 1;
export const PACE_GONE = 2;
/** States: nothing asked (or the pause is over), a pause asked for, the pacer is closed. */
export const PACE_WAKE = 0;
export const PACE_WAITING = 1;
export const PACE_STOP = 2;

/** This thread's kept pacer (WalkPacer.kept). */
let kept: WalkPacer | null = null;

export class WalkPacer {
  readonly #cell = new Int32Array(new SharedArrayBuffer(12));
  #worker: Worker | null = null;

  /**
   * The pacer a shard's walks share, started by the first and kept (restarted if its thread
   * failed): a Worker's start-up (an isolate, its module compiled: 20-30 ms of CPU at normal
   * priority) made the first half second of every BGSAVE the slowest for requests.
   */
  static kept(): WalkPacer {
    if (kept === null || kept.#worker === null) kept = new WalkPacer();
    return kept;
  }

  constructor() {
    try {
      this.#worker = new Worker(new URL("./walk_pacer_worker.ts", import.meta.url), {
        type: "module",
        name: "walk-pacer",
      });
      this.#worker.onerror = (e) => {
        e.preventDefault();
        this.close(); // pauses fall back to setTimeout
      };
      this.#worker.postMessage(this.#cell);
    } catch {
      this.#worker = null;
    }
  }

  /** Is the thread up (pauses go through it)? */
  get ready(): boolean {
    return Atomics.load(this.#cell, PACE_READY) === PACE_UP;
  }

  /** Has the thread left its loop (after close())? */
  get gone(): boolean {
    return Atomics.load(this.#cell, PACE_READY) === PACE_GONE;
  }

  /**
   * Resolves after about `us` µs; a setTimeout (2 ms or more) until the thread is up (it takes
   * 10-20 ms, and seconds under `deno test`, which type-checks a worker's module first).
   */
  pause(us: number): Promise<unknown> {
    const cell = this.#cell;
    if (!this.ready) return new Promise((r) => setTimeout(r, 0));
    Atomics.store(cell, PACE_PAUSE_US, Math.max(1, Math.round(us)));
    Atomics.store(cell, PACE_STATE, PACE_WAITING);
    Atomics.notify(cell, PACE_STATE);
    const wait = Atomics.waitAsync(cell, PACE_STATE, PACE_WAITING);
    return wait.async ? wait.value : Promise.resolve();
  }

  /**
   * Stops the thread (at the walk's end). The thread leaves its loop on PACE_STOP and closes
   * itself: terminate() alone left it blocked in Atomics.wait, a thread and an isolate kept
   * per shard and per snapshot for the life of the process.
   */
  close(): void {
    Atomics.store(this.#cell, PACE_READY, 0);
    // Also ends a pause in progress: it waits only while the state is PACE_WAITING.
    Atomics.store(this.#cell, PACE_STATE, PACE_STOP);
    Atomics.notify(this.#cell, PACE_STATE);
    this.#worker?.terminate();
    this.#worker = null;
  }
}
