// A shard's lock for atomic work spanning shards (MSET over several shards, cross-shard
// RENAME, and later MULTI/EXEC). While an owner holds it, nothing else runs on the shard:
// its connections wait before their next command and other shards' batches wait in order.
// Coordinators take locks in ascending shard order, so two of them can never deadlock.

export class ShardLock {
  owner: string | null = null;
  private queue: Array<{ owner: string; grant: () => void }> = [];
  private freeWaiters: Array<() => void> = [];

  /** May work on behalf of `owner` (null: ordinary work) run now? */
  allows(owner: string | null): boolean {
    return this.owner === null || this.owner === owner;
  }

  /** Resolves once no owner holds the lock. */
  whenFree(): Promise<void> {
    return new Promise((resolve) => this.freeWaiters.push(resolve));
  }

  acquire(owner: string): Promise<void> {
    if (this.owner === null) {
      this.owner = owner;
      return Promise.resolve();
    }
    return new Promise((grant) => this.queue.push({ owner, grant }));
  }

  release(owner: string): void {
    if (this.owner !== owner) return;
    this.owner = null;
    // Ordinary work waiting for the lock runs first; the next owner gets it right after.
    const waiting = this.freeWaiters;
    this.freeWaiters = [];
    for (const resume of waiting) resume();
    if (this.queue.length) {
      setTimeout(() => {
        if (this.owner !== null || !this.queue.length) return;
        const next = this.queue.shift()!;
        this.owner = next.owner;
        next.grant();
      }, 0);
    }
  }
}
