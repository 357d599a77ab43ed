// The engine's snapshot walk (Keyspace.snapshotScan / snapshotKeyPassed / snapshotKey): each
// key once even when the index shrinks and grows during the walk, every key present
// throughout returned, snapshotKeyPassed true exactly for the keys already returned, and a
// key created where the walk has passed never returned.
import assert from "node:assert/strict";
import { instantiateEngine, Keyspace } from "../../src/engine/keyspace.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const key = (prefix: string, i: number) => enc.encode(`${prefix}:${i}`);

interface WalkRecord {
  key: string;
  expireAt: number;
  blob: Uint8Array;
}

/** The records at resultOffset() (`bytes` of them). */
function records(ks: Keyspace, bytes: number): WalkRecord[] {
  const mem = ks.memoryBytes(), view = new DataView(mem.buffer);
  const out: WalkRecord[] = [];
  for (let at = ks.resultOffset(), end = at + bytes; at < end;) {
    const klen = view.getUint32(at, true);
    const name = dec.decode(mem.subarray(at + 4, at + 4 + klen));
    const expireAt = Number(view.getBigInt64(at + 4 + klen, true));
    const blob = at + 12 + klen;
    const blobEnd = blob + 12 + view.getUint32(blob + 8, true);
    out.push({ key: name, expireAt, blob: mem.slice(blob, blobEnd) });
    at = blobEnd;
  }
  return out;
}

class Walk {
  cursor = 0;
  done = false;
  readonly seen = new Map<string, number>();
  constructor(private readonly ks: Keyspace) {}
  steps(n: number): void {
    for (let i = 0; i < n && !this.done; i++) {
      this.cursor = this.ks.snapshotScan(0, this.cursor, 16, 1 << 16);
      for (const r of records(this.ks, this.ks.snapshotBytes())) {
        this.seen.set(r.key, (this.seen.get(r.key) ?? 0) + 1);
      }
      if (this.cursor === 0) this.done = true;
    }
  }
  /** snapshotKeyPassed agrees with what the walk returned, for keys present now. */
  checkPassed(present: Iterable<string>): void {
    if (this.done) return;
    for (const name of present) {
      assert.equal(
        this.ks.snapshotKeyPassed(enc.encode(name), this.cursor),
        this.seen.has(name),
        `${name} at cursor ${this.cursor}`,
      );
    }
  }
}

Deno.test("the snapshot walk returns each key once across a shrink and a growth of the index", async () => {
  // A shrink in the middle of a walk makes SCAN return again a few keys of the bucket the
  // cursor is in (Redis's SCAN does too): many walks, each cut at another point.
  for (let trial = 0; trial < 30; trial++) {
    const ks = new Keyspace(await instantiateEngine());
    ks.setClock(Date.now());
    const n = 2000 + trial * 7;
    for (let i = 0; i < n; i++) ks.setString(0, key("key", i), key("value", i));
    const stays = Array.from({ length: Math.ceil(n / 16) }, (_, j) => `key:${j * 16}`);
    const walk = new Walk(ks);
    walk.steps(1 + (trial * 37) % 120);
    walk.checkPassed(stays);
    // Nearly every key goes: the index shrinks while the walk is part way.
    for (let i = 0; i < n; i++) if (i % 16 !== 0) ks.delete(0, key("key", i));
    walk.steps(1 + trial % 3);
    walk.checkPassed(stays);
    // Then it grows far past its first size. A key created where the walk has passed must
    // never be returned (the shard marks only the others as created after the snapshot).
    const passedAtCreation = new Map<string, boolean>();
    for (let i = 0; i < 2 * n; i++) {
      const name = `new:${i}`, bytes = enc.encode(name);
      if (!walk.done) passedAtCreation.set(name, ks.snapshotKeyPassed(bytes, walk.cursor));
      ks.setString(0, bytes, enc.encode("x"));
      if (i % 500 === 499) walk.steps(1);
    }
    walk.checkPassed(stays);
    walk.steps(Infinity);
    for (const [name, passed] of passedAtCreation) {
      assert.equal(walk.seen.has(name), !passed, `${name} (trial ${trial})`);
    }
    assert.ok(walk.done);
    const twice = [...walk.seen].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], `keys returned more than once (trial ${trial})`);
    for (const name of stays) assert.ok(walk.seen.has(name), `${name} was never returned`);
  }
});

Deno.test("a snapshot record holds the key, its expiry and its DUMP blob, and reads nothing else; an expired key not reclaimed has one", async () => {
  const ks = new Keyspace(await instantiateEngine());
  const now = Date.now();
  ks.setClock(now);
  ks.setString(0, enc.encode("plain"), enc.encode("v"));
  ks.setString(0, enc.encode("ttl"), enc.encode("w"), now + 60_000);
  ks.setString(0, enc.encode("gone"), enc.encode("x"), now + 10);
  ks.setClock(now + 20); // "gone" expired, not reclaimed
  const byKey = new Map<string, WalkRecord>();
  for (let cursor = 0;;) {
    cursor = ks.snapshotScan(0, cursor, 16, 1 << 16);
    for (const r of records(ks, ks.snapshotBytes())) byKey.set(r.key, r);
    if (cursor === 0) break;
  }
  // As in a fork's copy: "gone" is still there until expiry reclaims it.
  assert.deepEqual([...byKey.keys()].sort(), ["gone", "plain", "ttl"]);
  assert.equal(byKey.get("gone")!.expireAt, now + 10);
  assert.equal(byKey.get("plain")!.expireAt, -1);
  assert.equal(byKey.get("ttl")!.expireAt, now + 60_000);
  assert.deepEqual(byKey.get("ttl")!.blob, ks.dump(0, enc.encode("ttl")));
  const n = ks.snapshotKey(0, enc.encode("ttl"));
  assert.ok(n > 0);
  assert.deepEqual(records(ks, n), [byKey.get("ttl")]);
  assert.ok(ks.snapshotKey(0, enc.encode("gone")) > 0, "an expired key not reclaimed has a record");
  assert.ok(ks.snapshotKey(0, enc.encode("missing")) < 0, "a missing key has none");
  assert.equal(ks.dbSize(0), 3, "the walk and snapshotKey expire nothing");
});
