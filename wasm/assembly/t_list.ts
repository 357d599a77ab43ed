// Lists: Redis 7.0's quicklist, a doubly linked list of packed nodes.
//
// List object (12 bytes): u32 head node, u32 tail node, u32 element count.
// Node block: u32 prev, u32 next, u32 entries, u32 start, u32 end (offsets from the node's
// address), then the entries in [start, end). Free space may sit on both sides of that
// range, so pushes and pops at either end of a node move no bytes (amortized O(1)).
// Entry (like a listpack entry): LEB128 length | bytes | backlen, the size of the first two
// parts as a varint read right to left, so entries can be walked in both directions.
// Elements are kept as the bytes the client sent: Redis's integer entries read back as the
// same text, so nothing observable depends on it.
//
// A node holds what list-max-listpack-size allows (limits.ts): > 0 entries (and at most
// 8 KB, Redis's SIZE_SAFETY_LIMIT), < 0 a payload of 4..64 KB; a single larger element gets
// a node of its own. Nodes that a removal leaves small are merged with a neighbour.
// A node grows by half when short of room; the node a push opens past a full end node starts
// with half that node's bytes (a list growing at one end keeps filling nodes as large), and
// a node holding under a quarter of its block gives the rest back.
//
// The command-level functions (push, pop, range ... with Redis's lookup rules) are at the
// end; api_list.ts exports them to JS.

import { touchEntry } from "./access";
import { capacityOf, memAlloc, memFree, memResize } from "./alloc";
import { writeBlob, writeU32 } from "./bytewriter";
import { Db, FRESH_ACCESS, findLiveKey, insertKeyed, newEntry } from "./db";
import { ENC_OBJ, entryEncoding, entryType, valuePtrOf } from "./entry";
import { bytesEqual } from "./hash";
import { itemBytesAt, itemInt, itemsBegin } from "./items";
import { argData, argLen, firstArg, nextArg } from "./args";
import { listMaxListpackSize } from "./limits";
import { CONDITION, NOT_FOUND, WRONG_TYPE } from "./status";
import { WRONG_TYPE_ENTRY, createObjectKey, deleteObjectKey, findObject, objectOf } from "./typed";

const TYPE_LIST: u32 = 1; // objects.ts TYPE_LIST (not imported: objects.ts imports this module)
const REPORT_QUICKLIST: i32 = 5; // objects.ts REPORT_QUICKLIST

// ---- layout -------------------------------------------------------------------------------

const L_HEAD: usize = 0;
const L_TAIL: usize = 4;
const L_COUNT: usize = 8;
const LIST_BYTES: usize = 12;

const N_PREV: usize = 0;
const N_NEXT: usize = 4;
const N_COUNT: usize = 8;
const N_START: usize = 12;
const N_END: usize = 16;
const NODE_HEADER: usize = 20;

/** Redis's SIZE_SAFETY_LIMIT (a node's bytes when the fill is a count) and FILL_MAX. */
const SIZE_SAFETY_LIMIT: usize = 8192;
const FILL_MAX: i32 = 32767;
/** A node whose block is this big and 4x its payload is trimmed. */
const SHRINK_ABOVE: usize = 256;

// @ts-ignore: decorator
@inline function headOf(list: usize): usize { return <usize>load<u32>(list, L_HEAD); }
// @ts-ignore: decorator
@inline function tailOf(list: usize): usize { return <usize>load<u32>(list, L_TAIL); }
// @ts-ignore: decorator
@inline export function lengthOf(list: usize): u32 { return load<u32>(list, L_COUNT); }
// @ts-ignore: decorator
@inline function setLength(list: usize, n: u32): void { store<u32>(list, n, L_COUNT); }

// @ts-ignore: decorator
@inline function prevOf(n: usize): usize { return <usize>load<u32>(n, N_PREV); }
// @ts-ignore: decorator
@inline function nextOf(n: usize): usize { return <usize>load<u32>(n, N_NEXT); }
// @ts-ignore: decorator
@inline function countOf(n: usize): u32 { return load<u32>(n, N_COUNT); }
// @ts-ignore: decorator
@inline function setCount(n: usize, c: u32): void { store<u32>(n, c, N_COUNT); }
// @ts-ignore: decorator
@inline function startOf(n: usize): usize { return <usize>load<u32>(n, N_START); }
// @ts-ignore: decorator
@inline function endOf(n: usize): usize { return <usize>load<u32>(n, N_END); }
// @ts-ignore: decorator
@inline function setStart(n: usize, v: usize): void { store<u32>(n, <u32>v, N_START); }
// @ts-ignore: decorator
@inline function setEnd(n: usize, v: usize): void { store<u32>(n, <u32>v, N_END); }
// @ts-ignore: decorator
@inline function usedOf(n: usize): usize { return endOf(n) - startOf(n); }

