// The client's socket: sends commands as RESP multibulk arrays and reads whole replies.
// Failures become errors carrying hiredis's wording, which redis-cli prints verbatim
// ("Connection refused", "Server closed the connection", ...).
import { RespReader, type RespReply } from "../protocol/resp_reader.ts";
import { concatBytes } from "./bytes.ts";

export type Endpoint = { host: string; port: number } | { socket: string };

/** The connection could not be made or broke; `message` is hiredis's errstr. */
export class ConnectionError extends Error {}

export class CliConnection {
  private reader = new RespReader();
  private chunk = new Uint8Array(64 * 1024);
  private closed = false;

  private constructor(private conn: Deno.Conn) {}

  static async open(endpoint: Endpoint): Promise<CliConnection> {
    try {
      if ("socket" in endpoint) {
        return new CliConnection(await Deno.connect({ transport: "unix", path: endpoint.socket }));
      }
      const conn = await Deno.connect({ hostname: endpoint.host, port: endpoint.port });
      // Like redis-cli: keepalive catches dead peers during long blocking commands.
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
      return new CliConnection(conn);
    } catch (e) {
      throw new ConnectionError(systemErrorText(e));
    }
  }

  async send(args: Uint8Array[]): Promise<void> {
    let data = encodeCommand(args);
    try {
      while (data.length > 0) data = data.subarray(await this.conn.write(data));
    } catch (e) {
      throw new ConnectionError(systemErrorText(e));
    }
  }

  /** The next reply. Throws ConnectionError when the link drops, RespProtocolError on garbage. */
  async read(): Promise<RespReply> {
    for (;;) {
      const reply = this.reader.next();
      if (reply) return reply;
      let n: number | null;
      try {
        n = await this.conn.read(this.chunk);
      } catch (e) {
        throw new ConnectionError(this.closed ? "Connection aborted" : systemErrorText(e));
      }
      if (n === null) throw new ConnectionError("Server closed the connection");
      this.reader.feed(this.chunk.subarray(0, n));
    }
  }

  /** Closing also aborts a pending read (how Ctrl-C leaves SUBSCRIBE and MONITOR). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");

export function encodeCommand(args: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(`*${args.length}\r\n`)];
  for (const a of args) parts.push(encoder.encode(`$${a.length}\r\n`), a, CRLF);
  return concatBytes(parts);
}

/** Deno's "Connection refused (os error 111)" → strerror's "Connection refused". */
export function systemErrorText(e: unknown): string {
  if (e instanceof Deno.errors.ConnectionReset) return "Connection reset by peer";
  if (e instanceof Deno.errors.BrokenPipe) return "Broken pipe";
  const message = e instanceof Error ? e.message : String(e);
  return message
    .replace(/^failed to lookup address information: /, "")
    .replace(/ \(os error \d+\)$/, "")
    .replace(/^.*: (Name or service not known)$/, "$1");
}
