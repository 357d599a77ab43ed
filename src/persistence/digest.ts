// DEBUG DIGEST and DEBUG DIGEST-VALUE as Redis 7.0 computes them (debug.c xorDigest, mixDigest,
// xorObjectDigest, computeDatasetDigest), so a dataset can be compared with Redis's.
// Unordered parts (set members, hash pairs, sorted set entries, the keys of a database) are
// combined by XOR of their SHA-1s, so the result does not depend on storage order; that also
// lets each shard digest its own keys, and the shards' parts be XORed together.
import { createHash } from "node:crypto";
import type { Keyspace } from "../engine/keyspace.ts";
import { formatDouble17g } from "../protocol/numbers.ts";
import { latin1 } from "../protocol/bytes.ts";
import type { RdbValue } from "./rdb/value.ts";
import { rdbValueFromBlob } from "./value_codec.ts";

const encoder = new TextEncoder();
const EXPIRE_MARK = encoder.encode("!!expire!!");
const TYPE_CODE: Record<RdbValue["kind"], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4 };

function sha1(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha1").update(bytes).digest());
}

/** digest ^= SHA1(bytes). */
export function xorDigest(digest: Uint8Array, bytes: Uint8Array): void {
  const hash = sha1(bytes);
  for (let i = 0; i < 20; i++) digest[i] ^= hash[i];
}

/** digest = SHA1(digest ^ SHA1(bytes)). */
export function mixDigest(digest: Uint8Array, bytes: Uint8Array): void {
  xorDigest(digest, bytes);
  digest.set(sha1(digest));
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

/** xorObjectDigest: a value's type, contents and whether it expires, into `digest`. */
export function xorObjectDigest(digest: Uint8Array, value: RdbValue, expires: boolean): void {
  mixDigest(digest, u32be(TYPE_CODE[value.kind]));
  switch (value.kind) {
    case "string":
      mixDigest(digest, value.value);
      break;
    case "list":
      for (const element of value.elements) mixDigest(digest, element);
      break;
    case "set":
      for (const member of value.members) xorDigest(digest, member);
      break;
    case "zset":
      for (const { member, score } of value.entries) {
        const element = new Uint8Array(20);
        mixDigest(element, member);
        mixDigest(element, encoder.encode(formatDouble17g(score)));
        xorDigest(digest, element);
      }
      break;
    case "hash":
      for (const [field, v] of value.entries) {
        const element = new Uint8Array(20);
        mixDigest(element, field);
        mixDigest(element, v);
        xorDigest(digest, element);
      }
      break;
  }
  if (expires) xorDigest(digest, EXPIRE_MARK);
}

/** xorObjectDigest of a key's value into `digest` (nothing when the key is missing). */
function keyValueDigest(digest: Uint8Array, ks: Keyspace, db: number, key: Uint8Array): Uint8Array {
  const blob = ks.dump(db, key);
  if (blob !== null) xorObjectDigest(digest, rdbValueFromBlob(blob), ks.expireAt(db, key) >= 0);
  return digest;
}

/** DIGEST-VALUE of one key: 20 zero bytes when it is missing. */
export function valueDigest(ks: Keyspace, db: number, key: Uint8Array): Uint8Array {
  return keyValueDigest(new Uint8Array(20), ks, db, key);
}

/** One database's share of a shard: whether it has keys, and the XOR of its key digests. */
export interface DbDigest {
  nonEmpty: boolean;
  xor: Uint8Array;
}

/** The per-database parts of computeDatasetDigest for the keys of one shard. */
export function shardDigest(ks: Keyspace, databases: number): DbDigest[] {
  const parts: DbDigest[] = [];
  for (let db = 0; db < databases; db++) {
    const part = { nonEmpty: ks.dbSize(db) > 0, xor: new Uint8Array(20) };
    parts.push(part);
    if (!part.nonEmpty) continue;
    const seen = new Set<string>();
    let cursor = 0;
    do {
      const step = ks.scan(db, cursor, 1000);
      cursor = step.cursor;
      for (const key of step.keys) {
        const name = latin1(key);
        if (seen.has(name)) continue;
        seen.add(name);
        const digest = new Uint8Array(20);
        mixDigest(digest, key);
        xorDigest(part.xor, keyValueDigest(digest, ks, db, key));
      }
    } while (cursor !== 0);
  }
  return parts;
}

/** computeDatasetDigest from every shard's parts: per non-empty db, mix its index, then XOR. */
export function datasetDigest(shards: DbDigest[][], databases: number): Uint8Array {
  const final = new Uint8Array(20);
  for (let db = 0; db < databases; db++) {
    if (!shards.some((parts) => parts[db]?.nonEmpty)) continue;
    mixDigest(final, u32be(db));
    for (const parts of shards) for (let i = 0; i < 20; i++) final[i] ^= parts[db].xor[i];
  }
  return final;
}

export function hex(digest: Uint8Array): string {
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A shard's parts as bytes (a DEBUG DIGEST shard part's reply): per db a flag and 20 bytes. */
export function encodeShardDigest(parts: DbDigest[]): Uint8Array {
  const out = new Uint8Array(parts.length * 21);
  parts.forEach((p, i) => {
    out[i * 21] = p.nonEmpty ? 1 : 0;
    out.set(p.xor, i * 21 + 1);
  });
  return out;
}

export function decodeShardDigest(bytes: Uint8Array): DbDigest[] {
  const parts: DbDigest[] = [];
  for (let at = 0; at + 21 <= bytes.length; at += 21) {
    parts.push({ nonEmpty: bytes[at] === 1, xor: bytes.slice(at + 1, at + 21) });
  }
  return parts;
}
