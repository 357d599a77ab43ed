// TypeScript face of the Wasm keyspace engine (wasm/assembly, contract in wasm/README.md).
// Arguments are copied as bytes into the engine's scratch area (never via JS strings);
// results are views into Wasm memory, valid until the next engine call.
//
// Zero-copy hot path: every key-taking method has an `...Arg` twin that takes the command's
// arguments as an ArgSource (src/protocol/args.ts's Args / RequestParser) plus argument
// indexes, and copies the bytes straight from the request buffer into the engine: no
// subarray view per argument. The `...Arg` string reads return a length instead of a view;
// the bytes are then appended to a reply with writeBulk / writeInteger / writeResult (or read
// at memoryBytes()[resultOffset() ...]), so a GET allocates nothing in JS. E.g.
//
//   const n = ks.getStringArg(db, ctx.args, 1);
//   if (n >= 0) ks.writeBulk(ctx.out, n); else if (n === NOT_FOUND) ctx.out.nullBulk(); ...
//
// Copies of up to 40 bytes use a byte loop (a view + set() costs ~50 ns, the loop ~20 ns for
// a 16-byte key); the view-taking methods keep set(), measured no slower there. Both styles
// stay supported: the Uint8Array methods are unchanged.
//
// Stats: read lookups that Redis counts in keyspace_hits / _misses are counted by the engine
// (getString, setString with SET_GET, getRange, strLen, touch, lookupRead, encoding, freq,
// copy's source, and their ...Arg twins); exists / type / expireAt / idleMs / getObject are
// not (handlers use them for internal checks too): see keyspaceHits().

import { ReplyItems } from "./reply_items.ts";
import type { EncodingLimits } from "./encoding_limits.ts";
import type { ExpireTime } from "./expire_time.ts";
import { copyRange, u32le } from "../protocol/bytes.ts";
import { decimalDigits, writeDecimalDigits } from "../protocol/numbers.ts";
export { type ExpireTime, expireTime } from "./expire_time.ts";

/** Status codes (negative results); same values as wasm/assembly/status.ts. */
export const NOT_FOUND = -1,
  WRONG_TYPE = -2,
  NOT_INTEGER = -3,
  OVERFLOW = -4,
  CONDITION = -5,
  TOO_LARGE = -6;
/** incrBy(..., negate = true) of -9223372036854775808: Redis's "decrement would overflow". */
export const DECREMENT_OVERFLOW = -7;
/** copy / move onto the same key of the same db ("source and destination objects are the same"). */
export const SAME_KEY = -8;
/** restore() of bytes that dump() did not make. */
export const BAD_PAYLOAD = -9;
/** keyDump flags (wasm/assembly/keymove.ts). */
const DUMP_READ = 1, DUMP_NO_TOUCH = 2;
/** restore() without access data of its own. */
const NO_ACCESS = { freq: -1, idleSeconds: -1 };

/** SET_KEEP_TEXT: store the bytes as text, never the int encoding (INCRBYFLOAT: Redis's
 * createStringObject without tryObjectEncoding, so OBJECT ENCODING says embstr / raw). */
export const SET_NX = 1, SET_XX = 2, SET_KEEPTTL = 4, SET_GET = 8, SET_KEEP_TEXT = 16;
export const EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8;
export const TYPE_STRING = 0, TYPE_LIST = 1, TYPE_SET = 2, TYPE_ZSET = 3, TYPE_HASH = 4;

/** encoding(): what Redis 7.0's OBJECT ENCODING says for a string ("raw", "int", "embstr"),
 * and the collection encodings after them. */
export const ENC_RAW = 0, ENC_INT = 1, ENC_EMBSTR = 2;
/** OBJECT ENCODING names by the engine's code (keys.ts REPORT_*, objects.ts REPORT_*). */
export const ENCODING_NAMES = [
  "raw",
  "int",
  "embstr",
  "",
  "listpack",
  "quicklist",
  "intset",
  "hashtable",
  "skiplist",
] as const;

/** Told of a key event (the key's bytes are valid during the call only). */
export type KeyEventListener = (db: number, key: Uint8Array) => void;

/** Key events the engine can log (wasm/assembly/key_event_log.ts KEY_*). */
export enum KeyEvent {
  Expired = 1,
  New = 2,
  Miss = 4,
  /** Reclaimed by expiry, with the key's whole snapshot record (for a walk's before-images). */
  ExpiredRecord = 8,
}

/** evictKey policies: the score, plus EVICT_ALLKEYS (else only keys with a TTL). */
export const EVICT_LRU = 0, EVICT_LFU = 1, EVICT_TTL = 2, EVICT_RANDOM = 3, EVICT_ALLKEYS = 4;
/** evictKey flag: choose and report the victim, delete it only at evictPicked(). */
export const EVICT_PICK = 8;
/** evictKey's answer when its best candidate scored below `above` (evict.ts COLDER_ELSEWHERE). */
export const COLDER_ELSEWHERE = -100;
/** Redis's largest string (proto-max-bulk-len). */
export const STRING_MAX_BYTES = 512 * 1024 * 1024;
export const DB_COUNT = 16;

