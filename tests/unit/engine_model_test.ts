// Randomized model test of the Wasm keyspace engine (through Keyspace) against plain Maps.
// Binary keys, values 0..300 bytes (sometimes 100 KB), integers in and out of range, TTLs,
// growth and shrinking with incremental rehash, SCAN under concurrent inserts/deletes,
// APPEND / SETRANGE / GETRANGE / STRLEN, OBJECT ENCODING, RENAME / MOVE / COPY / DUMP+RESTORE,
// hit / miss / expired counters. Half the calls go through the zero-copy `...Arg` methods
// (arguments by index into a request-like buffer, results written as RESP).
// Set ENGINE_TEST_SEED to replay a failure.
import assert from "node:assert/strict";
import {
  type ArgSource,
  CONDITION,
  DECREMENT_OVERFLOW,
  ENC_EMBSTR,
  ENC_INT,
  ENC_RAW,
  EXPIRE_GT,
  EXPIRE_LT,
  EXPIRE_NX,
  EXPIRE_XX,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
  NOT_INTEGER,
  OVERFLOW,
  SAME_KEY,
  SET_GET,
  SET_KEEP_TEXT,
  SET_KEEPTTL,
  SET_NX,
  SET_XX,
  TOO_LARGE,
  TYPE_STRING,
  WRONG_TYPE,
} from "../../src/engine/keyspace.ts";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { makeRandom } from "../helpers/random.ts";

// ---- deterministic randomness ---------------------------------------------------------------

const SEED = Number(Deno.env.get("ENGINE_TEST_SEED") ?? (Date.now() % 2 ** 31));

type Random = ReturnType<typeof makeRandom>;

// ---- bytes ----------------------------------------------------------------------------------

