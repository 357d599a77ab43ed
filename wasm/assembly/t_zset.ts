// Sorted sets (Redis's t_zset.c), in two encodings like Redis 7.0:
//
// LISTPACK (small): one block  u32 kind | u32 count | u32 bytes | entries, sorted by score then
//   member bytes. An entry is  len | member | f64 score | len  where len is one byte (< 255) or
//   0xFF + u32 (front) / u32 + 0xFF (back), so the list walks both ways.
// SKIPLIST (big): a header block (kind, length, level, tail, member index) holding the head
//   node's 32 levels, plus one block per member, sized to its level (Redis's zskiplistNode with
//   the member inline): level x (u32 forward, u32 span, f64 forward's score), from the top
//   level down | f64 score | u32 backward | u32 member length | u8 level | member bytes.
//   Spans give O(log n) ranks. The
//   member index is an open-addressing table of (u32 node, u32 hash) slots, linear probing,
//   backward-shift deletion, 3/4 load, so ZSCORE / ZADD find a member in O(1).
//
// Conversion follows Redis: listpack -> skiplist when a member longer than
// zset-max-listpack-value arrives or the count would pass zset-max-listpack-entries; store
// commands build the result with the same rule. Objects never shrink back on their own.

import { memAlloc, memAllocZeroed, memFree, memResize, slabAlloc, slabFree } from "./alloc";
import { bytesEqual, hashBytes } from "./hash";
import { nextRandom } from "./random";
import { writeF64, writeU32, writerReserve } from "./bytewriter";
import { zsetMaxListpackEntries, zsetMaxListpackValue } from "./limits";
import { copyShort, itemBytes, itemDouble } from "./items";

export const KIND_LISTPACK: u32 = 0;
export const KIND_SKIPLIST: u32 = 1;
const REPORT_LISTPACK: i32 = 4;
const REPORT_SKIPLIST: i32 = 8;

// @ts-ignore: decorator
@inline export function kindOf(obj: usize): u32 {
  return load<u32>(obj);
}

// ---- byte order of members (Redis sdscmp: memcmp, then the shorter first) --------------------

