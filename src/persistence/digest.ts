// DEBUG DIGEST and DEBUG DIGEST-VALUE as Redis 7.0 computes them (debug.c xorDigest, mixDigest,
// xorObjectDigest, computeDatasetDigest), so a dataset can be compared with Redis's.
// Unordered parts (set members, hash pairs, sorted set entries, the keys of a database) are
// combined by XOR of their SHA-1s, so the result does not depend on storage order; that also
// lets each shard digest its own keys, and the shards' parts be XORed together.
import type { Keyspace } from "../engine/keyspace.ts";
import { formatDouble17g } from "../protocol/numbers.ts";
import { latin1 } from "../protocol/bytes.ts";
import type { RdbValue } from "./rdb/value.ts";
import { rdbValueFromBlob } from "./value_codec.ts";

const encoder = new TextEncoder();
const EXPIRE_MARK = encoder.encode("!!expire!!");
const TYPE_CODE: Record<RdbValue["kind"], number> = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
};

const W = new Int32Array(80);
let block = new Uint8Array(128);

/** SHA-1 (FIPS 180-4), synchronous: a digest hashes a few short inputs per element, where
 * node:crypto's per-call overhead dominated DEBUG DIGEST. */
export function sha1(bytes: Uint8Array): Uint8Array {
  const n = bytes.length, total = ((n + 8) >> 6) + 1 << 6;
  if (block.length < total) block = new Uint8Array(total * 2);
  const m = block.subarray(0, total);
  m.set(bytes);
  m.fill(0, n);
  m[n] = 0x80;
  const view = new DataView(m.buffer, m.byteOffset, total);
  view.setUint32(total - 8, Math.floor(n / 0x20000000), false);
  view.setUint32(total - 4, (n * 8) >>> 0, false);
  let h0 = 0x67452301,
    h1 = 0xefcdab89 | 0,
    h2 = 0x98badcfe | 0,
    h3 = 0x10325476,
    h4 = 0xc3d2e1f0 | 0;
  for (let at = 0; at < total; at += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getInt32(at + i * 4, false);
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      const f = i < 20
        ? ((b & c) | (~b & d)) + 0x5a827999
        : i < 40
        ? (b ^ c ^ d) + 0x6ed9eba1
        : i < 60
        ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
        : (b ^ c ^ d) + 0xca62c1d6;
      const t = (((a << 5) | (a >>> 27)) + f + e + W[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const o = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => o.setInt32(i * 4, h, false));
  return out;
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
  const blob = ks.peek(db, key); // LOOKUP_NOTOUCH, as DEBUG DIGEST-VALUE
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
