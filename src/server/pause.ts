// CLIENT PAUSE / UNPAUSE state (Redis 7.0's pauseClients in networking.c). CLIENT PAUSE runs
// on every shard (fan-out), so each worker holds the same pause; the connection asks
// isPaused() before running a command and, while it is, waits on whenUnpaused().
//
// Like Redis, a new pause never weakens one in effect: the stricter type and the later end
// time win. ALL holds back every command; WRITE holds back the commands that may change the
// dataset or be replicated (Redis's CMD_WRITE | CMD_MAY_REPLICATE).

export type PauseType = "write" | "all";

/** What isPaused() needs to know about a command (a CommandSpec fits). */
export interface PausableCommand {
  name: string;
  flags: readonly string[];
}

/** Commands Redis 7.0 flags CMD_MAY_REPLICATE; COMMAND INFO does not print that flag. */
const MAY_REPLICATE = new Set(["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"]);

const NONE = 0, WRITE = 1, ALL = 2;

export class ClientPause {
  #type = NONE;
  /** Epoch ms when the pause ends. */
  #end = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Array<() => void> = [];

  /** Pause until `endMs` (epoch ms). An end already past means no pause at all. */
  pause(type: PauseType, endMs: number, now = Date.now()): void {
    if (this.#type !== NONE && this.#end <= now) this.unpause(); // expired but not yet woken
    if (endMs <= now && this.#type === NONE) return;
    this.#type = Math.max(this.#type, type === "all" ? ALL : WRITE);
    this.#end = Math.max(this.#end, endMs);
    this.#armTimer(now);
  }

  unpause(): void {
    this.#type = NONE;
    this.#end = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Is any pause in effect (possibly just expired)? A cheap test for the hot path. */
  get active(): boolean {
    return this.#type !== NONE;
  }

  /** Must `command` wait before it runs? */
  isPaused(command: PausableCommand, now = Date.now()): boolean {
    if (this.#type === NONE) return false;
    if (this.#end <= now) {
      this.unpause();
      return false;
    }
    return this.#type === ALL || command.flags.includes("write") || MAY_REPLICATE.has(command.name);
  }

  /** Are writes held back right now? (Redis also stops active expiry then.) */
  writesPaused(now = Date.now()): boolean {
    return this.isPaused({ name: "", flags: ["write"] }, now);
  }

  /** Resolves when the current pause ends or is lifted (at once if there is none). Callers
   * check isPaused() again: another pause may have begun. */
  whenUnpaused(): Promise<void> {
    if (this.#type === NONE) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #armTimer(now: number): void {
    clearTimeout(this.#timer);
    // setTimeout holds at most 2^31-1 ms; a longer pause re-arms when that fires.
    const wait = Math.min(this.#end - now, 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      const t = Date.now();
      if (this.#end <= t) this.unpause();
      else this.#armTimer(t);
    }, wait);
  }
}

/** This worker's pause (one shard per worker). */
export const clientPause = new ClientPause();

export function isPaused(command: PausableCommand): boolean {
  return clientPause.isPaused(command);
}

export function whenUnpaused(): Promise<void> {
  return clientPause.whenUnpaused();
}