export function compareBytes(a: usize, alen: usize, b: usize, blen: usize): i32 {
  const n = min(alen, blen);
  for (let i: usize = 0; i < n; i++) {
    const x = <i32>load<u8>(a + i), y = <i32>load<u8>(b + i);
    if (x != y) return x - y;
  }
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/** (score, member) order of the sorted set. */
// @ts-ignore: decorator
@inline function compareEntries(s1: f64, m1: usize, l1: usize, s2: f64, m2: usize, l2: usize): i32 {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return compareBytes(m1, l1, m2, l2);
}

// ---- listpack ------------------------------------------------------------------------------

const LP_COUNT: usize = 4;
const LP_BYTES: usize = 8;
const LP_HEAD: usize = 12;

// @ts-ignore: decorator
@inline function lenField(len: usize): usize {
  return len < 255 ? 1 : 5;
}
// @ts-ignore: decorator
@inline function lpEntrySize(len: usize): usize {
  return 2 * lenField(len) + len + 8;
}
// @ts-ignore: decorator
@inline export function lpLen(p: usize): usize {
  const b = <usize>load<u8>(p);
  return b < 255 ? b : <usize>load<u32>(p + 1);
}
// @ts-ignore: decorator
@inline export function lpMember(p: usize): usize {
  return load<u8>(p) < 255 ? p + 1 : p + 5;
}
// @ts-ignore: decorator
@inline export function lpScore(p: usize): f64 {
  const len = lpLen(p);
  return load<f64>(p + lenField(len) + len);
}
// @ts-ignore: decorator
@inline function lpNextEntry(p: usize): usize {
  return p + lpEntrySize(lpLen(p));
}
// @ts-ignore: decorator
@inline function lpCount(obj: usize): u32 {
  return load<u32>(obj, LP_COUNT);
}
// @ts-ignore: decorator
@inline function lpUsed(obj: usize): usize {
  return <usize>load<u32>(obj, LP_BYTES);
}
// @ts-ignore: decorator
@inline function lpFirst(obj: usize): usize {
  return obj + LP_HEAD;
}
// @ts-ignore: decorator
@inline function lpEnd(obj: usize): usize {
  return obj + LP_HEAD + lpUsed(obj);
}

/** The entry before `p`, or 0 at the first. */
function lpPrevEntry(obj: usize, p: usize): usize {
  if (p == lpFirst(obj)) return 0;
  const b = <usize>load<u8>(p - 1);
  const len = b < 255 ? b : <usize>load<u32>(p - 5);
  return p - lpEntrySize(len);
}

function lpNew(): usize {
  const obj = memAlloc(LP_HEAD);
  store<u32>(obj, KIND_LISTPACK);
  store<u32>(obj, 0, LP_COUNT);
  store<u32>(obj, 0, LP_BYTES);
  return obj;
}

function writeLpEntry(at: usize, member: usize, len: usize, score: f64): void {
  let p = at;
  if (len < 255) {
    store<u8>(p, <u8>len);
    p += 1;
  } else {
    store<u8>(p, 255);
    store<u32>(p + 1, <u32>len);
    p += 5;
  }
  memory.copy(p, member, len);
  p += len;
  // Redis's listpack keeps scores as text where "-0" reads back as the integer 0.
  store<f64>(p, score == 0 ? 0 : score);
  p += 8;
  if (len < 255) store<u8>(p, <u8>len);
  else {
    store<u32>(p, <u32>len);
    store<u8>(p + 4, 255);
  }
}

function lpFind(obj: usize, member: usize, len: usize): usize {
  const end = lpEnd(obj);
  for (let p = lpFirst(obj); p < end; p = lpNextEntry(p)) {
    if (lpLen(p) == len && bytesEqual(lpMember(p), member, len)) return p;
  }
  return 0;
}

/** Inserts (member, score) in order; the member must be absent. Returns the (moved) object. */
function lpInsert(obj: usize, member: usize, len: usize, score: f64): usize {
  const size = lpEntrySize(len);
  const used = lpUsed(obj);
  // Find the position before moving: offsets survive the resize.
  let at = lpFirst(obj);
  const end = lpEnd(obj);
  while (at < end) {
    const l = lpLen(at);
    if (compareEntries(lpScore(at), lpMember(at), l, score, member, len) > 0) break;
    at += lpEntrySize(l);
  }
  const offset = at - obj;
  obj = memResize(obj, LP_HEAD + used + size);
  at = obj + offset;
  memory.copy(at + size, at, obj + LP_HEAD + used - at);
  writeLpEntry(at, member, len, score);
  store<u32>(obj, lpCount(obj) + 1, LP_COUNT);
  store<u32>(obj, <u32>(used + size), LP_BYTES);
  return obj;
}

/** Removes `n` entries starting at `p`; returns the (possibly shrunk) object. */
function lpDeleteRun(obj: usize, p: usize, n: u32): usize {
  let q = p;
  for (let i: u32 = 0; i < n; i++) q = lpNextEntry(q);
  const end = lpEnd(obj);
  memory.copy(p, q, end - q);
  const used = lpUsed(obj) - (q - p);
  store<u32>(obj, lpCount(obj) - n, LP_COUNT);
  store<u32>(obj, <u32>used, LP_BYTES);
  return memResize(obj, LP_HEAD + used);
}

function lpEntryAt(obj: usize, rank: u32): usize {
  let p = lpFirst(obj);
  for (let i: u32 = 0; i < rank; i++) p = lpNextEntry(p);
  return p;
}

// ---- skiplist --------------------------------------------------------------------------------

const MAX_LEVEL: i32 = 32;
// Header block fields.
const SL_LENGTH: usize = 4;
const SL_LEVEL: usize = 8;
const SL_TAIL: usize = 12;
const SL_TABLE: usize = 16;
const SL_MASK: usize = 20;
const SL_HEAD_LEVELS: usize = 32; // the head node's levels (16-byte aligned, as in a node)
const SL_HEAD: usize = SL_HEAD_LEVELS + (<usize>MAX_LEVEL << 4) - 4; // the head node (levels only)
// A node is referenced by the address of its fixed fields; its levels lie just below them, top
// level first, so its block starts at node + 4 - 16 x level. Level i's entry, at node - 12 - 16 i:
// f64 the forward node's score | u32 forward | u32 span (none at level 0, where it is always 1).
// With the forward's score in the entry a descent decides at the node it stands on, reading only
// the nodes it moves to (and a forward's member when the scores tie); level 0 and the node's own
// fields are adjacent.
const E_SCORE: usize = 0;
const E_FWD: usize = 8;
const E_SPAN: usize = 12;
const N_SCORE: usize = 0;
const N_BACK: usize = 8;
const N_LEN: usize = 12;
const N_LEVEL: usize = 16;
const N_MEMBER: usize = 17;
const SL_HEADER_SIZE: usize = SL_HEAD + N_MEMBER;

/** Bytes of a node's levels (what lies below its address). */
// @ts-ignore: decorator
@inline function levelsSize(level: i32): usize {
  return (<usize>level << 4) - 4;
}
// @ts-ignore: decorator
@inline function entry(x: usize, i: i32): usize {
  return x - 12 - (<usize>i << 4);
}
// @ts-ignore: decorator
@inline export function nodeScore(x: usize): f64 {
  return load<f64>(x, N_SCORE);
}
// @ts-ignore: decorator
@inline function nodeBack(x: usize): usize {
  return <usize>load<u32>(x, N_BACK);
}
// @ts-ignore: decorator
@inline export function nodeLen(x: usize): usize {
  return <usize>load<u32>(x, N_LEN);
}
// @ts-ignore: decorator
@inline function nodeLevel(x: usize): i32 {
  return <i32>load<u8>(x, N_LEVEL);
}
// @ts-ignore: decorator
@inline export function nodeMember(x: usize): usize {
  return x + N_MEMBER;
}
// @ts-ignore: decorator
@inline function nodeBlock(x: usize): usize {
  return x - levelsSize(nodeLevel(x));
}
// @ts-ignore: decorator
@inline function fwd(x: usize, i: i32): usize {
  return <usize>load<u32>(entry(x, i), E_FWD);
}
// @ts-ignore: decorator
@inline function span(x: usize, i: i32): u32 {
  return i == 0 ? 1 : load<u32>(entry(x, i), E_SPAN);
}
// @ts-ignore: decorator
@inline function setSpan(x: usize, i: i32, v: u32): void {
  if (i != 0) store<u32>(entry(x, i), v, E_SPAN);
}
/** The score of fwd(x, i) (meaningless when that is 0). */
// @ts-ignore: decorator
@inline function fwdScore(x: usize, i: i32): f64 {
  return load<f64>(entry(x, i), E_SCORE);
}
/** Points level i of x at node f (0: none), keeping f's score with the pointer. */
// @ts-ignore: decorator
@inline function setFwd(x: usize, i: i32, f: usize, fScore: f64): void {
  const e = entry(x, i);
  store<u32>(e, <u32>f, E_FWD);
  store<f64>(e, fScore, E_SCORE);
}
// @ts-ignore: decorator
@inline function slHead(obj: usize): usize {
  return obj + SL_HEAD;
}
// @ts-ignore: decorator
@inline function slLength(obj: usize): u32 {
  return load<u32>(obj, SL_LENGTH);
}
// @ts-ignore: decorator
@inline function slLevel(obj: usize): i32 {
  return <i32>load<u32>(obj, SL_LEVEL);
}
// @ts-ignore: decorator
@inline function slTail(obj: usize): usize {
  return <usize>load<u32>(obj, SL_TAIL);
}
// @ts-ignore: decorator
@inline export function slFirst(obj: usize): usize {
  return fwd(slHead(obj), 0);
}
// @ts-ignore: decorator
@inline export function slNext(x: usize): usize {
  return fwd(x, 0);
}

/** Whether fwd(x, i) (given) orders before (score, member) — at or before when `orEqual`.
 * Reads the forward node only when the scores tie. */
// @ts-ignore: decorator
@inline function fwdBefore(x: usize, i: i32, f: usize, score: f64, member: usize, len: usize, orEqual: bool): bool {
  const s = fwdScore(x, i);
  if (s != score) return s < score;
  const c = compareBytes(nodeMember(f), nodeLen(f), member, len);
  return orEqual ? c <= 0 : c < 0;
}

const MIN_SLOTS: u32 = 8;

function slNew(capacityHint: u32): usize {
  const obj = memAllocZeroed(SL_HEADER_SIZE);
  store<u32>(obj, KIND_SKIPLIST);
  store<u32>(obj, 1, SL_LEVEL);
  let slots = MIN_SLOTS;
  while (<u64>capacityHint * 4 > <u64>slots * 3) slots <<= 1;
  store<u32>(obj, <u32>memAllocZeroed(<usize>slots << 3), SL_TABLE);
  store<u32>(obj, slots - 1, SL_MASK);
  return obj;
}

function randomLevel(): i32 {
  let level = 1;
  let bits = nextRandom();
  // Redis's ZSKIPLIST_P = 0.25: two random bits per level.
  while ((bits & 3) == 0 && level < MAX_LEVEL) {
    level++;
    bits >>= 2;
    if (bits == 0) bits = nextRandom();
  }
  return level;
}

// ---- member index ------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function slotAddr(obj: usize, i: u32): usize {
  return <usize>load<u32>(obj, SL_TABLE) + (<usize>i << 3);
}