// ---- entries ----------------------------------------------------------------------------------

function varintSize(v: usize): usize {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}

/** Bytes an element of `len` bytes takes in a node. */
export function entryBytes(len: usize): usize {
  const header = varintSize(len);
  return header + len + varintSize(header + len);
}

function writeEntry(at: usize, ptr: usize, len: usize): void {
  let p = at;
  let v = len;
  while (v >= 128) {
    store<u8>(p++, <u8>((v & 127) | 128));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  memory.copy(p, ptr, len);
  p += len;
  const back = p - at;
  const n = varintSize(back);
  for (let i: usize = 0; i < n; i++) {
    const b = <u8>((back >> (7 * i)) & 127);
    store<u8>(p + n - 1 - i, i < n - 1 ? b | 128 : b);
  }
}

/** Length of the element read by the last entryData. */
let dataLen: usize = 0;

/** Where the bytes of the entry at `at` start (their length goes to dataLen). */
function entryData(at: usize): usize {
  let p = at;
  let v: usize = 0;
  let shift: usize = 0;
  let b: u32;
  do {
    b = load<u8>(p++);
    v |= <usize>(b & 127) << shift;
    shift += 7;
  } while (b & 128);
  dataLen = v;
  return p;
}

/** The address just after the entry at `at`. */
function entryEnd(at: usize): usize {
  const d = entryData(at);
  const len = dataLen;
  return d + len + varintSize(d - at + len);
}

/** The start of the entry that ends at `end`. */
function entryBefore(end: usize): usize {
  let p = end - 1;
  let b = <u32>load<u8>(p);
  let v: usize = b & 127;
  let shift: usize = 7;
  while (b & 128) {
    p--;
    b = load<u8>(p);
    v |= <usize>(b & 127) << shift;
    shift += 7;
  }
  return p - v;
}

/** Does the entry at `at` hold exactly these bytes? */
function entryEquals(at: usize, ptr: usize, len: usize): bool {
  const d = entryData(at);
  return dataLen == len && bytesEqual(d, ptr, len);
}

// ---- nodes ------------------------------------------------------------------------------------

/** May a node with `count` entries (`used` bytes) take `extraCount` more entries of `extra`
 * bytes? An empty node takes anything. */
function fits(count: u32, used: usize, extraCount: u32, extra: usize): bool {
  if (count == 0) return true;
  const bytes = used + extra;
  const fill = listMaxListpackSize;
  if (fill < 0) return bytes <= nodeByteLimit();
  return <i32>(count + extraCount) <= min(fill, FILL_MAX) && bytes <= SIZE_SAFETY_LIMIT;
}

/** The most bytes a node's entries may take (beyond it only a node of one element). */
function nodeByteLimit(): usize {
  const fill = listMaxListpackSize;
  return fill < 0 ? <usize>4096 << <usize>min(-fill - 1, 4) : SIZE_SAFETY_LIMIT;
}

// @ts-ignore: decorator
@inline function allowInsert(n: usize, size: usize): bool {
  return fits(countOf(n), usedOf(n), 1, size);
}

/** A node with room for `payload` bytes, empty; `front`: the room is before the entries. */
function nodeAlloc(payload: usize, front: bool): usize {
  const n = memAlloc(NODE_HEADER + payload);
  store<u32>(n, 0, N_PREV);
  store<u32>(n, 0, N_NEXT);
  setCount(n, 0);
  const at = front ? capacityOf(n) : NODE_HEADER;
  setStart(n, at);
  setEnd(n, at);
  return n;
}

/** Links node n after `after` (0: as the new head). */
function linkAfter(list: usize, n: usize, after: usize): void {
  const next = after == 0 ? headOf(list) : nextOf(after);
  store<u32>(n, <u32>after, N_PREV);
  store<u32>(n, <u32>next, N_NEXT);
  if (after == 0) store<u32>(list, <u32>n, L_HEAD);
  else store<u32>(after, <u32>n, N_NEXT);
  if (next == 0) store<u32>(list, <u32>n, L_TAIL);
  else store<u32>(next, <u32>n, N_PREV);
}

/** Unlinks and frees a node (the caller has accounted for its entries). */
function unlinkNode(list: usize, n: usize): void {
  const prev = prevOf(n), next = nextOf(n);
  if (prev == 0) store<u32>(list, <u32>next, L_HEAD);
  else store<u32>(prev, <u32>next, N_NEXT);
  if (next == 0) store<u32>(list, <u32>prev, L_TAIL);
  else store<u32>(next, <u32>prev, N_PREV);
  memFree(n);
}

/** Points the neighbours (or the list) at a node that moved from `old` to `moved`. */
function relink(list: usize, old: usize, moved: usize): void {
  if (old == moved) return;
  const prev = prevOf(moved), next = nextOf(moved);
  if (prev == 0) store<u32>(list, <u32>moved, L_HEAD);
  else store<u32>(prev, <u32>moved, N_NEXT);
  if (next == 0) store<u32>(list, <u32>moved, L_TAIL);
  else store<u32>(next, <u32>moved, N_PREV);
}

/**
 * Makes room for `need` bytes before the node's entries (`front`) or after them; returns the
 * node, which may have moved (its links are updated). Grows by half when short of space,
 * else re-centres the entries, giving the side that needs it three quarters of the room.
 */
function reserve(list: usize, n: usize, need: usize, front: bool): usize {
  let start = startOf(n);
  const end = endOf(n);
  if (front ? start - NODE_HEADER >= need : capacityOf(n) - end >= need) return n;
  const used = end - start;
  let gap = capacityOf(n) - NODE_HEADER - used;
  if (gap < need + (used >> 1)) {
    const want = used + need + ((used + need) >> 1);
    const moved = memResize(n, NODE_HEADER + want);
    relink(list, n, moved);
    n = moved;
    if (front ? start - NODE_HEADER >= need : capacityOf(n) - end >= need) return n;
    gap = capacityOf(n) - NODE_HEADER - used;
  }
  const side = max(need, gap - (gap >> 2));
  const newStart = NODE_HEADER + (front ? side : gap - side);
  memory.copy(n + newStart, n + start, used);
  setStart(n, newStart);
  setEnd(n, newStart + used);
  return n;
}

/** Gives back most of a node's spare room once it holds far less than its block. */
function shrinkIfSparse(list: usize, n: usize): void {
  const cap = capacityOf(n);
  const used = usedOf(n);
  if (cap < SHRINK_ABOVE || NODE_HEADER + used > cap >> 2) return;
  memory.copy(n + NODE_HEADER, n + startOf(n), used);
  setStart(n, NODE_HEADER);
  setEnd(n, NODE_HEADER + used);
  relink(list, n, memResize(n, NODE_HEADER + used + (used >> 1)));
}

/** Appends node `right`'s entries to `left` (its predecessor) and frees `right`. */
function mergeInto(list: usize, left: usize, right: usize): void {
  const used = usedOf(right);
  left = reserve(list, left, used, false);
  memory.copy(left + endOf(left), right + startOf(right), used);
  setEnd(left, endOf(left) + used);
  setCount(left, countOf(left) + countOf(right));
  unlinkNode(list, right);
}

/** Merges node n with its predecessor when both fit in one node. */
function mergeWithPrev(list: usize, n: usize): void {
  const prev = prevOf(n);
  if (prev != 0 && countOf(n) != 0 && fits(countOf(prev), usedOf(prev), countOf(n), usedOf(n))) {
    mergeInto(list, prev, n);
  }
}

// ---- list primitives ---------------------------------------------------------------------------

export function newList(): usize {
  const list = memAlloc(LIST_BYTES);
  memory.fill(list, 0, LIST_BYTES);
  return list;
}

/** Adds an element at the head (`front`) or the tail. */
export function push(list: usize, ptr: usize, len: usize, front: bool): void {
  const size = entryBytes(len);
  let n = front ? headOf(list) : tailOf(list);
  if (n == 0 || !allowInsert(n, size)) {
    // A list that filled its end node likely keeps growing there: the new node starts with
    // half the full one's bytes (capped by a node's limit), so it reaches that size in two
    // reallocations instead of a dozen, and an idle list's last node wastes at most half.
    const room = n == 0 ? size : max(size, min(usedOf(n), nodeByteLimit()) >> 1);
    n = nodeAlloc(room, front);
    linkAfter(list, n, front ? 0 : tailOf(list));
  }
  n = reserve(list, n, size, front);
  if (front) {
    const at = startOf(n) - size;
    writeEntry(n + at, ptr, len);
    setStart(n, at);
  } else {
    const at = endOf(n);
    writeEntry(n + at, ptr, len);
    setEnd(n, at + size);
  }
  setCount(n, countOf(n) + 1);
  setLength(list, lengthOf(list) + 1);
}

/** Emits the entry at `at` as a reply item; returns where its copy lives (length: dataLen). */
function emit(at: usize): usize {
  const d = entryData(at);
  const len = dataLen;
  const copy = itemBytesAt(len);
  memory.copy(copy, d, len);
  dataLen = len;
  return copy;
}

/**
 * Removes the entry at offset `off` of node n (moving the shorter side of the node's
 * entries). Returns the offset where the entry after it now starts (the node's end when it
 * was the last), or 0 when the node became empty and was freed.
 */
function removeAt(list: usize, n: usize, off: usize): usize {
  const start = startOf(n), end = endOf(n);
  const size = entryEnd(n + off) - (n + off);
  setLength(list, lengthOf(list) - 1);
  setCount(n, countOf(n) - 1);
  if (countOf(n) == 0) {
    unlinkNode(list, n);
    return 0;
  }
  if (off - start <= end - off - size) {
    memory.copy(n + start + size, n + start, off - start);
    setStart(n, start + size);
    return off + size;
  }
  memory.copy(n + off, n + off + size, end - off - size);
  setEnd(n, end - size);
  return off;
}

/** Pops the head (`front`) or tail element of a non-empty list into a reply item; returns
 * its copy's address (length: dataLen). */
export function popOne(list: usize, front: bool): usize {
  const n = front ? headOf(list) : tailOf(list);
  const at = front ? n + startOf(n) : entryBefore(n + endOf(n));
  const copy = emit(at);
  const len = dataLen;
  if (removeAt(list, n, at - n) != 0) shrinkIfSparse(list, n);
  dataLen = len;
  return copy;
}

/** Deletes the first `k` (<= length) elements. */
function deleteHead(list: usize, k: u32): void {
  setLength(list, lengthOf(list) - k);
  while (k > 0) {
    const n = headOf(list);
    const c = countOf(n);
    if (c <= k) {
      unlinkNode(list, n);
      k -= c;
      continue;
    }
    let at = n + startOf(n);
    for (let i: u32 = 0; i < k; i++) at = entryEnd(at);
    setStart(n, at - n);
    setCount(n, c - k);
    shrinkIfSparse(list, n);
    return;
  }
}

/** Deletes the last `k` (<= length) elements. */
function deleteTail(list: usize, k: u32): void {
  setLength(list, lengthOf(list) - k);
  while (k > 0) {
    const n = tailOf(list);
    const c = countOf(n);
    if (c <= k) {
      unlinkNode(list, n);
      k -= c;
      continue;
    }
    let at = n + endOf(n);
    for (let i: u32 = 0; i < k; i++) at = entryBefore(at);
    setEnd(n, at - n);
    setCount(n, c - k);
    shrinkIfSparse(list, n);
    return;
  }
}

/** The node and offset found by locate(). */
let foundNode: usize = 0;
let foundOff: usize = 0;

/** Finds element `index` (< length), walking from the nearer end. */
function locate(list: usize, index: u32): void {
  const length = lengthOf(list);
  let n: usize;
  let i: u32; // index within the node, from its first entry
  if (index < length >> 1) {
    n = headOf(list);
    i = index;
    while (i >= countOf(n)) {
      i -= countOf(n);
      n = nextOf(n);
    }
  } else {
    n = tailOf(list);
    let fromEnd = length - 1 - index;
    while (fromEnd >= countOf(n)) {
      fromEnd -= countOf(n);
      n = prevOf(n);
    }
    i = countOf(n) - 1 - fromEnd;
  }
  const c = countOf(n);
  let at: usize;
  if (i <= c >> 1) {
    at = n + startOf(n);
    for (let k: u32 = 0; k < i; k++) at = entryEnd(at);
  } else {
    at = n + endOf(n);
    for (let k: u32 = c; k > i; k--) at = entryBefore(at);
  }
  foundNode = n;
  foundOff = at - n;
}

/**
 * Inserts an element before the entry at offset `off` of node n (`off` = the node's end:
 * after its last entry). A full node is split there, as quicklist does, unless the element
 * fits at the edge of a neighbour.
 */
function insertAt(list: usize, n: usize, off: usize, ptr: usize, len: usize): void {
  const size = entryBytes(len);
  setLength(list, lengthOf(list) + 1);
  if (!allowInsert(n, size)) {
    if (off == startOf(n) || off == endOf(n)) {
      const before = off == startOf(n);
      const neighbour = before ? prevOf(n) : nextOf(n);
      let target = neighbour;
      if (neighbour == 0 || !allowInsert(neighbour, size)) {
        target = nodeAlloc(size, false);
        linkAfter(list, target, before ? prevOf(n) : n);
      }
      // At the tail of the node before n, or the head of the node after it.
      insertInNode(list, target, before ? endOf(target) : startOf(target), ptr, len, size);
      return;
    }
    // Split: the entries from `off` on move to a new node right after n.
    const moved = endOf(n) - off;
    let k: u32 = 0;
    for (let at = n + off; at < n + endOf(n); at = entryEnd(at)) k++;
    const right = nodeAlloc(moved, false);
    memory.copy(right + NODE_HEADER, n + off, moved);
    setEnd(right, NODE_HEADER + moved);
    setCount(right, k);
    setEnd(n, off);
    setCount(n, countOf(n) - k);
    linkAfter(list, right, n);
    if (allowInsert(n, size)) n = insertInNode(list, n, endOf(n), ptr, len, size);
    else if (allowInsert(right, size)) insertInNode(list, right, startOf(right), ptr, len, size);
    else {
      const single = nodeAlloc(size, false);
      linkAfter(list, single, n);
      insertInNode(list, single, NODE_HEADER, ptr, len, size);
    }
    shrinkIfSparse(list, n);
    return;
  }
  insertInNode(list, n, off, ptr, len, size);
}

/** Writes an entry of `size` bytes before offset `off` in a node with room for it. */
function insertInNode(list: usize, n: usize, off: usize, ptr: usize, len: usize, size: usize): usize {
  const rel = off - startOf(n);
  const used = usedOf(n);
  if (rel == 0 && used != 0) {
    n = reserve(list, n, size, true);
    const at = startOf(n) - size;
    writeEntry(n + at, ptr, len);
    setStart(n, at);
  } else {
    n = reserve(list, n, size, false);
    const at = startOf(n) + rel;
    memory.copy(n + at + size, n + at, used - rel);
    writeEntry(n + at, ptr, len);
    setEnd(n, endOf(n) + size);
  }
  setCount(n, countOf(n) + 1);
  return n;
}

/** Replaces element `index` (< length). */
export function setAt(list: usize, index: u32, ptr: usize, len: usize): void {
  locate(list, index);
  const n = foundNode, off = foundOff;
  const oldSize = entryEnd(n + off) - (n + off);
  const size = entryBytes(len);
  if (size == oldSize) {
    writeEntry(n + off, ptr, len);
    return;
  }
  if (countOf(n) == 1) {
    // The node's only entry: rewrite the node.
    setStart(n, NODE_HEADER);
    setEnd(n, NODE_HEADER);
    const m = reserve(list, n, size, false);
    writeEntry(m + NODE_HEADER, ptr, len);
    setEnd(m, NODE_HEADER + size);
    shrinkIfSparse(list, m);
    return;
  }
  const next = removeAt(list, n, off);
  insertAt(list, n, next, ptr, len);
}

/** Inserts before (or `after`) the first element equal to the pivot; false when none is. */
export function insertNear(list: usize, pivot: usize, pivotLen: usize, ptr: usize, len: usize, after: bool): bool {
  for (let n = headOf(list); n != 0; n = nextOf(n)) {
    const end = n + endOf(n);
    for (let at = n + startOf(n); at < end; at = entryEnd(at)) {
      if (entryEquals(at, pivot, pivotLen)) {
        insertAt(list, n, (after ? entryEnd(at) : at) - n, ptr, len);
        return true;
      }
    }
  }
  return false;
}

/**
 * LREM: removes up to `limit` (0: every) elements equal to the bytes, scanning from the head
 * or (`fromTail`) from the tail. Returns how many went.
 */
export function removeEqual(list: usize, ptr: usize, len: usize, limit: f64, fromTail: bool): u32 {
  let removed: u32 = 0;
  let n = fromTail ? tailOf(list) : headOf(list);
  while (n != 0 && (limit == 0 || <f64>removed < limit)) {
    const following = fromTail ? prevOf(n) : nextOf(n);
    const quota: u32 = limit == 0 ? U32.MAX_VALUE : <u32>min<f64>(limit - <f64>removed, <f64>U32.MAX_VALUE);
    const gone = compactNode(n, ptr, len, quota, fromTail);
    if (gone != 0) {
      removed += gone;
      setLength(list, lengthOf(list) - gone);
      if (countOf(n) == 0) unlinkNode(list, n);
      else {
        shrinkIfSparse(list, n); // may move n: find it again from `following`
        const current = fromTail
          ? (following == 0 ? headOf(list) : nextOf(following))
          : (following == 0 ? tailOf(list) : prevOf(following));
        // Merge with the neighbour already scanned.
        if (!fromTail) mergeWithPrev(list, current);
        else if (nextOf(current) != 0) mergeWithPrev(list, nextOf(current));
      }
    }
    n = following;
  }
  return removed;
}

/** Drops up to `quota` entries equal to the bytes from one node, keeping the others in
 * order (compacting toward the end the scan comes from). Returns how many were dropped. */
function compactNode(n: usize, ptr: usize, len: usize, quota: u32, fromTail: bool): u32 {
  let dropped: u32 = 0;
  const start = n + startOf(n), end = n + endOf(n);
  if (!fromTail) {
    let write = start;
    for (let at = start; at < end;) {
      const next = entryEnd(at);
      if (dropped < quota && entryEquals(at, ptr, len)) dropped++;
      else {
        if (write != at) memory.copy(write, at, next - at);
        write += next - at;
      }
      at = next;
    }
    setEnd(n, write - n);
  } else {
    let write = end;
    for (let at = end; at > start;) {
      const begin = entryBefore(at);
      if (dropped < quota && entryEquals(begin, ptr, len)) dropped++;
      else {
        write -= at - begin;
        if (write != begin) memory.copy(write, begin, at - begin);
      }
      at = begin;
    }
    setStart(n, write - n);
  }
  setCount(n, countOf(n) - dropped);
  return dropped;
}

/** LTRIM with Redis's index rules. */
export function trim(list: usize, start: f64, end: f64): void {
  const length = <f64>lengthOf(list);
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  let left: f64, right: f64;
  if (start > end || start >= length) {
    left = length;
    right = 0;
  } else {
    if (end >= length) end = length - 1;
    left = start;
    right = length - end - 1;
  }
  deleteHead(list, <u32>left);
  deleteTail(list, <u32>right);
}

/** Emits `k` elements starting at index `first`, toward the tail. */
function emitForward(list: usize, first: u32, k: u32): void {
  if (k == 0) return;
  locate(list, first);
  let n = foundNode;
  let at = n + foundOff;
  for (let i: u32 = 0; i < k; i++) {
    if (at == n + endOf(n)) {
      n = nextOf(n);
      at = n + startOf(n);
    }
    emit(at);
    at = entryEnd(at);
  }
}

/** Emits the last `k` elements, from the tail toward the head. */
function emitBackward(list: usize, k: u32): void {
  let n = tailOf(list);
  let at = n + endOf(n);
  for (let i: u32 = 0; i < k; i++) {
    if (at == n + startOf(n)) {
      n = prevOf(n);
      at = n + endOf(n);
    }
    at = entryBefore(at);
    emit(at);
  }
}

/**
 * LPOS: emits the indexes of the elements equal to the bytes, scanning from the head or
 * (`fromTail`) from the tail, starting with the `rank`-th match, at most `count` of them
 * (0: all; -1: only the first, no COUNT option), looking at `maxlen` elements (0: all).
 * Returns how many were emitted.
 */
export function positions(list: usize, ptr: usize, len: usize, fromTail: bool, rank: f64, count: f64, maxlen: f64): i32 {
  const length = lengthOf(list);
  let index: u32 = 0;
  let matches: f64 = 0;
  let emitted: i32 = 0;
  let n = fromTail ? tailOf(list) : headOf(list);
  let at = fromTail ? n + endOf(n) : n + startOf(n);
  while (index < length && (maxlen == 0 || <f64>index < maxlen)) {
    let entry: usize;
    if (fromTail) {
      if (at == n + startOf(n)) {
        n = prevOf(n);
        at = n + endOf(n);
      }
      at = entryBefore(at);
      entry = at;
    } else {
      if (at == n + endOf(n)) {
        n = nextOf(n);
        at = n + startOf(n);
      }
      entry = at;
      at = entryEnd(at);
    }
    if (entryEquals(entry, ptr, len)) {
      matches++;
      if (matches >= rank) {
        itemInt(fromTail ? <i64>(length - index - 1) : <i64>index);
        emitted++;
        if (count < 0 || (count > 0 && <f64>emitted >= count)) break;
      }
    }
    index++;
  }
  return emitted;
}

// ---- the object interface (objects.ts) ---------------------------------------------------------

export function free(list: usize): void {
  let n = headOf(list);
  while (n != 0) {
    const next = nextOf(n);
    memFree(n);
    n = next;
  }
  memFree(list);
}

/** A deep copy, each node trimmed to its entries. */
export function duplicate(list: usize): usize {
  const copy = newList();
  for (let n = headOf(list); n != 0; n = nextOf(n)) {
    const used = usedOf(n);
    const m = nodeAlloc(used, false);
    memory.copy(m + NODE_HEADER, n + startOf(n), used);
    setEnd(m, NODE_HEADER + used);
    setCount(m, countOf(n));
    linkAfter(copy, m, tailOf(copy));
  }
  setLength(copy, lengthOf(list));
  return copy;
}

export function encoding(list: usize): i32 {
  return REPORT_QUICKLIST; // Redis 7.0 reports every list as a quicklist
}

/** u32 element count, then each element as u32 length | bytes. */
export function serialize(list: usize): void {
  writeU32(lengthOf(list));
  for (let n = headOf(list); n != 0; n = nextOf(n)) {
    const end = n + endOf(n);
    for (let at = n + startOf(n); at < end; at = entryEnd(at)) {
      const d = entryData(at);
      writeBlob(d, dataLen);
    }
  }
}

/** Rebuilds a list from serialize's bytes; 0 when malformed (then nothing is allocated). */
export function deserialize(ptr: usize, len: usize): usize {
  if (len < 4) return 0;
  const count = load<u32>(ptr);
  if (count == 0) return 0; // Redis keeps no empty list
  const end = ptr + len;
  let p = ptr + 4;
  for (let i: u32 = 0; i < count; i++) {
    if (end - p < 4) return 0;
    const n = <usize>load<u32>(p);
    if (n > end - p - 4) return 0;
    p += 4 + n;
  }
  if (p != end) return 0;
  const list = newList();
  p = ptr + 4;
  for (let i: u32 = 0; i < count; i++) {
    const n = <usize>load<u32>(p);
    push(list, p + 4, n, false);
    p += 4 + n;
  }
  return list;
}

/** Nodes of a list (tests check the fill limits through it). */
export function nodeCount(list: usize): u32 {
  let k: u32 = 0;
  for (let n = headOf(list); n != 0; n = nextOf(n)) k++;
  return k;
}

// ---- commands (Redis's t_list.c on top of the primitives) --------------------------------------

/** The list at the key at scratch: its entry, 0 when missing, WRONG_TYPE_ENTRY. */
// @ts-ignore: decorator
@inline function lookup(db: Db, klen: usize, read: bool): usize {
  return findObject(db, klen, TYPE_LIST, read);
}

/** LPUSH / RPUSH (`onlyExisting`: LPUSHX / RPUSHX) of the `nargs` staged arguments: the new
 * length, 0 for a missing key with onlyExisting, WRONG_TYPE. */
export function pushCommand(db: Db, klen: usize, nargs: i32, front: bool, onlyExisting: bool): i32 {
  const e = lookup(db, klen, false);
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  if (e == 0 && (onlyExisting || nargs == 0)) return 0;
  const list = e == 0 ? newList() : objectOf(e);
  let arg = firstArg(klen);
  for (let i = 0; i < nargs; i++) {
    push(list, argData(arg), argLen(arg), front);
    arg = nextArg(arg);
  }
  if (e == 0) createObjectKey(db, klen, TYPE_LIST, list);
  return <i32>lengthOf(list);
}

/** LPOP / RPOP: `count` < 0 pops one element, else up to `count` (0: none, after the type
 * check). Items emitted; returns their number, NOT_FOUND or WRONG_TYPE. */
export function popCommand(db: Db, klen: usize, front: bool, count: f64): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  itemsBegin();
  let k: u32 = 1;
  if (count < 0) popOne(list, front);
  else {
    k = <u32>min<f64>(count, <f64>lengthOf(list));
    if (front) {
      emitForward(list, 0, k);
      deleteHead(list, k);
    } else {
      emitBackward(list, k);
      deleteTail(list, k);
    }
  }
  if (lengthOf(list) == 0) deleteObjectKey(db, e);
  return <i32>k;
}

