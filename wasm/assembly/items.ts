// Replies of the typed commands (lists, sets, sorted sets, hashes): a packed list of items in
// the output area that src/engine/reply_items.ts turns into RESP2 or RESP3. Scores travel as
// f64 because only JS formats doubles exactly as Redis's "%.17g" does.
//
// Item layout: u32 tag, then
//   tag < ITEM_DOUBLE   that many bytes (a bulk string)
//   ITEM_DOUBLE         f64 (RESP2 bulk text, RESP3 `,` double)
//   ITEM_INT            i64 (`:` integer)
//   ITEM_NULL           nothing (RESP2 `$-1`, RESP3 `_`)

import { outputFor, outputGrow } from "./buffers";
import { decimalDigits, formatInteger } from "./numbers";

export const ITEM_DOUBLE: u32 = 0xfffffffd;
export const ITEM_INT: u32 = 0xfffffffe;
export const ITEM_NULL: u32 = 0xffffffff;

let base: usize = 0;
let used: usize = 0;
let count: i32 = 0;

/** Whether itemBytes writes RESP bulk strings ($len CRLF bytes CRLF, the same in RESP2 and
 * RESP3) that JS sends as they are, rather than items: for replies of members only. */
let respStrings = false;

/** Starts an empty item list (drops the previous one). */
export function itemsBegin(): void {
  base = outputFor(0);
  used = 0;
  count = 0;
  respStrings = false;
}

/** itemsBegin for a reply of strings only, written as RESP (JS copies the bytes as one block
 * instead of formatting each item). */
export function respStringsBegin(): void {
  itemsBegin();
  respStrings = true;
}

// @ts-ignore: decorator
@inline function room(n: usize): usize {
  base = outputGrow(used, n);
  const at = base + used;
  used += n;
  count++;
  return at;
}

export function itemBytes(ptr: usize, len: usize): void {
  if (respStrings) return respBulk(ptr, len);
  const at = room(4 + len);
  store<u32>(at, <u32>len);
  memory.copy(at + 4, ptr, len);
}

/** memory.copy for short runs inline: V8 compiles memory.copy to a call into C, ~46 instructions
 * (callgrind) for an 8-byte member, more than the copy. The ranges must not overlap. The tail
 * is one word ending at `len` (it may rewrite bytes of the word before): a 7-byte member is two
 * 4-byte moves, not seven byte moves. */
// @ts-ignore: decorator
@inline export function copyShort(dst: usize, src: usize, len: usize): void {
  if (len > 32) {
    memory.copy(dst, src, len);
  } else if (len >= 8) {
    for (let i: usize = 0; i + 8 < len; i += 8) store<u64>(dst + i, load<u64>(src + i));
    store<u64>(dst + len - 8, load<u64>(src + len - 8));
  } else if (len >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + len - 4, load<u32>(src + len - 4));
  } else {
    for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
  }
}

function respBulk(ptr: usize, len: usize): void {
  if (len < 10) {
    // "$<digit>\r\n" in one store: ZRANGE's members were ~160 instructions each.
    const at = room(len + 6);
    store<u32>(at, 0x0a0d3024 + (<u32>len << 8));
    copyShort(at + 4, ptr, len);
    store<u16>(at + 4 + len, 0x0a0d);
    return;
  }
  let at = room(decimalDigits(len) + len + 5);
  store<u8>(at, 0x24); // $
  at += 1 + formatInteger(<i64>len, at + 1);
  store<u16>(at, 0x0a0d); // CRLF
  copyShort(at + 2, ptr, len);
  store<u16>(at + 2 + len, 0x0a0d);
}

/** Room for a `len`-byte string item the caller fills in; returns where to write it. */
export function itemBytesAt(len: usize): usize {
  const at = room(4 + len);
  store<u32>(at, <u32>len);
  return at + 4;
}

export function itemInt(value: i64): void {
  const at = room(12);
  store<u32>(at, ITEM_INT);
  store<i64>(at, value, 4);
}

export function itemDouble(value: f64): void {
  const at = room(12);
  store<u32>(at, ITEM_DOUBLE);
  store<f64>(at, value, 4);
}

export function itemNull(): void {
  const at = room(4);
  store<u32>(at, ITEM_NULL);
}

/** Items written since itemsBegin. */
export function itemCount(): i32 {
  return count;
}

/** Bytes written since itemsBegin (JS reads them at resultPtr). */
export function itemsByteLength(): usize {
  return used;
}
