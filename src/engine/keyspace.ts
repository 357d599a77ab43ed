// TypeScript face of the Wasm keyspace engine (wasm/assembly, contract in wasm/README.md).
// Arguments are copied as bytes into the engine's scratch area (never via JS strings);
// results are views into Wasm memory, valid until the next engine call.

/** Status codes (negative results); same values as wasm/assembly/status.ts. */
export const NOT_FOUND = -1,
  WRONG_TYPE = -2,
  NOT_INTEGER = -3,
  OVERFLOW = -4,
  CONDITION = -5,
  TOO_LARGE = -6;
/** incrBy(..., negate = true) of -9223372036854775808: Redis's "decrement would overflow". */
export const DECREMENT_OVERFLOW = -7;

export const SET_NX = 1, SET_XX = 2, SET_KEEPTTL = 4, SET_GET = 8;
export const EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8;
export const TYPE_STRING = 0, TYPE_LIST = 1, TYPE_SET = 2, TYPE_ZSET = 3, TYPE_HASH = 4;

/** Redis's largest string (proto-max-bulk-len). */
export const STRING_MAX_BYTES = 512 * 1024 * 1024;
export const DB_COUNT = 16;

/** The engine module's exports. Pointers are u32 but come back as i32: use `>>> 0`. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  scratchReserve(n: number): number;
  resultPtr(): number;
  setClock(nowMs: number): void;
  setSeed(lo: number, hi: number): number;
  strGet(db: number, klen: number): number;
  strSet(db: number, klen: number, vlen: number, expireAtMs: number, flags: number): number;
  lastOldLen(): number;
  strIncrBy(db: number, klen: number, dlen: number, negate: number): number;
  keyDelete(db: number, klen: number): number;
  keyExists(db: number, klen: number): number;
  keyType(db: number, klen: number): number;
  keySetExpire(db: number, klen: number, atMs: number, flags: number): number;
  keyPersist(db: number, klen: number): number;
  keyExpireAt(db: number, klen: number): number;
  keyIdleMs(db: number, klen: number): number;
  keySetObject(db: number, klen: number, type: number, handle: number): number;
  keyGetObject(db: number, klen: number, type: number): number;
  dbSize(db: number): number;
  dbFlush(db: number): void;
  dbFlushAsync(db: number): void;
  lazyFreeStep(slots: number): number;
  dbScan(db: number, cursor: number, count: number): number;
  lastScanCount(): number;
  dbRandomKey(db: number): number;
  activeExpire(db: number, samples: number): number;
  volatileCount(db: number): number;
  memoryUsed(): number;
  memoryReserve(bytes: number): number;
}

const ENGINE_URL = new URL("../../wasm/build/engine.wasm", import.meta.url);

/** Instantiate a fresh engine from wasm/build/engine.wasm (tests, tools). */
export async function instantiateEngine(): Promise<EngineExports> {
  const { instance } = await WebAssembly.instantiate(await Deno.readFile(ENGINE_URL), {});
  return instance.exports as unknown as EngineExports;
}

/** Scratch size always requested (matches the engine's default). */
const SCRATCH_MIN = 64 * 1024;
/** After a huge argument, the next small call lets the engine shrink the scratch back. */
const SCRATCH_SHRINK_ABOVE = 1024 * 1024;

export class Keyspace {
  readonly #engine: EngineExports;
  readonly #memory: WebAssembly.Memory;
  /** View over all of Wasm memory; memory growth detaches it (byteLength becomes 0). */
  #bytes: Uint8Array;
  #scratch = 0;
  #scratchCapacity = 0;

  constructor(engine: EngineExports) {
    this.#engine = engine;
    this.#memory = engine.memory;
    this.#bytes = new Uint8Array(engine.memory.buffer);
    // Random hash seed so clients cannot aim keys at one bucket; ignored (0) if the engine
    // already holds keys, e.g. a second wrapper over the same instance.
    const seed = crypto.getRandomValues(new Uint32Array(2));
    engine.setSeed(seed[0], seed[1]);
    engine.setClock(Date.now());
  }

  setClock(nowMs: number): void {
    this.#engine.setClock(nowMs);
  }

  // ---- strings -------------------------------------------------------------------------

  /** View into Wasm memory, valid until the next engine call; or NOT_FOUND / WRONG_TYPE. */
  getString(db: number, key: Uint8Array): Uint8Array | number {
    this.#stage(key);
    return this.#result(this.#engine.strGet(db, key.length));
  }

  /** 0, or CONDITION (NX/XX not met), WRONG_TYPE (SET_GET on a non-string), TOO_LARGE. */
  setString(db: number, key: Uint8Array, value: Uint8Array, expireAtMs = 0, flags = 0): number {
    if (value.length > STRING_MAX_BYTES) return TOO_LARGE;
    this.#stage(key, value);
    return this.#engine.strSet(db, key.length, value.length, expireAtMs, flags);
  }

  /** After setString with SET_GET: the old value view, or NOT_FOUND / WRONG_TYPE. */
  lastOld(): Uint8Array | number {
    return this.#result(this.#engine.lastOldLen());
  }

  /**
   * The new value as decimal bytes (view), or NOT_INTEGER / OVERFLOW / WRONG_TYPE.
   * `deltaText` is the increment as the client sent it (parsed with Redis's string2ll
   * rules). With `negate` (DECRBY) a delta of -2^63 gives DECREMENT_OVERFLOW.
   */
  incrBy(db: number, key: Uint8Array, deltaText: Uint8Array, negate = false): Uint8Array | number {
    this.#stage(key, deltaText);
    return this.#result(this.#engine.strIncrBy(db, key.length, deltaText.length, negate ? 1 : 0));
  }