/** LLEN (a read lookup when `read`): the length, NOT_FOUND or WRONG_TYPE. */
export function lengthCommand(db: Db, klen: usize, read: bool): i32 {
  const e = lookup(db, klen, read);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  return <i32>lengthOf(objectOf(e));
}

/** LRANGE with Redis's index rules: items emitted, their number (0 for a missing key) or
 * WRONG_TYPE. A read lookup. */
export function rangeCommand(db: Db, klen: usize, start: f64, end: f64): i32 {
  itemsBegin();
  const e = lookup(db, klen, true);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  const length = <f64>lengthOf(list);
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) return 0;
  if (end >= length) end = length - 1;
  const k = <u32>(end - start + 1);
  emitForward(list, <u32>start, k);
  return <i32>k;
}

/** Element `index` (negative from the end) as a number in [0, length), or -1 out of range. */
function normalizeIndex(list: usize, index: f64): i64 {
  const length = <f64>lengthOf(list);
  if (index < 0) index += length;
  return index < 0 || index >= length ? -1 : <i64>index;
}

/** LINDEX: 1 (the element emitted), 0 out of range, NOT_FOUND, WRONG_TYPE. A read lookup. */
export function indexCommand(db: Db, klen: usize, index: f64): i32 {
  itemsBegin();
  const e = lookup(db, klen, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  const i = normalizeIndex(list, index);
  if (i < 0) return 0;
  locate(list, <u32>i);
  emit(foundNode + foundOff);
  return 1;
}

/** LSET to the staged argument: 0, NOT_FOUND, WRONG_TYPE, CONDITION (index out of range). */
export function setCommand(db: Db, klen: usize, index: f64): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  const i = normalizeIndex(list, index);
  if (i < 0) return CONDITION;
  const arg = firstArg(klen);
  setAt(list, <u32>i, argData(arg), argLen(arg));
  return 0;
}

