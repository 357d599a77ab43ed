// Pub/sub under load across shards: subscribers on both shards of `--shards 2`, several
// publishers pipelining PUBLISH; every subscriber must get every message, each publisher's
// in publish order, and every PUBLISH must count all subscribers. CI-sized by default;
// IRONCACHE_STRESS=1 runs issue #6's size (1000 subscribers x 10 000 messages).
import assert from "node:assert/strict";
import { encodeCommand, startIronCache } from "../helpers/servers.ts";

const STRESS = Deno.env.get("IRONCACHE_STRESS") === "1";
const SUBSCRIBERS = STRESS ? 1000 : 200;
const MESSAGES = STRESS ? 10_000 : 1000;
const PUBLISHERS = 4;
const PIPELINE = 100;
const CHANNEL = "load";

const dec = new TextDecoder();

/** Reads RESP frames (arrays of bulk strings, integers, simple strings) from a socket. */
class FrameReader {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  constructor(private conn: Deno.TcpConn) {}

  /** The next frame as a list of strings (a scalar reply is a list of one). */
  async next(): Promise<string[]> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (this.end === this.buf.length) {
        const grown = new Uint8Array(this.buf.length * 2);
        grown.set(this.buf);
        this.buf = grown;
      }
      const n = await this.conn.read(this.buf.subarray(this.end));
      if (n === null) throw new Error("connection closed");
      this.end += n;
    }
  }

  private line(from: number): [string, number] | null {
    for (let i = from; i + 1 < this.end; i++) {
      if (this.buf[i] === 13 && this.buf[i + 1] === 10) {
        return [dec.decode(this.buf.subarray(from, i)), i + 2];
      }
    }
    return null;
  }

  private parse(): string[] | null {
    const head = this.line(this.start);
    if (!head) return null;
    const [text, after] = head;
    if (text[0] !== "*" && text[0] !== ">") {
      this.start = after;
      return [text];
    }
    const items: string[] = [];
    let p = after;
    for (let i = 0; i < Number(text.slice(1)); i++) {
      const h = this.line(p);
      if (!h) return null;
      if (h[0][0] !== "$") {
        items.push(h[0]);
        p = h[1];
        continue;
      }
      const len = Number(h[0].slice(1));
      if (h[1] + len + 2 > this.end) return null;
      items.push(dec.decode(this.buf.subarray(h[1], h[1] + len)));
      p = h[1] + len + 2;
    }
    this.start = p;
    return items;
  }
}

async function command(conn: Deno.TcpConn, reader: FrameReader, ...args: string[]) {
  await conn.write(encodeCommand(args));
  return await reader.next();
}

Deno.test({
  name: `pub/sub across shards: ${SUBSCRIBERS} subscribers x ${MESSAGES} messages, none lost or reordered`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startIronCache(["--shards", "2"]);
    const conns: Deno.TcpConn[] = [];
    try {
      // Subscribers: the kernel spreads connections over the shards; client ids tell which
      // (shard s hands out ids s+1, s+1+2, ...).
      const subscribers: Array<{ conn: Deno.TcpConn; reader: FrameReader }> = [];
      const shardsSeen = new Set<number>();
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        conns.push(conn);
        const reader = new FrameReader(conn);
        shardsSeen.add((Number((await command(conn, reader, "CLIENT", "ID"))[0].slice(1)) - 1) % 2);
        assert.deepEqual(await command(conn, reader, "SUBSCRIBE", CHANNEL), [
          "subscribe",
          CHANNEL,
          ":1",
        ]);
        subscribers.push({ conn, reader });
      }
      assert.equal(shardsSeen.size, 2, "subscribers on both shards");

      // Each subscriber checks, per publisher, that sequence numbers arrive 0, 1, 2, ...
      const received = subscribers.map(async ({ reader }) => {
        const nextSeq = new Array(PUBLISHERS).fill(0);
        for (let n = 0; n < MESSAGES; n++) {
          const [kind, channel, payload] = await reader.next();
          assert.equal(kind, "message");
          assert.equal(channel, CHANNEL);
          const [publisher, seq] = payload.split(":").map(Number);
          assert.equal(seq, nextSeq[publisher], `publisher ${publisher}: message out of order`);
          nextSeq[publisher]++;
        }
        return nextSeq.reduce((a, b) => a + b, 0);
      });

      const publishers = [];
      for (let p = 0; p < PUBLISHERS; p++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        conns.push(conn);
        const reader = new FrameReader(conn);
        publishers.push((async () => {
          const share = MESSAGES / PUBLISHERS;
          for (let from = 0; from < share; from += PIPELINE) {
            const batch: Uint8Array[] = [];
            const upTo = Math.min(share, from + PIPELINE);
            for (let seq = from; seq < upTo; seq++) {
              batch.push(encodeCommand(["PUBLISH", CHANNEL, `${p}:${seq}`]));
            }
            const bytes = new Uint8Array(batch.reduce((n, b) => n + b.length, 0));
            let at = 0;
            for (const b of batch) [bytes.set(b, at), at += b.length];
            await conn.write(bytes);
            for (let seq = from; seq < upTo; seq++) {
              // Every PUBLISH counts the subscribers of both shards.
              assert.deepEqual(await reader.next(), [`:${SUBSCRIBERS}`]);
            }
          }
        })());
      }
      await Promise.all(publishers);
      const counts = await Promise.all(received);
      assert.ok(counts.every((c) => c === MESSAGES));

      // Nothing more arrives, and the subscriptions are counted once each.
      const probe = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      conns.push(probe);
      const probeReader = new FrameReader(probe);
      assert.deepEqual(await command(probe, probeReader, "PUBSUB", "NUMSUB", CHANNEL), [
        CHANNEL,
        `:${SUBSCRIBERS}`,
      ]);
      // Closing the subscribers drops their subscriptions on every shard.
      for (const { conn } of subscribers) conn.close();
      conns.splice(0, subscribers.length);
      let left = -1;
      for (let tries = 0; tries < 200 && left !== 0; tries++) {
        await new Promise((r) => setTimeout(r, 25));
        left = Number((await command(probe, probeReader, "PUBLISH", CHANNEL, "bye"))[0].slice(1));
      }
      assert.equal(left, 0, "closed subscribers still counted");
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await server.stop();
    }
  },
});
