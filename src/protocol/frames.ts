// Finding where a RESP2/RESP3 reply frame ends, for splitting and combining replies.

/** End offset of the frame starting at `pos` in a buffer of complete frames. */
export function frameEnd(b: Uint8Array, pos: number): number {
  const lineEnd = b.indexOf(0x0d, pos);
  const after = lineEnd + 2;
  const type = b[pos];
  switch (type) {
    case 0x24:
    case 0x21:
    case 0x3d: { // $ ! =  (length-prefixed)
      const n = lengthOf(b, pos + 1, lineEnd);
      return n < 0 ? after : after + n + 2;
    }
    case 0x2a:
    case 0x7e:
    case 0x3e:
    case 0x25:
    case 0x7c: { // * ~ > % |  (aggregates)
      let n = lengthOf(b, pos + 1, lineEnd);
      if (n < 0) return after;
      if (type === 0x25 || type === 0x7c) n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) p = frameEnd(b, p);
      return type === 0x7c ? frameEnd(b, p) : p; // an attribute precedes the real reply
    }
    default: // + - : _ , # (  (one line)
      return after;
  }
}

function lengthOf(b: Uint8Array, start: number, end: number): number {
  if (b[start] === 0x2d) return -1;
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + b[i] - 48;
  return n;
}
