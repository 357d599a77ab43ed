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
import { splitArgs } from "./split_args.ts";

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
    if (buf[pos] === 0x2a) {
      const after = this.wholeFrame(buf, pos, end);
      return after >= 0 ? after : this.startMultibulk(buf, pos, end);
    }
    return this.inline(buf, pos, end);
  }

  /**
   * The common request in one pass: a frame of 1-10 arguments of 1-16384 bytes each with
   * plain length headers, all inside buf[pos, end). Returns the position after it, or -1 for
   * anything else (nothing to undo: the general path parses the frame again from `pos`, with
   * Redis's limits and errors). Within these bounds no limit applies (proto-max-bulk-len is
   * at least 1 MB, the unauthenticated limits are 10 arguments and 16 KB).
   */
  private wholeFrame(buf: Uint8Array, pos: number, end: number): number {
    const count = smallNumberBefore(buf, pos + 1, end);
    if (count < 0 || count > 10) return -1;
    const starts = this.argStart, lens = this.argLen;
    let p = NUMBER_END + 2;
    for (let i = 0; i < count; i++) {
      if (p >= end || buf[p] !== 0x24) return -1;
      const len = smallNumberBefore(buf, p + 1, end);
      if (len < 0 || len > 16384) return -1;
      p = NUMBER_END + 2;
      if (end - p < len + 2) return -1;
      starts[i] = p;
      lens[i] = len;
      p += len + 2; // like Redis, the two bytes after a bulk are not checked
    }
    this.argBuf = buf;
    this.argc = count;
    return p;
  }

  private fail(message: string): number {
    this.error = "Protocol error: " + message;
    this.resumeAt = -1;
    this.multibulkLeft = 0;
    this.bulkLen = -1;
    return PROTOCOL_ERROR;
  }

  private startMultibulk(buf: Uint8Array, pos: number, end: number): number {
    let count = smallNumberBefore(buf, pos + 1, end);
    let cr = NUMBER_END;
    if (count < 0) {
      cr = indexOfByte(buf, CR, pos, end);
      if (cr < 0) {
        return end - pos > PROTO_INLINE_MAX_SIZE
          ? this.fail("too big mbulk count string")
          : NEED_MORE;
      }
      if (cr > end - 2) return NEED_MORE; // "\r" must be followed by one more byte
      const parsed = parseLongLong(buf, pos + 1, cr);
      if (parsed === null || parsed > 2147483647) return this.fail("invalid multibulk length");
      count = parsed;
    }
    if (count > 10 && this.limits.authRequired) {
      return this.fail("unauthenticated multibulk length");
    }
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
    let left = this.multibulkLeft, bulkLen = this.bulkLen, argc = this.argc;
    const maxBulkLen = this.limits.maxBulkLen;
    while (left > 0) {
      if (bulkLen === -1) {
        // The usual header, "$" and up to 9 digits then CR (and one byte after it), is read
        // in one pass; anything else (leading zero, sign, split header...) takes the general
        // path with Redis's exact rules and errors.
        let len = buf[pos] === 0x24 ? smallNumberBefore(buf, pos + 1, end) : -1;
        let cr = NUMBER_END;
        if (len < 0) {
          cr = indexOfByte(buf, CR, pos, end);
          if (cr < 0) {
            if (end - pos > PROTO_INLINE_MAX_SIZE) return this.fail("too big bulk count string");
            break;
          }
          if (cr > end - 2) break;
          if (buf[pos] !== 0x24) {
            return this.fail(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
          }
          const parsed = parseLongLong(buf, pos + 1, cr);
          if (parsed === null || parsed < 0) return this.fail("invalid bulk length");
          len = parsed;
        }
        if (len > maxBulkLen) return this.fail("invalid bulk length");
        if (len > 16384 && this.limits.authRequired) {
          return this.fail("unauthenticated bulk length");
        }
        pos = cr + 2;
        bulkLen = len;
      }
      if (end - pos < bulkLen + 2) {
        this.bytesWanted = bulkLen + 2 - (end - pos);
        break;
      }
      if (argc === this.argStart.length) {
        this.argc = argc;
        this.growArgs(argc * 2);
      }
      this.argStart[argc] = pos;
      this.argLen[argc] = bulkLen;
      argc++;
      pos += bulkLen + 2; // like Redis, the two bytes after a bulk are not checked
      bulkLen = -1;
      left--;
    }
    this.argc = argc;
    this.multibulkLeft = left;
    this.bulkLen = bulkLen;
    if (left > 0) {
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

  /** The line's words (sdssplitargs), copied into this parser's own buffer. */
  private splitInline(buf: Uint8Array, pos: number, end: number): boolean {
    const words = splitArgs(buf.subarray(pos, end));
    if (!words) return false;
    const total = words.reduce((n, w) => n + w.length, 0);
    if (this.inlineBuf.length < total) this.inlineBuf = new Uint8Array(total * 2);
    this.argBuf = this.inlineBuf;
    this.argc = 0;
    let o = 0;
    for (const w of words) {
      if (this.argc === this.argStart.length) this.growArgs(this.argc * 2);
      this.inlineBuf.set(w, o);
      this.argStart[this.argc] = o;
      this.argLen[this.argc++] = w.length;
      o += w.length;
    }
    return true;
  }

  private growArgs(n: number): void {
    const s = new Int32Array(n), l = new Int32Array(n);
    s.set(this.argStart.subarray(0, Math.min(this.argStart.length, n)));
    l.set(this.argLen.subarray(0, Math.min(this.argLen.length, n)));
    this.argStart = s;
    this.argLen = l;
  }
}

/** Where smallNumberBefore's number ended: the CR's position. A module variable instead of a
 * second return value, so the hot path allocates nothing. */
let NUMBER_END = 0;

/**
 * The common case of a length header: digits at buf[from...], the first 1-9, at most 9 of
 * them, followed by CR and at least one more byte before `end`. Returns the number and sets
 * NUMBER_END to the CR, or -1 for anything else (the caller then parses the general way).
 */
function smallNumberBefore(buf: Uint8Array, from: number, end: number): number {
  if (from >= end) return -1;
  let d = buf[from] - 48;
  if (d < 1 || d > 9) return -1;
  let value = d;
  let p = from + 1;
  const last = Math.min(end - 2, from + 8); // at most 9 digits; the CR at or before end - 2
  for (; p <= last; p++) {
    d = buf[p] - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (p > end - 2 || buf[p] !== CR) return -1;
  NUMBER_END = p;
  return value;
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
