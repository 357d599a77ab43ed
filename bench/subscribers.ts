// Subscribers for the PUBLISH fan-out workloads: connections that SUBSCRIBE to the workload's
// channels on one server and count the messages delivered to them, so a run reports delivered
// messages per second (what a pub/sub server is for), not PUBLISH replies.
import { encodeCommand } from "./resp.ts";
import type { ServerHandle } from "./servers.ts";

export interface SubscriberSpec {
  /** How many channels, and how many subscribers each has (one connection per subscription). */
  channels: number;
  perChannel: number;
}

export class Subscribers {
  /** Messages delivered to all subscribers so far. */
  delivered = 0;
  /** performance.now() of the last delivery. */
  lastAt = 0;
  private conns: Deno.TcpConn[] = [];

  private constructor() {}

  /** Connects and subscribes (channel i is `channelName(i)`); resolves once all confirmed. */
  static async open(
    s: ServerHandle,
    spec: SubscriberSpec,
    channelName: (i: number) => string,
  ): Promise<Subscribers> {
    const subs = new Subscribers();
    const ready: Promise<void>[] = [];
    for (let c = 0; c < spec.channels; c++) {
      for (let k = 0; k < spec.perChannel; k++) {
        const conn = await Deno.connect({ hostname: s.host, port: s.port });
        subs.conns.push(conn);
        await conn.write(encodeCommand(["SUBSCRIBE", channelName(c)]));
        ready.push(subs.pump(conn));
      }
    }
    await Promise.all(ready);
    subs.delivered = 0;
    return subs;
  }

  /** Reads frames until the subscription is confirmed (then resolves) and counts the rest. */
  private pump(conn: Deno.TcpConn): Promise<void> {
    return new Promise((confirmed) => {
      (async () => {
        let buf = new Uint8Array(64 * 1024), filled = 0, subscribed = false;
        try {
          for (;;) {
            if (filled === buf.length) {
              const grown = new Uint8Array(buf.length * 2);
              grown.set(buf);
              buf = grown;
            }
            const n = await conn.read(buf.subarray(filled));
            if (n === null) break;
            filled += n;
            let pos = 0, frames = 0;
            for (;;) {
              const end = frameEnd(buf, pos, filled);
              if (end < 0) break;
              pos = end;
              if (subscribed) frames++;
              else [subscribed] = [true, confirmed()];
            }
            if (frames) {
              [this.delivered, this.lastAt] = [this.delivered + frames, performance.now()];
            }
            buf.copyWithin(0, pos, filled);
            filled -= pos;
          }
        } catch { /* closed */ }
        confirmed();
      })();
    });
  }

  /** Waits until `expected` messages arrived or none arrived for `quietMs`. */
  async settle(expected: number, quietMs = 300): Promise<void> {
    let seen = -1, since = performance.now();
    while (this.delivered < expected) {
      if (this.delivered !== seen) [seen, since] = [this.delivered, performance.now()];
      else if (performance.now() - since > quietMs) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    for (const c of this.conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
}

/** The decimal number at b[at..] up to CR; [value, index after CRLF], or null if incomplete. */
function lineNumber(b: Uint8Array, at: number, end: number): [number, number] | null {
  let n = 0, neg = false, i = at;
  if (b[i] === 0x2d) [neg, i] = [true, i + 1];
  while (i < end && b[i] !== 0x0d) n = n * 10 + b[i++] - 48;
  return i + 1 < end ? [neg ? -n : n, i + 2] : null;
}

/** Where the push (an array of bulk strings and integers) at `pos` ends, or -1 if it is not
 * complete yet. Counting messages must keep up with the server: no strings are decoded. */
function frameEnd(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  const head = lineNumber(b, pos + 1, end);
  if (!head) return -1;
  let [items, p] = head;
  while (items-- > 0) {
    if (p >= end) return -1;
    const type = b[p];
    const line = lineNumber(b, p + 1, end);
    if (!line) return -1;
    p = type === 0x24 && line[0] >= 0 ? line[1] + line[0] + 2 : line[1];
  }
  return p <= end ? p : -1;
}
