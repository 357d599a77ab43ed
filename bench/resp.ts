// A tiny RESP2 client for the runner's own needs: probing commands, FLUSHALL/DBSIZE/INFO, and
// bulk fills (many pipelined commands over one connection). Not a load generator.

export type Reply = string | number | null | Reply[] | ReplyError;

export class ReplyError {
  constructor(public message: string) {}
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(args: string[]): Uint8Array {
  return enc.encode(commandText(args));
}

/** The RESP text of a command (encode it as UTF-8; the lengths are in UTF-8 bytes). */
function commandText(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${utf8Length(a)}\r\n${a}\r\n`;
  return s;
}

function utf8Length(a: string): number {
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) > 127) return enc.encode(a).length;
  return a.length;
}

/** Parses one reply at `pos`; returns [reply, end] or null when the buffer is incomplete. */
export function parseReply(b: Uint8Array, pos: number, len = b.length): [Reply, number] | null {
  if (pos >= len) return null;
  let eol = pos;
  while (eol + 1 < len && !(b[eol] === 13 && b[eol + 1] === 10)) eol++;
  if (eol + 1 >= len) return null;
  const type = b[pos];
  const line = dec.decode(b.subarray(pos + 1, eol));
  const after = eol + 2;
  switch (type) {
    case 43: // +
      return [line, after];
    case 45: // -
      return [new ReplyError(line), after];
    case 58: // :
      return [Number(line), after];
    case 36: { // $
      const n = Number(line);
      if (n < 0) return [null, after];
      if (after + n + 2 > len) return null;
      return [dec.decode(b.subarray(after, after + n)), after + n + 2];
    }
    case 42: { // *
      const n = Number(line);
      if (n < 0) return [null, after];
      const items: Reply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(b, p, len);
        if (!r) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${type} from the server`);
  }
}

export class RespClient {
  private buf = new Uint8Array(1 << 16);
  private start = 0;
  private end = 0;

  private constructor(private conn: Deno.TcpConn) {}

  static async connect(host: string, port: number): Promise<RespClient> {
    const conn = await Deno.connect({ hostname: host, port });
    conn.setNoDelay(true);
    return new RespClient(conn);
  }

  close() {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  async command(...args: string[]): Promise<Reply> {
    await this.writeAll(encodeCommand(args));
    return await this.readReply();
  }

  /** Sends every command (in batches, writer and reader running together); returns the replies' errors. */
  async pipeline(commands: Iterable<string[]>, batchSize = 1000): Promise<{ replies: number; errors: string[] }> {
    let flushed = 0; // commands written so far
    let writerDone = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const writer = (async () => {
      try {
        let text = "";
        let count = 0;
        const flush = async () => {
          const out = enc.encode(text);
          flushed += count; // counted before the write: the replies may arrive before it resolves
          text = "";
          count = 0;
          notify();
          await this.writeAll(out);
        };
        for (const c of commands) {
          text += commandText(c);
          if (++count >= batchSize) await flush();
        }
        if (count) await flush();
      } finally {
        writerDone = true;
        notify();
      }
    })();
    let replies = 0;
    const errors: string[] = [];
    const reader = (async () => {
      for (;;) {
        if (replies < flushed) {
          const r = await this.readReply();
          replies++;
          if (r instanceof ReplyError && errors.length < 10) errors.push(r.message);
        } else if (writerDone) {
          return;
        } else {
          await new Promise<void>((resolve) => wake = resolve);
        }
      }
    })();
    await Promise.all([writer, reader]);
    return { replies, errors };
  }

  /** Writes raw bytes (e.g. several encoded commands at once). */
  async writeAll(data: Uint8Array) {
    while (data.length) data = data.subarray(await this.conn.write(data));
  }

  /** The next reply (or pushed message) from the server. */
  async readReply(): Promise<Reply> {
    for (;;) {
      const b = this.buf;
      const p = this.start;
      if (this.end - p >= 5 && b[p] === 43 && b[p + 1] === 79 && b[p + 2] === 75 && b[p + 3] === 13 && b[p + 4] === 10) {
        this.start = p + 5 === this.end ? (this.end = 0) : p + 5; // "+OK\r\n", the fill's reply
        return "OK";
      }
      const r = this.end > this.start ? parseReply(this.buf, this.start, this.end) : null;
      if (r) {
        this.start = r[1];
        if (this.start === this.end) this.start = this.end = 0;
        return r[0];
      }
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (this.end === this.buf.length) {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf.subarray(0, this.end));
        this.buf = bigger;
      }
      const n = await this.conn.read(this.buf.subarray(this.end));
      if (n === null) throw new Error("connection closed by the server");
      this.end += n;
    }
  }
}

/** One command on a fresh connection. */
export async function oneCommand(host: string, port: number, ...args: string[]): Promise<Reply> {
  const c = await RespClient.connect(host, port);
  try {
    return await c.command(...args);
  } finally {
    c.close();
  }
}

/** `field:value` pairs of an INFO reply. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