/** The engine module's exports. Pointers are u32 but come back as i32: use `>>> 0`. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  scratchReserve(n: number): number;
  resultPtr(): number;
  setClock(nowMs: number): void;
  setExpiryClock(nowMs: number): void;
  setLoadingMode(on: number): void;
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
  keyExpireAt(db: number, klen: number, read: number): number;
  keyIdleMs(db: number, klen: number): number;
  dbSize(db: number): number;
  dbFlush(db: number): void;
  dbFlushAsync(db: number): void;
  lazyFreeStep(slots: number): number;
  dbScan(db: number, cursor: number, count: number): number;
  lastScanCount(): number;
  snapshotScan(db: number, cursor: number, count: number, maxBytes: number): number;
  snapshotBytes(): number;
  snapshotKey(db: number, klen: number): number;
  snapshotKeyPassed(klen: number, cursor: number): number;
  dbRandomKey(db: number): number;
  activeExpire(db: number, samples: number): number;
  dbRehashStep(db: number, steps: number): number;
  volatileCount(db: number): number;
  memoryUsed(): number;
  memoryCached(): number;
  memoryHighWater(): number;
  memoryPurge(): number;
  memoryReserve(bytes: number): number;
  // added with APPEND / SETRANGE / RENAME ... (see wasm/README.md)
  strIncrByNum(db: number, klen: number, delta: number): number;
  strAppend(db: number, klen: number, vlen: number, maxLen: number): number;
  strSetRange(db: number, klen: number, vlen: number, offset: number, maxLen: number): number;
  strGetRange(db: number, klen: number, start: number, end: number): number;
  strLen(db: number, klen: number): number;
  keyTouch(db: number, klen: number): number;
  keyLookupRead(db: number, klen: number): number;
  keyEncoding(db: number, klen: number): number;
  keyFreq(db: number, klen: number): number;
  keyRename(db: number, klen: number, nlen: number, nx: number): number;
  keyMove(srcDb: number, dstDb: number, klen: number): number;
  keyCopy(srcDb: number, klen: number, dstDb: number, nlen: number, replace: number): number;
  keyDump(db: number, klen: number, flags: number): number;
  keyRestore(
    db: number,
    klen: number,
    blen: number,
    expireAtMs: number,
    flags: number,
    freq: number,
    idleSeconds: number,
  ): number;
  stageExpireAt(atMs: bigint): void;
  lastExpireAt(): bigint;
  dbSwap(a: number, b: number): void;
  setEvictionMode(mode: number, logFactor: number, decayMinutes: number): void;
  evictKey(policy: number, samples: number, above: number): number;
  evictPoolBest(): number;
  evictCandidates(policy: number): number;
  evictKeyDb(): number;
  evictKeyPicked(): number;
  evictPoolReset(): void;
  keyMemory(db: number, klen: number): number;
  statKeyspaceHits(): number;
  statKeyspaceMisses(): number;
  statExpiredKeys(): number;
  keyEventLogEnable(kinds: number): void;
  keyEventLogTake(): number;
  keyEventLogPtr(): number;
  statsReset(): void;
  itemsByteLength(): number;
  loadBuffer(n: number): number;
  loadRecords(at: number, end: number, replace: number): number;
  takeLoadedKeys(): number;
  loadErrorAt(): number;
  setEncodingLimits(
    hashEntries: number,
    hashValue: number,
    setIntset: number,
    zsetEntries: number,
    zsetValue: number,
    listSize: number,
  ): void;
}

/**
 * A command's arguments as offsets into one byte buffer: argument i is
 * argBuf[argStart[i], argStart[i] + argLen[i]). src/protocol/args.ts's Args (and its
 * RequestParser subclass) has exactly these fields, so `ctx.args` is passed as is.
 */
export interface ArgSource {
  readonly argBuf: Uint8Array;
  readonly argStart: Int32Array;
  readonly argLen: Int32Array;
}

/** Somewhere result bytes are appended: src/protocol/byte_buffer.ts's ByteBuffer (and so
 * ReplyWriter) fits. `ensure(n)` makes room for n more bytes after `length`. */
export interface ByteSink {
  buf: Uint8Array;
  length: number;
  ensure(extra: number): void;
}

/** Copies shorter than this use a plain byte loop: for short keys and values it beats
 * subarray + set (which allocates a view) by a wide margin. Measured in bench/engine_micro.ts. */
const COPY_LOOP_MAX = 40;
/** Copies through DataViews (copyWords) go 8 bytes at a time up to this length, then one
 * set() of a view (a memmove). Under callgrind a 32-byte copy took 500-1000 instructions as
 * a byte loop, about 800 as subarray + set and 200-450 as 32-bit words. 512, not 128: a
 * ZRANGE LIMIT 0 10 reply (about 150 bytes of members' RESP) then makes no view. */
const COPY_WORDS_MAX = 512;

/** A DataView over the last byte array it was asked for: copies from a connection's read
 * buffer and into its reply buffer reuse it for the whole batch (a new buffer, e.g. after
 * growth or another connection's batch, makes a new view). */
class CachedView {
  #array: Uint8Array | null = null;
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  of(array: Uint8Array): DataView {
    if (array !== this.#array) {
      this.#array = array;
      this.#view = new DataView(array.buffer, array.byteOffset, array.byteLength);
    }
    return this.#view;
  }
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
  /** DataView over the same memory (re-made with #bytes). */
  #memoryView: DataView;
  /** Views of the arguments' buffer and of the reply buffer, for copyWords. */
  readonly #argsView = new CachedView();
  readonly #sinkView = new CachedView();
  #scratch = 0;
  #scratchCapacity = 0;
  /** Called once the memory has grown (seen by the next access): see keepHugePagesAdvised. */
  afterGrowth?: () => void;

  constructor(engine: EngineExports) {
    this.#engine = engine;
    this.#memory = engine.memory;
    this.#bytes = new Uint8Array(engine.memory.buffer);
    this.#memoryView = new DataView(engine.memory.buffer);
    // Random hash seed so clients cannot aim keys at one bucket; ignored (0) if the engine
    // already holds keys, e.g. a second wrapper over the same instance.
    const seed = crypto.getRandomValues(new Uint32Array(2));
    engine.setSeed(seed[0], seed[1]);
    engine.setClock(Date.now());
    // The scratch area exists from the start, so the memory at startup includes it.
    engine.scratchReserve(0);
  }

  /** The time for expiry and the LRU/LFU clocks: once per batch of commands and per cron tick. */
  setClock(nowMs: number): void {
    this.#engine.setClock(nowMs);
  }

  /** The time for expiry only, re-read by a command mid-batch (see wasm clock.ts). */
  setExpiryClock(nowMs: number): void {
    this.#engine.setExpiryClock(nowMs);
  }

  // ---- strings -------------------------------------------------------------------------

  /** View into Wasm memory, valid until the next engine call; or NOT_FOUND / WRONG_TYPE.
   * A read lookup (counted in keyspaceHits / keyspaceMisses, touches the key). */
  getString(db: number, key: Uint8Array): Uint8Array | number {
    this.#stage(key);
    return this.#result(this.#engine.strGet(db, key.length));
  }

