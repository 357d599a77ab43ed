// The 24-bit access field of every entry, as Redis's robj.lru: either the LRU clock (seconds,
// see clock.ts) or, in LFU mode, (minutes & 65535) << 8 | an 8-bit logarithmic counter with
// Redis's increment and decay (evict.c: LFULogIncr, LFUDecrAndReturn; lfu-log-factor 10 and
// lfu-decay-time 1 by default). Every key access goes through touchEntry.

import { lfuMinutes, lruClock } from "./clock";
import { LRU_MASK, lruOf, setAccessOf } from "./entry";
import { randomUnit } from "./random";

/** Redis's LFU_INIT_VAL: new keys start here so they are not evicted at once. */
const LFU_INIT_VAL: u32 = 5;
const LFU_MINUTES_MAX: u32 = 65535;

export let lfuMode: bool = false;
let logFactor: f64 = 10;
let decayMinutes: u32 = 1;

/** Switches the meaning of the access field (existing keys keep their bits, as in Redis). */
export function setAccessMode(lfu: bool, factor: f64, decay: u32): void {
  lfuMode = lfu;
  logFactor = factor < 0 ? 0 : factor;
  decayMinutes = decay;
}

/** The access field of a key created now. */
// @ts-ignore: decorator
@inline export function freshAccess(): u32 {
  return lfuMode ? (lfuMinutes << 8) | LFU_INIT_VAL : lruClock;
}

/**
 * Redis's objectSetLRUOrLFU, for a key RESTOREd with FREQ or IDLETIME or loaded after an RDB
 * FREQ or IDLE opcode (-1: not given): in LFU mode the counter, with the decay clock at now;
 * otherwise (whatever the policy) the idle seconds, as the LRU clock now minus them. A time
 * before the clock's zero gets LRU_CLOCK_MAX added once and keeps its low 24 bits (the robj.lru
 * bit field), as redis-server 7.0.15 does; the int64 arithmetic is Redis's.
 */
export function setAccessFrom(e: usize, freq: i32, idleSeconds: i64): void {
  if (lfuMode) {
    if (freq >= 0) setAccessOf(e, (lfuMinutes << 8) | <u32>(freq & 255));
  } else if (idleSeconds >= 0) {
    const ticks = idleSeconds * 1000 / 1000; // lru_idle * lru_multiplier / LRU_CLOCK_RESOLUTION
    let at = <i64>lruClock - ticks;
    if (at < 0) at += LRU_MASK;
    setAccessOf(e, <u32>at & LRU_MASK);
  }
}

/** Records a read or write of the entry (Redis lookupKey without LOOKUP_NOTOUCH). */
// @ts-ignore: decorator
@inline export function touchEntry(e: usize): void {
  if (lfuMode) updateLfu(e);
  else setAccessOf(e, lruClock);
}

/** Minutes since `ldt` on the 16-bit minute clock (LFUTimeElapsed). */
function minutesSince(ldt: u32): u32 {
  return lfuMinutes >= ldt ? lfuMinutes - ldt : LFU_MINUTES_MAX - ldt + lfuMinutes;
}

/** The counter after decay, without storing it (LFUDecrAndReturn; OBJECT FREQ). */
export function lfuCounterOf(field: u32): u32 {
  const counter = field & 255;
  const periods = decayMinutes != 0 ? minutesSince(field >> 8) / decayMinutes : 0;
  return periods >= counter ? 0 : counter - periods;
}

function updateLfu(e: usize): void {
  let counter = lfuCounterOf(lruOf(e));
  // LFULogIncr: the higher the counter, the less likely an access bumps it.
  if (counter < 255) {
    const base = counter > LFU_INIT_VAL ? <f64>(counter - LFU_INIT_VAL) : 0;
    if (randomUnit() < 1.0 / (base * logFactor + 1)) counter++;
  }
  setAccessOf(e, (lfuMinutes << 8) | counter);
}