function indexFind(obj: usize, member: usize, len: usize, h: u32): usize {
  const mask = load<u32>(obj, SL_MASK);
  let i = h & mask;
  while (true) {
    const s = slotAddr(obj, i);
    const x = <usize>load<u32>(s);
    if (x == 0) return 0;
    if (load<u32>(s, 4) == h && nodeLen(x) == len && bytesEqual(nodeMember(x), member, len)) return s;
    i = (i + 1) & mask;
  }
}

function indexPut(table: usize, mask: u32, x: usize, h: u32): void {
  let i = h & mask;
  while (load<u32>(table + (<usize>i << 3)) != 0) i = (i + 1) & mask;
  store<u32>(table + (<usize>i << 3), <u32>x);
  store<u32>(table + (<usize>i << 3), h, 4);
}

function indexResize(obj: usize, slots: u32): void {
  const old = <usize>load<u32>(obj, SL_TABLE);
  const oldSlots = load<u32>(obj, SL_MASK) + 1;
  const table = memAllocZeroed(<usize>slots << 3);
  const mask = slots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const s = old + (<usize>i << 3);
    const x = <usize>load<u32>(s);
    if (x != 0) indexPut(table, mask, x, load<u32>(s, 4));
  }
  memFree(old);
  store<u32>(obj, <u32>table, SL_TABLE);
  store<u32>(obj, mask, SL_MASK);
}

function indexAdd(obj: usize, x: usize, h: u32): void {
  const slots = load<u32>(obj, SL_MASK) + 1;
  if (<u64>(slLength(obj) + 1) * 4 > <u64>slots * 3) indexResize(obj, slots << 1);
  indexPut(<usize>load<u32>(obj, SL_TABLE), load<u32>(obj, SL_MASK), x, h);
}

/** Removes the slot at `s` (backward shift keeps every probe run unbroken). */
function indexRemoveSlot(obj: usize, s: usize): void {
  const table = <usize>load<u32>(obj, SL_TABLE);
  const mask = load<u32>(obj, SL_MASK);
  let hole = <u32>((s - table) >> 3);
  let j = hole;
  while (true) {
    j = (j + 1) & mask;
    const sj = table + (<usize>j << 3);
    const x = load<u32>(sj);
    if (x == 0) break;
    const home = load<u32>(sj, 4) & mask;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      const sh = table + (<usize>hole << 3);
      store<u64>(sh, load<u64>(sj));
      hole = j;
    }
  }
  store<u64>(table + (<usize>hole << 3), 0);
}

function indexShrinkIfSparse(obj: usize): void {
  const slots = load<u32>(obj, SL_MASK) + 1;
  const used = slLength(obj);
  if (slots > MIN_SLOTS && <u64>used * 8 < <u64>slots) {
    let target = MIN_SLOTS;
    while (<u64>used * 2 > <u64>target) target <<= 1;
    indexResize(obj, target);
  }
}

// ---- skiplist operations ---------------------------------------------------------------------

const update = memory.data(4 * 32);
const rankAt = memory.data(4 * 32);

/** One descent to where (score, member) goes: `update` gets the last node before it on each
 * level, `rankAt` that node's rank. */
