// Focused tests of the engine's key operations beyond the random model (engine_model_test.ts):
// OBJECT ENCODING after Redis 7.0 command histories, APPEND / SETRANGE limits and growth,
// RENAME / MOVE / COPY / SWAPDB details, the DUMP blob, hit / miss / expired counters, LFU,
// and the zero-copy argument API (arguments by index, results written as RESP).
import assert from "node:assert/strict";
import {
  type ArgSource,
  BAD_PAYLOAD,
  ENC_EMBSTR,
  ENC_INT,
  ENC_RAW,
  ENCODING_NAMES,
  instantiateEngine,
  Keyspace,
  NOT_FOUND,
  NOT_INTEGER,
  SAME_KEY,
  SET_GET,
  SET_KEEP_TEXT,
  SET_KEEPTTL,
  STRING_MAX_BYTES,
  TOO_LARGE,
  TYPE_STRING,
} from "../../src/engine/keyspace.ts";
import { Args } from "../../src/protocol/args.ts";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";

const NOW = 1_700_000_000_000;

function b(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function text(v: Uint8Array | number | null): string | number | null {
  if (v === null || typeof v === "number") return v;
  let s = "";
  for (const c of v) s += String.fromCharCode(c);
  return s;
}

async function engine(): Promise<Keyspace> {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(NOW);
  return ks;
}

/** What OBJECT ENCODING would print (or the status). */
function encodingName(ks: Keyspace, db: number, key: string): string | number {
  const e = ks.encoding(db, b(key));
  return e < 0 ? e : ENCODING_NAMES[e];
}

Deno.test("OBJECT ENCODING follows Redis 7.0 for SET, APPEND, SETRANGE, INCR and moves", async () => {
  const ks = await engine();
  const set = (key: string, value: string, flags = 0) =>
    assert.equal(ks.setString(0, b(key), b(value), 0, flags), 0);
  // SET: tryObjectEncoding.
  const cases: [string, string][] = [
    ["123", "int"],
    ["-1", "int"],
    ["0", "int"],
    ["9223372036854775807", "int"],
    ["-9223372036854775808", "int"],
    ["9223372036854775808", "embstr"], // out of range: text
    ["0123", "embstr"],
    ["+1", "embstr"],
    ["", "embstr"],
    ["a".repeat(44), "embstr"],
    ["a".repeat(45), "raw"],
    ["1".repeat(45), "raw"],
  ];
  for (const [value, expected] of cases) {
    set("k", value);
    assert.equal(encodingName(ks, 0, "k"), expected, `SET ${JSON.stringify(value.slice(0, 20))}`);
  }
  assert.equal(ks.encoding(0, b("missing")), NOT_FOUND);
  // INCRBYFLOAT stores text as createStringObject: embstr even for an integer.
  set("f", "10", SET_KEEP_TEXT);
  assert.equal(encodingName(ks, 0, "f"), "embstr");
  assert.equal(text(ks.incrBy(0, b("f"), b("1"))), "11");
  assert.equal(encodingName(ks, 0, "f"), "int", "INCR makes an int");
  // APPEND: a new key is encoded as SET would; an existing one becomes raw, even when short.
  assert.equal(ks.append(0, b("a1"), b("12")), 2);
  assert.equal(encodingName(ks, 0, "a1"), "int");
  assert.equal(ks.append(0, b("a2"), b("hi")), 2);
  assert.equal(encodingName(ks, 0, "a2"), "embstr");
  assert.equal(ks.append(0, b("a1"), b("3")), 3);
  assert.equal(text(ks.getString(0, b("a1"))), "123");
  assert.equal(encodingName(ks, 0, "a1"), "raw", "APPEND to an int");
  assert.equal(ks.append(0, b("a2"), b("")), 2);
  assert.equal(encodingName(ks, 0, "a2"), "raw", "APPEND of nothing still unshares");
  // SETRANGE: a new key is raw; an empty value changes nothing (not even the encoding).
  assert.equal(ks.setRange(0, b("r"), 0, b("x")), 1);
  assert.equal(encodingName(ks, 0, "r"), "raw");
  set("n", "42");
  assert.equal(ks.setRange(0, b("n"), 10, b("")), 2);
  assert.equal(encodingName(ks, 0, "n"), "int");
  assert.equal(ks.setRange(0, b("n"), 1, b("3")), 2);
  assert.equal(text(ks.getString(0, b("n"))), "43");
  assert.equal(encodingName(ks, 0, "n"), "raw");
  // INCR of a raw integer gives an int; SET again re-encodes.
  assert.equal(text(ks.incrBy(0, b("n"), b("1"))), "44");
  assert.equal(encodingName(ks, 0, "n"), "int");
  // The raw flag survives EXPIRE, PERSIST, RENAME, MOVE, COPY and DUMP/RESTORE.
  ks.append(0, b("s"), b("short"));
  ks.append(0, b("s"), b("!"));
  assert.equal(encodingName(ks, 0, "s"), "raw");
  ks.setExpire(0, b("s"), NOW + 10_000);
  ks.persist(0, b("s"));
  assert.equal(ks.rename(0, b("s"), b("s2")), 1);
  assert.equal(ks.move(0, 1, b("s2")), 1);
  assert.equal(ks.copy(1, b("s2"), 2, b("s3")), 1);
  assert.equal(encodingName(ks, 1, "s2"), "raw");
  assert.equal(encodingName(ks, 2, "s3"), "raw");
  const other = await engine();
  assert.equal(other.restore(0, b("s4"), ks.dump(2, b("s3"))!), 1);
  assert.equal(encodingName(other, 0, "s4"), "raw");
  assert.equal(text(other.getString(0, b("s4"))), "short!");
  assert.deepEqual([ENC_RAW, ENC_INT, ENC_EMBSTR].map((e) => ENCODING_NAMES[e]), [
    "raw",
    "int",
    "embstr",
  ]);
});

Deno.test("APPEND and SETRANGE keep the TTL, honour the length limit and grow in amortized O(n)", async () => {
  const ks = await engine();
  ks.setString(0, b("t"), b("abc"), NOW + 5000);
  assert.equal(ks.append(0, b("t"), b("def")), 6);
  assert.equal(ks.setRange(0, b("t"), 8, b("Z")), 9);
  assert.equal(text(ks.getString(0, b("t"))), "abcdef\0\0Z");
  assert.equal(ks.expireAt(0, b("t")), NOW + 5000, "the TTL is kept");
  assert.equal(ks.volatileCount(0), 1);
  // Limits: proto-max-bulk-len as maxLen, and the engine's 512 MB whatever maxLen says.
  assert.equal(ks.append(0, b("t"), b("12"), 10), TOO_LARGE);
  assert.equal(ks.append(0, b("t"), b("1"), 10), 10);
  assert.equal(ks.setRange(0, b("t"), 10, b("x"), 10), TOO_LARGE);
  assert.equal(ks.setRange(0, b("t"), 9, b("x"), 10), 10);
  assert.equal(ks.setRange(0, b("new"), STRING_MAX_BYTES, b("x")), TOO_LARGE);
  assert.equal(
    ks.setRange(0, b("new"), STRING_MAX_BYTES, b("x"), 2 ** 40),
    TOO_LARGE,
    "512 MB caps maxLen",
  );
  assert.equal(ks.append(0, b("t"), b("x"), 10), TOO_LARGE);
  assert.equal(ks.setRange(0, b("new"), 2 ** 40, b("")), 0, "empty value: no key, no size check");
  assert.equal(ks.exists(0, b("new")), false);
  assert.equal(
    ks.setRange(0, b("t"), 2 ** 40, b("")),
    10,
    "empty value on an existing key: its length",
  );
  assert.equal(ks.setRange(0, b("t"), -1, b("x")), NOT_INTEGER, "negative offset");
  // 100k one-byte appends: blocks grow geometrically, so this stays fast.
  const before = ks.memoryUsed();
  const started = performance.now();
  const one = b("x");
  for (let i = 1; i <= 100_000; i++) assert.equal(ks.append(0, b("grow"), one), i);
  const ms = performance.now() - started;
  assert.ok(ms < 5000, `100k appends took ${ms.toFixed(0)} ms`);
  assert.equal(ks.strLen(0, b("grow")), 100_000);
  assert.ok(ks.memoryUsed() - before < 300_000, "slack at most about the string's size");
  // SET on the grown key gives the slack back.
  ks.setString(0, b("grow"), b("small"));
  assert.ok(ks.memoryUsed() - before < 1000);
  // GETRANGE over an int's text.
  ks.setString(0, b("i"), b("-12345"));
  assert.equal(text(ks.getRange(0, b("i"), 1, 3)), "123");
  assert.equal(text(ks.getRange(0, b("i"), -2, -1)), "45");
  assert.equal(text(ks.getRange(0, b("i"), -1, -2)), "");
  assert.equal(text(ks.getRange(0, b("i"), 0, 2 ** 53)), "-12345");
  assert.equal(ks.getRange(0, b("none"), 0, -1), NOT_FOUND);
  assert.equal(ks.strLen(0, b("i")), 6);
});

Deno.test("RENAME, MOVE and COPY carry TTLs and LRU data; SWAPDB swaps everything", async () => {
  const ks = await engine();
  ks.setString(0, b("a"), b("va"), NOW + 9000);
  ks.setClock(NOW + 3000);
  assert.equal(ks.idleMs(0, b("a")), 3000);
  assert.equal(ks.rename(0, b("a"), b("b")), 1);
  assert.equal(ks.exists(0, b("a")), false);
  assert.equal(ks.expireAt(0, b("b")), NOW + 9000);
  assert.equal(ks.idleMs(0, b("b")), 0, "RENAME touches the key (lookupKeyWrite)");
  assert.equal(ks.volatileCount(0), 1);
  assert.equal(ks.rename(0, b("b"), b("b")), 1, "same key");
  assert.equal(ks.rename(0, b("b"), b("b"), true), 0, "RENAMENX onto itself");
  assert.equal(ks.rename(0, b("zz"), b("b")), NOT_FOUND);
  ks.setString(0, b("list"), b("other"));
  assert.equal(ks.rename(0, b("b"), b("list"), true), 0);
  assert.equal(ks.rename(0, b("b"), b("list")), 1);
  assert.equal(text(ks.getString(0, b("list"))), "va");
  ks.setString(0, b("h"), b("vh"), NOW + 60_000);
  assert.equal(ks.rename(0, b("h"), b("h2")), 1);
  assert.equal(text(ks.getString(0, b("h2"))), "vh");
  assert.equal(ks.expireAt(0, b("h2")), NOW + 60_000);
  // MOVE
  assert.equal(ks.move(0, 0, b("h2")), SAME_KEY);
  assert.equal(ks.move(0, 4, b("h2")), 1);
  assert.equal(text(ks.getString(4, b("h2"))), "vh");
  assert.equal(ks.volatileCount(4), 1);
  assert.equal(ks.volatileCount(0), 1);
  ks.setString(0, b("h2"), b("blocker"));
  assert.equal(ks.move(0, 4, b("h2")), 0, "exists in the target db");
  assert.equal(ks.move(0, 4, b("nothing")), 0);
  // COPY
  assert.equal(ks.copy(4, b("h2"), 4, b("h2")), SAME_KEY);
  assert.equal(ks.copy(4, b("h2"), 5, b("c")), 1);
  assert.equal(text(ks.getString(5, b("c"))), "vh");
  assert.equal(text(ks.getString(4, b("h2"))), "vh", "the source is untouched");
  assert.equal(ks.expireAt(5, b("c")), NOW + 60_000);
  assert.equal(ks.copy(0, b("list"), 5, b("c")), 0, "no REPLACE");
  assert.equal(ks.copy(0, b("list"), 5, b("c"), true), 1);
  assert.equal(text(ks.getString(5, b("c"))), "va");
  assert.equal(ks.expireAt(5, b("c")), NOW + 9000);
  assert.equal(ks.copy(0, b("nothing"), 5, b("c")), 0);
  // SWAPDB: contents, sizes, TTL lists (active expiry keeps working on both).
  for (let i = 0; i < 1000; i++) ks.setString(7, b(`seven:${i}`), b("7"), i % 2 ? NOW + 10_000 : 0);
  ks.setString(8, b("eight"), b("8"), NOW + 20_000);
  ks.swapDb(7, 8);
  assert.equal(ks.dbSize(7), 1);
  assert.equal(ks.dbSize(8), 1000);
  assert.equal(ks.volatileCount(7), 1);
  assert.equal(ks.volatileCount(8), 500);
  assert.equal(text(ks.getString(7, b("eight"))), "8");
  assert.equal(text(ks.getString(8, b("seven:3"))), "7");
  ks.swapDb(3, 3);
  ks.setClock(NOW + 15_000);
  let expired = 0;
  for (let n; (n = ks.activeExpire(8, 100)) > 0;) expired += n;
  assert.equal(expired, 500);
  assert.equal(ks.dbSize(8), 500);
  assert.equal(ks.activeExpire(7, 100), 0);
  ks.setClock(NOW + 25_000);
  assert.equal(ks.activeExpire(7, 100), 1);
});

Deno.test("DUMP blobs: layout, RESTORE rules, and the LRU/LFU field", async () => {
  const ks = await engine();
  ks.setString(0, b("int"), b("-5"));
  const intBlob = ks.dump(0, b("int"))!;
  assert.equal(intBlob.length, 12 + 8);
  assert.deepEqual(
    [...intBlob.subarray(0, 4)],
    [1, TYPE_STRING, 1, 0],
    "version, type, int encoding, flags",
  );
  assert.equal(new DataView(intBlob.buffer).getUint32(8, true), 8);
  assert.equal(new DataView(intBlob.buffer).getBigInt64(12, true), -5n);
  ks.setString(0, b("s"), b("hello"));
  const blob = ks.dump(0, b("s"))!;
  assert.deepEqual([...blob.subarray(0, 4)], [1, 0, 0, 0]);
  assert.equal(text(blob.subarray(12)), "hello");
  assert.equal(ks.dump(0, b("missing")), null);

  const other = await engine();
  assert.equal(other.restore(0, b("x"), blob, NOW + 100), 1);
  assert.equal(text(other.getString(0, b("x"))), "hello");
  assert.equal(other.expireAt(0, b("x")), NOW + 100);
  assert.equal(other.restore(0, b("x"), intBlob), 0, "exists, no REPLACE");
  assert.equal(other.restore(0, b("x"), intBlob, 0, true), 1);
  assert.equal(text(other.getString(0, b("x"))), "-5");
  assert.equal(other.expireAt(0, b("x")), -1);
  assert.equal(other.volatileCount(0), 0);
  assert.equal(
    other.restore(0, b("x"), blob, NOW, true),
    1,
    "a past TTL deletes and reports success",
  );
  assert.equal(other.exists(0, b("x")), false);
  for (
    const bad of [blob.subarray(0, 11), Uint8Array.of(2, ...blob.subarray(1)), blob.subarray(0, 15)]
  ) {
    assert.equal(other.restore(0, b("z"), bad), BAD_PAYLOAD);
  }
  const wrongInt = intBlob.slice();
  wrongInt[8] = 7;
  assert.equal(other.restore(0, b("z"), wrongInt.subarray(0, 19)), BAD_PAYLOAD);
  assert.equal(other.exists(0, b("z")), false);
  // The access field: kept with keepAccess (RENAME/MOVE across shards), fresh otherwise.
  ks.setClock(NOW + 60_000);
  ks.setString(0, b("old"), b("v"));
  ks.setClock(NOW + 120_000);
  const aged = ks.dump(0, b("old"))!; // touches it: idle 0 at NOW + 120 s
  other.setClock(NOW + 180_000);
  other.restore(0, b("kept"), aged, 0, false, true);
  other.restore(0, b("fresh"), aged);
  assert.equal(other.idleMs(0, b("kept")), 60_000);
  assert.equal(other.idleMs(0, b("fresh")), 0);
});

Deno.test("keyspace hits, misses and expired keys are counted as Redis does", async () => {
  const ks = await engine();
  ks.setString(0, b("k"), b("v"));
  ks.setString(0, b("t"), b("v"), NOW + 10);
  ks.setString(0, b("u"), b("v"), NOW + 10);
  ks.getString(0, b("k")); // hit
  ks.getString(0, b("nope")); // miss
  ks.exists(0, b("k")); // internal check: not counted
  ks.type(0, b("k"));
  ks.lookupRead(0, b("k")); // EXISTS/TYPE: hit
  ks.lookupRead(0, b("nope")); // miss
  ks.setString(0, b("k"), b("w"), 0, SET_GET); // hit
  ks.setString(0, b("k"), b("w")); // write: not counted
  ks.incrBy(0, b("n"), b("1")); // write
  ks.getRange(0, b("k"), 0, 1); // hit
  ks.strLen(0, b("nope")); // miss
  ks.touch(0, b("k")); // hit
  ks.encoding(0, b("k")); // hit
  ks.freq(0, b("nope")); // miss
  ks.copy(0, b("k"), 0, b("k2")); // hit
  assert.equal(ks.keyspaceHits(), 7);
  assert.equal(ks.keyspaceMisses(), 4);
  assert.equal(ks.expiredKeys(), 0);
  ks.setClock(NOW + 11);
  assert.equal(ks.getString(0, b("t")), NOT_FOUND, "lazy expiry");
  assert.equal(ks.activeExpire(0, 10), 1, "active expiry");
  assert.equal(ks.expiredKeys(), 2);
  assert.equal(ks.keyspaceMisses(), 5);
  ks.resetStats();
  assert.deepEqual([ks.keyspaceHits(), ks.keyspaceMisses(), ks.expiredKeys()], [0, 0, 0]);
});

/** Fixes the engine's hash and random seeds (only while it holds no key). */
function pinSeed(ks: Keyspace, lo: number, hi: number): void {
  const seeded = ks.exports as unknown as { setSeed(lo: number, hi: number): number };
  assert.equal(seeded.setSeed(lo, hi), 1);
}

Deno.test("LRU by default, LFU on request: log counter, decay per minute, OBJECT FREQ", async () => {
  const ks = await engine();
  // A fixed random seed: the counter grows with probability 1/((c - 5) * 10 + 1), so after 100k
  // hits it is ~146 give or take ~7, and a random seed passed the bounds below about once in
  // several hundred runs (one full-suite run saw 167).
  pinSeed(ks, 3, 4);
  ks.setString(0, b("k"), b("v"));
  ks.setClock(NOW + 5000);
  assert.equal(ks.idleMs(0, b("k")), 5000);
  ks.exists(0, b("k"));
  ks.lookupRead(0, b("k"));
  ks.encoding(0, b("k"));
  assert.equal(ks.idleMs(0, b("k")), 5000, "NOTOUCH lookups keep the idle time");
  ks.touch(0, b("k"));
  assert.equal(ks.idleMs(0, b("k")), 0);
  ks.setClock(NOW + 7000);
  ks.setExpire(0, b("k"), NOW + 100_000);
  assert.equal(ks.idleMs(0, b("k")), 0, "EXPIRE touches (lookupKeyWrite)");

  ks.setEvictionMode("lfu");
  ks.setString(0, b("f"), b("1"));
  assert.equal(ks.freq(0, b("f")), 5, "LFU_INIT_VAL");
  assert.equal(ks.freq(0, b("missing")), -1);
  ks.getString(0, b("f"));
  assert.equal(ks.freq(0, b("f")), 6, "at the initial value every access counts");
  for (let i = 0; i < 100_000; i++) ks.getString(0, b("f"));
  const hot = ks.freq(0, b("f"));
  // redis.conf's table for lfu-log-factor 10: 100K hits give about 142 (logarithmic).
  assert.ok(hot >= 120 && hot <= 165, `freq after 100k hits: ${hot}`);
  ks.setClock(NOW + 7000 + 3 * 60_000);
  assert.equal(ks.freq(0, b("f")), hot - 3, "decays by one per minute (lfu-decay-time 1)");
  ks.touch(0, b("f"));
  assert.ok(ks.freq(0, b("f")) >= hot - 3);
  ks.setClock(NOW + 7000 + 600 * 60_000);
  assert.equal(ks.freq(0, b("f")), 0);
  // lfu-log-factor 0: every access counts, up to 255.
  ks.setEvictionMode("lfu", 0, 0);
  ks.setString(0, b("g"), b("x"));
  for (let i = 0; i < 300; i++) ks.getString(0, b("g"));
  assert.equal(ks.freq(0, b("g")), 255);
  // A copy starts fresh; a rename keeps the counter.
  ks.copy(0, b("g"), 0, b("g2"));
  assert.equal(ks.freq(0, b("g2")), 5);
  ks.rename(0, b("g"), b("g3"));
  assert.equal(ks.freq(0, b("g3")), 255);
  ks.setEvictionMode("lru");
  ks.touch(0, b("g3"));
  assert.equal(ks.idleMs(0, b("g3")), 0);
});

/** Args laid out as the parser leaves them for `parts` (argument 0 is the command name). */
function request(...parts: string[]): Args {
  const args = new Args();
  let frame = `*${parts.length}\r\n`;
  const starts: number[] = [];
  for (const p of parts) {
    frame += `$${p.length}\r\n`;
    starts.push(frame.length);
    frame += p + "\r\n";
  }
  args.argBuf = b(frame);
  args.argc = parts.length;
  if (args.argStart.length < parts.length) {
    args.argStart = new Int32Array(parts.length);
    args.argLen = new Int32Array(parts.length);
  }
  parts.forEach((p, i) => {
    args.argStart[i] = starts[i];
    args.argLen[i] = p.length;
  });
  return args;
}

Deno.test("zero-copy API: arguments by index, results written as RESP without views", async () => {
  const ks = await engine();
  const out = new ReplyWriter();
  const reply = () => text(out.bytes());
  const src: ArgSource = request("SET", "key:1", "value one");
  assert.equal(ks.setStringArg(0, src, 1, 2), 0);
  const get = request("GET", "key:1");
  const n = ks.getStringArg(0, get, 1);
  assert.equal(n, 9);
  ks.writeBulk(out, n);
  assert.equal(reply(), "$9\r\nvalue one\r\n");
  assert.equal(
    text(ks.memoryBytes().subarray(ks.resultOffset(), ks.resultOffset() + n)),
    "value one",
  );
  assert.equal(text(ks.copyResult(n)), "value one");
  assert.equal(ks.getStringArg(0, request("GET", "nope"), 1), NOT_FOUND);
  // Lengths of every digit count, empty values, and values long enough for set().
  for (const len of [0, 1, 9, 10, 39, 40, 41, 99, 100, 1000, 70_000]) {
    const value = "v".repeat(len);
    assert.equal(ks.setStringArg(0, request("SET", "len", value), 1, 2), 0);
    out.reset();
    ks.writeBulk(out, ks.getStringArg(0, request("GET", "len"), 1));
    assert.equal(reply(), `$${len}\r\n${value}\r\n`, `bulk of ${len}`);
  }
  // Copies in and out move 8-byte words, the last one ending at the copy's end: every byte of
  // distinct values and keys of each length up to past the 512-byte set() limit, at shifting
  // offsets in the argument and reply buffers, lands in its place.
  const distinct = (len: number, seed: number) => {
    let v = "";
    for (let i = 0; i < len; i++) v += String.fromCharCode((i * 7 + seed) % 251);
    return v;
  };
  for (let len = 0; len <= 530; len++) {
    const key = distinct(len % 40, len), value = distinct(len, 3);
    assert.equal(ks.setStringArg(0, request("SET", key, value), 1, 2), 0);
    out.reset();
    out.raw(b("+".repeat(len % 9)));
    ks.writeBulk(out, ks.getStringArg(0, request("GET", key), 1));
    const expected = `${"+".repeat(len % 9)}$${len}\r\n${value}\r\n`;
    assert.equal(reply(), expected, `bulk of ${len}`);
  }
  // SET ... GET with the old value written as a bulk reply.
  assert.equal(
    ks.setStringArg(0, request("SET", "key:1", "two", "GET"), 1, 2, 0, SET_GET | SET_KEEPTTL),
    0,
  );
  out.reset();
  ks.writeBulk(out, ks.lastOldLength());
  assert.equal(reply(), "$9\r\nvalue one\r\n");
  // Increments: numeric and textual deltas, written as RESP integers.
  out.reset();
  ks.writeInteger(out, ks.incrByNumberArg(0, request("INCR", "c"), 1, 1));
  ks.writeInteger(out, ks.incrByArg(0, request("DECRBY", "c", "-41"), 1, 2, true));
  ks.writeInteger(out, ks.incrByArgText(0, request("INCR", "c"), 1, b("-100")));
  assert.equal(reply(), ":1\r\n:42\r\n:-58\r\n");
  assert.equal(ks.incrByNumberArg(0, request("INCR", "c"), 1, 0.5), NOT_INTEGER);
  assert.equal(ks.incrByNumberArg(0, request("INCR", "c"), 1, 2 ** 60), NOT_INTEGER);
  assert.equal(ks.incrByArg(0, request("INCRBY", "c", "x"), 1, 2), NOT_INTEGER);
  // Key commands by index.
  const k = request("CMD", "key:1", "other");
  assert.equal(ks.existsArg(0, k, 1), true);
  assert.equal(ks.typeArg(0, k, 1), TYPE_STRING);
  assert.equal(ks.setExpireArg(0, k, 1, NOW + 1000), 1);
  assert.equal(ks.expireAtArg(0, k, 1), NOW + 1000);
  assert.equal(ks.persistArg(0, k, 1), true);
  assert.equal(ks.appendArg(0, k, 1, 2), 8);
  assert.equal(ks.setRangeArg(0, k, 1, 0, 2), 8);
  assert.equal(ks.strLenArg(0, k, 1), 8);
  out.reset();
  ks.writeBulk(out, ks.getRangeArg(0, k, 1, 0, 4));
  assert.equal(reply(), "$5\r\nother\r\n");
  assert.equal(ks.encodingArg(0, k, 1), ENC_RAW);
  assert.equal(ks.touchArg(0, k, 1), true);
  assert.equal(ks.idleMsArg(0, k, 1), 0);
  assert.equal(ks.renameArg(0, k, 1, 2), 1);
  assert.equal(ks.copyArg(0, k, 2, 1, 2), 1);
  assert.equal(ks.moveArg(0, 1, k, 2), 0, "exists in db 1 now");
  assert.equal(ks.deleteArg(0, k, 2), true);
  ks.setString(0, b("other"), b("v"));
  assert.equal(ks.setStringArg(0, k, 2, 2), 0);
  assert.equal(ks.freqArg(0, k, 2), ks.freq(0, b("other")));
  assert.equal(ks.lookupReadArg(0, k, 2), TYPE_STRING);
  // A huge argument grows the scratch area (and Wasm memory: the views are re-made), a small
  // one lets it shrink back; both still read correctly.
  const huge = "h".repeat(3 << 20);
  assert.equal(ks.setStringArg(0, request("SET", "huge", huge), 1, 2), 0);
  assert.equal(ks.getStringArg(0, request("GET", "huge"), 1), huge.length);
  assert.equal(ks.setStringArg(0, request("SET", "small", "s"), 1, 2), 0);
  out.reset();
  ks.writeBulk(out, ks.getStringArg(0, request("GET", "small"), 1));
  assert.equal(reply(), "$1\r\ns\r\n");
  out.reset();
  ks.writeResult(out, ks.getStringArg(0, request("GET", "huge"), 1));
  assert.equal(out.length, huge.length);
});

Deno.test("active rehashing: rehashStep finishes a pending index grow and frees the old table", async () => {
  const ks = await engine();
  // A fixed hash seed: the new table's 4 segments are allocated as keys land in them, so what
  // the rehash frees net (the old table's 2 segments minus the new segments it still has to
  // allocate) depends on where the inserts after the grow fell; with a random seed it was
  // sometimes 0 (1 run in 40).
  pinSeed(ks, 1, 2);
  assert.equal(ks.rehashStep(0, 64), false); // an empty db has nothing to rehash
  // 6 145 keys pass 3/4 of 8 192 slots: the index starts growing to 16 384 and, with a few
  // inserts after it, most of the old table is still to drain.
  const keys = Array.from({ length: 6150 }, (_, i) => `key:${i}`);
  for (const k of keys) ks.setString(0, b(k), b("v"));
  const before = ks.memoryUsed();
  let steps = 0;
  while (ks.rehashStep(0, 1) && steps < 1e5) steps++;
  assert.ok(steps > 100, `${steps} steps`); // one step moves 16 entries at most
  assert.ok(before - ks.memoryUsed() >= 16 * 1024, `freed ${before - ks.memoryUsed()} bytes`);
  assert.equal(ks.dbSize(0), keys.length);
  for (const k of keys) assert.equal(text(ks.getString(0, b(k))), "v", k);
  assert.equal(ks.rehashStep(0, 64), false);
});
