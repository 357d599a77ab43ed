// Counters for INFO stats (Redis's stat_keyspace_hits / _misses / stat_expiredkeys).
// Hits and misses are counted by the operations that stand for one read lookup of a Redis
// command (lookupKeyRead*): strGet, strGetRange, strLen, strSet with GET, keyTouch,
// keyLookupRead, keyEncoding, keyFreq, keyCopy's source. Everything else (writes, internal
// checks such as keyExists / keyType) does not count; statsCount adds lookups done by
// handlers outside the engine. Expired keys are counted when lazy or active expiry (or
// RANDOMKEY) reclaims them, as Redis's deleteExpiredKeyAndPropagate does.

export let keyspaceHits: u64 = 0;
export let keyspaceMisses: u64 = 0;
export let expiredKeys: u64 = 0;

// @ts-ignore: decorator
@inline export function countLookup(found: bool): void {
  if (found) keyspaceHits++;
  else keyspaceMisses++;
}

// @ts-ignore: decorator
@inline export function countExpired(): void {
  expiredKeys++;
}

export function addLookups(hits: u64, misses: u64): void {
  keyspaceHits += hits;
  keyspaceMisses += misses;
}

export function resetCounters(): void {
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
}