function slFindPath(obj: usize, score: f64, member: usize, len: usize): void {
  let x = slHead(obj);
  let r: u32 = 0;
  for (let i = slLevel(obj) - 1; i >= 0; i--) {
    let f = fwd(x, i);
    while (f != 0 && fwdBefore(x, i, f, score, member, len, false)) {
      r += span(x, i);
      x = f;
      f = fwd(x, i);
    }
    store<u32>(rankAt + (<usize>i << 2), r);
    store<u32>(update + (<usize>i << 2), <u32>x);
  }
}

/** Links node x (score and level set) at the place slFindPath found. */
function slLink(obj: usize, x: usize): void {
  const head = slHead(obj);
  const level = nodeLevel(x);
  const top = slLevel(obj);
  const length = slLength(obj);
  if (level > top) {
    for (let i = top; i < level; i++) {
      store<u32>(rankAt + (<usize>i << 2), 0);
      store<u32>(update + (<usize>i << 2), <u32>head);
      setSpan(head, i, length);
    }
    store<u32>(obj, <u32>level, SL_LEVEL);
  }
  const score = nodeScore(x);
  const r0 = load<u32>(rankAt);
  for (let i = 0; i < level; i++) {
    const u = <usize>load<u32>(update + (<usize>i << 2));
    const ri = load<u32>(rankAt + (<usize>i << 2));
    setFwd(x, i, fwd(u, i), fwdScore(u, i));
    setSpan(x, i, span(u, i) - (r0 - ri));
    setFwd(u, i, x, score);
    setSpan(u, i, r0 - ri + 1);
  }
  for (let i = level; i < top; i++) {
    const u = <usize>load<u32>(update + (<usize>i << 2));
    setSpan(u, i, span(u, i) + 1);
  }
  const back = <usize>load<u32>(update);
  store<u32>(x, back == head ? 0 : <u32>back, N_BACK);
  const next = fwd(x, 0);
  if (next != 0) store<u32>(next, <u32>x, N_BACK);
  else store<u32>(obj, <u32>x, SL_TAIL);
  store<u32>(obj, length + 1, SL_LENGTH);
}

/** Inserts a new node (member absent) and indexes it. Returns it. */
function slInsert(obj: usize, member: usize, len: usize, score: f64, h: u32): usize {
  slFindPath(obj, score, member, len);
  const level = randomLevel();
  const x = slabAlloc(levelsSize(level) + N_MEMBER + len) + levelsSize(level);
  store<f64>(x, score, N_SCORE);
  store<u32>(x, <u32>len, N_LEN);
  store<u8>(x, <u8>level, N_LEVEL);
  copyShort(nodeMember(x), member, len);
  slLink(obj, x);
  indexAdd(obj, x, h);
  return x;
}

/** Unlinks node x (the update vector must be filled by a search for it). */
function slUnlink(obj: usize, x: usize): void {
  const level = slLevel(obj);
  for (let i = 0; i < level; i++) {
    const u = <usize>load<u32>(update + (<usize>i << 2));
    if (fwd(u, i) == x) {
      setSpan(u, i, span(u, i) + span(x, i) - 1);
      setFwd(u, i, fwd(x, i), fwdScore(x, i));
    } else {
      setSpan(u, i, span(u, i) - 1);
    }
  }
  const next = fwd(x, 0);
  if (next != 0) store<u32>(next, <u32>nodeBack(x), N_BACK);
  else store<u32>(obj, <u32>nodeBack(x), SL_TAIL);
  const head = slHead(obj);
  let l = level;
  while (l > 1 && fwd(head, l - 1) == 0) l--;
  store<u32>(obj, <u32>l, SL_LEVEL);
  store<u32>(obj, slLength(obj) - 1, SL_LENGTH);
}

/** Fills `update` with the last node before x on each level. */
function slSearch(obj: usize, x: usize): void {
  slFindPath(obj, nodeScore(x), nodeMember(x), nodeLen(x));
}

/** Deletes node x (and its index slot `s`, or finds it when 0). */
function slDelete(obj: usize, x: usize, s: usize): void {
  if (s == 0) {
    const len = nodeLen(x);
    s = indexFind(obj, nodeMember(x), len, hashBytes(nodeMember(x), len));
  }
  indexRemoveSlot(obj, s);
  slSearch(obj, x);
  slUnlink(obj, x);
  slabFree(nodeBlock(x));
}

/**
 * Gives present node x a new score. In place when it stays in order (Redis's zslUpdateScore
 * fast path; the predecessors' copies of its score change too), else it is unlinked and linked
 * again at its new place: the same block, level and index slot (Redis frees and allocates).
 */
function slUpdateScore(obj: usize, x: usize, score: f64): void {
  const prev = nodeBack(x), next = fwd(x, 0);
  const member = nodeMember(x), len = nodeLen(x);
  // The side after x first: its score is in x, so a score that moves up reads no other node.
  const inOrder = (next == 0 || fwdScore(x, 0) > score ||
    (fwdScore(x, 0) == score && compareBytes(nodeMember(next), nodeLen(next), member, len) > 0)) &&
    (prev == 0 || nodeScore(prev) < score ||
      (nodeScore(prev) == score && compareBytes(nodeMember(prev), nodeLen(prev), member, len) < 0));
  if (inOrder && nodeLevel(x) == 1) {
    // Only level 0 points at x: from its predecessor (or the head).
    store<f64>(entry(prev == 0 ? slHead(obj) : prev, 0), score, E_SCORE);
    store<f64>(x, score, N_SCORE);
    return;
  }
  slSearch(obj, x);
  if (inOrder) {
    for (let i = 0; i < nodeLevel(x); i++) {
      store<f64>(entry(<usize>load<u32>(update + (<usize>i << 2)), i), score, E_SCORE);
    }
    store<f64>(x, score, N_SCORE);
    return;
  }
  slUnlink(obj, x);
  store<f64>(x, score, N_SCORE);
  slFindPath(obj, score, member, len);
  slLink(obj, x);
}

