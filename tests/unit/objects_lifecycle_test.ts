// The life of a typed value (objects.ts) in the keyspace, shown with lists: it survives
// RENAME, MOVE, COPY (a deep copy) and DUMP + RESTORE into another engine instance; its memory
// is returned when the key is overwritten, deleted, expired (lazily and actively) or flushed
// (sync, and ASYNC with lazyFreeStep); keyRestore refuses a corrupted object payload and
// changes nothing.
import assert from "node:assert/strict";
import {
  type ArgSource,
  BAD_PAYLOAD,
  instantiateEngine,
  Keyspace,
  TYPE_LIST,
} from "../../src/engine/keyspace.ts";
import { listPush, listRange, listSet } from "../../src/engine/list.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const DB = 0;

/** Arguments as a request buffer would hold them. */
function argsOf(...parts: (string | Uint8Array)[]): ArgSource {
  const bytes = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  const argBuf = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  const argStart = new Int32Array(bytes.length), argLen = new Int32Array(bytes.length);
  let at = 0;
  bytes.forEach((b, i) => {
    argBuf.set(b, at);
    argStart[i] = at;
    argLen[i] = b.length;
    at += b.length;
  });
  return { argBuf, argStart, argLen };
}

/** RPUSH key ...elements. */
function rpush(ks: Keyspace, key: string, elements: string[], db = DB): number {
  return listPush(ks, db, argsOf("RPUSH", key, ...elements), elements.length + 2, false, false);
}

/** LRANGE key 0 -1 as strings (an empty array for a missing key). */
function lrange(ks: Keyspace, key: string, db = DB): string[] {
  const n = listRange(ks, db, argsOf("LRANGE", key), 0, -1);
  assert.ok(n >= 0, `LRANGE ${key}: ${n}`);
  const items = ks.replyItems();
  return Array.from({ length: n }, () => dec.decode(items.nextBytes()));
}

/** A long list (many nodes, some elements larger than a node) and a short one. */
const LONG = Array.from({ length: 3000 }, (_, i) => i % 500 === 7 ? "x".repeat(20_000) : `e${i}`);
const SHORT = ["a", "b", "c"];

/**
 * The engine's memory with its scratch and output areas at their default size: a call over
 * 1 MB grows them past the point where the next small call shrinks them back (buffers.ts), so
 * what remains is the keys' memory. Works in db 15, which the tests leave empty.
 */
function used(ks: Keyspace): number {
  rpush(ks, "big", ["x".repeat(3 << 20)], 15);
  lrange(ks, "big", 15);
  ks.delete(15, enc.encode("big"));
  lrange(ks, "big", 15);
  return ks.memoryUsed();
}

/** A fresh engine and its memory holding no key (the baseline) but with the volatile
 * pages of `ttlDbs`. */
async function freshKeyspace(ttlDbs: number[] = []): Promise<{ ks: Keyspace; baseline: number }> {
  const ks = new Keyspace(await instantiateEngine());
  // A db's list of keys with a TTL keeps a page once it has had one (volatile.ts): the
  // baseline of a test that sets TTLs includes it.
  for (const db of ttlDbs) {
    ks.setString(db, enc.encode("ttl"), enc.encode("v"), Date.now() + 100_000);
    ks.delete(db, enc.encode("ttl"));
  }
  return { ks, baseline: used(ks) };
}

const key = (k: string) => enc.encode(k);

Deno.test("a list survives RENAME and MOVE with its contents and TTL", async () => {
  const { ks, baseline } = await freshKeyspace([DB, 3]);
  rpush(ks, "l", LONG);
  ks.setExpire(DB, key("l"), Date.now() + 100_000);
  const at = ks.expireAt(DB, key("l"));
  assert.equal(ks.rename(DB, key("l"), key("m")), 1);
  assert.equal(ks.exists(DB, key("l")), false);
  assert.deepEqual(lrange(ks, "m"), LONG);
  assert.equal(ks.expireAt(DB, key("m")), at);
  assert.equal(ks.move(DB, 3, key("m")), 1);
  assert.deepEqual(lrange(ks, "m"), []);
  assert.deepEqual(lrange(ks, "m", 3), LONG);
  assert.equal(ks.type(3, key("m")), TYPE_LIST);
  // RENAME over another list frees the one it replaces.
  rpush(ks, "n", SHORT, 3);
  assert.equal(ks.rename(3, key("n"), key("m")), 1);
  assert.deepEqual(lrange(ks, "m", 3), SHORT);
  ks.delete(3, key("m"));
  assert.equal(used(ks), baseline);
});

