// A key's access data in an RDB file, as Redis 7's rdbSaveKeyValuePair writes it: under an LRU
// maxmemory policy the key's idle seconds (RDB_OPCODE_IDLE), under an LFU one its decayed
// counter (RDB_OPCODE_FREQ), between the expiry and the type. A loader applies them
// (objectSetLRUOrLFU), so eviction after a restart still knows which keys are cold.
import { RDB_OPCODE_FREQ, RDB_OPCODE_IDLE } from "./constants.ts";
import type { RdbWriter } from "./writer.ts";

/** Redis's LRU_CLOCK_MAX: the LRU clock counts seconds in 24 bits. */
const LRU_CLOCK_MAX = 0xffffff;
const LFU_MINUTES_MAX = 65535;

/** What a snapshot writes of each key's access: its clocks are the snapshot's instant, as a
 * forked child's are frozen at the fork. */
export interface AccessSave {
  lfu: boolean;
  /** LRU clock (unix seconds & LRU_CLOCK_MAX). */
  lruClock: number;
  /** LFU decay clock (unix minutes & 65535). */
  lfuMinutes: number;
  /** lfu-decay-time. */
  lfuDecayTime: number;
}

/** The AccessSave of a snapshot taken at `nowMs` under `policy`; null when the policy is
 * neither LRU nor LFU (Redis then writes no access data). */
export function accessSaveOf(
  policy: string,
  lfuDecayTime: number,
  nowMs: number,
): AccessSave | null {
  const lfu = policy.endsWith("-lfu");
  if (!lfu && !policy.endsWith("-lru")) return null;
  return {
    lfu,
    lruClock: Math.floor(nowMs / 1000) & LRU_CLOCK_MAX,
    lfuMinutes: Math.floor(nowMs / 60000) & LFU_MINUTES_MAX,
    lfuDecayTime,
  };
}

/**
 * The IDLE or FREQ record of a key whose 24-bit access field is `field` (the engine's, Redis's
 * robj.lru): estimateObjectIdleTime in seconds, or LFUDecrAndReturn.
 */
export function writeAccess(w: RdbWriter, save: AccessSave, field: number): void {
  if (save.lfu) {
    const ldt = field >>> 8, counter = field & 255;
    const elapsed = save.lfuMinutes >= ldt
      ? save.lfuMinutes - ldt
      : LFU_MINUTES_MAX - ldt + save.lfuMinutes;
    const periods = save.lfuDecayTime ? Math.floor(elapsed / save.lfuDecayTime) : 0;
    w.u8(RDB_OPCODE_FREQ).u8(periods > counter ? 0 : counter - periods);
  } else {
    const lru = field & LRU_CLOCK_MAX;
    const idle = save.lruClock >= lru ? save.lruClock - lru : save.lruClock + (LRU_CLOCK_MAX - lru);
    w.u8(RDB_OPCODE_IDLE).len(idle);
  }
}
