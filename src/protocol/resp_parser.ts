// Incremental parser for client requests: RESP multibulk arrays and inline commands,
// following Redis's processMultibulkBuffer/processInlineBuffer (networking.c) so limits,
// edge cases and error texts match. Arguments are never turned into JS strings: the parser
// records where each argument starts and how long it is inside the buffer.

/** Redis's PROTO_INLINE_MAX_SIZE: longest inline line or length header without CRLF. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

export const NEED_MORE = -1;
export const PROTOCOL_ERROR = -2;

import { Args } from "./args.ts";
import { parseLongLong } from "./numbers.ts";

export { parseLongLong };

const CR = 13, LF = 10;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** True while requirepass/ACL still demands AUTH: tighter limits, as Redis. */
  authRequired: boolean;
}

/**
 * Parses commands one at a time; after each, the inherited Args fields describe it (argBuf
 * is the input buffer, or the parser's own buffer for an unescaped inline command).
 */
export class RequestParser extends Args {
  /** Where the command just parsed began in the input buffer (for forwarding raw frames). */
  frameStart = 0;
  /** The protocol error text (without "ERR ") when `next` returned PROTOCOL_ERROR. */
  error = "";
  /** While waiting for a large bulk argument: how many bytes the frame still needs. */
  bytesWanted = 0;

  // Resumable multibulk state, so a large frame arriving in pieces is not re-scanned.
  private multibulkLeft = 0;
  private bulkLen = -1;
  private resumeAt = -1;
  private inlineBuf = new Uint8Array(256);

  constructor(public limits: ParserLimits) {
    super();
  }

  /** The buffer was compacted: every stored offset moves back by `delta` bytes. */
  shift(delta: number): void {
    if (this.resumeAt < 0) return;
    this.resumeAt -= delta;
    this.frameStart -= delta;
    for (let i = 0; i < this.argc; i++) this.argStart[i] -= delta;
  }

  /** True while a multibulk frame is partly parsed (its start must stay in the buffer). */
  inFrame(): boolean {
    return this.resumeAt >= 0;
  }

  /**
   * Parse one command from buf[pos, end). Returns the position after it (argc/argStart
   * describe it; argc may be 0 for an empty command to skip), NEED_MORE, or PROTOCOL_ERROR.
   */
  next(buf: Uint8Array, pos: number, end: number): number {
    if (this.resumeAt >= 0) return this.continueMultibulk(buf, this.resumeAt, end);
    if (pos >= end) return NEED_MORE;
    this.frameStart = pos;
    this.argc = 0;
    this.bytesWanted = 0;
    if (buf[pos] === 0x2a) return this.startMultibulk(buf, pos, end);
    return this.inline(buf, pos, end);
  }

  private fail(message: string): number {
    this.error = "Protocol error: " + message;
    this.resumeAt = -1;
    this.multibulkLeft = 0;
    this.bulkLen = -1;
    return PROTOCOL_ERROR;
  }

  private startMultibulk(buf: Uint8Array, pos: number, end: number): number {
    const cr = indexOfByte(buf, CR, pos, end);
    if (cr < 0) {
      return end - pos > PROTO_INLINE_MAX_SIZE ? this.fail("too big mbulk count string") : NEED_MORE;
    }
    if (cr > end - 2) return NEED_MORE; // "\r" must be followed by one more byte
    const count = parseLongLong(buf, pos + 1, cr);
    if (count === null || count > 2147483647) return this.fail("invalid multibulk length");
    if (count > 10 && this.limits.authRequired) return this.fail("unauthenticated multibulk length");
    const after = cr + 2;
    if (count <= 0) return after; // empty command: consumed, nothing to run
    this.argBuf = buf;
    this.multibulkLeft = count;
    this.bulkLen = -1;
    if (this.argStart.length < Math.min(count, 1 << 20)) this.growArgs(Math.min(count, 1 << 20));
    return this.continueMultibulk(buf, after, end);
  }