/** LINSERT (staged: pivot, element): the new length, 0 for a missing key, CONDITION when no
 * element equals the pivot, WRONG_TYPE. */
export function insertCommand(db: Db, klen: usize, after: bool): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  const pivot = firstArg(klen);
  const element = nextArg(pivot);
  if (!insertNear(list, argData(pivot), argLen(pivot), argData(element), argLen(element), after)) {
    return CONDITION;
  }
  return <i32>lengthOf(list);
}

/** LREM (staged: element): how many were removed (0 for a missing key) or WRONG_TYPE. */
export function removeCommand(db: Db, klen: usize, count: f64): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  const arg = firstArg(klen);
  const removed = removeEqual(list, argData(arg), argLen(arg), count < 0 ? -count : count, count < 0);
  if (lengthOf(list) == 0) deleteObjectKey(db, e);
  return <i32>removed;
}

/** LTRIM: 0 (also for a missing key) or WRONG_TYPE. */
export function trimCommand(db: Db, klen: usize, start: f64, end: f64): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return 0;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const list = objectOf(e);
  trim(list, start, end);
  if (lengthOf(list) == 0) deleteObjectKey(db, e);
  return 0;
}

/** LPOS (staged: element; see positions()): the indexes emitted as integer items, their
 * number, NOT_FOUND or WRONG_TYPE. A read lookup. */
