// The time every expiry decision uses, set by JS once per batch of commands (Redis also
// caches the time per command), and the 24-bit LRU clock derived from it.

import { hasTtl, expireAtOf, LRU_MASK } from "./entry";

/** Redis's LRU_CLOCK_RESOLUTION: the LRU clock ticks once per second. */
const LRU_RESOLUTION_MS: f64 = 1000;

export let nowMs: f64 = 0;
/** nowMs as the int64 expiry times are compared with. */
export let nowMsExact: i64 = 0;
export let lruClock: u32 = 0;
/** Redis's LFUGetTimeInMinutes: unix minutes & 65535 (the LFU decay clock). */
export let lfuMinutes: u32 = 0;

/**
 * True while an AOF is replayed: nothing expires (Redis's keyIsExpired returns 0 while
 * loading, and checkAlreadyExpired lets past times through), so the log's commands act on the
 * keys as they did when they were logged.
 */
export let loading = false;

export function setLoading(on: bool): void {
  loading = on;
}

export function setNow(ms: f64): void {
  setExpiryNow(ms);
  lruClock = <u32>(<u64>(ms / LRU_RESOLUTION_MS)) & LRU_MASK;
  lfuMinutes = <u32>(<u64>(ms / 60000)) & 65535;
}

/**
 * Moves only the expiry clock. Commands that re-read the time mid-batch use this: Redis reads
 * the time per command for expiry, but its LRU and LFU clocks are the cron's cached values, so
 * a write and an OBJECT IDLETIME in one batch or EXEC never see a tick between them.
 */
export function setExpiryNow(ms: f64): void {
  nowMs = ms;
  nowMsExact = <i64>ms;
}

/** Redis keyIsExpired: expired once now is strictly past the expiry time. */
// @ts-ignore: decorator
@inline export function isExpired(e: usize): bool {
  return hasTtl(e) && nowMsExact > expireAtOf(e) && !loading;
}

/** Redis estimateObjectIdleTime, in ms (the clock wraps every 194 days). */
export function idleMsOf(lru: u32): f64 {
  const ticks = lru <= lruClock ? lruClock - lru : (LRU_MASK - lru) + lruClock;
  return <f64>ticks * LRU_RESOLUTION_MS;
}