/** The node at 0-based rank. */
function slNodeAt(obj: usize, rank: u32): usize {
  let x = slHead(obj);
  let traversed: u32 = 0;
  const target = rank + 1;
  for (let i = slLevel(obj) - 1; i >= 0; i--) {
    while (fwd(x, i) != 0 && traversed + span(x, i) <= target) {
      traversed += span(x, i);
      x = fwd(x, i);
    }
    if (traversed == target) return x;
  }
  return 0;
}

/** 0-based rank of node x. */
function slRankOf(obj: usize, x: usize): u32 {
  const score = nodeScore(x), member = nodeMember(x), len = nodeLen(x);
  let p = slHead(obj);
  let rank: u32 = 0;
  for (let i = slLevel(obj) - 1; i >= 0; i--) {
    let f = fwd(p, i);
    while (f != 0 && fwdBefore(p, i, f, score, member, len, true)) {
      rank += span(p, i);
      p = f;
      f = fwd(p, i);
    }
    if (p == x) return rank - 1;
  }
  return rank - 1;
}

function slFree(obj: usize): void {
  let x = slFirst(obj);
  while (x != 0) {
    const next = fwd(x, 0);
    slabFree(nodeBlock(x));
    x = next;
  }
  memFree(<usize>load<u32>(obj, SL_TABLE));
  memFree(obj);
}

/**
 * Whether the skiplist's links agree with its level-0 order (for tests): on every level, each
 * entry's copy of its forward's score, its span, and the node's level; the backward links, the
 * tail and the length.
 */
export function skiplistConsistent(obj: usize): bool {
  if (kindOf(obj) != KIND_SKIPLIST) return true;
  const head = slHead(obj), top = slLevel(obj);
  for (let i = top; i < MAX_LEVEL; i++) if (fwd(head, i) != 0) return false;
  let n: u32 = 0, last: usize = 0;
  for (let x = slFirst(obj); x != 0; x = fwd(x, 0)) {
    if (nodeBack(x) != last) return false;
    last = x;
    n++;
  }
  if (n != slLength(obj) || slTail(obj) != last) return false;
  for (let i = 0; i < top; i++) {
    let x = head;
    while (true) {
      const f = fwd(x, i);
      if (f == 0) break;
      if (nodeLevel(f) <= i || fwdScore(x, i) != nodeScore(f)) return false;
      // The span is the level-0 distance from x to f.
      let steps: u32 = 0;
      let y = x;
      while (y != f && y != 0) {
        y = fwd(y, 0);
        steps++;
      }
      if (y != f || span(x, i) != steps) return false;
      x = f;
    }
  }
  return true;
}

// ---- both encodings ------------------------------------------------------------------------------

export function zsetLength(obj: usize): u32 {
  return kindOf(obj) == KIND_LISTPACK ? lpCount(obj) : slLength(obj);
}

/** An empty object with the encoding Redis would pick for `count` members of at most `maxLen` bytes. */
export function zsetCreate(count: u32, maxLen: usize): usize {
  if (zsetMaxListpackEntries == 0 || count > zsetMaxListpackEntries || maxLen > <usize>zsetMaxListpackValue) {
    return slNew(count);
  }
  return lpNew();
}

function listpackToSkiplist(obj: usize): usize {
  const n = lpCount(obj);
  const sl = slNew(n);
  const end = lpEnd(obj);
  for (let p = lpFirst(obj); p < end; p = lpNextEntry(p)) {
    const m = lpMember(p), len = lpLen(p);
    slInsert(sl, m, len, lpScore(p), hashBytes(m, len));
  }
  memFree(obj);
  return sl;
}

/** Skiplist -> listpack when it fits the limits (store commands); returns the object to keep. */
export function zsetShrinkIfFits(obj: usize): usize {
  if (kindOf(obj) != KIND_SKIPLIST) return obj;
  const n = slLength(obj);
  if (n > zsetMaxListpackEntries) return obj;
  let bytes: usize = 0;
  for (let x = slFirst(obj); x != 0; x = fwd(x, 0)) {
    const len = nodeLen(x);
    if (len > <usize>zsetMaxListpackValue) return obj;
    bytes += lpEntrySize(len);
  }
  const lp = memAlloc(LP_HEAD + bytes);
  store<u32>(lp, KIND_LISTPACK);
  store<u32>(lp, n, LP_COUNT);
  store<u32>(lp, <u32>bytes, LP_BYTES);
  let at = lp + LP_HEAD;
  for (let x = slFirst(obj); x != 0; x = fwd(x, 0)) {
    const len = nodeLen(x);
    writeLpEntry(at, nodeMember(x), len, nodeScore(x));
    at += lpEntrySize(len);
  }
  slFree(obj);
  return lp;
}

/** The found member's score after zsetFind returned true. */
export let foundScore: f64 = 0;
/** The member hash of the last zsetFind on a skiplist (zsetInsert reuses it). */
let lookupHash: u32 = 0;
/** Where zsetFind found the member: listpack entry, or skiplist index slot. */
let foundAt: usize = 0;

export function zsetFind(obj: usize, member: usize, len: usize): bool {
  if (kindOf(obj) == KIND_LISTPACK) {
    const p = lpFind(obj, member, len);
    if (p == 0) return false;
    foundAt = p;
    foundScore = lpScore(p);
    return true;
  }
  const h = hashBytes(member, len);
  lookupHash = h;
  const s = indexFind(obj, member, len, h);
  if (s == 0) return false;
  foundAt = s;
  foundScore = nodeScore(<usize>load<u32>(s));
  return true;
}