  /** 0, or CONDITION (NX/XX not met), WRONG_TYPE (SET_GET on a non-string), TOO_LARGE. */
  setString(
    db: number,
    key: Uint8Array,
    value: Uint8Array,
    expireAtMs: ExpireTime = 0,
    flags = 0,
  ): number {
    if (value.length > STRING_MAX_BYTES) return TOO_LARGE;
    this.#stage(key, value);
    return this.#engine.strSet(db, key.length, value.length, this.#expireArg(expireAtMs), flags);
  }

  /** An expiry time for the engine: the number itself, or (a bigint) staged, passed as NaN. */
  #expireArg(at: ExpireTime): number {
    if (typeof at === "number") return at;
    this.#engine.stageExpireAt(at);
    return NaN;
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
  setExpire(db: number, key: Uint8Array, atMs: ExpireTime, flags = 0): number {
    this.#stage(key);
    return this.#engine.keySetExpire(db, key.length, this.#expireArg(atMs), flags);
  }

  persist(db: number, key: Uint8Array): boolean {
    this.#stage(key);
    return this.#engine.keyPersist(db, key.length) === 1;
  }

  /** -2 missing, -1 no expiry, else the absolute expiry time in ms. `read`: a client's read
   * lookup (TTL and friends), counted in keyspace hits/misses. */
  expireAt(db: number, key: Uint8Array, read = false): ExpireTime {
    this.#stage(key);
    const at = this.#engine.keyExpireAt(db, key.length, read ? 1 : 0);
    return at === at ? at : this.#engine.lastExpireAt(); // NaN: beyond 2^53, exact as a bigint
  }

