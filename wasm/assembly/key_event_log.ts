// Keys the engine reports to JS as events: reclaimed by expiry ("expired" keyspace
// notifications, the AOF's DEL, tracking), added to a db ("new": Redis's dbAdd), missed by a
// read lookup ("keymiss": Redis's lookupKeyRead), or reclaimed by expiry while a snapshot walk
// runs, with the key's whole snapshot record (its before-image: snapshot_shard.ts). The engine has no imports, so it cannot call
// JS when these happen: each kind JS enabled appends [u32 db | kind << 8][u32 klen][key] here,
// and JS drains the log after the commands that may have logged (keyspace.drainKeyEvents).
// A kind that is off (the default) costs one branch where it happens.

import { memAlloc, memFree, memResize, capacityOf } from "./alloc";
import { Db, dbIndexOf } from "./db";
import { keyLenOf, keyPtrOf } from "./entry";
import { countExpired } from "./stats";
import { resultAt, setResult, swapOutput } from "./buffers";
import { writerBaseAt, writerBegin, writerLength, writerResume } from "./bytewriter";
import { writeRecord } from "./scan";

export const KEY_EXPIRED: u32 = 1;
export const KEY_NEW: u32 = 2;
export const KEY_MISS: u32 = 4;
/** An expired key's snapshot record (scan.ts writeRecord) in place of the key. */
export const KEY_EXPIRED_RECORD: u32 = 8;

let kindsOn: u32 = 0;
let log: usize = 0;
let logUsed: usize = 0;

/** Which kinds to log (KEY_* bits); dropping a kind drops what it logged. */
export function setKeyEventKinds(kinds: u32): void {
  kindsOn = kinds;
  logUsed = 0;
  overwriting = false;
  if (kinds == 0 && log != 0) {
    memFree(log);
    log = 0;
  }
}

function append(kind: u32, db: Db, key: usize, klen: usize): void {
  const need = logUsed + 8 + klen;
  if (log == 0) log = memAlloc(max<usize>(need, 256));
  else if (need > capacityOf(log)) log = memResize(log, max<usize>(need, capacityOf(log) * 2));
  store<u32>(log + logUsed, <u32>dbIndexOf(db) | (kind << 8));
  store<u32>(log + logUsed + 4, <u32>klen);
  memory.copy(log + logUsed + 8, key, klen);
  logUsed = need;
}

/** Counts an expired key (INFO expired_keys) and logs it; call before the entry is removed. */
export function noteExpired(db: Db, e: usize): void {
  countExpired();
  if (kindsOn & KEY_EXPIRED) append(KEY_EXPIRED, db, keyPtrOf(e), keyLenOf(e));
  if (kindsOn & KEY_EXPIRED_RECORD) appendRecord(db, e);
}

/** The output area records are written in aside (kept between uses). */
let recordArea: usize = 0;

/** Logs the entry's snapshot record, written aside: the command's output stays as it is. */
function appendRecord(db: Db, e: usize): void {
  const result = resultAt, length = writerLength(), at = writerBaseAt();
  const held = swapOutput(recordArea);
  writerBegin();
  writeRecord(e);
  const n = writerLength(), record = resultAt;
  recordArea = swapOutput(held);
  setResult(result);
  writerResume(length, at);
  append(KEY_EXPIRED_RECORD, db, record, n);
}

// Set when the next insertion replaces a key the same write just deleted (a store command's
// destination: Redis's setKey over an existing key is a dbOverwrite, not a dbAdd).
let overwriting = false;

/** The next key added replaces one that existed: it is not "new". Call only right before
 * that insertion. */
export function nextAddOverwrites(): void {
  if (kindsOn & KEY_NEW) overwriting = true;
}

/** Logs a key just added to `db` (every insertion but a bulk load's, as Redis's dbAdd). */
// @ts-ignore: decorator
@inline export function noteNewKey(db: Db, e: usize): void {
  if (kindsOn & KEY_NEW) {
    if (overwriting) overwriting = false;
    else append(KEY_NEW, db, keyPtrOf(e), keyLenOf(e));
  }
}

// The key of the last lookup that missed (findLiveKey): a counted read lookup that missed
// logs it (noteKeyMiss), without passing the key through every read path.
let missDb: usize = 0;
let missKey: usize = 0;
let missKlen: usize = 0;

// @ts-ignore: decorator
@inline export function rememberMiss(db: Db, key: usize, klen: usize): void {
  if (kindsOn & KEY_MISS) {
    missDb = changetype<usize>(db);
    missKey = key;
    missKlen = klen;
  }
}

/** Logs the last missed key as a read lookup's miss (called by countLookup). */
export function noteKeyMiss(): void {
  if (kindsOn & KEY_MISS) append(KEY_MISS, changetype<Db>(missDb), missKey, missKlen);
}

/** The log's bytes so far: their length; `keyEventLogAt` is where they are. Emptied by this. */
export function takeKeyEventLog(): usize {
  const n = logUsed;
  logUsed = 0;
  return n;
}

export function keyEventLogAt(): usize {
  return log;
}
