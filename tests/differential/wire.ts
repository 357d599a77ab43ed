// A byte-level client for differential runs: writes chunks, and reads until a condition on the
// bytes received so far holds (one whole frame, a sentinel reply, or the server closing).
import { frameEnd } from "../helpers/servers.ts";

export const REPLY_TIMEOUT_MS = 5000;

/** What a read ended with; `bytes` is everything received that the read consumed. */
export type ReadResult =
  | { kind: "ok"; bytes: Uint8Array }
  | { kind: "closed"; bytes: Uint8Array }
  | { kind: "timeout"; bytes: Uint8Array };

export class WireConnection {
  private buf = new Uint8Array(0);
  private closed = false;
  /** Whether any read on this connection ended in a timeout. */
  timedOut = false;
  private pending: Promise<Uint8Array | null> | null = null;

  private constructor(private conn: Deno.TcpConn) {}

  static async open(port: number): Promise<WireConnection> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true); // so split chunks really arrive as separate segments
    return new WireConnection(conn);
  }

  /** Writes all bytes; false if the server already closed the connection. */
  async write(data: Uint8Array): Promise<boolean> {
    try {
      while (data.length > 0) data = data.subarray(await this.conn.write(data));
      return true;
    } catch {
      return false;
    }
  }

  /** One complete RESP frame. */
  readFrame(timeoutMs = REPLY_TIMEOUT_MS): Promise<ReadResult> {
    return this.readUntil((b) => {
      try {
        return frameEnd(b, 0);
      } catch {
        return -1; // Garbage: keep reading, the timeout or close reports what arrived.
      }
    }, timeoutMs);
  }

  /** Everything up to and including `marker`, which must end the data received so far. */
  readThrough(marker: Uint8Array, timeoutMs = REPLY_TIMEOUT_MS): Promise<ReadResult> {
    return this.readUntil((b) => endsWith(b, marker) ? b.length : -1, timeoutMs);
  }

  /** Everything that arrives until `quietMs` pass without data (kind "timeout" then means
   * "went quiet", the normal end), or the server closes. */
  async readQuiet(quietMs: number): Promise<ReadResult> {
    let seen = -1;
    for (;;) {
      if (this.closed) return { kind: "closed", bytes: this.take(this.buf.length) };
      if (this.buf.length === seen) return { kind: "ok", bytes: this.take(this.buf.length) };
      seen = this.buf.length;
      await this.fill(quietMs);
    }
  }

  /** Everything until the server closes the connection. */
  readToClose(timeoutMs = REPLY_TIMEOUT_MS): Promise<ReadResult> {
    return this.readUntil(() => -1, timeoutMs);
  }

  /**
   * Reads until `complete(buffer)` returns the length of a finished prefix (>= 0), which is
   * consumed and returned; a close or the timeout returns everything received instead.
   */
  private async readUntil(
    complete: (b: Uint8Array) => number,
    timeoutMs: number,
  ): Promise<ReadResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.length > 0 ? complete(this.buf) : -1;
      if (end >= 0) return { kind: "ok", bytes: this.take(end) };
      if (this.closed) return { kind: "closed", bytes: this.take(this.buf.length) };
      const left = deadline - Date.now();
      if (left <= 0) {
        this.timedOut = true;
        return { kind: "timeout", bytes: this.take(this.buf.length) };
      }
      await this.fill(left);
    }
  }

  /** Waits up to timeoutMs for data; a read still pending at the timeout is kept for the next call. */
  private async fill(timeoutMs: number): Promise<void> {
    this.pending ??= this.readChunk();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = await Promise.race([
      this.pending,
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (got === "timeout") return;
    this.pending = null;
    if (got === null) {
      this.closed = true;
      return;
    }
    const merged = new Uint8Array(this.buf.length + got.length);
    merged.set(this.buf);
    merged.set(got, this.buf.length);
    this.buf = merged;
  }

  private async readChunk(): Promise<Uint8Array | null> {
    const chunk = new Uint8Array(1 << 16);
    try {
      const n = await this.conn.read(chunk);
      return n === null ? null : chunk.subarray(0, n);
    } catch {
      return null; // ECONNRESET counts as closed
    }
  }

  private take(n: number): Uint8Array {
    const head = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return head;
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

function endsWith(b: Uint8Array, suffix: Uint8Array): boolean {
  if (b.length < suffix.length) return false;
  const off = b.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (b[off + i] !== suffix[i]) return false;
  return true;
}
