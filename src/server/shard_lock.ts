// A shard's lock for atomic work spanning shards (MSET over several shards, cross-shard
// RENAME, MULTI/EXEC, and reads whose keys span shards). While it is held, ordinary work
// does not run on the shard: its connections wait before their next command and other
// shards' batches wait in order. Coordinators take locks in ascending shard order, so two of
// them can never deadlock.
//
// A read (MGET, EXISTS, DBSIZE... spanning shards) takes it shared: reads never change what
// another read sees, so several run at once, while writes and ordinary work wait for all of
// them. An owner name starting with SHARED_PREFIX asks for the shared mode (the name travels
// between shards as it is, so the mode needs no message of its own).

export const SHARED_PREFIX = "r:";

const isShared = (owner: string) => owner.startsWith(SHARED_PREFIX);

export class ShardLock {
  /** The exclusive owner, or null. */
  owner: string | null = null;
  /** The shared owners (none while there is an exclusive owner). */
  private readers = new Set<string>();
  private queue: Array<{ owner: string; grant: () => void }> = [];
  private freeWaiters: Array<() => void> = [];

  private get free(): boolean {
    return this.owner === null && this.readers.size === 0;
  }

  /** Only reads hold the lock. */
  get readersOnly(): boolean {
    return this.owner === null && this.readers.size !== 0;
  }

  /** Does `owner` hold the lock (exclusive or shared)? */
  holds(owner: string): boolean {
    return this.owner === owner || this.readers.has(owner);
  }

  /** May work on behalf of `owner` (null: ordinary work) run now? */
  allows(owner: string | null): boolean {
    return this.free || (owner !== null && this.holds(owner));
  }

  /** Resolves once nobody holds the lock. */
  whenFree(): Promise<void> {
    return new Promise((resolve) => this.freeWaiters.push(resolve));
  }

  acquire(owner: string): Promise<void> {
    if (this.free) {
      this.take(owner);
      return Promise.resolve();
    }
    // A read joins the reads holding the lock unless anyone waits (a write, or ordinary
    // work for the lock to be free): otherwise a stream of reads would starve them.
    if (
      isShared(owner) && this.owner === null && this.queue.length === 0 &&
      this.freeWaiters.length === 0
    ) {
      this.readers.add(owner);
      return Promise.resolve();
    }
    return new Promise((grant) => this.queue.push({ owner, grant }));
  }

  release(owner: string): void {
    if (this.owner === owner) this.owner = null;
    else if (!this.readers.delete(owner)) return;
    if (!this.free) return;
    // Ordinary work waiting for the lock runs first; the next owner gets it right after.
    const waiting = this.freeWaiters;
    this.freeWaiters = [];
    for (const resume of waiting) resume();
    if (this.queue.length === 0) return;
    // A queued owner that an acquire() overtook (the lock was free for a moment, and a
    // newcomer took it) gets it at the next release, before anyone else: otherwise a stream of
    // spanning commands could keep a queued one (a snapshot's start) waiting for seconds.
    if (this.overtaken) return this.grantQueued();
    setTimeout(() => {
      if (!this.queue.length) return;
      if (!this.free) this.overtaken = true;
      else this.grantQueued();
    }, 0);
  }

  /** The queue's head owner was passed over once: the next release grants it at once. */
  private overtaken = false;

  /** The next owner; if it reads, every read queued right behind it too. */
  private grantQueued(): void {
    this.overtaken = false;
    do {
      const next = this.queue.shift()!;
      this.take(next.owner);
      next.grant();
    } while (this.owner === null && this.queue.length !== 0 && isShared(this.queue[0].owner));
  }

  private take(owner: string): void {
    if (isShared(owner)) this.readers.add(owner);
    else this.owner = owner;
  }
}