  /** Ms since the key was last read or written (1 s resolution, as OBJECT IDLETIME); -2 missing. */
  idleMs(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyIdleMs(db, key.length);
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

  /**
   * A snapshot walk step (BGSAVE): like scan(), but the keys found come as records
   * `[u32 klen][key][f64 expireAt, -1 none][dump() blob]`, `snapshotBytes()` of them at
   * resultOffset(), each key once over the whole walk; stops early past `maxBytes`. Touches
   * and expires nothing. Returns the next cursor (0 = done).
   */
  snapshotScan(db: number, cursor: number, count: number, maxBytes: number): number {
    return this.#engine.snapshotScan(db, cursor, count, maxBytes);
  }

  /** Bytes of records the last snapshotScan() or snapshotKey() left at resultOffset(). */
  snapshotBytes(): number {
    return this.#engine.snapshotBytes() >>> 0;
  }

  /** The key's snapshot record (its length, bytes at resultOffset()), or NOT_FOUND. */
  snapshotKey(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.snapshotKey(db, key.length);
  }

  /** Whether a snapshot walk of the key's db that reached `cursor` has passed the key. */
  snapshotKeyPassed(key: Uint8Array, cursor: number): boolean {
    this.#stage(key);
    return this.#engine.snapshotKeyPassed(key.length, cursor) === 1;
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

  /** Up to `steps` steps (16 entries each) of a pending index rehash; true while one remains. */
  rehashStep(db: number, steps: number): boolean {
    return this.#engine.dbRehashStep(db, steps) !== 0;
  }

  /** Bytes the engine has allocated (keys, values, index tables, buffers). */
  memoryUsed(): number {
    return this.#engine.memoryUsed();
  }

  /** Freed blocks the engine's allocator keeps for reuse (not in memoryUsed). */
  memoryCached(): number {
    return this.#engine.memoryCached();
  }

  /** The end of the highest block the allocator ever handed out: Wasm memory below it has
   * been touched (is resident), above it not. */
  memoryHighWater(): number {
    return this.#engine.memoryHighWater();
  }

  /** Gives those blocks back to the allocator (MEMORY PURGE); returns their bytes. */
  memoryPurge(): number {
    return this.#engine.memoryPurge();
  }

  /**
   * Grows Wasm memory by about `bytes` now (e.g. at startup, toward maxmemory) so that
   * growth, which costs a few ms per doubling in V8, does not happen mid-traffic. Returns the
   * Wasm memory size. Does not count in memoryUsed(); stops short of the 4 GB limit.
   */
  reserveMemory(bytes: number): number {
    return this.#engine.memoryReserve(bytes);
  }

  // ---- more strings: APPEND, SETRANGE, GETRANGE, STRLEN ------------------------------------

  /**
   * APPEND: the new length, or WRONG_TYPE / TOO_LARGE (longer than `maxLen`, i.e.
   * proto-max-bulk-len, capped at 512 MB; nothing written). Keeps the TTL; a missing key is
   * created as SET would; an existing value becomes raw text (OBJECT ENCODING "raw").
   */
  append(db: number, key: Uint8Array, value: Uint8Array, maxLen = STRING_MAX_BYTES): number {
    this.#stage(key, value);
    return this.#engine.strAppend(db, key.length, value.length, maxLen);
  }

  /**
   * SETRANGE: writes `value` at `offset` (zero-padding a gap); the new length, or WRONG_TYPE,
   * TOO_LARGE (offset + value length over `maxLen`, capped at 512 MB), NOT_INTEGER for a
   * negative offset (Redis replies "offset is out of range" before any lookup: check first).
   * An empty value never writes: 0 for a missing key (not created), else the current length.
   * Keeps the TTL; the value becomes raw text (OBJECT ENCODING "raw").
   */
  setRange(
    db: number,
    key: Uint8Array,
    offset: number,
    value: Uint8Array,
    maxLen = STRING_MAX_BYTES,
  ): number {
    if (!(offset >= 0)) return NOT_INTEGER;
    this.#stage(key, value);
    return this.#engine.strSetRange(db, key.length, value.length, offset, maxLen);
  }

  /**
   * GETRANGE with Redis's index rules (negative from the end, clamped): a view (possibly
   * empty), NOT_FOUND (GETRANGE replies "") or WRONG_TYPE. Counts as a read lookup.
   */
  getRange(db: number, key: Uint8Array, start: number, end: number): Uint8Array | number {
    this.#stage(key);
    return this.#result(this.#engine.strGetRange(db, key.length, start, end));
  }

  /** STRLEN: the length (an integer's text length), NOT_FOUND or WRONG_TYPE. A read lookup. */
  strLen(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.strLen(db, key.length);
  }

  // ---- more keys: TOUCH, counted lookups, OBJECT ENCODING / FREQ ---------------------------------

  /** TOUCH: true when the key exists; updates its LRU time / LFU counter. A read lookup. */
  touch(db: number, key: Uint8Array): boolean {
    this.#stage(key);
    return this.#engine.keyTouch(db, key.length) === 1;
  }

  /**
   * The type code or -1, as type(), but counted as a read lookup in keyspaceHits/Misses
   * without touching the key (Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH): EXISTS, TYPE,
   * TTL/PTTL/EXPIRETIME, OBJECT).
   */
  lookupRead(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyLookupRead(db, key.length);
  }

  /** OBJECT ENCODING: ENC_INT / ENC_EMBSTR / ENC_RAW for strings, ENC_OBJECT for other types,
   * or NOT_FOUND. A read lookup (counted, not touched). */
  encoding(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyEncoding(db, key.length);
  }

  /** OBJECT FREQ: the LFU counter after decay (meaningful in "lfu" mode), or -1 missing.
   * A read lookup (counted, not touched). */
  freq(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyFreq(db, key.length);
  }

  // ---- moving keys: RENAME, MOVE, COPY, SWAPDB, and DUMP/RESTORE across shards -------------------

  /**
   * RENAME / RENAMENX (`nx`): 1 renamed (also for the same key), 0 when `nx` and `newKey`
   * exists (also for the same key, as Redis), NOT_FOUND. The TTL, encoding and LRU/LFU data
   * move along (an object with its key). A replaced `newKey` is freed with its object.
   */
  rename(db: number, key: Uint8Array, newKey: Uint8Array, nx = false): number {
    this.#stage(key, newKey);
    return this.#engine.keyRename(db, key.length, newKey.length, nx ? 1 : 0);
  }

  /** MOVE: 1 moved (TTL and object included), 0 when missing or `key` exists in `dstDb`;
   * SAME_KEY when srcDb === dstDb. */
  move(srcDb: number, dstDb: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyMove(srcDb, dstDb, key.length);
  }

  /**
   * COPY: 1 copied (value, encoding and TTL), 0 when `key` is missing or `dstKey` exists
   * without `replace`; SAME_KEY for the same key in the same db. An object is copied deeply.
   * The source lookup counts as a read.
   */
  copy(srcDb: number, key: Uint8Array, dstDb: number, dstKey: Uint8Array, replace = false): number {
    this.#stage(key, dstKey);
    return this.#engine.keyCopy(srcDb, key.length, dstDb, dstKey.length, replace ? 1 : 0);
  }

  /** SWAPDB: the two dbs exchange all their keys (TTLs, sizes and expiry state follow). */
  swapDb(a: number, b: number): void {
    this.#engine.dbSwap(a, b);
  }

  /**
   * An opaque, self-contained copy of a key's value (type, encoding, raw flag, LRU/LFU field,
   * bytes or serialized object; not the key, not the TTL) for restore() into another engine
   * (another shard): layout in wasm/README.md. null when the key is missing. Touches the key;
   * counted as a read lookup only with `read` (a client's DUMP).
   */
  dump(db: number, key: Uint8Array, read = false): Uint8Array | null {
    return this.#dumpWith(db, key, read ? DUMP_READ : 0);
  }

  /** dump() that leaves the key's LRU / LFU data as it is (Redis's LOOKUP_NOTOUCH): for
   * looking at a key on the server's own behalf (DEBUG DIGEST, what the AOF logs of it). */
  peek(db: number, key: Uint8Array): Uint8Array | null {
    return this.#dumpWith(db, key, DUMP_NO_TOUCH);
  }

  #dumpWith(db: number, key: Uint8Array, flags: number): Uint8Array | null {
    this.#stage(key);
    const len = this.#engine.keyDump(db, key.length, flags);
    if (len < 0) return null;
    const at = this.#engine.resultPtr() >>> 0;
    return this.#view().slice(at, at + len);
  }

  /**
   * Writes a dump() blob under `key`: 1, or 0 when the key exists and not `replace`, or
   * BAD_PAYLOAD. `expireAtMs` 0 = no TTL; a time already past writes nothing (deleting an
   * existing key when replacing) and returns 1. `keepAccess` keeps the blob's LRU/LFU data
   * (cross-shard RENAME / MOVE); otherwise it is fresh (COPY), or set from `access` (RESTORE's
   * FREQ / IDLETIME, an RDB record's FREQ / IDLE) as Redis's objectSetLRUOrLFU does: under an
   * LFU policy `freq` (0-255), otherwise `idleSeconds`; -1 when not given.
   */
  restore(
    db: number,
    key: Uint8Array,
    blob: Uint8Array,
    expireAtMs: ExpireTime = 0,
    replace = false,
    keepAccess = false,
    access: { freq: number; idleSeconds: number } = NO_ACCESS,
  ): number {
    this.#stage(key, blob);
    return this.#engine.keyRestore(
      db,
      key.length,
      blob.length,
      this.#expireArg(expireAtMs),
      (replace ? 1 : 0) | (keepAccess ? 2 : 0),
      access.freq,
      Math.min(access.idleSeconds, Number.MAX_SAFE_INTEGER),
    );
  }

