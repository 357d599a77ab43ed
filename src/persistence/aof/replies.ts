// Reading a command's own reply back (the propagated form of SPOP, INCRBYFLOAT, served
// blocking pops... depends on what the command replied).
import { frameEnd } from "../../protocol/frames.ts";

const decoder = new TextDecoder();

function lineNumber(b: Uint8Array, pos: number): number {
  return Number(decoder.decode(b.subarray(pos + 1, b.indexOf(0x0d, pos))));
}

/** A bulk or simple string's bytes, or null (a null reply, another type). */
export function replyBytes(b: Uint8Array, pos: number): Uint8Array | null {
  const type = b[pos];
  const lineEnd = b.indexOf(0x0d, pos);
  if (type === 0x24 || type === 0x3d) {
    const n = lineNumber(b, pos);
    if (n < 0) return null;
    const body = b.subarray(lineEnd + 2, lineEnd + 2 + n);
    return type === 0x3d ? body.subarray(4) : body;
  }
  if (type === 0x2b || type === 0x2c || type === 0x3a) return b.subarray(pos + 1, lineEnd);
  return null;
}

/** The frames of an aggregate reply's elements (null: not an aggregate, or a null array). */
export function replyElements(b: Uint8Array, pos: number): number[] | null {
  const type = b[pos];
  if (type !== 0x2a && type !== 0x7e && type !== 0x3e) return null;
  const n = lineNumber(b, pos);
  if (n < 0) return null;
  const starts: number[] = [];
  let p = b.indexOf(0x0a, pos) + 1;
  for (let i = 0; i < n; i++) {
    starts.push(p);
    p = frameEnd(b, p);
  }
  return starts;
}
