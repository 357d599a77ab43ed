// Keys reclaimed by expiry, for keyspace notifications ("expired" events). The engine has no
// imports, so it cannot call JS when a key expires: while the log is on, each expiry (lazy,
// active or RANDOMKEY's) appends [u32 db][u32 klen][key] here and JS drains it after the
// commands that may have expired keys. Off (the default) it costs one branch per expiry.

import { memAlloc, memFree, memResize, capacityOf } from "./alloc";
import { Db, dbIndexOf } from "./db";
import { keyLenOf, keyPtrOf } from "./entry";
import { countExpired } from "./stats";

let logOn = false;
let log: usize = 0;
let logUsed: usize = 0;

export function setExpiryLog(on: bool): void {
  logOn = on;
  logUsed = 0;
  if (!on && log != 0) {
    memFree(log);
    log = 0;
  }
}

/** Counts an expired key (INFO expired_keys) and logs it; call before the entry is removed. */
export function noteExpired(db: Db, e: usize): void {
  countExpired();
  if (!logOn) return;
  const klen = keyLenOf(e);
  const need = logUsed + 8 + klen;
  if (log == 0) log = memAlloc(max<usize>(need, 256));
  else if (need > capacityOf(log)) log = memResize(log, max<usize>(need, capacityOf(log) * 2));
  store<u32>(log + logUsed, <u32>dbIndexOf(db));
  store<u32>(log + logUsed + 4, <u32>klen);
  memory.copy(log + logUsed + 8, keyPtrOf(e), klen);
  logUsed = need;
}

/** The log's bytes so far: their length; `expiryLogPtr` is where they are. Emptied by this. */
export function takeExpiryLog(): usize {
  const n = logUsed;
  logUsed = 0;
  return n;
}

export function expiryLogAt(): usize {
  return log;
}