/** Deletes the member zsetFind just found; returns the (moved) object. */
export function zsetDeleteFound(obj: usize): usize {
  if (kindOf(obj) == KIND_LISTPACK) return lpDeleteRun(obj, foundAt, 1);
  slDelete(obj, <usize>load<u32>(foundAt), foundAt);
  indexShrinkIfSparse(obj);
  return obj;
}

/** Adds the member zsetFind just missed, converting to a skiplist first when Redis would;
 * returns the object. */
export function zsetInsert(obj: usize, member: usize, len: usize, score: f64): usize {
  if (kindOf(obj) == KIND_LISTPACK) {
    if (lpCount(obj) + 1 > zsetMaxListpackEntries || len > <usize>zsetMaxListpackValue) {
      obj = listpackToSkiplist(obj);
      slInsert(obj, member, len, score, hashBytes(member, len));
      return obj;
    }
    return lpInsert(obj, member, len, score);
  }
  // zsetFind hashed this member already.
  slInsert(obj, member, len, score, lookupHash);
  return obj;
}

/** Changes the found member's score (it is present); returns the object. */
export function zsetUpdateFound(obj: usize, member: usize, len: usize, score: f64): usize {
  if (kindOf(obj) == KIND_LISTPACK) {
    obj = lpDeleteRun(obj, foundAt, 1);
    return lpInsert(obj, member, len, score);
  }
  slUpdateScore(obj, <usize>load<u32>(foundAt), score);
  return obj;
}

// ---- ranks and ranges -------------------------------------------------------------------------

/** 0-based rank of the member zsetFind just found. */
export function zsetRankOfFound(obj: usize): u32 {
  if (kindOf(obj) == KIND_LISTPACK) {
    let r: u32 = 0;
    for (let p = lpFirst(obj); p < foundAt; p = lpNextEntry(p)) r++;
    return r;
  }
  return slRankOf(obj, <usize>load<u32>(foundAt));
}

// Range predicates for countLeading (a sorted set is ordered, so each holds for a prefix).
export const BELOW_SCORE: i32 = 0; // score < bound (or <= when exclusive): before a min
export const UPTO_SCORE: i32 = 1; // score <= bound (or < when exclusive): up to a max
export const BELOW_LEX: i32 = 2; // member < lex min (or <= when exclusive)
export const UPTO_LEX: i32 = 3; // member <= lex max (or < when exclusive)

// The min bound (BELOW_* predicates) and the max bound (UPTO_*), set together before a range.
let minScore: f64 = 0;
let maxScore: f64 = 0;
let minExclusive: bool = false;
let maxExclusive: bool = false;
/** Lex bounds: infinite -1 (-inf) / 1 (+inf), else 0 with bytes. */
let minInfinite: i32 = 0;
let maxInfinite: i32 = 0;
let minPtr: usize = 0;
let maxPtr: usize = 0;
let minLen: usize = 0;
let maxLen: usize = 0;

export function setScoreBounds(min: f64, minex: bool, max: f64, maxex: bool): void {
  minScore = min;
  minExclusive = minex;
  maxScore = max;
  maxExclusive = maxex;
}

/** One lex bound: the max when `isMax`, else the min. */
export function setLexBound(isMax: bool, infinite: i32, ptr: usize, len: usize, exclusive: bool): void {
  if (isMax) {
    maxInfinite = infinite;
    maxPtr = ptr;
    maxLen = len;
    maxExclusive = exclusive;
  } else {
    minInfinite = infinite;
    minPtr = ptr;
    minLen = len;
    minExclusive = exclusive;
  }
}

function holds(pred: i32, score: f64, m: usize, len: usize): bool {
  if (pred == BELOW_SCORE || pred == UPTO_SCORE) {
    return scoreWithin(score, scoreBound(pred), scoreBoundIncluded(pred));
  }
  if (pred == BELOW_LEX) {
    const c = minInfinite != 0 ? -minInfinite : compareBytes(m, len, minPtr, minLen);
    return minExclusive ? c <= 0 : c < 0;
  }
  const c = maxInfinite != 0 ? -maxInfinite : compareBytes(m, len, maxPtr, maxLen);
  return maxExclusive ? c < 0 : c <= 0;
}

/** How many members from the start satisfy `pred` (set with setScoreBounds / setLexBound). */
export function countLeading(obj: usize, pred: i32): u32 {
  if (kindOf(obj) == KIND_LISTPACK) {
    let n: u32 = 0;
    const end = lpEnd(obj);
    for (let p = lpFirst(obj); p < end; p = lpNextEntry(p)) {
      if (!holds(pred, lpScore(p), lpMember(p), lpLen(p))) break;
      n++;
    }
    return n;
  }
  slLastHolding(obj, pred);
  return leadingRank;
}

/** Rank count of slLastHolding's node: how many members it passed. */
let leadingRank: u32 = 0;

/** One skiplist descent (Redis's zslFirstInRange / zslLastInRange): the last node of the
 * prefix satisfying `pred` (the head when none does); its 1-based rank in leadingRank. */
