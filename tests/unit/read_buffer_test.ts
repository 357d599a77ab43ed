// Connection.serve's read buffer: a client whose reads fill it (a deep pipeline of large
// values) gets a larger one, so one read takes a whole pipeline; after many small reads it
// shrinks back. Commands split across reads still run exactly once, in order.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { type ClientConn, Connection } from "../../src/server/connection.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** A socket with `chunks` waiting in order, each handed out as far as the read's buffer allows;
 * it records the room each read offered and what was written. */
class StreamConn implements ClientConn {
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  readonly localAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 2 };
  offered: number[] = [];
  written = "";
  private at = 0;
  constructor(private chunks: Uint8Array[]) {}

  read(into: Uint8Array): Promise<number | null> {
    this.offered.push(into.length);
    const chunk = this.chunks[0];
    if (!chunk) return Promise.resolve(null);
    const n = Math.min(into.length, chunk.length - this.at);
    into.set(chunk.subarray(this.at, this.at + n));
    this.at += n;
    if (this.at === chunk.length) {
      this.chunks.shift();
      this.at = 0;
    }
    return Promise.resolve(n);
  }
  write(bytes: Uint8Array): Promise<number> {
    this.written += dec.decode(bytes);
    return Promise.resolve(bytes.length);
  }
  close(): void {}
}

const frame = (...args: string[]) =>
  `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");

async function serve(chunks: string[]): Promise<{ conn: StreamConn; shard: Shard }> {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const conn = new StreamConn(chunks.map((c) => enc.encode(c)));
  await new Connection(conn, shard, null, { isShuttingDown: () => false }).serve();
  return { conn, shard };
}

Deno.test("reads that fill the buffer grow it: a 66 KB pipeline is taken in a few reads", async () => {
  const value = (i: number) => String.fromCharCode(97 + i).repeat(4096);
  let pipeline = "";
  for (let i = 0; i < 16; i++) pipeline += frame("SET", `k${i}`, value(i));
  let gets = "";
  for (let i = 0; i < 16; i++) gets += frame("GET", `k${i}`);
  const { conn } = await serve([pipeline, pipeline, gets]);
  const room = conn.offered;
  assert.equal(room[0], 16 * 1024);
  assert.ok(Math.max(...room) > 64 * 1024, `offered ${room.join(",")}`);
  // Once grown, one read takes a whole 16-command pipeline (less a partial frame kept).
  assert.ok(room.length <= 8, `${room.length} reads: ${room.join(",")}`);
  let expected = "+OK\r\n".repeat(32);
  for (let i = 0; i < 16; i++) expected += `$4096\r\n${value(i)}\r\n`;
  assert.equal(conn.written, expected);
});

Deno.test("a grown read buffer shrinks back after many small reads", async () => {
  const big = frame("SET", "big", "x".repeat(40_000));
  const small = Array.from({ length: 80 }, () => frame("INCR", "n"));
  const { conn } = await serve([big, ...small]);
  const room = conn.offered;
  assert.ok(room.some((r) => r > 16 * 1024), `offered ${room.join(",")}`);
  assert.equal(room.at(-1), 16 * 1024, `offered ${room.join(",")}`);
  assert.equal(conn.written, "+OK\r\n" + small.map((_, i) => `:${i + 1}\r\n`).join(""));
});
