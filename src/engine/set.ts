// The set type's engine operations (wasm/assembly/api_set.ts) over a Keyspace: arguments are
// staged with stageKeyAndArgs / stageKeyAndValues, replies come back as item lists
// (ks.replyItems()). Counts and statuses are returned as numbers (WRONG_TYPE, NOT_FOUND).
import type { ArgSource, Keyspace } from "./keyspace.ts";
import type { ReplyItems } from "./reply_items.ts";

/** The engine exports of the set type. */
interface SetExports {
  setAdd(db: number, klen: number, n: number): number;
  setRem(db: number, klen: number, n: number): number;
  setCard(db: number, klen: number): number;
  setContains(db: number, klen: number, n: number): number;
  setMove(db: number, klen: number): number;
  setPop(db: number, klen: number, count: number, withCount: number): number;
  setRandom(db: number, klen: number, count: number, withCount: number): number;
  setScan(db: number, klen: number, cursor: number, count: number): number;
  setScanCursor(): number;
  setCombine(db: number, klen: number, n: number, op: number, flags: number, limit: number): number;
  setTempLoad(n: number): number;
  setTempCombine(op: number, flags: number, limit: number): number;
  setTempEncoding(): number;
}

/** SINTER / SUNION / SDIFF. */
export const SET_UNION = 0, SET_DIFF = 1, SET_INTER = 2;
export type SetOp = typeof SET_UNION | typeof SET_DIFF | typeof SET_INTER;
/** combine flags: write the result to the destination key; count only (SINTERCARD). */
export const COMBINE_STORE = 1, COMBINE_CARD = 2;

const NO_KEY = new Uint8Array(0);

export class SetOps {
  readonly #ks: Keyspace;
  readonly #x: SetExports;

  constructor(ks: Keyspace) {
    this.#ks = ks;
    this.#x = ks.exports as unknown as SetExports;
  }

  /** The items the last operation produced. */
  items(): ReplyItems {
    return this.#ks.replyItems();
  }

  /** SADD key (argument `keyIndex`) with arguments [first, end): members added, or WRONG_TYPE. */
  add(db: number, args: ArgSource, keyIndex: number, first: number, end: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, end);
    return this.#x.setAdd(db, klen, end - first);
  }

  /** SADD of members held in JS. */
  addValues(db: number, key: Uint8Array, members: readonly Uint8Array[]): number {
    return this.#x.setAdd(db, this.#ks.stageKeyAndValues(key, members), members.length);
  }

  remove(db: number, args: ArgSource, keyIndex: number, first: number, end: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, end);
    return this.#x.setRem(db, klen, end - first);
  }

  removeValues(db: number, key: Uint8Array, members: readonly Uint8Array[]): number {
    return this.#x.setRem(db, this.#ks.stageKeyAndValues(key, members), members.length);
  }

  card(db: number, args: ArgSource, keyIndex: number): number {
    return this.#x.setCard(db, this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0));
  }

  /** An integer item (1 / 0) per member in [first, end), or WRONG_TYPE. */
  contains(db: number, args: ArgSource, keyIndex: number, first: number, end: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, first, end);
    return this.#x.setContains(db, klen, end - first);
  }

  /** SMOVE src dst member, the three arguments from `srcIndex` on: 1, 0 or WRONG_TYPE. */
  move(db: number, args: ArgSource, srcIndex: number): number {
    const klen = this.#ks.stageKeyAndArgs(args, srcIndex, srcIndex + 1, srcIndex + 3);
    return this.#x.setMove(db, klen);
  }

  /** SPOP (count null: one member): the item count, NOT_FOUND or WRONG_TYPE. */
  pop(db: number, args: ArgSource, keyIndex: number, count: number | null): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.setPop(db, klen, count ?? 1, count === null ? 0 : 1);
  }

  /** SRANDMEMBER (count null: one member): the item count, NOT_FOUND or WRONG_TYPE. */
  random(db: number, args: ArgSource, keyIndex: number, count: number | null): number {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    return this.#x.setRandom(db, klen, count ?? 1, count === null ? 0 : 1);
  }

  /** One SSCAN step from `cursor` (< 2^32): the item count and the next cursor, or a status. */
  scan(
    db: number,
    args: ArgSource,
    keyIndex: number,
    cursor: number,
    count: number,
  ): { found: number; next: number } {
    const klen = this.#ks.stageKeyAndArgs(args, keyIndex, 0, 0);
    const found = this.#x.setScan(db, klen, cursor, count);
    return { found, next: found < 0 ? 0 : this.#x.setScanCursor() };
  }

  /**
   * SINTER / SUNION / SDIFF over the keys in arguments [first, end). With COMBINE_STORE the
   * result replaces argument `destIndex` (returns its size); COMBINE_CARD counts up to `limit`
   * (0: no limit); otherwise the members are the items (returns their count). WRONG_TYPE when
   * a source holds another type.
   */
  combine(
    db: number,
    args: ArgSource,
    op: SetOp,
    first: number,
    end: number,
    flags = 0,
    destIndex = -1,
    limit = 0,
  ): number {
    const store = (flags & COMBINE_STORE) !== 0;
    const klen = store
      ? this.#ks.stageKeyAndArgs(args, destIndex, first, end)
      : this.#ks.stageKeyAndArgs(args, first, first + 1, end);
    return this.#x.setCombine(db, klen, end - first, op, flags, limit);
  }

  /**
   * combine over member lists gathered from other shards (null: a missing key). With
   * COMBINE_STORE the result's members are the items and `encoding` its OBJECT ENCODING code
   * (0 when empty), so the destination can be rebuilt with the same encoding.
   */
  combineValues(
    sets: readonly (readonly Uint8Array[] | null)[],
    op: SetOp,
    flags = 0,
    limit = 0,
  ): { result: number; encoding: number } {
    for (const members of sets) {
      const list = members ?? [];
      this.#ks.stageKeyAndValues(NO_KEY, list);
      this.#x.setTempLoad(list.length);
    }
    const result = this.#x.setTempCombine(op, flags, limit);
    return { result, encoding: this.#x.setTempEncoding() };
  }
}

const cache = new WeakMap<Keyspace, SetOps>();

/** The set operations of a keyspace. */
export function setOps(ks: Keyspace): SetOps {
  let ops = cache.get(ks);
  if (!ops) cache.set(ks, ops = new SetOps(ks));
  return ops;
}
