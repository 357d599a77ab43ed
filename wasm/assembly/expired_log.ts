// Keys reclaimed by expiry, recorded while JS asks for them (the AOF logs each as a DEL, as
// Redis's deleteExpiredKeyAndPropagate propagates one): [u8 db][u32 len][key bytes]... until
// JS takes them with expiredLogTake.

import { memAlloc, memFree, memResize, capacityOf } from "./alloc";
import { keyLenOf, keyPtrOf } from "./entry";
import { Db, dbIndexOf } from "./db";

let recording = false;
let log: usize = 0;
let used: usize = 0;

export function setExpiredLogging(on: bool): void {
  recording = on;
  if (!on && log != 0) {
    memFree(log);
    log = 0;
    used = 0;
  }
}

/** Records entry `e` of `db`; call before the entry is removed. */
export function logExpired(db: Db, e: usize): void {
  if (!recording) return;
  const dbIndex = dbIndexOf(db);
  const klen = keyLenOf(e);
  const need = used + 5 + klen;
  if (log == 0) log = memAlloc(max(need, 4096));
  else if (need > capacityOf(log)) log = memResize(log, max(need, capacityOf(log) * 2));
  store<u8>(log + used, <u8>dbIndex);
  store<u32>(log + used + 1, <u32>klen);
  memory.copy(log + used + 5, keyPtrOf(e), klen);
  used = need;
}

/** Where the records start; their length is expiredLogLength(). */
export function expiredLogAt(): usize {
  return log;
}

export function expiredLogLength(): usize {
  return used;
}

/** JS has read the records: start over. */
export function expiredLogClear(): void {
  used = 0;
}