export function posCommand(db: Db, klen: usize, fromTail: bool, rank: f64, count: f64, maxlen: f64): i32 {
  itemsBegin();
  const e = lookup(db, klen, true);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const arg = firstArg(klen);
  return positions(objectOf(e), argData(arg), argLen(arg), fromTail, rank, count, maxlen);
}

/**
 * LMOVE / RPOPLPUSH from the key at scratch to the staged key: the element is emitted and 1
 * returned; NOT_FOUND (source missing), WRONG_TYPE (source, then destination, checked
 * before anything moves, as Redis). The same key rotates the list.
 */
export function moveCommand(db: Db, klen: usize, fromFront: bool, toFront: bool): i32 {
  const e = lookup(db, klen, false);
  if (e == 0) return NOT_FOUND;
  if (e == WRONG_TYPE_ENTRY) return WRONG_TYPE;
  const arg = firstArg(klen);
  const dkey = argData(arg), dlen = argLen(arg);
  const d = findLiveKey(db, dkey, dlen);
  if (d != 0) {
    if (entryType(d) != TYPE_LIST || entryEncoding(d) != ENC_OBJ) return WRONG_TYPE;
    touchEntry(d);
  }
  const src = objectOf(e);
  itemsBegin();
  const copy = popOne(src, fromFront);
  const len = dataLen;
  if (d != 0) push(objectOf(d), copy, len, toFront);
  else {
    const dst = newList();
    push(dst, copy, len, toFront);
    const created = newEntry(TYPE_LIST, ENC_OBJ, false, 0, dkey, dlen, 0, 0, FRESH_ACCESS);
    store<u32>(valuePtrOf(created), <u32>dst);
    insertKeyed(db, created);
  }
  if (lengthOf(src) == 0) deleteObjectKey(db, e);
  return 1;
}