// Plain loops: Uint8Array.from / spreading are an order of magnitude slower, and these run
// a few million times.
function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
/** A Map key for bytes (one char per byte, so it is injective). */
function id(b: Uint8Array): string {
  if (b.length <= 4096) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertValue(actual: Uint8Array | number, expected: Uint8Array | number, what: string) {
  if (typeof expected === "number" || typeof actual === "number") {
    assert.equal(actual, expected, what);
  } else if (!sameBytes(actual, expected)) {
    assert.fail(
      `${what}: got ${JSON.stringify(id(actual).slice(0, 80))} (${actual.length} B), ` +
        `want ${JSON.stringify(id(expected).slice(0, 80))} (${expected.length} B)`,
    );
  }
}

// ---- Redis semantics, written independently of the engine -------------------------------------

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

/** Redis util.c string2ll. */
function string2ll(b: Uint8Array): bigint | null {
  if (b.length === 0 || b.length > 20) return null;
  const s = id(b);
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

/**
 * How a string is held, for OBJECT ENCODING: "int" (SET of a canonical integer, INCR),
 * "text" (embstr up to 44 bytes, else raw), "raw" (modified in place: APPEND, SETRANGE).
 */
type Form = "int" | "text" | "raw";
type Entry = { value: Uint8Array; type: number; handle: number; expireAt: number; form: Form }; // expireAt -1: none

/** What Redis 7.0's tryObjectEncoding makes of a SET value. */
function formOf(value: Uint8Array): Form {
  return string2ll(value) !== null ? "int" : "text";
}

function expectedEncoding(e: Entry | undefined): number {
  if (!e) return NOT_FOUND;
  if (e.form === "int") return ENC_INT;
  return e.form === "text" && e.value.length <= 44 ? ENC_EMBSTR : ENC_RAW;
}

class Model {
  readonly dbs: Map<string, Entry>[] = Array.from({ length: 16 }, () => new Map());
  now = 1_700_000_000_000;
  hits = 0;
  misses = 0;
  expired = 0;

  /** Lookup with lazy expiry, mirroring what every engine access does. */
  live(db: number, k: string): Entry | undefined {
    const e = this.dbs[db].get(k);
    if (e && e.expireAt !== -1 && this.now > e.expireAt) {
      this.dbs[db].delete(k);
      this.expired++;
      return undefined;
    }
    return e;
  }

  /** A read lookup as Redis counts it in keyspace_hits / keyspace_misses. */
  read(db: number, k: string): Entry | undefined {
    const e = this.live(db, k);
    if (e) this.hits++;
    else this.misses++;
    return e;
  }

  purgeExpired(db: number) {
    for (const k of [...this.dbs[db].keys()]) this.live(db, k);
  }

  string(value: Uint8Array, expireAt: number, form: Form = formOf(value)): Entry {
    return { value, type: TYPE_STRING, handle: 0, expireAt, form };
  }

  volatileCount(db: number): number {
    let n = 0;
    for (const e of this.dbs[db].values()) if (e.expireAt !== -1) n++;
    return n;
  }
}

// ---- generators -------------------------------------------------------------------------------

const SPECIAL_KEYS = [
  "",
  "\0",
  "\r\n",
  "\xff",
  "\xff\xff\0\r\n",
  "a\0b",
  " ",
  "*1\r\n$3\r\nGET\r\n",
];

function makeKeyPool(rnd: Random, size: number, tag: number): Uint8Array[] {
  const pool: Uint8Array[] = SPECIAL_KEYS.map(latin1);
  pool.push(latin1("wide:" + "k".repeat(300)), latin1("x".repeat(1000)));
  while (pool.length < size) {
    const len = rnd.int(40);
    const k = rnd.chance(0.5) ? rnd.bytes(len) : latin1(`key:${tag}:${rnd.int(1e9)}`);
    pool.push(k);
  }
  return pool;
}

const NON_CANONICAL = [
  "007",
  "-0",
  "+5",
  " 5",
  "5 ",
  "9223372036854775808",
  "-9223372036854775809",
  "123456789012345678901",
  "1e3",
  "0x10",
  "",
  "-",
  "--1",
  "00",
  "1.0",
  "١",
];
const EDGE_INTEGERS = [
  0n,
  1n,
  -1n,
  10n,
  I64_MAX,
  I64_MIN,
  I64_MAX - 1n,
  I64_MIN + 1n,
  2n ** 32n,
  -(2n ** 31n),
];

function randomInteger(rnd: Random): bigint {
  if (rnd.chance(0.2)) return rnd.pick(EDGE_INTEGERS);
  const magnitude = rnd.chance(0.8)
    ? BigInt(rnd.int(1000))
    : BigInt(rnd.int(2 ** 31)) * BigInt(rnd.int(2 ** 31));
  return rnd.chance(0.3) ? -magnitude : magnitude;
}

const BIG_VALUE_BYTES = 100 * 1024;

function randomValue(rnd: Random): Uint8Array {
  const r = rnd.next();
  if (r < 0.3) return latin1(String(randomInteger(rnd)));
  if (r < 0.35) return latin1(rnd.pick(NON_CANONICAL));
  if (r < 0.35002) return rnd.bytes(BIG_VALUE_BYTES + rnd.int(1000));
  if (r < 0.5) return rnd.bytes(rnd.int(8));
  return rnd.bytes(rnd.int(300));
}

function randomDelta(rnd: Random): Uint8Array {
  if (rnd.chance(0.05)) return latin1(rnd.pick(NON_CANONICAL));
  return latin1(String(randomInteger(rnd)));
}

// ---- one checked operation per call -------------------------------------------------------------

/** The arguments as a request buffer holds them: at random offsets, with bytes in between. */
function argsOf(rnd: Random, ...parts: Uint8Array[]): ArgSource {
  let total = 4;
  for (const p of parts) total += p.length + 4;
  const argBuf = new Uint8Array(total).fill(0xa5);
  const argStart = new Int32Array(parts.length + 1), argLen = new Int32Array(parts.length + 1);
  let at = 1 + rnd.int(3);
  parts.forEach((p, i) => {
    argBuf.set(p, at);
    argStart[i + 1] = at;
    argLen[i + 1] = p.length;
    at += p.length + 1 + rnd.int(3);
  });
  return { argBuf, argStart, argLen };
}

const latin1Decoder = new TextDecoder("latin1");
const out = new ReplyWriter();

/** The last result's `len` bytes, read three ways that must agree: in place, as a RESP bulk
 * reply (writeBulk) and as raw bytes (writeResult). */
function resultBytes(ks: Keyspace, len: number): Uint8Array {
  const at = ks.resultOffset();
  const inPlace = ks.memoryBytes().slice(at, at + len);
  out.reset();
  ks.writeBulk(out, len);
  const header = `$${len}\r\n`;
  const bulk = out.bytes();
  assert.equal(latin1Decoder.decode(bulk.subarray(0, header.length)), header, "writeBulk header");
  assert.ok(
    sameBytes(bulk.subarray(header.length, header.length + len), inPlace),
    "writeBulk body",
  );
  assert.equal(latin1Decoder.decode(bulk.subarray(header.length + len)), "\r\n", "writeBulk end");
  out.reset();
  ks.writeResult(out, len);
  assert.ok(sameBytes(out.bytes(), inPlace), "writeResult");
  return inPlace;
}

/** A status, or the result bytes behind a length (the `...Arg` methods' convention). */
function argResult(ks: Keyspace, n: number): Uint8Array | number {
  return n < 0 ? n : resultBytes(ks, n);
}

class Checker {
  constructor(readonly ks: Keyspace, readonly model: Model, readonly rnd: Random) {}
  ops = 0;

  /** Whether this call goes through the zero-copy `...Arg` method. */
  viaArgs(): boolean {
    return this.rnd.chance(0.5);
  }

  set(db: number, key: Uint8Array, value: Uint8Array) {
    const { ks, model, rnd } = this;
    const k = id(key);
    let flags = 0;
    const condition = rnd.next();
    if (condition < 0.1) flags |= SET_NX;
    else if (condition < 0.2) flags |= SET_XX;
    if (rnd.chance(0.1)) flags |= SET_KEEPTTL;
    if (rnd.chance(0.2)) flags |= SET_GET;
    if (rnd.chance(0.05)) flags |= SET_KEEP_TEXT;
    let expireAt = 0;
    if (!(flags & SET_KEEPTTL)) {
      const r = rnd.next();
      if (r < 0.2) expireAt = model.now + 1 + rnd.int(5000);
      else if (r < 0.22) expireAt = model.now - rnd.int(1000);
    }
    const e = flags & SET_GET ? model.read(db, k) : model.live(db, k);
    let expected = 0;
    let old: Uint8Array | number = NOT_FOUND;
    if (flags & SET_GET && e) old = e.type === TYPE_STRING ? e.value : WRONG_TYPE;
    if (old === WRONG_TYPE) {
      expected = WRONG_TYPE;
    } else if ((flags & SET_NX && e) || (flags & SET_XX && !e)) {
      expected = CONDITION;
    } else if (expireAt > 0 && expireAt <= model.now) {
      model.dbs[db].delete(k);
    } else {
      const ttl = expireAt > 0 ? expireAt : (flags & SET_KEEPTTL && e ? e.expireAt : -1);
      const form = flags & SET_KEEP_TEXT ? "text" : formOf(value);
      model.dbs[db].set(k, model.string(value.slice(), ttl, form));
    }
    if (this.viaArgs()) {
      const args = argsOf(rnd, key, value);
      assert.equal(
        ks.setStringArg(db, args, 1, 2, expireAt, flags),
        expected,
        `SET (args) flags ${flags}`,
      );
      if (flags & SET_GET) {
        assertValue(argResult(ks, ks.lastOldLength()), old, "SET GET old value (args)");
      }
    } else {
      assert.equal(ks.setString(db, key, value, expireAt, flags), expected, `SET flags ${flags}`);
      if (flags & SET_GET) assertValue(ks.lastOld(), old, "SET GET old value");
    }
  }

  get(db: number, key: Uint8Array) {
    const e = this.model.read(db, id(key));
    const expected = !e ? NOT_FOUND : e.type === TYPE_STRING ? e.value : WRONG_TYPE;
    if (this.viaArgs()) {
      assertValue(
        argResult(this.ks, this.ks.getStringArg(db, argsOf(this.rnd, key), 1)),
        expected,
        "GET (args)",
      );
    } else {
      assertValue(this.ks.getString(db, key), expected, "GET");
    }
  }

  incr(db: number, key: Uint8Array, delta: Uint8Array) {
    const { ks, model, rnd } = this;
    const negate = rnd.chance(0.2);
    let expected: Uint8Array | number;
    const parsed = string2ll(delta);
    if (parsed === null) expected = NOT_INTEGER;
    else if (negate && parsed === I64_MIN) expected = DECREMENT_OVERFLOW;
    else {
      const e = model.live(db, id(key));
      const current = !e ? 0n : e.type !== TYPE_STRING ? null : string2ll(e.value);
      if (e && e.type !== TYPE_STRING) expected = WRONG_TYPE;
      else if (current === null) expected = NOT_INTEGER;
      else {
        const result = current + (negate ? -parsed : parsed);
        if (result < I64_MIN || result > I64_MAX) expected = OVERFLOW;
        else {
          expected = latin1(String(result));
          model.dbs[db].set(id(key), model.string(expected, e ? e.expireAt : -1, "int"));
        }
      }
    }
    let actual: Uint8Array | number;
    const how = rnd.int(3);
    if (how === 0) actual = ks.incrBy(db, key, delta, negate);
    else if (how === 1) {
      actual = argResult(ks, ks.incrByArg(db, argsOf(rnd, key, delta), 1, 2, negate));
    } else {
      // A numeric delta when it is a safe integer (INCR / DECR / small INCRBY).
      const n = parsed === null || parsed > 2n ** 53n || parsed < -(2n ** 53n)
        ? null
        : Number(parsed);
      if (n === null) {
        actual = argResult(ks, ks.incrByArgText(db, argsOf(rnd, key), 1, delta, negate));
      } else actual = argResult(ks, ks.incrByNumberArg(db, argsOf(rnd, key), 1, negate ? -n : n));
    }
    assertValue(actual, expected, `INCRBY ${id(delta)} negate=${negate} via ${how}`);
    if (typeof actual !== "number" && how !== 0) {
      out.reset();
      ks.writeInteger(out, actual.length);
      assert.equal(latin1Decoder.decode(out.bytes()), `:${id(actual)}\r\n`, "writeInteger");
    }
  }

  del(db: number, key: Uint8Array) {
    const k = id(key);
    const existed = this.model.live(db, k) !== undefined;
    this.model.dbs[db].delete(k);
    const deleted = this.viaArgs()
      ? this.ks.deleteArg(db, argsOf(this.rnd, key), 1)
      : this.ks.delete(db, key);
    assert.equal(deleted, existed, "DEL");
  }

  existsAndType(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const r = rnd.int(6);
    const counted = r >= 4;
    const e = counted ? model.read(db, id(key)) : model.live(db, id(key));
    const args = argsOf(rnd, key);
    if (r === 0) assert.equal(ks.exists(db, key), e !== undefined, "EXISTS");
    else if (r === 1) assert.equal(ks.existsArg(db, args, 1), e !== undefined, "EXISTS (args)");
    else if (r === 2) assert.equal(ks.type(db, key), e ? e.type : -1, "TYPE");
    else if (r === 3) assert.equal(ks.typeArg(db, args, 1), e ? e.type : -1, "TYPE (args)");
    else if (r === 4) assert.equal(ks.lookupRead(db, key), e ? e.type : -1, "lookupRead");
    else assert.equal(ks.lookupReadArg(db, args, 1), e ? e.type : -1, "lookupRead (args)");
  }

  expire(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const flags = rnd.pick([
      0,
      0,
      EXPIRE_NX,
      EXPIRE_XX,
      EXPIRE_GT,
      EXPIRE_LT,
      EXPIRE_XX | EXPIRE_GT,
      EXPIRE_XX | EXPIRE_LT,
    ]);
    const at = model.now + rnd.int(12000) - 2000;
    const e = model.live(db, id(key));
    let expected = 0;
    if (e) {
      const has = e.expireAt !== -1;
      const refused = (flags & EXPIRE_NX && has) || (flags & EXPIRE_XX && !has) ||
        (flags & EXPIRE_GT && (!has || at <= e.expireAt)) ||
        (flags & EXPIRE_LT && has && at >= e.expireAt);
      if (!refused) {
        expected = 1;
        if (at <= model.now) model.dbs[db].delete(id(key));
        else e.expireAt = at;
      }
    }
    const set = this.viaArgs()
      ? ks.setExpireArg(db, argsOf(rnd, key), 1, at, flags)
      : ks.setExpire(db, key, at, flags);
    assert.equal(set, expected, `EXPIRE flags ${flags}`);
  }

  persist(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    const had = e !== undefined && e.expireAt !== -1;
    if (e) e.expireAt = -1;
    const done = this.viaArgs()
      ? this.ks.persistArg(db, argsOf(this.rnd, key), 1)
      : this.ks.persist(db, key);
    assert.equal(done, had, "PERSIST");
  }

  expireAt(db: number, key: Uint8Array) {
    const e = this.model.live(db, id(key));
    const at = this.viaArgs()
      ? this.ks.expireAtArg(db, argsOf(this.rnd, key), 1)
      : this.ks.expireAt(db, key);
    assert.equal(at, e ? e.expireAt : -2, "PEXPIRETIME");
  }

  // ---- APPEND / SETRANGE / GETRANGE / STRLEN / OBJECT ENCODING ----------------------------------

  /** A length limit as proto-max-bulk-len may set it (usually the 512 MB default). */
  maxLen(): number | undefined {
    return this.rnd.chance(0.8) ? undefined : this.rnd.int(400);
  }

  append(db: number, key: Uint8Array, value: Uint8Array) {
    const { ks, model } = this;
    const k = id(key);
    const e = model.live(db, k);
    const limit = this.maxLen();
    let expected: number;
    if (!e) {
      model.dbs[db].set(k, model.string(value.slice(), -1));
      expected = value.length;
    } else if (e.type !== TYPE_STRING) expected = WRONG_TYPE;
    else if (e.value.length + value.length > (limit ?? Infinity)) expected = TOO_LARGE;
    else {
      const joined = new Uint8Array(e.value.length + value.length);
      joined.set(e.value);
      joined.set(value, e.value.length);
      e.value = joined;
      e.form = "raw";
      expected = joined.length;
    }
    const actual = this.viaArgs()
      ? ks.appendArg(db, argsOf(this.rnd, key, value), 1, 2, limit)
      : ks.append(db, key, value, limit);
    assert.equal(actual, expected, "APPEND");
  }

  setRange(db: number, key: Uint8Array, value: Uint8Array) {
    const { ks, model, rnd } = this;
    const k = id(key);
    const offset = rnd.chance(0.7) ? rnd.int(40) : rnd.int(400);
    const patch = rnd.chance(0.1) ? new Uint8Array(0) : value;
    const limit = this.maxLen();
    const e = model.live(db, k);
    let expected: number;
    if (e && e.type !== TYPE_STRING) expected = WRONG_TYPE;
    else if (patch.length === 0) expected = e ? e.value.length : 0;
    else if (offset + patch.length > (limit ?? Infinity)) expected = TOO_LARGE;
    else {
      const old = e ? e.value : new Uint8Array(0);
      const result = new Uint8Array(Math.max(old.length, offset + patch.length));
      result.set(old);
      result.set(patch, offset);
      if (e) {
        e.value = result;
        e.form = "raw";
      } else model.dbs[db].set(k, model.string(result, -1, "raw"));
      expected = result.length;
    }
    const actual = this.viaArgs()
      ? ks.setRangeArg(db, argsOf(rnd, key, patch), 1, offset, 2, limit)
      : ks.setRange(db, key, offset, patch, limit);
    assert.equal(actual, expected, `SETRANGE at ${offset}`);
  }

  getRange(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const pick = () => rnd.chance(0.1) ? rnd.pick([0, -1, 2 ** 40, -(2 ** 40)]) : rnd.int(80) - 40;
    const start = pick(), end = pick();
    const e = model.read(db, id(key));
    let expected: Uint8Array | number;
    if (!e) expected = NOT_FOUND;
    else if (e.type !== TYPE_STRING) expected = WRONG_TYPE;
    else {
      // Redis 7.0 getrangeCommand, written out.
      const len = e.value.length;
      let s = start, t = end;
      if (s < 0 && t < 0 && s > t) expected = new Uint8Array(0);
      else {
        if (s < 0) s = len + s;
        if (t < 0) t = len + t;
        if (s < 0) s = 0;
        if (t < 0) t = 0;
        if (t >= len) t = len - 1;
        expected = s > t || len === 0 ? new Uint8Array(0) : e.value.slice(s, t + 1);
      }
    }
    const actual = this.viaArgs()
      ? argResult(ks, ks.getRangeArg(db, argsOf(rnd, key), 1, start, end))
      : ks.getRange(db, key, start, end);
    assertValue(actual, expected, `GETRANGE ${start} ${end}`);
  }

  strLenAndEncoding(db: number, key: Uint8Array) {
    const { ks, model, rnd } = this;
    const e = model.read(db, id(key));
    const args = argsOf(rnd, key);
    const r = rnd.int(4);
    if (r < 2) {
      const expected = !e ? NOT_FOUND : e.type !== TYPE_STRING ? WRONG_TYPE : e.value.length;
      assert.equal(r === 0 ? ks.strLen(db, key) : ks.strLenArg(db, args, 1), expected, "STRLEN");
    } else {
      const actual = r === 2 ? ks.encoding(db, key) : ks.encodingArg(db, args, 1);
      assert.equal(
        actual,
        expectedEncoding(e),
        `OBJECT ENCODING of ${e ? id(e.value).slice(0, 30) : "-"}`,
      );
    }
  }

  touch(db: number, key: Uint8Array) {
    const e = this.model.read(db, id(key));
    const touched = this.viaArgs()
      ? this.ks.touchArg(db, argsOf(this.rnd, key), 1)
      : this.ks.touch(db, key);
    assert.equal(touched, e !== undefined, "TOUCH");
  }

  // ---- RENAME / MOVE / COPY / DUMP+RESTORE ----------------------------------------------------------

  rename(db: number, key: Uint8Array, newKey: Uint8Array) {
    const { ks, model, rnd } = this;
    const nx = rnd.chance(0.3);
    const k = id(key), nk = id(newKey);
    const e = model.live(db, k);
    let expected: number;
    if (!e) expected = NOT_FOUND;
    else if (k === nk) expected = nx ? 0 : 1;
    else {
      const d = model.live(db, nk);
      if (d && nx) expected = 0;
      else {
        model.dbs[db].delete(k);
        model.dbs[db].set(nk, e);
        expected = 1;
      }
    }
    const actual = this.viaArgs()
      ? ks.renameArg(db, argsOf(rnd, key, newKey), 1, 2, nx)
      : ks.rename(db, key, newKey, nx);
    assert.equal(actual, expected, `RENAME nx=${nx}`);
  }

  move(db: number, dstDb: number, key: Uint8Array) {
    const { ks, model } = this;
    const k = id(key);
    let expected: number;
    if (db === dstDb) expected = SAME_KEY;
    else {
      const e = model.live(db, k);
      if (!e || model.live(dstDb, k)) expected = 0;
      else {
        model.dbs[db].delete(k);
        model.dbs[dstDb].set(k, e);
        expected = 1;
      }
    }
    const actual = this.viaArgs()
      ? ks.moveArg(db, dstDb, argsOf(this.rnd, key), 1)
      : ks.move(db, dstDb, key);
    assert.equal(actual, expected, "MOVE");
  }

  copy(db: number, key: Uint8Array, dstDb: number, dstKey: Uint8Array) {
    const { ks, model, rnd } = this;
    const replace = rnd.chance(0.5);
    const k = id(key), nk = id(dstKey);
    let expected: number;
    if (db === dstDb && k === nk) expected = SAME_KEY;
    else {
      const e = model.read(db, k);
      if (!e) expected = 0;
      else {
        const d = model.live(dstDb, nk);
        if (d && !replace) expected = 0;
        else {
          model.dbs[dstDb].set(nk, { ...e });
          expected = 1;
        }
      }
    }
    const actual = this.viaArgs()
      ? ks.copyArg(db, argsOf(rnd, key, dstKey), 1, dstDb, 2, replace)
      : ks.copy(db, key, dstDb, dstKey, replace);
    assert.equal(actual, expected, `COPY replace=${replace}`);
  }

  /** DUMP from one engine, RESTORE into another: the cross-shard path of RENAME / COPY / MOVE. */
  dumpRestore(
    db: number,
    key: Uint8Array,
    other: Keyspace,
    otherModel: Model,
    dstDb: number,
    dstKey: Uint8Array,
  ) {
    const { ks, model, rnd } = this;
    const e = model.live(db, id(key));
    const blob = ks.dump(db, key);
    if (!e) {
      assert.equal(blob, null, "DUMP of a missing key");
      return;
    }
    assert.ok(blob !== null, "DUMP of a string");
    const replace = rnd.chance(0.5);
    const r = rnd.next();
    const expireAt = r < 0.5
      ? 0
      : r < 0.9
      ? model.now + 1 + rnd.int(5000)
      : model.now - rnd.int(100);
    const d = otherModel.live(dstDb, id(dstKey));
    let expected = 1;
    if (d && !replace) expected = 0;
    else if (expireAt > 0 && expireAt <= otherModel.now) otherModel.dbs[dstDb].delete(id(dstKey));
    else {otherModel.dbs[dstDb].set(id(dstKey), {
        ...e,
        value: e.value.slice(),
        expireAt: expireAt || -1,
      });}
    assert.equal(
      other.restore(dstDb, dstKey, blob, expireAt, replace, rnd.chance(0.5)),
      expected,
      "RESTORE",
    );
  }

  checkSize(db: number) {
    assert.equal(this.ks.dbSize(db), this.model.dbs[db].size, `dbSize of db ${db}`);
  }

  checkStats() {
    assert.equal(this.ks.keyspaceHits(), this.model.hits, "keyspace hits");
    assert.equal(this.ks.keyspaceMisses(), this.model.misses, "keyspace misses");
    assert.equal(this.ks.expiredKeys(), this.model.expired, "expired keys");
  }

  /** Reclaims every expired key on both sides, then compares key sets through SCAN. */
  verifyDb(db: number) {
    const { ks, model } = this;
    let rounds = 0;
    while (ks.activeExpire(db, 2 * ks.volatileCount(db) + 16) > 0) rounds++;
    assert.ok(rounds < 50, "active expiry converges");
    model.purgeExpired(db);
    this.checkSize(db);
    this.checkStats();
    assert.equal(ks.volatileCount(db), model.volatileCount(db), "volatileCount");
    const seen = scanAll(ks, db, 1 + this.rnd.int(200));
    assert.equal(seen.size, model.dbs[db].size, "a static scan returns every key exactly once");
    for (const k of model.dbs[db].keys()) assert.ok(seen.has(k), `scan found ${JSON.stringify(k)}`);
  }
}

/** Every key of a full scan, failing on duplicates (none are allowed while nothing changes). */
function scanAll(ks: Keyspace, db: number, count: number): Set<string> {
  const seen = new Set<string>();
  let cursor = 0;
  do {
    const step = ks.scan(db, cursor, count);
    for (const key of step.keys) {
      const k = id(key);
      assert.ok(!seen.has(k), "static scan returned a key twice");
      seen.add(k);
    }
    cursor = step.cursor;
  } while (cursor !== 0);
  return seen;
}

async function freshEngine() {
  const ks = new Keyspace(await instantiateEngine());
  const model = new Model();
  ks.setClock(model.now);
  return { ks, model };
}

// ---- tests ------------------------------------------------------------------------------------

Deno.test(`engine matches the model over 1.2M random operations (seed ${SEED})`, async () => {
  const rnd = makeRandom(SEED);
  const { ks, model } = await freshEngine();
  const check = new Checker(ks, model, rnd);
  // Another engine (another shard) that DUMP / RESTORE carry keys into.
  const { ks: other, model: otherModel } = await freshEngine();
  const checkOther = new Checker(other, otherModel, rnd);
  const dbs = [0, 1, 2, 3, 15];
  const pools = dbs.map((db) => makeKeyPool(rnd, db === 3 ? 50 : 3000, db));
  // db 9 grows to ~60k fresh keys then drains to ~1k, repeatedly, under the other traffic:
  // incremental grow and shrink rehashes interleave with everything else.
  const cycling = 9;
  const cyclingKeys: Uint8Array[] = [];
  let cyclingUp = true;
  let serial = 0;
  const OPS = 1_200_000;
  for (let op = 1; op <= OPS; op++) {
    const slot = rnd.int(dbs.length);
    const db = dbs[slot];
    const key = rnd.pick(pools[slot]);
    const r = rnd.next();
    if (r < 0.24) check.set(db, key, randomValue(rnd));
    else if (r < 0.42) check.get(db, key);
    else if (r < 0.49) check.incr(db, key, randomDelta(rnd));
    else if (r < 0.55) check.del(db, key);
    else if (r < 0.59) check.existsAndType(db, key);
    else if (r < 0.64) check.expire(db, key);
    else if (r < 0.66) check.persist(db, key);
    else if (r < 0.68) check.expireAt(db, key);
    else if (r < 0.73) check.append(db, key, randomValue(rnd));
    else if (r < 0.75) check.setRange(db, key, rnd.bytes(rnd.int(20)));
    else if (r < 0.77) check.getRange(db, key);
    else if (r < 0.79) check.strLenAndEncoding(db, key);
    else if (r < 0.80) check.touch(db, key);
    else if (r < 0.81) check.rename(db, key, rnd.pick(pools[slot]));
    else if (r < 0.815) check.move(db, rnd.pick(dbs), key);
    else if (r < 0.825) {
      const to = rnd.int(dbs.length);
      check.copy(db, key, dbs[to], rnd.pick(pools[rnd.chance(0.5) ? slot : to]));
    } else if (r < 0.83) {
      const to = rnd.int(dbs.length);
      check.dumpRestore(db, key, other, otherModel, dbs[to], rnd.pick(pools[to]));
    } else {
      // the cycling db
      if (cyclingUp) {
        const k = latin1(`grow:${serial++}`);
        cyclingKeys.push(k);
        check.set(cycling, k, rnd.bytes(rnd.int(40)));
        if (cyclingKeys.length >= 60_000) cyclingUp = false;
      } else {
        const i = rnd.int(cyclingKeys.length);
        const k = cyclingKeys[i];
        cyclingKeys[i] = cyclingKeys[cyclingKeys.length - 1];
        cyclingKeys.pop();
        check.del(cycling, k);
        if (cyclingKeys.length <= 1_000) cyclingUp = true;
      }
      check.checkSize(cycling);
    }
    check.checkSize(db);
    if (rnd.chance(0.005)) {
      ks.setClock(model.now += rnd.int(2000));
      other.setClock(otherModel.now = model.now);
    }
    if (op % 120_000 === 0) {
      for (const d of [...dbs, cycling]) check.verifyDb(d);
    }
    if (op % 300_000 === 0) {
      const d = rnd.pick(dbs);
      if (rnd.chance(0.5)) ks.flush(d);
      else ks.flushAsync(d); // freed by later inserts and lazyFreeStep
      model.dbs[d].clear();
      check.checkSize(d);
      assert.equal(ks.volatileCount(d), 0);
    }
  }
  for (const d of [...dbs, cycling]) check.verifyDb(d);
  for (const d of dbs) checkOther.verifyDb(d);
  // Everything freed returns every byte: only the scratch/output buffers remain.
  for (let d = 0; d < 16; d++) ks.flushAsync(d);
  while (ks.lazyFreeStep(1000) > 0);
  const idle = ks.memoryUsed();
  assert.ok(idle < 600_000, `memory after flushing everything: ${idle}`);
  for (let i = 0; i < 50_000; i++) {
    ks.setString(
      4,
      latin1(`leak:${i}`),
      latin1(i % 2 ? "v" : String(i)),
      i % 3 ? 0 : model.now + 1e6,
    );
  }
  for (let i = 0; i < 50_000; i += 2) ks.delete(4, latin1(`leak:${i}`));
  ks.flush(4);
  assert.equal(ks.memoryUsed(), idle, "no bytes leak through insert/delete/flush");
});

Deno.test(`SCAN returns every key present for the whole scan while the table grows and shrinks (seed ${SEED})`, async () => {
  const rnd = makeRandom(SEED + 1);
  const { ks } = await freshEngine();
  const db = 5;
  // Present keys by id, plus an array of them for O(1) random removal.
  const present = new Map<string, number>();
  const order: Uint8Array[] = [];
  let serial = 0;
  const insert = () => {
    const key = rnd.chance(0.1) ? rnd.bytes(rnd.int(24)) : latin1(`s:${serial++}`);
    ks.setString(db, key, latin1("v"));
    const k = id(key);
    if (present.has(k)) return;
    present.set(k, order.length);
    order.push(key);
  };
  const removeOne = (mustSee: Set<string>) => {
    if (order.length === 0) return;
    const i = rnd.int(order.length);
    const key = order[i];
    const k = id(key);
    assert.equal(ks.delete(db, key), true);
    const last = order.pop()!;
    if (i < order.length) {
      order[i] = last;
      present.set(id(last), i);
    }
    present.delete(k);
    mustSee.delete(k);
  };
  // Regimes: [starting size, inserts per scan step, deletes per scan step]
  const regimes: [number, number, number][] = [
    [1_000, 40, 0], // grows through several doublings during the scan
    [100_000, 0, 60], // shrinks through several halvings
    [20_000, 20, 20], // steady churn
    [5, 3, 0], // tiny table
  ];
  for (const [start, inserts, deletes] of regimes) {
    ks.flush(db);
    present.clear();
    order.length = 0;
    while (present.size < start) insert();
    const mustSee = new Set(present.keys());
    const returned = new Set<string>();
    let cursor = 0, steps = 0;
    do {
      const step = ks.scan(db, cursor, 1 + rnd.int(30));
      for (const key of step.keys) {
        const k = id(key);
        assert.ok(present.has(k), "scan returned a key that does not exist");
        returned.add(k);
      }
      cursor = step.cursor;
      for (let i = 0; i < inserts; i++) insert();
      for (let i = 0; i < deletes; i++) removeOne(mustSee);
      steps++;
    } while (cursor !== 0);
    for (const k of mustSee) {
      assert.ok(returned.has(k), `regime ${start}/${inserts}/${deletes}: key missed by scan`);
    }
    assert.equal(ks.dbSize(db), present.size);
    assert.ok(steps > 1 || start < 10);
  }
});

Deno.test("string encodings round-trip byte for byte; INCR works on SET integers", async () => {
  const { ks } = await freshEngine();
  const roundTrip = [
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "007",
    "-0",
    "+1",
    " 1",
    "12345678901234567890",
    "1".repeat(300),
    "",
    "\0\r\n\xff",
  ];
  for (const text of roundTrip) {
    assert.equal(ks.setString(0, latin1("k"), latin1(text)), 0);
    assertValue(
      ks.getString(0, latin1("k")),
      latin1(text),
      `GET after SET ${JSON.stringify(text)}`,
    );
  }
  ks.setString(0, latin1("n"), latin1("10"));
  assertValue(ks.incrBy(0, latin1("n"), latin1("5")), latin1("15"), "INCRBY");
  assertValue(ks.incrBy(0, latin1("n"), latin1("20"), true), latin1("-5"), "DECRBY");
  assertValue(
    ks.incrBy(0, latin1("missing"), latin1("-3")),
    latin1("-3"),
    "INCRBY on a missing key starts at 0",
  );
  ks.setString(0, latin1("max"), latin1("9223372036854775807"));
  assert.equal(ks.incrBy(0, latin1("max"), latin1("1")), OVERFLOW);
  assertValue(
    ks.getString(0, latin1("max")),
    latin1("9223372036854775807"),
    "overflow writes nothing",
  );
  assert.equal(
    ks.incrBy(0, latin1("max"), latin1("-9223372036854775808"), true),
    DECREMENT_OVERFLOW,
  );
  assert.equal(ks.incrBy(0, latin1("max"), latin1("+1")), NOT_INTEGER);
  ks.setString(0, latin1("raw"), latin1("007"));
  assert.equal(ks.incrBy(0, latin1("raw"), latin1("1")), NOT_INTEGER);
  // The same key name in different dbs is a different key.
  ks.setString(1, latin1("k"), latin1("db1"));
  assertValue(ks.getString(2, latin1("k")), NOT_FOUND, "dbs are separate");
  // A value that grows past its block and shrinks back keeps the key intact.
  for (const len of [1, 200, 5000, 3, 100_000, 0]) {
    const value = new Uint8Array(len).fill(len % 251);
    ks.setString(0, latin1("resize"), value);
    assertValue(ks.getString(0, latin1("resize")), value, `resize to ${len}`);
  }
});

Deno.test("the server's Wasm ES-module import gives one working keyspace per realm", () => {
  const ks = createKeyspace();
  assert.equal(createKeyspace(), ks, "one engine instance per realm, so one wrapper");
  ks.setClock(Date.now());
  assert.equal(ks.setString(15, latin1("module"), latin1("\0\xff")), 0);
  assertValue(
    ks.getString(15, latin1("module")),
    latin1("\0\xff"),
    "GET through the module import",
  );
  const before = ks.memoryUsed();
  assert.ok(ks.reserveMemory(8 << 20) >= 8 << 20, "memory was pre-grown");
  assert.equal(ks.memoryUsed(), before, "reserving is not usage");
  ks.flush(15);
});

Deno.test("FLUSHDB ASYNC empties the db at once and frees its memory in bounded steps", async () => {
  const { ks } = await freshEngine();
  ks.scan(0, 0, 1);
  ks.exists(0, latin1("x")); // scratch and output areas exist before the baseline
  const empty = ks.memoryUsed();
  for (let i = 0; i < 100_000; i++) {
    ks.setString(7, latin1(`k${i}`), latin1("x".repeat(i % 50)), i % 2 ? 0 : 2e12);
  }
  ks.flushAsync(7);
  assert.equal(ks.dbSize(7), 0);
  assert.equal(ks.volatileCount(7), 0);
  assert.equal(ks.exists(7, latin1("k1")), false);
  assert.ok(ks.memoryUsed() > empty + 5_000_000, "memory is still held until lazily freed");
  ks.setString(7, latin1("k1"), latin1("new"));
  assertValue(ks.getString(7, latin1("k1")), latin1("new"), "the db is usable at once");
  let steps = 0;
  while (ks.lazyFreeStep(4096) > 0) steps++;
  assert.ok(steps >= 10, `freed in ${steps} bounded steps`);
  ks.delete(7, latin1("k1"));
  assert.equal(ks.memoryUsed(), empty, "every byte comes back");
});
