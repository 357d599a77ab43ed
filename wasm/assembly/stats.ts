// Counters for INFO stats (Redis's stat_keyspace_hits / _misses / stat_expiredkeys).
// Hits and misses are counted by the operations that stand for one read lookup of a Redis
// command (lookupKeyRead*): strGet, strGetRange, strLen, strSet with GET, keyTouch,
// keyLookupRead, keyEncoding, keyFreq, keyCopy's source, typed objects' read lookups.
// Everything else (writes, internal checks such as keyExists / keyType) does not count.
// Expired keys are counted when lazy or active expiry (or RANDOMKEY) reclaims them, as Redis's
// deleteExpiredKeyAndPropagate does.

import { noteKeyMiss } from "./key_event_log";

export let keyspaceHits: u64 = 0;
export let keyspaceMisses: u64 = 0;
export let expiredKeys: u64 = 0;

/** A read lookup of a command (found or missed: a miss is also a "keymiss" event). */
// @ts-ignore: decorator
@inline export function countLookup(found: bool): void {
  if (found) keyspaceHits++;
  else {
    keyspaceMisses++;
    noteKeyMiss();
  }
}

/** A read lookup that Redis makes with LOOKUP_NONOTIFY (OBJECT): counted, never a keymiss. */
// @ts-ignore: decorator
@inline export function countLookupQuietly(found: bool): void {
  if (found) keyspaceHits++;
  else keyspaceMisses++;
}

// @ts-ignore: decorator
@inline export function countExpired(): void {
  expiredKeys++;
}

export function resetCounters(): void {
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
}
