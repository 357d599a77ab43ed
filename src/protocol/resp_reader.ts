// Incremental decoder for RESP2/RESP3 *replies*, for client code (the `cli` subcommand).
// The server's request parser lives in resp_parser.ts; this one reads what a server sends.
// Feed it bytes as they arrive; next() returns each complete reply. Aggregates are built
// with an explicit stack so a large reply arriving in many chunks is scanned only once.

/** One decoded reply, shaped after hiredis's redisReply (what redis-cli formats). */
export type RespReply =
  | { kind: "status"; bytes: Uint8Array }
  | { kind: "error"; bytes: Uint8Array }
  | { kind: "integer"; value: bigint }
  | { kind: "bulk"; bytes: Uint8Array }
  | { kind: "nil" }
  /** The double's text exactly as the server sent it (redis-cli prints it verbatim). */
  | { kind: "double"; text: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "bignum"; text: string }
  | { kind: "verbatim"; format: string; bytes: Uint8Array }
  | { kind: "array" | "set" | "push"; items: RespReply[] }
  /** Map entries flattened as key, value, key, value ... like hiredis's element array. */
  | { kind: "map"; items: RespReply[] };

export type AggregateKind = "array" | "set" | "push" | "map";

export class RespProtocolError extends Error {}

const CR = 13, LF = 10;
const latin1Decoder = new TextDecoder("latin1");

interface OpenAggregate {
  kind: AggregateKind | "attribute";
  items: RespReply[];
  remaining: number;
}

/** What one header line decoded to: a finished value, an aggregate to fill, or "need more". */
type Step = { value: RespReply } | { open: OpenAggregate } | { skip: true } | null;

export class RespReader {
  /** Received bytes live in buf[pos, end); the buffer grows by doubling so big replies copy O(n). */
  private buf = new Uint8Array(4096);
  private pos = 0;
  private end = 0;
  private stack: OpenAggregate[] = [];

