// LZF, ported from Redis's lzf_c.c / lzf_d.c (liblzf 3.6) with Redis's settings (lzfP.h:
// HLOG 16, VERY_FAST 1, ULTRA_FAST 0), so that a compressed string is byte-identical to what
// Redis writes (checked against redis-server in tests/unit/rdb_redis_test.ts). Redis leaves
// its hash table uninitialized (INIT_HTAB 0); an empty table is the deterministic equivalent
// (a stale slot can only propose a match that the bytes must then confirm).
//
// Format: 000LLLLL <L+1 literal bytes> | LLLooooo oooooooo (back reference of L+2 bytes at
// distance o+1) | 111ooooo LLLLLLLL oooooooo (back reference of L+9 bytes).

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

// The hash table holds input positions; a slot is valid only when stamped with the current
// call's generation, which clears the table in O(1) per call.
const slots = new Int32Array(HSIZE);
const stamps = new Uint32Array(HSIZE);
let generation = 0;
/** The output buffer, reused by every call: a snapshot compresses millions of values. */
let scratch = new Uint8Array(1 << 12);

function hashIndex(hval: number): number {
  return ((hval >>> 8) - Math.imul(hval, 5)) & (HSIZE - 1); // IDX() with VERY_FAST
}

/**
 * lzf_compress(input, outLimit): the compressed bytes, or null when they would not fit in
 * `outLimit` bytes (Redis passes len - 4, so compression must save at least 4 bytes). The
 * result is a view of a buffer the next call reuses.
 */
export function lzfCompress(input: Uint8Array, outLimit: number): Uint8Array | null {
  const inEnd = input.length;
  if (inEnd === 0 || outLimit <= 0) return null;
  if (++generation === 0xffffffff) {
    stamps.fill(0);
    generation = 1;
  }
  const gen = generation;
  if (scratch.length < outLimit) scratch = new Uint8Array(Math.max(outLimit, scratch.length * 2));
  const out = scratch;
  const outEnd = outLimit;
  let ip = 0, op = 0, lit = 0;
  op++; // start run
  let hval = (input[0] << 8) | input[1]; // FRST
  while (ip < inEnd - 2) {
    hval = (hval << 8) | input[ip + 2]; // NEXT
    const slot = hashIndex(hval);
    const ref = stamps[slot] === gen ? slots[slot] : 0;
    slots[slot] = ip;
    stamps[slot] = gen;
    const off = ip - ref - 1;
    if (
      off < MAX_OFF && ref > 0 &&
      input[ref] === input[ip] && input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      // match found at ref
      let len = 2;
      const maxlen = Math.min(inEnd - ip - len, MAX_REF);
      if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
      out[op - lit - 1] = lit - 1; // stop run
      op -= lit === 0 ? 1 : 0; // undo run if length is zero
      let mismatch = false;
      if (maxlen > 16) { // the C code's unrolled 16 steps, unbounded by maxlen
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++; while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash the last two positions of the match
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = (hval << 8) | input[ip + 2];
      setSlot(hashIndex(hval), ip, gen);
      ip++;
      hval = (hval << 8) | input[ip + 2];
      setSlot(hashIndex(hval), ip, gen);
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }
  if (op + 3 > outEnd) return null; // at most 3 bytes can be missing here
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end run
  op -= lit === 0 ? 1 : 0;
  return out.subarray(0, op);
}

function setSlot(slot: number, position: number, gen: number): void {
  slots[slot] = position;
  stamps[slot] = gen;
}

/**
 * lzf_decompress into exactly `outLength` bytes; null when the input is corrupt or does not
 * decompress to that length (Redis: "Invalid LZF compressed string").
 */
export function lzfDecompress(input: Uint8Array, outLength: number): Uint8Array | null {
  const out = new Uint8Array(outLength);
  const inEnd = input.length;
  let ip = 0, op = 0;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) { // literal run
      ctrl++;
      if (op + ctrl > outLength || ip + ctrl > inEnd) return null;
      out.set(input.subarray(ip, ip + ctrl), op);
      ip += ctrl;
      op += ctrl;
    } else { // back reference
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++];
      len += 2;
      if (op + len > outLength || ref < 0) return null;
      for (let i = 0; i < len; i++) out[op++] = out[ref++]; // may overlap: byte by byte
    }
  }
  return op === outLength ? out : null;
}