  /**
   * Stores a batch of records cut from an RDB file (layout in wasm/assembly/rdb_load.ts):
   * the engine stores runs of string keys in one call each; `decodeOther(at)` handles the
   * record at offset `at` of another type (it may use restore(): the batch sits in its own
   * area) and returns the offset after it. A record the engine finds malformed, or whose key
   * exists unless `replace`, goes to `decodeOther` too, which says why (throws). Returns the
   * keys the engine stored itself.
   */
  loadRdbRecords(
    batch: Uint8Array,
    replace: boolean,
    decodeOther: (at: number) => number,
  ): number {
    const base = this.#engine.loadBuffer(batch.length) >>> 0;
    this.#view().set(batch, base);
    try {
      for (let at = 0; at < batch.length;) {
        const stop = this.#engine.loadRecords(at, batch.length, replace ? 1 : 0);
        if (stop < 0) at = decodeOther(this.#engine.loadErrorAt());
        else at = stop < batch.length ? decodeOther(stop) : stop;
      }
      return this.#engine.takeLoadedKeys();
    } finally {
      this.#engine.takeLoadedKeys();
      this.#engine.loadBuffer(0);
    }
  }

  // ---- LRU / LFU and stats -------------------------------------------------------------------------

  /**
   * What the 24-bit access field of each key tracks: "lru" (default; idleMs) or "lfu"
   * (Redis's logarithmic 8-bit counter with decay: freq). Set from maxmemory-policy; keys keep
   * their bits across a switch, as in Redis.
   */
  setEvictionMode(mode: "lru" | "lfu", lfuLogFactor = 10, lfuDecayMinutes = 1): void {
    this.#engine.setEvictionMode(mode === "lfu" ? 1 : 0, lfuLogFactor, lfuDecayMinutes);
  }

  /** While an AOF is replayed: nothing expires and past expiry times are kept, as Redis does
   * while loading (keyIsExpired, checkAlreadyExpired). */
  setLoading(on: boolean): void {
    this.#engine.setLoadingMode(on ? 1 : 0);
  }

  /** Listeners per key event kind, indexed by the kind (KeyEvent: 1, 2, 4, 8). */
  #keyEventListeners: KeyEventListener[][] = Array.from({ length: 9 }, () => []);
  #keyEventKinds = 0;

  /** Hear of every key of one event kind: reclaimed by expiry (keyspace notifications'
   * "expired", the AOF's DEL, tracking), added ("new"), or missed by a read lookup
   * ("keymiss"). While a kind has a listener the engine logs it; drainKeyEvents hands every
   * logged event to its kind's listeners, so whoever drains first serves all. */
  addKeyEventListener(kind: KeyEvent, listener: KeyEventListener): void {
    this.#keyEventListeners[kind].push(listener);
    this.#setKeyEventKinds(this.#keyEventKinds | kind);
  }

  removeKeyEventListener(kind: KeyEvent, listener: KeyEventListener): void {
    const listeners = this.#keyEventListeners[kind];
    const at = listeners.indexOf(listener);
    if (at < 0) return;
    this.drainKeyEvents();
    listeners.splice(at, 1);
    if (listeners.length === 0) this.#setKeyEventKinds(this.#keyEventKinds & ~kind);
  }

  #setKeyEventKinds(kinds: number): void {
    if (kinds === this.#keyEventKinds) return;
    this.drainKeyEvents(); // the engine drops its log when the kinds change
    this.#keyEventKinds = kinds;
    this.#engine.keyEventLogEnable(kinds);
  }

  /** Gives every key event logged since the last call to its kind's listeners, in the order
   * they happened, and empties the log. Cheap when nothing was logged. */
  drainKeyEvents(): void {
    const n = this.#engine.keyEventLogTake();
    if (n === 0) return;
    // Copied first: a listener may call the engine, which may move or reuse the log.
    const at = this.#engine.keyEventLogPtr() >>> 0;
    const log = this.memoryBytes().slice(at, at + n);
    for (let p = 0; p < n;) {
      const head = u32le(log, p), klen = u32le(log, p + 4);
      const key = log.subarray(p + 8, p + 8 + klen);
      for (const listener of this.#keyEventListeners[head >>> 8]) {
        listener(head & 0xff, key);
      }
      p += 8 + klen;
    }
  }

  /**
   * Evicts one key chosen by `policy` (EVICT_* score | EVICT_ALLKEYS) with Redis's sampling
   * and eviction pool: its length (the key's bytes via copyResult, its db via evictedDb()),
   * NOT_FOUND when no key qualifies, or COLDER_ELSEWHERE when the best candidate's score
   * (the evictionPoolBest scale) is below `above`. With EVICT_PICK the key is only chosen
   * (and reported the same way): it stays until evictPicked(), which must come before any
   * other write to this keyspace.
   */
  evictKey(policy: number, samples: number, above = -Infinity): number {
    return this.#engine.evictKey(policy, samples, above);
  }

  /** The eviction pool's best score (higher = colder; comparable between shards), or
   * -Infinity when the pool is empty. */
  evictionPoolBest(): number {
    return this.#engine.evictPoolBest();
  }

  /** How many keys `policy` may evict, over every db. */
  evictionCandidates(policy: number): number {
    return this.#engine.evictCandidates(policy);
  }

  /** The db of the key the last evictKey deleted (or picked). */
  evictedDb(): number {
    return this.#engine.evictKeyDb();
  }

  /** Deletes the key the last evictKey with EVICT_PICK chose: its length, or NOT_FOUND. */
  evictPicked(): number {
    return this.#engine.evictKeyPicked();
  }

  /** Forgets the eviction pool's candidates (after a policy change). */
  resetEvictionPool(): void {
    this.#engine.evictPoolReset();
  }

  /** MEMORY USAGE: the bytes the key takes in the engine, or -1 when missing. */
  memoryUsage(db: number, key: Uint8Array): number {
    this.#stage(key);
    return this.#engine.keyMemory(db, key.length);
  }

  /** Keys reclaimed by lazy and active expiry (INFO expired_keys). */
  expiredKeys(): number {
    return this.#engine.statExpiredKeys();
  }

  /**
   * Read lookups that found a key (INFO keyspace_hits). Counted by getString(Arg), setString
   * with SET_GET, getRange, strLen, touch, lookupRead, encoding, freq, copy's source, and expireAt /
   * dump when asked (`read`); not by exists / type / idleMs (also used for internal checks). The typed values'
   * operations count their own.
   */
  keyspaceHits(): number {
    return this.#engine.statKeyspaceHits();
  }

  /** Read lookups that found nothing (INFO keyspace_misses); see keyspaceHits. */
  keyspaceMisses(): number {
    return this.#engine.statKeyspaceMisses();
  }

  /** CONFIG RESETSTAT: hits, misses and expired keys back to 0. */
  resetStats(): void {
    this.#engine.statsReset();
  }

  // ---- zero-copy twins: arguments by index (see the top of this file) ------------------------------

  /** GET of argument i: the value's length (bytes at resultOffset(), write them with
   * writeBulk / writeResult), or NOT_FOUND / WRONG_TYPE. A read lookup. */
  getStringArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.strGet(db, this.#stageArg(args, i));
  }

  /** setString with key = argument `keyIndex`, value = argument `valueIndex`. */
  setStringArg(
    db: number,
    args: ArgSource,
    keyIndex: number,
    valueIndex: number,
    expireAtMs: ExpireTime = 0,
    flags = 0,
  ): number {
    const vlen = args.argLen[valueIndex];
    if (vlen > STRING_MAX_BYTES) return TOO_LARGE;
    this.#stageArgs(args, keyIndex, valueIndex);
    const at = this.#expireArg(expireAtMs);
    return this.#engine.strSet(db, args.argLen[keyIndex], vlen, at, flags);
  }

  /** After setStringArg with SET_GET: the old value's length (at resultOffset()), NOT_FOUND
   * or WRONG_TYPE. */
  lastOldLength(): number {
    return this.#engine.lastOldLen();
  }

  /** INCRBY / DECRBY (`negate`) with the increment text in argument `deltaIndex`: the new
   * value's digit count (write with writeInteger) or a status as incrBy. */
  incrByArg(
    db: number,
    args: ArgSource,
    keyIndex: number,
    deltaIndex: number,
    negate = false,
  ): number {
    this.#stageArgs(args, keyIndex, deltaIndex);
    return this.#engine.strIncrBy(
      db,
      args.argLen[keyIndex],
      args.argLen[deltaIndex],
      negate ? 1 : 0,
    );
  }

