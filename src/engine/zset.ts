// TypeScript face of the engine's sorted sets (wasm/assembly/api_zset.ts). Members are staged
// as arguments (Keyspace.stageKeyAndArgs / stageKeyAndValues), scores as f64s in the engine's
// score buffer; replies come back as items (Keyspace.replyItems()).
import type { ArgSource, ByteSink, EngineExports, Keyspace } from "./keyspace.ts";
import type { ReplyItems } from "./reply_items.ts";

/** ZADD INCR / ZINCRBY produced a NaN. */
export const ZSET_NAN = -20;

export const ZADD_NX = 1, ZADD_XX = 2, ZADD_GT = 4, ZADD_LT = 8, ZADD_INCR = 16, ZADD_CH = 32;
export const BY_RANK = 0, BY_SCORE = 1, BY_LEX = 2;
export const RANGE_REV = 1,
  RANGE_WITHSCORES = 2,
  RANGE_MINEX = 4,
  RANGE_MAXEX = 8,
  RANGE_COUNT = 16,
  RANGE_REMOVE = 32,
  /** Members only, as RESP bulk strings: send them with writeRespMembers. */
  RANGE_RESP = 64;

interface ZsetExports extends EngineExports {
  zsetScoreBuffer(n: number): number;
  zsetAdd(db: number, klen: number, n: number, flags: number): number;
  zsetStore(db: number, klen: number, n: number): number;
  zsetRemove(db: number, klen: number, n: number): number;
  zsetCard(db: number, klen: number): number;
  zsetScores(db: number, klen: number, n: number): number;
  zsetRank(db: number, klen: number, reverse: number): number;
  zsetRange(
    db: number,
    klen: number,
    type: number,
    flags: number,
    a: number,
    b: number,
    offset: number,
    limit: number,
  ): number;
  zsetPop(db: number, klen: number, count: number, fromTop: number): number;
  zsetRandom(db: number, klen: number, count: number, withScores: number): number;
  zsetScan(db: number, klen: number, cursor: number, count: number): number;
  zsetScanCount(): number;
  zsetLinksConsistent(db: number, klen: number): number;
}

/** One member with its score, as read from a sorted set. */
export interface ScoredMember {
  member: Uint8Array;
  score: number;
}

/** Scores the engine's score buffer always has room for (wasm/assembly/api_zset.ts allocates
 * 1024 bytes at least and keeps them). */
const SCORE_ROOM_KEPT = 128;

export class Zsets {
  readonly #ks: Keyspace;
  readonly #x: ZsetExports;

  constructor(ks: Keyspace) {
    this.#ks = ks;
    this.#x = ks.exports as ZsetExports;
  }

  /** Where the engine's score buffer is and how many scores it holds (small buffers only: a
   * big one is asked for each time, so the engine can shrink it back). */
  #scoreAt = 0;
  #scoreRoom = 0;

