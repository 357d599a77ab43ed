// A diagnostic of the snapshot walk (off unless IRONCACHE_WALK_LOG names a file): the wall
// times of every slice (and of the encoder thread's chunks), appended to the file when the walk
// ends, to be lined up with a client's slow requests and `--trace-gc` lines
// (bench/rdb_snapshot.ts --trace-slow). Times are epoch milliseconds (performance.timeOrigin +
// performance.now(), the same clock as the bench's), kept in a preallocated array: recording
// makes no garbage. With `--expose-gc` among the V8 flags it also starts with one forced
// scavenge whose `--trace-gc` line ("testing") maps that isolate's GC times onto this clock.

const PATH = Deno.env.get("IRONCACHE_WALK_LOG") ?? "";

export class WalkLog {
  #times = new Float64Array(1 << 16);
  #n = 0;
  #calibration = "";

  /**
   * A log for `label`'s spans, or null when the diagnostic is off; `calibrate`: the one isolate
   * whose GC times are to be mapped (the shard's).
   */
  static open(label: string, calibrate: boolean): WalkLog | null {
    if (!PATH) return null;
    const log = new WalkLog(label);
    const gc = (globalThis as { gc?: (o: { type: string }) => void }).gc;
    if (gc && calibrate) {
      const before = WalkLog.now();
      gc({ type: "minor" });
      log.#calibration = ` gc-testing-at=${before.toFixed(3)}`;
    }
    return log;
  }

  private constructor(private readonly label: string) {}

  static now(): number {
    return performance.timeOrigin + performance.now();
  }

  /** One span (start and end, epoch ms) and a count (keys, steps or bytes). */
  note(start: number, end: number, count: number): void {
    if (this.#n + 3 > this.#times.length) {
      const grown = new Float64Array(this.#times.length * 2);
      grown.set(this.#times);
      this.#times = grown;
    }
    this.#times[this.#n++] = start;
    this.#times[this.#n++] = end;
    this.#times[this.#n++] = count;
  }

  /** Appends `label origin=... [gc-testing-at=...]` and one `start end count` line per span. */
  flush(): void {
    const lines = [`# ${this.label} origin=${performance.timeOrigin}${this.#calibration}`];
    for (let i = 0; i < this.#n; i += 3) {
      const t = this.#times;
      lines.push(`${t[i].toFixed(3)} ${t[i + 1].toFixed(3)} ${t[i + 2]}`);
    }
    Deno.writeTextFileSync(PATH, lines.join("\n") + "\n", { append: true });
    this.#n = 0;
  }
}