  /** INCR / DECR / INCRBY by a safe integer (|delta| <= 2^53; else NOT_INTEGER): the new
   * value's digit count (write with writeInteger) or NOT_INTEGER / OVERFLOW / WRONG_TYPE. */
  incrByNumberArg(db: number, args: ArgSource, keyIndex: number, delta: number): number {
    return this.#engine.strIncrByNum(db, this.#stageArg(args, keyIndex), delta);
  }

  /** incrByNumberArg for a key given as bytes: the digits as a view, or a status. */
  incrByNumber(db: number, key: Uint8Array, delta: number): Uint8Array | number {
    this.#stage(key);
    return this.#result(this.#engine.strIncrByNum(db, key.length, delta));
  }

  appendArg(
    db: number,
    args: ArgSource,
    keyIndex: number,
    valueIndex: number,
    maxLen = STRING_MAX_BYTES,
  ): number {
    this.#stageArgs(args, keyIndex, valueIndex);
    return this.#engine.strAppend(db, args.argLen[keyIndex], args.argLen[valueIndex], maxLen);
  }

  setRangeArg(
    db: number,
    args: ArgSource,
    keyIndex: number,
    offset: number,
    valueIndex: number,
    maxLen = STRING_MAX_BYTES,
  ): number {
    if (!(offset >= 0)) return NOT_INTEGER;
    this.#stageArgs(args, keyIndex, valueIndex);
    return this.#engine.strSetRange(
      db,
      args.argLen[keyIndex],
      args.argLen[valueIndex],
      offset,
      maxLen,
    );
  }

  /** GETRANGE: the range's length (bytes at resultOffset()), NOT_FOUND or WRONG_TYPE. */
  getRangeArg(db: number, args: ArgSource, keyIndex: number, start: number, end: number): number {
    return this.#engine.strGetRange(db, this.#stageArg(args, keyIndex), start, end);
  }

  strLenArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.strLen(db, this.#stageArg(args, i));
  }

  deleteArg(db: number, args: ArgSource, i: number): boolean {
    return this.#engine.keyDelete(db, this.#stageArg(args, i)) === 1;
  }

  existsArg(db: number, args: ArgSource, i: number): boolean {
    return this.#engine.keyExists(db, this.#stageArg(args, i)) === 1;
  }

  typeArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyType(db, this.#stageArg(args, i));
  }

  lookupReadArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyLookupRead(db, this.#stageArg(args, i));
  }

  touchArg(db: number, args: ArgSource, i: number): boolean {
    return this.#engine.keyTouch(db, this.#stageArg(args, i)) === 1;
  }

  setExpireArg(db: number, args: ArgSource, i: number, atMs: ExpireTime, flags = 0): number {
    const klen = this.#stageArg(args, i);
    return this.#engine.keySetExpire(db, klen, this.#expireArg(atMs), flags);
  }

  persistArg(db: number, args: ArgSource, i: number): boolean {
    return this.#engine.keyPersist(db, this.#stageArg(args, i)) === 1;
  }

  expireAtArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyExpireAt(db, this.#stageArg(args, i), 0);
  }

  idleMsArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyIdleMs(db, this.#stageArg(args, i));
  }

  encodingArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyEncoding(db, this.#stageArg(args, i));
  }

  freqArg(db: number, args: ArgSource, i: number): number {
    return this.#engine.keyFreq(db, this.#stageArg(args, i));
  }

  renameArg(
    db: number,
    args: ArgSource,
    keyIndex: number,
    newKeyIndex: number,
    nx = false,
  ): number {
    this.#stageArgs(args, keyIndex, newKeyIndex);
    return this.#engine.keyRename(db, args.argLen[keyIndex], args.argLen[newKeyIndex], nx ? 1 : 0);
  }

  copyArg(
    srcDb: number,
    args: ArgSource,
    keyIndex: number,
    dstDb: number,
    dstKeyIndex: number,
    replace = false,
  ): number {
    this.#stageArgs(args, keyIndex, dstKeyIndex);
    return this.#engine.keyCopy(
      srcDb,
      args.argLen[keyIndex],
      dstDb,
      args.argLen[dstKeyIndex],
      replace ? 1 : 0,
    );
  }

  moveArg(srcDb: number, dstDb: number, args: ArgSource, i: number): number {
    return this.#engine.keyMove(srcDb, dstDb, this.#stageArg(args, i));
  }

  /** incrBy with the key as an argument and the delta as bytes (e.g. a constant). */
  incrByArgText(
    db: number,
    args: ArgSource,
    keyIndex: number,
    deltaText: Uint8Array,
    negate = false,
  ): number {
    const klen = this.#stageArgAnd(args, keyIndex, deltaText);
    return this.#engine.strIncrBy(db, klen, deltaText.length, negate ? 1 : 0);
  }

  // ---- typed values (lists, sets, sorted sets, hashes: src/engine/<type>.ts) ----------------------

  /** The engine's exports: the typed-value wrappers call their own operations on them. */
  get exports(): EngineExports {
    return this.#engine;
  }

  /**
   * Stages a typed operation's arguments (wasm/assembly/args.ts): argument `keyIndex` at
   * scratch 0, then arguments first, first + step, ... (< end), each as a u32 length and its
   * bytes. Returns the key's length (the operation's `klen`).
   */
  stageKeyAndArgs(args: ArgSource, keyIndex: number, first: number, end: number, step = 1): number {
    const klen = args.argLen[keyIndex];
    let needed = klen;
    for (let i = first; i < end; i += step) needed += 4 + args.argLen[i];
    if (needed > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(needed);
    }
    const bytes = this.#view(), memory = this.#memoryView;
    const buf = args.argBuf, bufView = this.#argsView.of(buf);
    copyWords(buf, bufView, args.argStart[keyIndex], bytes, memory, this.#scratch, klen);
    let at = this.#scratch + klen;
    for (let i = first; i < end; i += step) {
      const len = args.argLen[i];
      memory.setUint32(at, len, true);
      copyWords(buf, bufView, args.argStart[i], bytes, memory, at + 4, len);
      at += 4 + len;
    }
    return klen;
  }

  /** stageKeyAndArgs for bytes held in JS (values gathered from other shards). */
  stageKeyAndValues(key: Uint8Array, values: readonly Uint8Array[]): number {
    let needed = key.length;
    for (const v of values) needed += 4 + v.length;
    if (needed > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(needed);
    }
    const bytes = this.#view();
    copyBytes(key, 0, bytes, this.#scratch, key.length);
    let at = this.#scratch + key.length;
    for (const v of values) at = writeLengthAndBytes(bytes, at, v, 0, v.length);
    return key.length;
  }

  /** The item list the last typed operation produced (read it before the next engine call). */
  replyItems(): ReplyItems {
    // One DataView per memory buffer: making one per reply cost more than reading the items.
    const bytes = this.#view();
    return new ReplyItems(bytes, this.#engine.resultPtr() >>> 0, this.#memoryView);
  }

  /** The *-max-listpack-* and set-max-intset-entries settings (see encoding_limits.ts). */
  setEncodingLimits(limits: EncodingLimits): void {
    this.#engine.setEncodingLimits(
      limits.hashMaxListpackEntries,
      limits.hashMaxListpackValue,
      limits.setMaxIntsetEntries,
      limits.zsetMaxListpackEntries,
      limits.zsetMaxListpackValue,
      limits.listMaxListpackSize,
    );
  }

  // ---- results without views -------------------------------------------------------------------

  /** All of Wasm memory (re-created after memory growth): result bytes live in it. */
  memoryBytes(): Uint8Array {
    return this.#view();
  }

  /** A DataView of all of Wasm memory (the keyspace's own, re-made after memory growth): for
   * wrappers that store numbers into engine buffers without a view of their own. */
  memoryView(): DataView {
    this.#view();
    return this.#memoryView;
  }

  /** Where the last operation's result bytes start in memoryBytes(). */
  resultOffset(): number {
    return this.#engine.resultPtr() >>> 0;
  }

  /** Appends the last result's `len` bytes to `sink` as they are. */
  writeResult(sink: ByteSink, len: number): void {
    sink.ensure(len);
    this.#copyOut(this.#engine.resultPtr() >>> 0, sink.buf, sink.length, len);
    sink.length += len;
  }

  /** Appends the last result as a RESP bulk string ($len CRLF bytes CRLF: the same in RESP2
   * and RESP3). */
  writeBulk(sink: ByteSink, len: number): void {
    this.writeBulkAt(sink, this.#engine.resultPtr() >>> 0, len);
  }

  /** Appends the last result's first item, a string (u32 length, bytes), as a RESP bulk
   * string: one engine call and no reader for a one-element reply. */
  writeBulkItem(sink: ByteSink): void {
    const at = this.resultOffset();
    this.writeBulkAt(sink, at + 4, this.memoryView().getUint32(at, true));
  }

  /** Appends memoryBytes()[at, at + len) as a RESP bulk string (e.g. an element item). */
  writeBulkAt(sink: ByteSink, at: number, len: number): void {
    const digits = decimalDigits(len);
    sink.ensure(len + digits + 5);
    const out = sink.buf;
    let p = sink.length;
    out[p] = 0x24; // $
    writeDecimalDigits(out, p + 1, len, digits);
    p += digits + 1;
    out[p++] = 13;
    out[p++] = 10;
    this.#copyOut(at, out, p, len);
    p += len;
    out[p++] = 13;
    out[p++] = 10;
    sink.length = p;
  }

  /** Appends the last result (decimal digits, e.g. from incrByArg) as a RESP integer. */
  writeInteger(sink: ByteSink, len: number): void {
    sink.ensure(len + 3);
    const out = sink.buf;
    let p = sink.length;
    out[p++] = 0x3a; // :
    this.#copyOut(this.#engine.resultPtr() >>> 0, out, p, len);
    p += len;
    out[p++] = 13;
    out[p++] = 10;
    sink.length = p;
  }

  /** A copy of the last result's `len` bytes (survives later engine calls). */
  copyResult(len: number): Uint8Array {
    const at = this.#engine.resultPtr() >>> 0;
    return this.#view().slice(at, at + len);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #view(): Uint8Array {
    if (this.#bytes.byteLength === 0) {
      this.#bytes = new Uint8Array(this.#memory.buffer);
      this.#memoryView = new DataView(this.#memory.buffer);
      this.afterGrowth?.();
    }
    return this.#bytes;
  }

  /** dst[at, at + len) = memory[from, from + len) (dst: a reply buffer). */
  #copyOut(from: number, dst: Uint8Array, at: number, len: number): void {
    const bytes = this.#view();
    copyWords(bytes, this.#memoryView, from, dst, this.#sinkView.of(dst), at, len);
  }

  /** Argument i's bytes to memory[at, ...). */
  #copyArg(args: ArgSource, i: number, at: number): void {
    const bytes = this.#view(), buf = args.argBuf;
    copyWords(
      buf,
      this.#argsView.of(buf),
      args.argStart[i],
      bytes,
      this.#memoryView,
      at,
      args.argLen[i],
    );
  }

  /** Copies the key (and a second argument right after it) into the scratch area. */
  #stage(key: Uint8Array, second?: Uint8Array): void {
    const needed = key.length + (second === undefined ? 0 : second.length);
    if (needed > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(needed);
    }
    // Views in: set() measured as fast as a byte loop here (the loop wins for `...Arg` methods).
    const bytes = this.#view();
    bytes.set(key, this.#scratch);
    if (second !== undefined) bytes.set(second, this.#scratch + key.length);
  }

  /** Makes the scratch area hold `needed` bytes (and shrinks it back after a huge argument). */
  #reserve(needed: number): void {
    if (
      needed > this.#scratchCapacity ||
      (this.#scratchCapacity > SCRATCH_SHRINK_ABOVE && needed <= SCRATCH_MIN)
    ) {
      const capacity = Math.max(needed, SCRATCH_MIN);
      this.#scratch = this.#engine.scratchReserve(capacity) >>> 0;
      this.#scratchCapacity = capacity;
    }
  }

  /** Copies argument i into the scratch area at its start; returns its length. */
  #stageArg(args: ArgSource, i: number): number {
    const len = args.argLen[i];
    if (len > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(len);
    }
    this.#copyArg(args, i, this.#scratch);
    return len;
  }

  /** Copies arguments i and j (key, then value / second key) into the scratch area. */
  #stageArgs(args: ArgSource, i: number, j: number): void {
    const len = args.argLen[i], len2 = args.argLen[j];
    const needed = len + len2;
    if (needed > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(needed);
    }
    this.#copyArg(args, i, this.#scratch);
    this.#copyArg(args, j, this.#scratch + len);
  }

  /** Copies a key argument and a byte array after it. */
  #stageArgAnd(args: ArgSource, i: number, second: Uint8Array): number {
    const len = args.argLen[i];
    const needed = len + second.length;
    if (needed > this.#scratchCapacity || this.#scratchCapacity > SCRATCH_SHRINK_ABOVE) {
      this.#reserve(needed);
    }
    this.#copyArg(args, i, this.#scratch);
    copyBytes(second, 0, this.#view(), this.#scratch + len, second.length);
    return len;
  }

  /** A view of `length` result bytes, or the status code unchanged. */
  #result(length: number): Uint8Array | number {
    if (length < 0) return length;
    const at = this.#engine.resultPtr() >>> 0;
    return this.#view().subarray(at, at + length);
  }

  // ---- for wrappers of other exports (src/engine/bitmaps.ts, the typed values) -----------------

  /** Makes the scratch area hold `n` bytes and returns its offset in memoryBytes() (take that
   * view afterwards: memory may have grown). */
  scratchFor(n: number): number {
    this.#reserve(n);
    return this.#scratch;
  }

  /** Copies `bytes` to the scratch start (a value read on another shard). */
  stageBytes(bytes: Uint8Array): void {
    this.#stage(bytes);
  }
}

