// How Redis 7.0 splits a list into quicklist nodes (quicklist.c), so that the nodes written
// for a list are the ones Redis would hold after RPUSHing its elements one by one.
import { EMPTY_LISTPACK_SIZE, listpackEntrySize } from "./listpack.ts";

/** Elements of 1 GB and more get a PLAIN node of their own (packed_threshold). */
export const PACKED_THRESHOLD = 1 << 30;
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
/** Node size limits for list-max-listpack-size -1 .. -5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];

export type QuicklistNode =
  | { plain: true; element: Uint8Array }
  | { plain: false; elements: Uint8Array[] };

/** _quicklistNodeAllowInsert for a packed node of `size` listpack bytes and `count` entries. */
function allowInsert(size: number, count: number, fill: number, elementSize: number): boolean {
  if (elementSize >= PACKED_THRESHOLD) return false;
  const newSize = size + elementSize + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0 && -fill - 1 < OPTIMIZATION_LEVEL.length) {
    if (newSize <= OPTIMIZATION_LEVEL[-fill - 1]) return true;
  }
  if (newSize > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** The nodes of a list built by quicklistPushTail of each element (RPUSH). */
export function quicklistNodes(elements: readonly Uint8Array[], fill: number): QuicklistNode[] {
  const nodes: QuicklistNode[] = [];
  let tail: { elements: Uint8Array[]; size: number } | null = null;
  for (const element of elements) {
    if (element.length >= PACKED_THRESHOLD) {
      nodes.push({ plain: true, element });
      tail = null;
    } else if (tail && allowInsert(tail.size, tail.elements.length, fill, element.length)) {
      tail.elements.push(element);
      tail.size += listpackEntrySize(element);
    } else {
      tail = { elements: [element], size: EMPTY_LISTPACK_SIZE + listpackEntrySize(element) };
      nodes.push({ plain: false, elements: tail.elements });
    }
  }
  return nodes;
}
