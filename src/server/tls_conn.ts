// A node:tls socket as a ClientConn: the pull-style read/write/close that Connection uses on
// Deno's TCP connections, over the socket's push-style events.
import type tls from "node:tls";
import type { ClientConn } from "./connection.ts";

/** Received bytes held before the socket is paused (the connection reads them soon). */
const HIGH_WATER = 256 * 1024;

export class TlsSocketConn implements ClientConn {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  private chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already read. */
  private head = 0;
  private buffered = 0;
  private paused = false;
  private ended = false;
  private wakeReader: (() => void) | null = null;
  private failWrites = new Set<(err: Error) => void>();

  constructor(private socket: tls.TLSSocket) {
    this.remoteAddr = netAddr(socket.remoteAddress, socket.remotePort);
    this.localAddr = netAddr(socket.localAddress, socket.localPort);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on("data", (chunk: Uint8Array) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= HIGH_WATER && !this.paused) {
        this.paused = true;
        socket.pause();
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
      const gone = new Deno.errors.BrokenPipe("connection closed");
      for (const fail of this.failWrites) fail(gone);
      this.failWrites.clear();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end); // the reader sees the end; the reason is the client's business
  }

  async read(into: Uint8Array): Promise<number | null> {
    while (this.buffered === 0) {
      if (this.ended) return null;
      await new Promise<void>((resolve) => this.wakeReader = resolve);
    }
    let n = 0;
    while (n < into.length && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const take = Math.min(into.length - n, chunk.length - this.head);
      into.set(chunk.subarray(this.head, this.head + take), n);
      n += take;
      this.head += take;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    if (this.paused && this.buffered < HIGH_WATER / 2) {
      this.paused = false;
      this.socket.resume();
    }
    return n;
  }

  /** Resolves when the socket took all the bytes (so the caller may reuse them). */
  write(bytes: Uint8Array): Promise<number> {
    if (this.ended || this.socket.destroyed) {
      return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
    }
    return new Promise((resolve, reject) => {
      this.failWrites.add(reject);
      this.socket.write(bytes, (err) => {
        this.failWrites.delete(reject);
        if (err) reject(new Deno.errors.BrokenPipe(err.message));
        else resolve(bytes.length);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }
}

function netAddr(hostname: string | undefined, port: number | undefined): Deno.NetAddr {
  // node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; Deno as a.b.c.d.
  const host = (hostname ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  return { transport: "tcp", hostname: host, port: port ?? 0 };
}