/** Writes `len` as a little-endian u32 at `at`, then the bytes; returns the end. */
function writeLengthAndBytes(
  dst: Uint8Array,
  at: number,
  src: Uint8Array,
  from: number,
  len: number,
): number {
  dst[at] = len & 0xff;
  dst[at + 1] = (len >>> 8) & 0xff;
  dst[at + 2] = (len >>> 16) & 0xff;
  dst[at + 3] = len >>> 24;
  copyBytes(src, from, dst, at + 4, len);
  return at + 4 + len;
}

/** dst[at, at + len) = src[from, from + len) (the ranges must not overlap), 8 bytes at a time
 * through the arrays' DataViews: V8's optimizing tier inlines getBigUint64 / setBigUint64 as
 * plain 8-byte moves, no BigInt made (callgrind: ZRANGE's ~150-byte reply and key cost about
 * 1,190 instructions as 4-byte moves). The last word ends at `len`, rewriting bytes of the
 * word before when `len` is not a multiple of 8 (a Uint8Array moves a byte per bounds-checked
 * access). */
function copyWords(
  src: Uint8Array,
  srcView: DataView,
  from: number,
  dst: Uint8Array,
  dstView: DataView,
  at: number,
  len: number,
): void {
  if (len > COPY_WORDS_MAX) return dst.set(src.subarray(from, from + len), at);
  if (len >= 8) {
    let k = 0;
    // 16 bytes a round: half of the loop's own compares and jumps.
    for (; k + 16 < len; k += 16) {
      dstView.setBigUint64(at + k, srcView.getBigUint64(from + k, true), true);
      dstView.setBigUint64(at + k + 8, srcView.getBigUint64(from + k + 8, true), true);
    }
    if (k + 8 < len) dstView.setBigUint64(at + k, srcView.getBigUint64(from + k, true), true);
    const last = len - 8;
    dstView.setBigUint64(at + last, srcView.getBigUint64(from + last, true), true);
  } else if (len >= 4) {
    dstView.setInt32(at, srcView.getInt32(from, true), true);
    dstView.setInt32(at + len - 4, srcView.getInt32(from + len - 4, true), true);
  } else {
    for (let k = 0; k < len; k++) dst[at + k] = src[from + k];
  }
}

/** dst[at, at + len) = src[from, from + len), with this module's measured loop length. */
function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, at: number, len: number): void {
  copyRange(src, from, dst, at, len, COPY_LOOP_MAX);
}
