// The shard's periodic housekeeping (Redis's serverCron, per shard). Active expiry, in the spirit of Redis's activeExpireCycle (expire.c): every 1000/hz ms,
// each database samples keys with a TTL and reclaims the expired ones, repeating while more
// than 10% of a sample was expired, within a time budget of 25% of the period.
import type { Shard } from "./shard.ts";
import { activeExpireEnabled } from "../commands/debug.ts";
import { clientPause } from "./pause.ts";
import { notePeakMemory, sampleRates } from "./info_stats.ts";
import { latencyAddSampleIfNeeded } from "./latency_monitor.ts";

const SAMPLE = 20;
const REPEAT_ABOVE = SAMPLE / 10;

export function runExpiryCycle(shard: Shard, budgetMs: number): number {
  const ks = shard.keyspace;
  const deadline = performance.now() + budgetMs;
  ks.setClock(Date.now());
  let expired = 0;
  for (let db = 0; db < shard.databases; db++) {
    if (ks.volatileCount(db) === 0) continue;
    for (;;) {
      const n = ks.activeExpire(db, SAMPLE);
      expired += n;
      if (n <= REPEAT_ABOVE || performance.now() > deadline) break;
    }
    if (performance.now() > deadline) break;
  }
  return expired;
}

/** Rehash steps per db and cron tick: 16 entries each, about 0.1 ms in all. */
const REHASH_STEPS = 64;

/** Redis's activerehashing (databasesCron's incrementallyRehash, always on here): finishes a
 * pending index rehash of an idle shard, so the old table's memory is returned. */
export function runRehashCycle(shard: Shard, budgetMs: number): void {
  const deadline = performance.now() + budgetMs;
  for (let db = 0; db < shard.databases && performance.now() < deadline; db++) {
    while (shard.keyspace.rehashStep(db, REHASH_STEPS) && performance.now() < deadline);
  }
}

/** Redis's clientsCronHandleTimeout: close clients idle for longer than `timeout` seconds. */
export function closeIdleClients(shard: Shard, now = Date.now()): number {
  const timeoutMs = Number(shard.config.get("timeout")) * 1000;
  if (timeoutMs <= 0) return 0;
  let closed = 0;
  for (const client of shard.clients.values()) {
    // Like Redis, subscribers are never timed out (they may only listen).
    if (client.subscriptions === 0 && now - client.lastInteractionAt > timeoutMs) {
      client.kill();
      closed++;
    }
  }
  return closed;
}

/** Starts the periodic cycle; returns a function that stops it. */
export function startCron(shard: Shard): () => void {
  const periodMs = () => 1000 / Math.max(1, Number(shard.config.get("hz")));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    // Like Redis: no active expiry while DEBUG SET-ACTIVE-EXPIRE 0 or CLIENT PAUSE WRITE.
    if (activeExpireEnabled() && !clientPause.writesPaused()) {
      const started = performance.now();
      runExpiryCycle(shard, periodMs() / 4); // the engine counts what it reclaims (INFO expired_keys)
      latencyAddSampleIfNeeded(shard, "expire-cycle", performance.now() - started);
      for (const observer of shard.batchObservers) observer();
    }
    runRehashCycle(shard, 1);
    closeIdleClients(shard);
    shard.memory.tick(); // publish memory in use, evict if over maxmemory
    notePeakMemory(shard, shard.memory.used());
    sampleRates(shard);
    timer = setTimeout(tick, periodMs());
  };
  timer = setTimeout(tick, periodMs());
  return () => clearTimeout(timer);
}
