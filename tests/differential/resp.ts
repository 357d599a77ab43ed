// A lossless RESP2/RESP3 frame tree: parse(frame) then encode() gives back the same bytes,
// so normalizers can edit one field of a reply and leave every other byte as the server sent it.
import { frameEnd } from "../helpers/servers.ts";

export interface RespNode {
  /** The type byte as a char: + - : $ * _ , # ( ! = ~ > % | */
  type: string;
  /** The header line after the type byte, without CRLF (a length, a count, or the simple value). */
  line: Uint8Array;
  /** Bulk-like types ($ ! =): the payload. */
  payload?: Uint8Array;
  /** Aggregates: the elements (maps and attributes: keys and values alternating). */
  children?: RespNode[];
  /** Attribute frames (|) only: the reply they annotate. */
  annotated?: RespNode;
}

const BULK_TYPES = "$!=";
const AGGREGATE_TYPES = "*~>%|";

export function parseFrame(frame: Uint8Array): RespNode {
  const [node, end] = parseAt(frame, 0);
  if (end !== frame.length) throw new Error(`parseFrame: ${frame.length - end} trailing bytes`);
  return node;
}

/** Splits a byte stream into complete frames; null if it is not a clean sequence of frames. */
export function splitFrames(stream: Uint8Array): Uint8Array[] | null {
  const frames: Uint8Array[] = [];
  let pos = 0;
  try {
    while (pos < stream.length) {
      const end = frameEnd(stream, pos);
      if (end < 0) return null;
      frames.push(stream.subarray(pos, end));
      pos = end;
    }
  } catch {
    return null;
  }
  return frames;
}

function parseAt(b: Uint8Array, pos: number): [RespNode, number] {
  const lineEnd = indexOfCrlf(b, pos);
  if (lineEnd < 0) throw new Error("parseFrame: incomplete frame");
  const type = String.fromCharCode(b[pos]);
  const line = b.slice(pos + 1, lineEnd);
  let next = lineEnd + 2;
  const count = Number(latin1(line));
  if (BULK_TYPES.includes(type)) {
    if (count < 0) return [{ type, line }, next];
    const payload = b.slice(next, next + count);
    return [{ type, line, payload }, next + count + 2];
  }
  if (AGGREGATE_TYPES.includes(type)) {
    if (count < 0) return [{ type, line }, next];
    const n = type === "%" || type === "|" ? count * 2 : count;
    const children: RespNode[] = [];
    for (let i = 0; i < n; i++) {
      const [child, end] = parseAt(b, next);
      children.push(child);
      next = end;
    }
    if (type !== "|") return [{ type, line, children }, next];
    const [annotated, end] = parseAt(b, next);
    return [{ type, line, children, annotated }, end];
  }
  return [{ type, line }, next];
}

export function encodeFrame(node: RespNode): Uint8Array {
  const parts: Uint8Array[] = [];
  const crlf = Uint8Array.of(13, 10);
  const walk = (n: RespNode) => {
    parts.push(Uint8Array.of(n.type.charCodeAt(0)), n.line, crlf);
    if (n.payload) parts.push(n.payload, crlf);
    n.children?.forEach(walk);
    if (n.annotated) walk(n.annotated);
  };
  walk(node);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The node's text value: the payload of bulk-like types, the header line of simple ones. */
export function nodeText(n: RespNode): string {
  return latin1(n.payload ?? n.line);
}

/** Replaces a scalar's value, keeping its type byte (and fixing a bulk length). */
export function setNodeText(n: RespNode, text: string): void {
  const value = fromLatin1(text);
  if (n.payload) {
    n.payload = value;
    n.line = fromLatin1(String(value.length));
  } else {
    n.line = value;
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function fromLatin1(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);
}

function indexOfCrlf(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}
