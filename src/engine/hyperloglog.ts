// TypeScript face of the engine's HyperLogLog exports (wasm/assembly/api_hll.ts; contract in
// wasm/README.md). HLLs are plain string values of the keyspace: these calls read and write
// them in place with Redis's exact representation. Counts come back as decimal digits at the
// result pointer (write them with keyspace.writeInteger).
import type { ArgSource, EngineExports, Keyspace } from "./keyspace.ts";

/** Status codes beyond keyspace.ts's (same values as wasm/assembly/status.ts). */
export const NOT_HLL = -10, INVALID_HLL = -11, NOT_SPARSE = -12;

export const ERR_NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
export const ERR_INVALID_HLL = "INVALIDOBJ Corrupted HLL object detected";

/** PFDEBUG subcommands as the engine numbers them. */
export const DEBUG_GETREG = 0, DEBUG_DECODE = 1, DEBUG_ENCODING = 2, DEBUG_TODENSE = 3;

/** PFSELFTEST's failures (hllSelfTest results 1..4). */
export const SELFTEST_FAILURES = [
  "",
  "TESTFAILED Register value mismatch",
  "TESTFAILED sparse encoding not used",
  "TESTFAILED dense/sparse disagree",
  "TESTFAILED Too big error",
] as const;

interface HllExports {
  hllAdd(db: number, klen: number, count: number, sparseMaxBytes: number): number;
  hllCount(db: number, klen: number): number;
  hllMergeBegin(): void;
  hllMergeKey(db: number, klen: number): number;
  hllMergeValue(vlen: number): number;
  hllMergeCount(): number;
  hllMergeStore(db: number, klen: number, sparseMaxBytes: number): number;
  hllMergeResult(vlen: number, sparseMaxBytes: number): number;
  hllDebug(db: number, klen: number, op: number): number;
  hllSelfTest(sparseMaxBytes: number): number;
}

export class HyperLogLogs {
  readonly #keyspace: Keyspace;
  readonly #engine: HllExports;

  constructor(keyspace: Keyspace) {
    this.#keyspace = keyspace;
    this.#engine = keyspace.exports as EngineExports & HllExports;
  }

  /** PFADD of arguments [from, to) to the HLL at argument `keyIndex`: 1 changed (or created),
   * 0, WRONG_TYPE, NOT_HLL, INVALID_HLL. */
  add(
    db: number,
    args: ArgSource,
    keyIndex: number,
    from: number,
    to: number,
    sparseMaxBytes: number,
  ): number {
    const klen = this.#keyspace.stageKeyAndArgs(args, keyIndex, from, to);
    return this.#engine.hllAdd(db, klen, to - from, sparseMaxBytes);
  }

  /** PFCOUNT of one key: the digit count (writeInteger), NOT_FOUND (0), WRONG_TYPE, NOT_HLL,
   * INVALID_HLL. Refreshes the cached cardinality in the value. */
  count(db: number, args: ArgSource, keyIndex: number): number {
    return this.#engine.hllCount(db, this.#stageKey(args, keyIndex));
  }

  /** Starts a union of HLLs (PFCOUNT of several keys, PFMERGE). */
  mergeBegin(): void {
    this.#engine.hllMergeBegin();
  }

  /** Adds a key's HLL to the union (missing keys count as empty): 0 or an error status. */
  mergeKey(db: number, args: ArgSource, keyIndex: number): number {
    return this.#engine.hllMergeKey(db, this.#stageKey(args, keyIndex));
  }

  /** Adds the bytes of a string read elsewhere: 0, NOT_HLL or INVALID_HLL. */
  mergeValue(value: Uint8Array): number {
    this.#keyspace.stageBytes(value);
    return this.#engine.hllMergeValue(value.length);
  }

  /** The union's cardinality: its digit count (writeInteger). */
  mergeCount(): number {
    return this.#engine.hllMergeCount();
  }

  /** PFMERGE's write of the union into the key at argument `keyIndex`: 0 or INVALID_HLL. */
  mergeStore(db: number, args: ArgSource, keyIndex: number, sparseMaxBytes: number): number {
    return this.#engine.hllMergeStore(db, this.#stageKey(args, keyIndex), sparseMaxBytes);
  }

  /** PFMERGE's new value for a destination on another shard, from its current bytes (null:
   * missing): a copy, or INVALID_HLL. */
  mergeResult(current: Uint8Array | null, sparseMaxBytes: number): Uint8Array | number {
    if (current) this.#keyspace.stageBytes(current);
    const len = this.#engine.hllMergeResult(current ? current.length : -1, sparseMaxBytes);
    return len < 0 ? len : this.#keyspace.copyResult(len);
  }

  /** PFDEBUG: GETREG gives 16384 register bytes (at resultOffset), DECODE the text's length,
   * ENCODING 0 dense / 1 sparse, TODENSE 1 / 0; or NOT_FOUND, WRONG_TYPE, NOT_HLL,
   * INVALID_HLL, NOT_SPARSE. */
  debug(db: number, args: ArgSource, keyIndex: number, op: number): number {
    return this.#engine.hllDebug(db, this.#stageKey(args, keyIndex), op);
  }

  /** PFSELFTEST: 0 passed, else an index into SELFTEST_FAILURES. */
  selfTest(sparseMaxBytes: number): number {
    return this.#engine.hllSelfTest(sparseMaxBytes);
  }

  #stageKey(args: ArgSource, keyIndex: number): number {
    return this.#keyspace.stageKeyAndArgs(args, keyIndex, 0, 0);
  }
}

const perKeyspace = new WeakMap<Keyspace, HyperLogLogs>();

/** The HyperLogLog wrapper of a shard's keyspace (made on first use). */
export function hyperLogLogsOf(keyspace: Keyspace): HyperLogLogs {
  let hll = perKeyspace.get(keyspace);
  if (!hll) perKeyspace.set(keyspace, hll = new HyperLogLogs(keyspace));
  return hll;
}