Deno.test("COPY makes a deep copy: changing the copy leaves the source alone", async () => {
  const { ks, baseline } = await freshKeyspace();
  rpush(ks, "src", LONG);
  assert.equal(ks.copy(DB, key("src"), DB, key("dst")), 1);
  assert.equal(ks.copy(DB, key("src"), 5, key("src")), 1);
  assert.equal(listSet(ks, DB, argsOf("LSET", "dst", "0", "changed"), 0), 0);
  rpush(ks, "dst", ["more"]);
  rpush(ks, "src", ["src-only"], 5);
  assert.deepEqual(lrange(ks, "src"), LONG);
  assert.deepEqual(lrange(ks, "dst"), ["changed", ...LONG.slice(1), "more"]);
  assert.deepEqual(lrange(ks, "src", 5), [...LONG, "src-only"]);
  // Freeing the source leaves the copies intact, and the other way round.
  ks.delete(DB, key("src"));
  assert.equal(lrange(ks, "dst").length, LONG.length + 1);
  assert.equal(ks.copy(DB, key("dst"), DB, key("x"), true), 1);
  assert.equal(ks.copy(5, key("src"), DB, key("x"), true), 1); // replaces (and frees) a list
  ks.delete(DB, key("dst"));
  ks.delete(5, key("src"));
  assert.deepEqual(lrange(ks, "x"), [...LONG, "src-only"]);
  ks.delete(DB, key("x"));
  assert.equal(used(ks), baseline);
});

Deno.test("DUMP + RESTORE carries a list into another engine instance", async () => {
  const a = await freshKeyspace(), b = await freshKeyspace();
  rpush(a.ks, "l", LONG);
  const blob = a.ks.dump(DB, key("l"));
  assert.ok(blob);
  assert.equal(b.ks.restore(DB, key("r"), blob, 0), 1);
  assert.deepEqual(lrange(b.ks, "r"), LONG);
  assert.equal(b.ks.restore(DB, key("r"), blob, 0), 0, "exists, no REPLACE");
  rpush(b.ks, "r", ["extra"]);
  assert.equal(b.ks.restore(DB, key("r"), blob, 0, true), 1, "REPLACE frees the old list");
  assert.deepEqual(lrange(b.ks, "r"), LONG);
  // Both engines hold the same list in the same memory.
  assert.equal(used(b.ks) - b.baseline, used(a.ks) - a.baseline);
  // A past expiry writes nothing (and the object is freed).
  assert.equal(b.ks.restore(DB, key("gone"), blob, 1), 1);
  assert.equal(b.ks.exists(DB, key("gone")), false);
  b.ks.delete(DB, key("r"));
  a.ks.delete(DB, key("l"));
  assert.equal(used(b.ks), b.baseline);
  assert.equal(used(a.ks), a.baseline);
});