  private continueMultibulk(buf: Uint8Array, pos: number, end: number): number {
    this.argBuf = buf;
    while (this.multibulkLeft > 0) {
      if (this.bulkLen === -1) {
        const cr = indexOfByte(buf, CR, pos, end);
        if (cr < 0) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) return this.fail("too big bulk count string");
          break;
        }
        if (cr > end - 2) break;
        if (buf[pos] !== 0x24) {
          return this.fail(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        const len = parseLongLong(buf, pos + 1, cr);
        if (len === null || len < 0 || len > this.limits.maxBulkLen) return this.fail("invalid bulk length");
        if (len > 16384 && this.limits.authRequired) return this.fail("unauthenticated bulk length");
        pos = cr + 2;
        this.bulkLen = len;
      }
      if (end - pos < this.bulkLen + 2) {
        this.bytesWanted = this.bulkLen + 2 - (end - pos);
        break;
      }
      if (this.argc === this.argStart.length) this.growArgs(this.argc * 2);
      this.argStart[this.argc] = pos;
      this.argLen[this.argc] = this.bulkLen;
      this.argc++;
      pos += this.bulkLen + 2; // like Redis, the two bytes after a bulk are not checked
      this.bulkLen = -1;
      this.multibulkLeft--;
    }
    if (this.multibulkLeft > 0) {
      this.resumeAt = pos;
      return NEED_MORE;
    }
    this.resumeAt = -1;
    this.bytesWanted = 0;
    return pos;
  }

  private inline(buf: Uint8Array, pos: number, end: number): number {
    const lf = indexOfByte(buf, LF, pos, end);
    if (lf < 0) {
      return end - pos > PROTO_INLINE_MAX_SIZE ? this.fail("too big inline request") : NEED_MORE;
    }
    const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    if (!this.splitInline(buf, pos, lineEnd)) return this.fail("unbalanced quotes in request");
    return lf + 1;
  }

  /** sdssplitargs: whitespace-separated words, "double" quotes with escapes, 'single' quotes. */
  private splitInline(buf: Uint8Array, pos: number, end: number): boolean {
    if (this.inlineBuf.length < end - pos) this.inlineBuf = new Uint8Array((end - pos) * 2);
    const out = this.inlineBuf;
    let o = 0;
    this.argc = 0;
    this.argBuf = out;
    let p = pos;
    for (;;) {
      while (p < end && isSpace(buf[p])) p++;
      if (p >= end) return true;
      const start = o;
      let inDouble = false, inSingle = false, done = false;
      while (!done) {
        if (inDouble) {
          if (p >= end) return false;
          const c = buf[p];
          if (c === 0x5c && p + 3 < end && buf[p + 1] === 0x78 && isHex(buf[p + 2]) && isHex(buf[p + 3])) {
            out[o++] = hexValue(buf[p + 2]) * 16 + hexValue(buf[p + 3]);
            p += 3;
          } else if (c === 0x5c && p + 1 < end) {
            p++;
            const e = buf[p];
            out[o++] = e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e;
          } else if (c === 0x22) {
            if (p + 1 < end && !isSpace(buf[p + 1])) return false; // closing quote must end the word
            done = true;
          } else {
            out[o++] = c;
          }
        } else if (inSingle) {
          if (p >= end) return false;
          const c = buf[p];
          if (c === 0x5c && p + 1 < end && buf[p + 1] === 0x27) {
            p++;
            out[o++] = 0x27;
          } else if (c === 0x27) {
            if (p + 1 < end && !isSpace(buf[p + 1])) return false;
            done = true;
          } else {
            out[o++] = c;
          }
        } else {
          if (p >= end) break;
          const c = buf[p];
          if (isWordEnd(c)) done = true;
          else if (c === 0x22) inDouble = true;
          else if (c === 0x27) inSingle = true;
          else out[o++] = c;
        }
        if (p < end) p++;
      }
      if (this.argc === this.argStart.length) this.growArgs(this.argc * 2);
      this.argStart[this.argc] = start;
      this.argLen[this.argc] = o - start;
      this.argc++;
    }
  }

  private growArgs(n: number): void {
    const s = new Int32Array(n), l = new Int32Array(n);
    s.set(this.argStart.subarray(0, Math.min(this.argStart.length, n)));
    l.set(this.argLen.subarray(0, Math.min(this.argLen.length, n)));
    this.argStart = s;
    this.argLen = l;
  }
}

/**
 * Where `byte` first occurs in buf[from, end), or -1. Like the strchr() Redis uses on its
 * query buffer, a NUL byte ends the search: a header or inline line with a NUL before its
 * terminator never completes (Redis waits for more input, then hits the size limit).
 */
function indexOfByte(buf: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === byte) return i;
    if (c === 0) return -1;
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Unquoted words end only at these (not at \v or \f, unlike the skipping between words). */
function isWordEnd(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