  feed(chunk: Uint8Array): void {
    if (this.pos === this.end) {
      this.pos = this.end = 0;
      if (this.buf.length > 1 << 20) this.buf = new Uint8Array(4096); // don't hold a huge reply's buffer
    }
    const unread = this.end - this.pos;
    if (this.end + chunk.length > this.buf.length) {
      // Out of room at the tail: move the unread bytes to the front, growing if needed.
      let capacity = this.buf.length;
      while (capacity < unread + chunk.length) capacity *= 2;
      if (capacity === this.buf.length) this.buf.copyWithin(0, this.pos, this.end);
      else {
        const grown = new Uint8Array(capacity);
        grown.set(this.buf.subarray(this.pos, this.end));
        this.buf = grown;
      }
      this.pos = 0;
      this.end = unread;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** True when bytes or a half-built aggregate are waiting for more input. */
  get pending(): boolean {
    return this.pos < this.end || this.stack.length > 0;
  }

  /** The next complete reply, or undefined until more bytes arrive. Throws RespProtocolError. */
  next(): RespReply | undefined {
    for (;;) {
      const step = this.readStep();
      if (step === null) return undefined;
      if ("skip" in step) continue;
      if ("open" in step) {
        this.stack.push(step.open);
        continue;
      }
      const done = this.attach(step.value);
      if (done) return done;
    }
  }

  /** Adds a finished value to the open aggregates; returns it when it completes a top-level reply. */
  private attach(value: RespReply): RespReply | undefined {
    let current: RespReply | undefined = value;
    while (current) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return current;
      top.items.push(current);
      if (--top.remaining > 0) return undefined;
      this.stack.pop();
      // RESP3 attributes annotate the reply that follows; like most clients we drop them
      // (hiredis in Redis 7.0 rejects them outright) and keep waiting for that reply.
      if (top.kind === "attribute") return undefined;
      current = { kind: top.kind, items: top.items };
    }
    return undefined;
  }

  private readStep(): Step {
    const start = this.pos;
    if (start >= this.end) return null;
    const lineEnd = this.findCrlf(start + 1);
    if (lineEnd < 0) return null;
    const type = this.buf[start];
    const line = this.buf.subarray(start + 1, lineEnd);
    const after = lineEnd + 2;
    const text = () => latin1Decoder.decode(line);
    const finish = (value: RespReply): Step => {
      this.pos = after;
      return { value };
    };
    switch (type) {
      case 0x2b: // '+'
        return finish({ kind: "status", bytes: line.slice() });
      case 0x2d: // '-'
        return finish({ kind: "error", bytes: line.slice() });
      case 0x3a: // ':'
        return finish({ kind: "integer", value: parseInteger(text(), "Bad integer value") });
      case 0x5f: // '_'
        if (line.length !== 0) throw new RespProtocolError("Bad nil value");
        return finish({ kind: "nil" });
      case 0x2c: // ','
        return finish({ kind: "double", text: checkDouble(text()) });
      case 0x23: { // '#'
        const t = text();
        if (!/^[tTfF]$/.test(t)) throw new RespProtocolError("Bad bool value");
        return finish({ kind: "boolean", value: t === "t" || t === "T" });
      }
      case 0x28: { // '('
        const t = text();
        if (!/^-?[0-9]*$/.test(t)) throw new RespProtocolError("Bad bignum value");
        return finish({ kind: "bignum", text: t });
      }
      case 0x24: // '$'
      case 0x3d: // '='
        return this.readBulk(type, parseLength(text(), "Bad bulk string length"), after);
      case 0x2a: // '*'
      case 0x25: // '%'
      case 0x7e: // '~'
      case 0x3e: // '>'
      case 0x7c: // '|'
        return this.readAggregateHeader(type, parseLength(text(), "Bad multi-bulk length"), after);
      default:
        throw new RespProtocolError(
          `Protocol error, got ${JSON.stringify(String.fromCharCode(type))} as reply type byte`,
        );
    }
  }

  private readBulk(type: number, length: number, after: number): Step {
    if (length < 0) {
      this.pos = after;
      return { value: { kind: "nil" } };
    }
    const payloadEnd = after + length;
    if (this.end < payloadEnd + 2) return null;
    const payload = this.buf.slice(after, payloadEnd);
    this.pos = payloadEnd + 2;
    if (type === 0x24) return { value: { kind: "bulk", bytes: payload } };
    if (length < 4 || payload[3] !== 0x3a) {
      throw new RespProtocolError(
        "Verbatim string 4 bytes of content type are missing or incorrectly encoded.",
      );
    }
    return {
      value: {
        kind: "verbatim",
        format: latin1Decoder.decode(payload.subarray(0, 3)),
        bytes: payload.subarray(4),
      },
    };
  }

  private readAggregateHeader(type: number, count: number, after: number): Step {
    this.pos = after;
    if (count < 0) return { value: { kind: "nil" } }; // RESP2 null array
    const kind = aggregateKind(type);
    const remaining = kind === "map" || kind === "attribute" ? count * 2 : count;
    if (remaining === 0) {
      return kind === "attribute" ? { skip: true } : { value: { kind, items: [] } };
    }
    return { open: { kind, items: [], remaining } };
  }

  private findCrlf(from: number): number {
    const b = this.buf;
    for (let i = from; i + 1 < this.end; i++) if (b[i] === CR && b[i + 1] === LF) return i;
    return -1;
  }
}

function aggregateKind(type: number): AggregateKind | "attribute" {
  switch (type) {
    case 0x25:
      return "map";
    case 0x7e:
      return "set";
    case 0x3e:
      return "push";
    case 0x7c:
      return "attribute";
    default:
      return "array";
  }
}

function parseInteger(text: string, message: string): bigint {
  if (!/^-?[0-9]+$/.test(text)) throw new RespProtocolError(message);
  return BigInt(text);
}

function parseLength(text: string, message: string): number {
  const n = Number(parseInteger(text, message));
  if (n < -1) throw new RespProtocolError(message);
  return n;
}

/** RESP3 doubles: "inf", "-inf", "nan" or a finite decimal number. */
function checkDouble(text: string): string {
  if (/^-?inf$|^nan$/i.test(text)) return text;
  if (text === "" || !Number.isFinite(Number(text))) {
    throw new RespProtocolError("Bad double value");
  }
  return text;
}