function slLastHolding(obj: usize, pred: i32): usize {
  let x = slHead(obj);
  let rank: u32 = 0;
  // A score bound is decided on the entry's copy of the forward's score, inline (this loop is
  // ZRANGE BYSCORE's hot path); a lex bound reads the forward's member.
  const lex = pred == BELOW_LEX || pred == UPTO_LEX;
  const bound = scoreBound(pred), orEqual = scoreBoundIncluded(pred);
  for (let i = slLevel(obj) - 1; i >= 0; i--) {
    let e = entry(x, i);
    let f = <usize>load<u32>(e, E_FWD);
    while (
      f != 0 &&
      (lex
        ? holds(pred, 0, nodeMember(f), nodeLen(f))
        : scoreWithin(load<f64>(e, E_SCORE), bound, orEqual))
    ) {
      if (i != 0) rank += load<u32>(e, E_SPAN);
      else rank++;
      x = f;
      e = entry(x, i);
      f = <usize>load<u32>(e, E_FWD);
    }
  }
  leadingRank = rank;
  return x;
}

/** score < bound, or <= when `orEqual`: a score predicate with scoreBound and
 * scoreBoundIncluded read once (holds reads them each time). */
// @ts-ignore: decorator
@inline function scoreWithin(score: f64, bound: f64, orEqual: bool): bool {
  return score < bound || (orEqual && score == bound);
}
// @ts-ignore: decorator
@inline function scoreBound(pred: i32): f64 {
  return pred == BELOW_SCORE ? minScore : maxScore;
}
/** Whether a score equal to the bound satisfies the predicate. */
// @ts-ignore: decorator
@inline function scoreBoundIncluded(pred: i32): bool {
  return pred == BELOW_SCORE ? minExclusive : !maxExclusive;
}

/** Offsets up to this are walked node by node; larger ones jump by rank (same node). */
const OFFSET_WALK_MAX: f64 = 32;

/**
 * A score or lex range of a skiplist as items, the way Redis's genericZrangeby*Command walks it:
 * one descent to the first member in range (the last one when `reverse`), `offset` members
 * skipped, then members emitted while in range, `limit` at most (< 0: no limit). The bounds
 * are set (setScoreBounds / setLexBound); `lex` picks the lex predicates. Returns the count.
 */
export function emitSkiplistRange(obj: usize, lex: bool, reverse: bool, offset: f64, limit: f64, withScores: bool): u32 {
  const below = lex ? BELOW_LEX : BELOW_SCORE, upto = lex ? UPTO_LEX : UPTO_SCORE;
  // Redis skips `offset` members in range; a negative offset skips them all.
  if (offset < 0) return 0;
  let x: usize;
  if (reverse) {
    x = slLastHolding(obj, upto);
    const rank = leadingRank; // x's 1-based rank (0: the head, no member <= max)
    if (rank == 0) return 0;
    if (offset > OFFSET_WALK_MAX) x = offset >= <f64>rank ? 0 : slNodeAt(obj, rank - 1 - <u32>offset);
    else for (let k: f64 = 0; k < offset && x != 0; k++) x = nodeBack(x);
  } else {
    x = slLastHolding(obj, below);
    const rank = leadingRank; // members below the min
    if (offset > OFFSET_WALK_MAX) x = <f64>rank + offset >= <f64>slLength(obj) ? 0 : slNodeAt(obj, rank + <u32>offset);
    else {
      x = fwd(x, 0);
      for (let k: f64 = 0; k < offset && x != 0; k++) x = fwd(x, 0);
    }
  }
  // The walk ends where `end` holds (reverse: below the min) or stops holding (up to the max).
  const end = reverse ? below : upto;
  const bound = scoreBound(end), orEqual = scoreBoundIncluded(end);
  let n: u32 = 0;
  while (x != 0 && (limit < 0 || <f64>n < limit)) {
    const m = nodeMember(x), len = nodeLen(x), score = nodeScore(x);
    if ((lex ? holds(end, score, m, len) : scoreWithin(score, bound, orEqual)) == reverse) break;
    itemBytes(m, len);
    if (withScores) itemDouble(score);
    n++;
    x = reverse ? nodeBack(x) : fwd(x, 0);
  }
  return n;
}

/**
 * Redis's zslIsInLexRange / zzlIsInLexRange guard (after both setLexBound calls, with the
 * min bound's predicate result for the last member given): with mixed scores the members are not in lex order, and
 * Redis answers empty when the last member is below the min or the first above the max.
 */
export function lexEndsOutside(obj: usize, lastBelowMin: bool): bool {
  if (lastBelowMin) return true;
  if (kindOf(obj) == KIND_LISTPACK) {
    const p = lpFirst(obj);
    return !holds(UPTO_LEX, 0, lpMember(p), lpLen(p));
  }
  const x = slFirst(obj);
  return !holds(UPTO_LEX, 0, nodeMember(x), nodeLen(x));
}

/** Whether the last member satisfies `pred`. */
export function lastHolds(obj: usize, pred: i32): bool {
  if (kindOf(obj) == KIND_LISTPACK) {
    const p = lpPrevEntry(obj, lpEnd(obj));
    return holds(pred, lpScore(p), lpMember(p), lpLen(p));
  }
  const x = slTail(obj);
  return holds(pred, nodeScore(x), nodeMember(x), nodeLen(x));
}

/** Emits ranks [start, start + n) (or downwards from start when reverse) as items. */
export function emitRanks(obj: usize, start: u32, n: u32, reverse: bool, withScores: bool): void {
  if (n == 0) return;
  if (kindOf(obj) == KIND_LISTPACK) {
    let p = lpEntryAt(obj, start);
    for (let i: u32 = 0; i < n; i++) {
      itemBytes(lpMember(p), lpLen(p));
      if (withScores) itemDouble(lpScore(p));
      p = reverse ? lpPrevEntry(obj, p) : lpNextEntry(p);
    }
    return;
  }
  let x = slNodeAt(obj, start);
  for (let i: u32 = 0; i < n; i++) {
    itemBytes(nodeMember(x), nodeLen(x));
    if (withScores) itemDouble(nodeScore(x));
    x = reverse ? nodeBack(x) : fwd(x, 0);
  }
}

