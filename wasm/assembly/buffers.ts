// The two byte areas shared with JS: the scratch area JS writes arguments into, and the
// output area where operations leave bytes (formatted integers, SCAN keys, old values).
// A result may also point straight into an entry (GET of a raw string: no copy).

import { memAlloc, memFree, memResize, capacityOf } from "./alloc";

const DEFAULT_SIZE: usize = 64 << 10;
/** Above this an area shrinks back once a call needs far less (a one-off 512 MB SET). */
const SHRINK_ABOVE: usize = 1 << 20;

let scratch: usize = 0;
let output: usize = 0;

/** Where the last operation's output bytes start (read by JS through resultPtr()). */
export let resultAt: usize = 0;

/** Points the result at bytes that live elsewhere (a value inside its entry). */
export function setResult(ptr: usize): void {
  resultAt = ptr;
}

/** Makes the scratch area hold at least `n` bytes and returns it; old contents are dropped. */
export function reserveScratch(n: usize): usize {
  if (scratch != 0) {
    const cap = capacityOf(scratch);
    if (n <= cap && !(cap > SHRINK_ABOVE && n <= cap >> 2)) return scratch;
    memFree(scratch);
  }
  scratch = memAlloc(max(n, DEFAULT_SIZE));
  return scratch;
}

export function scratchBase(): usize {
  return scratch;
}

/**
 * Swaps the output area with `other` (0: none yet, made on first use) and returns the one it
 * held; resultAt moves with it. For bytes written aside mid-command (a snapshot's before-image
 * of a key that expires), whose output must stay as it is: swap, write, swap back and restore
 * resultAt (setResult).
 */
export function swapOutput(other: usize): usize {
  const held = output;
  output = other;
  resultAt = other;
  return held;
}

/** Output area of at least `n` bytes (contents dropped); resultAt points at it. */
export function outputFor(n: usize): usize {
  if (output != 0) {
    const cap = capacityOf(output);
    if (n <= cap && !(cap > SHRINK_ABOVE && n <= cap >> 2)) {
      resultAt = output;
      return output;
    }
    memFree(output);
  }
  output = memAlloc(max(n, DEFAULT_SIZE));
  resultAt = output;
  return output;
}

/** Makes room for `n` more bytes after `used` bytes of output, keeping them (SCAN). */
export function outputGrow(used: usize, n: usize): usize {
  const cap = capacityOf(output);
  if (used + n > cap) output = memResize(output, max(used + n, cap * 2));
  resultAt = output;
  return output;
}