  /** Writes scores into the engine's score buffer (before staging: that may move memory). */
  #putScores(scores: ArrayLike<number>, n = scores.length): void {
    // The buffer stays where it is until the engine is asked for a bigger one: a one-pair
    // ZADD needs no call for it.
    if (n > this.#scoreRoom) {
      this.#scoreAt = this.#x.zsetScoreBuffer(n) >>> 0;
      this.#scoreRoom = n <= SCORE_ROOM_KEPT ? SCORE_ROOM_KEPT : 0;
    }
    const at = this.#scoreAt;
    // The keyspace's DataView: no typed array per command, no buffer getters to compare.
    const view = this.#ks.memoryView();
    for (let i = 0; i < n; i++) view.setFloat64(at + 8 * i, scores[i], true);
  }

  /** ZADD with members args[first], args[first + 2]... (their scores: scores[0, n), e.g. a
   * buffer the caller reuses). */
  add(
    db: number,
    args: ArgSource,
    keyIndex: number,
    first: number,
    scores: ArrayLike<number>,
    flags: number,
    n = scores.length,
  ) {
    this.#putScores(scores, n);
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, first + 2 * n, 2);
    return this.#x.zsetAdd(db, klen, n, flags);
  }

  /** Replaces `key` with these members (any type it held goes); none deletes it. */
  store(db: number, key: Uint8Array, members: readonly ScoredMember[]): number {
    this.#putScores(members.map((m) => m.score));
    const klen = this.#ks.stageKeyAndValues(key, members.map((m) => m.member));
    return this.#x.zsetStore(db, klen, members.length);
  }

  remove(db: number, args: ArgSource, keyIndex: number, first: number, end: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, end);
    return this.#x.zsetRemove(db, klen, end - first);
  }

  card(db: number, args: ArgSource, keyIndex: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.zsetCard(db, klen);
  }

  /** One item (score or null) per member argument in [first, end). */
  scores(db: number, args: ArgSource, keyIndex: number, first: number, end: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, end);
    return this.#x.zsetScores(db, klen, end - first);
  }

  rank(db: number, args: ArgSource, keyIndex: number, memberIndex: number, reverse: boolean) {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, memberIndex, memberIndex + 1);
    return this.#x.zsetRank(db, klen, reverse ? 1 : 0);
  }

  /** A rank or score range (see api_zset.ts zsetRange). */
  range(
    db: number,
    args: ArgSource,
    keyIndex: number,
    type: number,
    flags: number,
    a: number,
    b: number,
    offset = 0,
    limit = -1,
  ): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.zsetRange(db, klen, type, flags, a, b, offset, limit);
  }

  /** A lex range: the min and max arguments (already validated) at minIndex and maxIndex. */
  lexRange(
    db: number,
    args: ArgSource,
    keyIndex: number,
    minIndex: number,
    maxIndex: number,
    flags: number,
    offset = 0,
    limit = -1,
  ): number {
    const step = maxIndex - minIndex;
    let klen: number;
    if (step > 0) klen = this.#ks.stageKeyAndArgs(args, keyIndex, minIndex, maxIndex + 1, step);
    else {
      // min after max (Z*REV*RANGEBYLEX): stage copies in the order min, max.
      const arg = (i: number) =>
        args.argBuf.slice(args.argStart[i], args.argStart[i] + args.argLen[i]);
      klen = this.#ks.stageKeyAndValues(arg(keyIndex), [arg(minIndex), arg(maxIndex)]);
    }
    return this.#x.zsetRange(db, klen, BY_LEX, flags, 0, 0, offset, limit);
  }

  /** Every member with its score, in order (empty when missing); WRONG_TYPE as a number. */
  all(db: number, key: Uint8Array): ScoredMember[] | number {
    const klen = this.#ks.stageKeyAndValues(key, []);
    const n = this.#x.zsetRange(db, klen, BY_RANK, RANGE_WITHSCORES, 0, -1, 0, -1);
    if (n < 0) return n === -1 ? [] : n;
    const items = this.#ks.replyItems();
    const out: ScoredMember[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { member: items.nextBytes(), score: items.nextNumber() };
    return out;
  }

  pop(db: number, key: ArgSource | Uint8Array, keyIndex: number, count: number, fromTop: boolean) {
    const klen = key instanceof Uint8Array
      ? this.#ks.stageKeyAndValues(key, [])
      : this.#ks.stageKeyAndArgs(key, keyIndex, 0, 0);
    return this.#x.zsetPop(db, klen, count, fromTop ? 1 : 0);
  }

  random(db: number, args: ArgSource, keyIndex: number, count: number, withScores: boolean) {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.zsetRandom(db, klen, count, withScores ? 1 : 0);
  }

  /** A ZSCAN step: the next cursor (items: scanCount() member/score pairs), or -1 / -2. */
  scan(db: number, args: ArgSource, keyIndex: number, cursor: number, count: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.zsetScan(db, klen, cursor, count);
  }

  scanCount(): number {
    return this.#x.zsetScanCount();
  }

  /** Tests: whether the skiplist links of `key`'s sorted set agree with its order (see
   * t_zset.ts skiplistConsistent); true for other encodings and missing keys. */
  linksConsistent(db: number, key: Uint8Array): boolean {
    return this.#x.zsetLinksConsistent(db, this.#ks.stageKeyAndValues(key, [])) === 1;
  }

  items(): ReplyItems {
    return this.#ks.replyItems();
  }

  /** Appends the members a RANGE_RESP range wrote (ready RESP) to `out`. */
  writeRespMembers(out: ByteSink): void {
    this.#ks.writeResult(out, this.#x.itemsByteLength());
  }
}

const wrappers = new WeakMap<Keyspace, Zsets>();
/** The last keyspace asked about (a shard has one): its wrapper without a WeakMap lookup,
 * which every sorted-set command made once or more. */
let lastKeyspace: Keyspace | null = null;
let lastZsets: Zsets | null = null;

/** The sorted-set operations of a keyspace (one wrapper per keyspace). */
export function zsetsOf(ks: Keyspace): Zsets {
  if (ks === lastKeyspace) return lastZsets!;
  let z = wrappers.get(ks);
  if (!z) wrappers.set(ks, z = new Zsets(ks));
  lastKeyspace = ks;
  lastZsets = z;
  return z;
}