/** Deletes ranks [start, start + n); returns the (moved) object. */
export function removeRanks(obj: usize, start: u32, n: u32): usize {
  if (n == 0) return obj;
  if (kindOf(obj) == KIND_LISTPACK) return lpDeleteRun(obj, lpEntryAt(obj, start), n);
  let x = slNodeAt(obj, start);
  for (let i: u32 = 0; i < n; i++) {
    const next = fwd(x, 0);
    slDelete(obj, x, 0);
    x = next;
  }
  indexShrinkIfSparse(obj);
  return obj;
}

/** The member and score at a rank, as items. */
export function emitRank(obj: usize, rank: u32, withScores: bool): void {
  emitRanks(obj, rank, 1, false, withScores);
}

// ---- ZSCAN ------------------------------------------------------------------------------------

function reverseBits(v: u32): u32 {
  v = ((v >> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >> 4) & 0x0F0F0F0F) | ((v & 0x0F0F0F0F) << 4);
  return bswap<u32>(v);
}

export let scanEmitted: i32 = 0;

/**
 * One dictScan-like step over the member index (Redis's reverse-binary cursor, buckets are
 * hash & mask, found along the probe run), until `count` members or count*10 buckets. A
 * listpack is returned whole (cursor 0), as Redis does. Returns the next cursor.
 */
export function zsetScanStep(obj: usize, cursor: u64, count: i32): u64 {
  scanEmitted = 0;
  if (kindOf(obj) == KIND_LISTPACK) {
    const n = lpCount(obj);
    emitRanks(obj, 0, n, false, true);
    scanEmitted = <i32>n;
    return 0;
  }
  const table = <usize>load<u32>(obj, SL_TABLE);
  const mask = load<u32>(obj, SL_MASK);
  let v = <u32>cursor;
  let budget = <i64>count * 10;
  do {
    const bucket = v & mask;
    let i = bucket;
    while (true) {
      const s = table + (<usize>i << 3);
      const x = <usize>load<u32>(s);
      if (x == 0) break;
      if ((load<u32>(s, 4) & mask) == bucket) {
        itemBytes(nodeMember(x), nodeLen(x));
        itemDouble(nodeScore(x));
        scanEmitted++;
      }
      i = (i + 1) & mask;
      if (i == bucket) break;
    }
    v = reverseBits(reverseBits(v | ~mask) + 1);
    budget--;
  } while (v != 0 && budget > 0 && scanEmitted < count);
  return <u64>v;
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------------

/** A uniform integer in [0, n). */
export function randomBelow(n: u32): u32 {
  return <u32>((nextRandom() >>> 32) * <u64>n >>> 32);
}

// ---- object interface (objects.ts) ------------------------------------------------------------------

export function free(obj: usize): void {
  if (kindOf(obj) == KIND_LISTPACK) memFree(obj);
  else slFree(obj);
}

export function duplicate(obj: usize): usize {
  if (kindOf(obj) == KIND_LISTPACK) {
    const size = LP_HEAD + lpUsed(obj);
    const copy = memAlloc(size);
    memory.copy(copy, obj, size);
    return copy;
  }
  const copy = slNew(slLength(obj));
  for (let x = slFirst(obj); x != 0; x = fwd(x, 0)) {
    const m = nodeMember(x), len = nodeLen(x);
    slInsert(copy, m, len, nodeScore(x), hashBytes(m, len));
  }
  return copy;
}

export function encoding(obj: usize): i32 {
  return kindOf(obj) == KIND_LISTPACK ? REPORT_LISTPACK : REPORT_SKIPLIST;
}

/** u32 kind | u32 count | count x (f64 score, u32 length, member bytes), in order. */
export function serialize(obj: usize): void {
  writeU32(kindOf(obj));
  writeU32(zsetLength(obj));
  if (kindOf(obj) == KIND_LISTPACK) {
    const end = lpEnd(obj);
    for (let p = lpFirst(obj); p < end; p = lpNextEntry(p)) writeMember(lpScore(p), lpMember(p), lpLen(p));
  } else {
    for (let x = slFirst(obj); x != 0; x = fwd(x, 0)) writeMember(nodeScore(x), nodeMember(x), nodeLen(x));
  }
}

function writeMember(score: f64, m: usize, len: usize): void {
  writeF64(score);
  const at = writerReserve(4 + len);
  store<u32>(at, <u32>len);
  memory.copy(at + 4, m, len);
}

export function deserialize(ptr: usize, len: usize): usize {
  if (len < 8) return 0;
  const kind = load<u32>(ptr);
  const n = load<u32>(ptr, 4);
  if (kind > KIND_SKIPLIST || n == 0) return 0;
  // Check the whole layout first so a malformed blob allocates nothing.
  const end = ptr + len;
  let p = ptr + 8;
  for (let i: u32 = 0; i < n; i++) {
    if (p + 12 > end) return 0;
    const l = <usize>load<u32>(p, 8);
    if (l > end - p - 12) return 0;
    p += 12 + l;
  }
  if (p != end) return 0;
  let obj = kind == KIND_LISTPACK ? lpNew() : slNew(n);
  p = ptr + 8;
  for (let i: u32 = 0; i < n; i++) {
    const score = load<f64>(p);
    const l = <usize>load<u32>(p, 8);
    const m = p + 12;
    if (zsetFind(obj, m, l)) {
      free(obj);
      return 0;
    }
    if (kind == KIND_LISTPACK) obj = lpInsert(obj, m, l, score);
    else slInsert(obj, m, l, score, hashBytes(m, l));
    p += 12 + l;
  }
  return obj;
}