Deno.test("a corrupted list payload is refused and changes nothing", async () => {
  const { ks } = await freshKeyspace();
  rpush(ks, "l", SHORT);
  const blob = ks.dump(DB, key("l"))!;
  rpush(ks, "keep", ["k"]);
  const before = used(ks);
  const HEADER = 12; // wasm/README.md: the blob header before the object's bytes
  const variant = (change: (b: Uint8Array, view: DataView) => Uint8Array | void) => {
    const copy = blob.slice();
    const view = new DataView(copy.buffer);
    return change(copy, view) ?? copy;
  };
  const withObjectLength = (bytes: Uint8Array) => {
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, bytes.length - HEADER, true);
    return bytes;
  };
  const corrupted = [
    variant((_, v) => v.setUint32(HEADER, 4, true)), // more elements than the bytes hold
    variant((_, v) => v.setUint32(HEADER, 2, true)), // fewer: bytes left over
    variant((_, v) => v.setUint32(HEADER, 0, true)), // an empty list (Redis keeps none)
    variant((_, v) => v.setUint32(HEADER + 4, 0xffffff00, true)), // an element overruns
    variant((b) => withObjectLength(b.slice(0, b.length - 1))), // truncated
    variant((b) => withObjectLength(Uint8Array.from([...b, 0]))), // trailing byte
    variant((b) => withObjectLength(b.slice(0, HEADER + 2))), // no room for the count
    variant((_, v) => v.setUint8(1, 9)), // an unknown type
  ];
  for (const [i, bad] of corrupted.entries()) {
    assert.equal(ks.restore(DB, key("new"), bad, 0), BAD_PAYLOAD, `variant ${i}`);
    assert.equal(ks.restore(DB, key("keep"), bad, 0, true), BAD_PAYLOAD, `variant ${i}`);
    assert.equal(ks.exists(DB, key("new")), false);
    assert.deepEqual(lrange(ks, "keep"), ["k"]);
    assert.equal(used(ks), before, `variant ${i}: nothing allocated`);
  }
  assert.equal(ks.restore(DB, key("new"), blob, 0), 1, "the intact blob still works");
  assert.deepEqual(lrange(ks, "new"), SHORT);
});

Deno.test("overwriting, deleting and expiring a list frees its memory", async () => {
  const { ks, baseline } = await freshKeyspace([DB]);
  // SET over a list: the memory of the string alone remains.
  ks.setString(DB, key("l"), enc.encode("v"));
  const withString = used(ks);
  ks.delete(DB, key("l"));
  rpush(ks, "l", LONG);
  assert.ok(used(ks) > baseline + 100_000);
  ks.setString(DB, key("l"), enc.encode("v"));
  assert.equal(used(ks), withString);
  ks.delete(DB, key("l"));
  assert.equal(used(ks), baseline);

  // DEL
  rpush(ks, "l", LONG);
  assert.equal(ks.delete(DB, key("l")), true);
  assert.equal(used(ks), baseline);

  // Lazy expiry: the next access finds it expired and frees it.
  const now = Date.now();
  ks.setClock(now);
  rpush(ks, "l", LONG);
  ks.setExpire(DB, key("l"), now + 1000);
  ks.setClock(now + 2000);
  assert.deepEqual(lrange(ks, "l"), []);
  assert.equal(used(ks), baseline);

  // Active expiry
  ks.setClock(now);
  for (let i = 0; i < 5; i++) {
    rpush(ks, `l${i}`, LONG.slice(0, 600));
    ks.setExpire(DB, key(`l${i}`), now + 1000);
  }
  ks.setClock(now + 2000);
  assert.equal(ks.activeExpire(DB, 20), 5);
  assert.equal(used(ks), baseline);
});

Deno.test("FLUSHDB, sync and ASYNC, frees lists", async () => {
  const { ks, baseline } = await freshKeyspace();
  for (let i = 0; i < 5; i++) rpush(ks, `l${i}`, LONG.slice(0, 600));
  ks.flush(DB);
  assert.equal(used(ks), baseline);

  // FLUSHDB ASYNC: counted until lazyFreeStep has freed the detached table.
  for (let i = 0; i < 50; i++) rpush(ks, `l${i}`, LONG.slice(0, 300));
  ks.flushAsync(DB);
  assert.equal(ks.dbSize(DB), 0);
  assert.ok(ks.memoryUsed() > baseline + 100_000);
  while (ks.lazyFreeStep(16) > 0);
  assert.equal(used(ks), baseline);
});

Deno.test("the server's engine module serves lists too", () => {
  const ks = createKeyspace();
  ks.delete(DB, key("lifecycle"));
  assert.equal(rpush(ks, "lifecycle", SHORT), 3);
  assert.deepEqual(lrange(ks, "lifecycle"), SHORT);
  assert.equal(ks.encoding(DB, key("lifecycle")), 5); // quicklist
  assert.equal(ks.delete(DB, key("lifecycle")), true);
  assert.equal(listRange(ks, DB, argsOf("LRANGE", "lifecycle"), 0, -1), 0);
});