  // ---- keys ------------------------------------------------------------------------------

  delete(db: number, key: Uint8Array): boolean {
    this.#stage(key);
    return this.#engine.keyDelete(db, key.length) === 1;
  }

  exists(db: number, key: Uint8Array): boolean {
    this.#stage(key);
    return this.#engine.keyExists(db, key.length) === 1;
  }

  /** TYPE_* code, or -1 when missing. */
  type(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyType(db, key.length);
  }

  /** Redis 7 EXPIRE semantics with EXPIRE_* flags: 1 set (or deleted: time passed), 0 not. */
  setExpire(db: number, key: Uint8Array, atMs: number, flags = 0): number {
    this.#stage(key);
    return this.#engine.keySetExpire(db, key.length, atMs, flags);
  }

  persist(db: number, key: Uint8Array): boolean {
    this.#stage(key);
    return this.#engine.keyPersist(db, key.length) === 1;
  }

  /** -2 missing, -1 no expiry, else the absolute expiry time in ms. */
  expireAt(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyExpireAt(db, key.length);
  }

  /** Ms since the key was last read or written (1 s resolution, as OBJECT IDLETIME); -2 missing. */
  idleMs(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyIdleMs(db, key.length);
  }

  /**
   * Makes `key` hold a non-string object of `type` (1..7), stored outside the engine under
   * `handle` (0..2^31-1). Replaces any value (keeping its TTL); the engine never frees handles.
   * Returns 0, or WRONG_TYPE when `type` is TYPE_STRING or out of range.
   */
  setObject(db: number, key: Uint8Array, type: number, handle: number): number {
    this.#stage(key);
    return this.#engine.keySetObject(db, key.length, type, handle);
  }

  /** The handle given to setObject, or NOT_FOUND / WRONG_TYPE (other type or a string). */
  getObject(db: number, key: Uint8Array, type: number): number {
    this.#stage(key);
    return this.#engine.keyGetObject(db, key.length, type);
  }

  // ---- databases --------------------------------------------------------------------------

  dbSize(db: number): number {
    return this.#engine.dbSize(db);
  }

  /** FLUSHDB: synchronous, ~0.3-0.7 us per key (seconds at 10 M keys). */
  flush(db: number): void {
    this.#engine.dbFlush(db);
  }

  /**
   * FLUSHDB ASYNC: the db is empty at once; its memory is freed by lazyFreeStep (and a little
   * on every insert), and memoryUsed() counts it until then.
   */
  flushAsync(db: number): void {
    this.#engine.dbFlushAsync(db);
  }

  /** Frees memory of async flushes, visiting at most `slots` index slots (~64 slots/us). Returns the tables still queued (0 = done). */
  lazyFreeStep(slots: number): number {
    return this.#engine.lazyFreeStep(slots);
  }

  /** Redis SCAN step: next cursor (0 = done) and copies of the keys found. */
  scan(db: number, cursor: number, count: number): { cursor: number; keys: Uint8Array[] } {
    const next = this.#engine.dbScan(db, cursor, count);
    const found = this.#engine.lastScanCount();
    const bytes = this.#view();
    let at = this.#engine.resultPtr() >>> 0;
    const keys: Uint8Array[] = new Array(found);
    for (let i = 0; i < found; i++) {
      const len =
        (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
      keys[i] = bytes.slice(at + 4, at + 4 + len);
      at += 4 + len;
    }
    return { cursor: next, keys };
  }

  /** A copy of a random live key, or null when the db is empty. */
  randomKey(db: number): Uint8Array | null {
    const len = this.#engine.dbRandomKey(db);
    if (len < 0) return null;
    const at = this.#engine.resultPtr() >>> 0;
    return this.#view().slice(at, at + len);
  }

  /** Checks up to `samples` keys with a TTL, deletes the expired ones; returns how many. */
  activeExpire(db: number, samples: number): number {
    return this.#engine.activeExpire(db, samples);
  }

  volatileCount(db: number): number {
    return this.#engine.volatileCount(db);
  }

  /** Bytes the engine has allocated (keys, values, index tables, buffers). */
  memoryUsed(): number {
    return this.#engine.memoryUsed();
  }

  /**
   * Grows Wasm memory by about `bytes` now (e.g. at startup, toward maxmemory) so that
   * growth, which costs a few ms per doubling in V8, does not happen mid-traffic. Returns the
   * Wasm memory size. Does not count in memoryUsed(); stops short of the 4 GB limit.
   */
  reserveMemory(bytes: number): number {
    return this.#engine.memoryReserve(bytes);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #view(): Uint8Array {
    if (this.#bytes.byteLength === 0) this.#bytes = new Uint8Array(this.#memory.buffer);
    return this.#bytes;
  }

  /** Copies the key (and a second argument right after it) into the scratch area. */
  #stage(key: Uint8Array, second?: Uint8Array): void {
    const needed = key.length + (second === undefined ? 0 : second.length);
    if (
      needed > this.#scratchCapacity ||
      (this.#scratchCapacity > SCRATCH_SHRINK_ABOVE && needed <= SCRATCH_MIN)
    ) {
      const capacity = Math.max(needed, SCRATCH_MIN);
      this.#scratch = this.#engine.scratchReserve(capacity) >>> 0;
      this.#scratchCapacity = capacity;
    }
    const bytes = this.#view();
    bytes.set(key, this.#scratch);
    if (second !== undefined) bytes.set(second, this.#scratch + key.length);
  }

  /** A view of `length` result bytes, or the status code unchanged. */
  #result(length: number): Uint8Array | number {
    if (length < 0) return length;
    const at = this.#engine.resultPtr() >>> 0;
    return this.#view().subarray(at, at + length);
  }
}
