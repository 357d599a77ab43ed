// A set of keys (byte strings) with no JS object per key: their bytes in one growing arena and an
// open-addressing index of their offsets and hashes in typed arrays. A snapshot walk keeps the
// keys written before it reached them (snapshot_shard.ts on the serving thread, and the encoder
// thread): under a write load hundreds of thousands, which as strings in a Set were garbage
// for the young generation and then a growing old one for the serving thread's GC to trace.

import { fnv1a as keyHash } from "../protocol/bytes.ts";

const EMPTY = -1;

export class KeyBytesSet {
  /** Each key as [u32 length LE][bytes]. */
  #arena = new Uint8Array(4096);
  #used = 0;
  /** Per index slot: the key's offset in the arena, or EMPTY. */
  #offsets = new Int32Array(256).fill(EMPTY);
  #hashes = new Int32Array(256);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds the key (its bytes are copied); false when it was there already. */
  add(key: Uint8Array): boolean {
    const hash = keyHash(key);
    let slot = this.#slotOf(key, hash);
    if (this.#offsets[slot] !== EMPTY) return false;
    if ((this.#size + 1) * 4 > this.#offsets.length * 3) {
      this.#growIndex();
      slot = this.#slotOf(key, hash);
    }
    this.#offsets[slot] = this.#store(key);
    this.#hashes[slot] = hash;
    this.#size++;
    return true;
  }

  has(key: Uint8Array): boolean {
    return this.#offsets[this.#slotOf(key, keyHash(key))] !== EMPTY;
  }

  /** The key's slot, or the empty slot where it would go. */
  #slotOf(key: Uint8Array, hash: number): number {
    const offsets = this.#offsets, mask = offsets.length - 1;
    for (let slot = hash & mask;; slot = (slot + 1) & mask) {
      const at = offsets[slot];
      if (at === EMPTY || (this.#hashes[slot] === hash && this.#equals(at, key))) return slot;
    }
  }

  #equals(at: number, key: Uint8Array): boolean {
    const a = this.#arena, n = key.length;
    if ((a[at] | a[at + 1] << 8 | a[at + 2] << 16 | a[at + 3] << 24) !== n) return false;
    for (let i = 0; i < n; i++) if (a[at + 4 + i] !== key[i]) return false;
    return true;
  }

  #store(key: Uint8Array): number {
    const need = this.#used + 4 + key.length;
    if (need > this.#arena.length) {
      const bigger = new Uint8Array(Math.max(need, this.#arena.length * 2));
      bigger.set(this.#arena.subarray(0, this.#used));
      this.#arena = bigger;
    }
    const a = this.#arena, at = this.#used, n = key.length;
    a[at] = n & 0xff;
    a[at + 1] = (n >>> 8) & 0xff;
    a[at + 2] = (n >>> 16) & 0xff;
    a[at + 3] = n >>> 24;
    a.set(key, at + 4);
    this.#used = need;
    return at;
  }

  #growIndex(): void {
    const offsets = this.#offsets, hashes = this.#hashes;
    this.#offsets = new Int32Array(offsets.length * 2).fill(EMPTY);
    this.#hashes = new Int32Array(offsets.length * 2);
    const mask = this.#offsets.length - 1;
    for (let i = 0; i < offsets.length; i++) {
      if (offsets[i] === EMPTY) continue;
      let slot = hashes[i] & mask;
      while (this.#offsets[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.#offsets[slot] = offsets[i];
      this.#hashes[slot] = hashes[i];
    }
  }
}
