// Client.deliver on an idle connection (pub/sub messages, invalidations): the deliveries of one
// event-loop turn leave in one write, in order, and ahead of the replies of commands the client
// sends afterwards.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { type ClientConn, Connection } from "../../src/server/connection.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** A socket driven by the test: it hands out the input it is given and records each write. */
class ScriptedConn implements ClientConn {
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  readonly localAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 2 };
  writes: string[] = [];
  private pendingRead: ((n: number | null) => void) | null = null;
  private into: Uint8Array | null = null;

  read(into: Uint8Array): Promise<number | null> {
    this.into = into;
    return new Promise((resolve) => this.pendingRead = resolve);
  }
  /** Completes the pending read with `text` (false if the connection is not reading). */
  input(text: string | null): boolean {
    const resolve = this.pendingRead;
    if (!resolve) return false;
    this.pendingRead = null;
    if (text === null) resolve(null);
    else {
      const bytes = enc.encode(text);
      this.into!.set(bytes);
      resolve(bytes.length);
    }
    return true;
  }
  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(dec.decode(bytes));
    return Promise.resolve(bytes.length);
  }
  closed = false;
  close(): void {
    this.closed = true;
    this.input(null);
  }
}

async function connect() {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const conn = new ScriptedConn();
  const connection = new Connection(conn, shard, null, { isShuttingDown: () => false });
  const served = connection.serve();
  await new Promise((r) => setTimeout(r, 0)); // serve() is waiting in read()
  return { conn, client: connection.client, served };
}

const turn = () => new Promise((r) => setTimeout(r, 0));

Deno.test("deliveries of one turn to an idle connection leave in one write, in order", async () => {
  const { conn, client, served } = await connect();
  client.deliver(enc.encode("+one\r\n"));
  client.deliver(enc.encode("+two\r\n"));
  const reused = enc.encode("+three\r\n");
  client.deliver(reused);
  reused.fill(0x21); // the caller may reuse its bytes at once
  assert.deepEqual(conn.writes, []); // not yet: at the end of the turn
  await turn();
  assert.deepEqual(conn.writes, ["+one\r\n+two\r\n+three\r\n"]);
  client.deliver(enc.encode("+four\r\n"));
  await turn();
  assert.deepEqual(conn.writes.slice(1), ["+four\r\n"]);
  conn.close();
  await served;
});

Deno.test("a delivery made before a command ran is written before its reply", async () => {
  const { conn, client, served } = await connect();
  // The command's read completes first, then the message is delivered in the same turn:
  // the message waits for the end of the turn, the command runs before that.
  assert.ok(conn.input("PING\r\n"));
  client.deliver(enc.encode(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"));
  await turn();
  assert.equal(
    conn.writes.join(""),
    ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n+PONG\r\n",
  );
  conn.close();
  await served;
});

/** Writes complete when the test says so, and may take only part of what they are offered. */
class GatedConn extends ScriptedConn {
  private open: Array<() => void> = [];
  /** Bytes each next write takes (whole when the list is empty). */
  takes: number[] = [];
  override write(bytes: Uint8Array): Promise<number> {
    const copy = bytes.slice(), take = Math.min(this.takes.shift() ?? copy.length, copy.length);
    return new Promise((resolve) =>
      this.open.push(() => {
        this.writes.push(dec.decode(copy.subarray(0, take)));
        resolve(take);
      })
    );
  }
  /** Completes the writes in flight. */
  release(): void {
    for (const done of this.open.splice(0)) done();
  }
}

async function connectGated() {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const conn = new GatedConn();
  const connection = new Connection(conn, shard, null, { isShuttingDown: () => false });
  const served = connection.serve();
  await turn();
  return { conn, client: connection.client, served };
}

/** Calls `fn` after `hops` microtasks. */
function afterHops(hops: number, fn: () => void): void {
  let p = Promise.resolve();
  for (let i = 0; i < hops; i++) p = p.then(() => {});
  p.then(fn);
}

Deno.test("deliveries made while a write completes are written, whichever step they meet", async () => {
  for (let hops = 0; hops < 8; hops++) {
    const { conn, client, served } = await connectGated();
    client.deliver(enc.encode("+a\r\n"));
    await turn(); // the write of +a is in flight
    conn.release();
    afterHops(hops, () => client.deliver(enc.encode("+b\r\n")));
    for (let t = 0; t < 5; t++) {
      await turn();
      conn.release();
    }
    assert.equal(conn.writes.join(""), "+a\r\n+b\r\n", `delivered ${hops} microtasks later`);
    conn.close();
    conn.release();
    await served;
  }
});

Deno.test("a write the socket takes in part goes on with the rest, then later deliveries", async () => {
  const { conn, client, served } = await connectGated();
  conn.takes = [3];
  client.deliver(enc.encode("+first\r\n"));
  await turn();
  client.deliver(enc.encode("+second\r\n")); // while the first is in flight
  for (let t = 0; t < 5; t++) {
    conn.release();
    await turn();
  }
  assert.equal(conn.writes.join(""), "+first\r\n+second\r\n");
  assert.equal(conn.writes[0], "+fi");
  assert.equal(client.pendingOutput, 0);
  conn.close();
  conn.release();
  await served;
});

// Several idle connections served in one turn: each connection's bytes must be its own, in
// order, whatever else the turn delivered.

Deno.test("interleaved deliveries to several idle connections each leave in order", async () => {
  const a = await connect(), b = await connect();
  const big = "+" + "x".repeat(5000) + "\r\n";
  a.client.deliver(enc.encode("+a1\r\n"));
  b.client.deliver(enc.encode("+b1\r\n"));
  a.client.deliver(enc.encode("+a2\r\n")); // not where a's first one ends
  b.client.deliver(enc.encode(big));
  b.client.deliver(enc.encode("+b3\r\n"));
  a.client.deliver(enc.encode("+a3\r\n"));
  await turn();
  assert.deepEqual(a.conn.writes, ["+a1\r\n+a2\r\n+a3\r\n"]);
  assert.deepEqual(b.conn.writes, ["+b1\r\n" + big + "+b3\r\n"]);
  for (const { conn, served } of [a, b]) {
    conn.close();
    await served;
  }
});

/** Reads what it was given only when the write completes (a socket that holds the bytes). */
class LateReadingConn extends ScriptedConn {
  private open: Array<() => void> = [];
  override write(bytes: Uint8Array): Promise<number> {
    return new Promise((resolve) =>
      this.open.push(() => {
        this.writes.push(dec.decode(bytes));
        resolve(bytes.length);
      })
    );
  }
  release(): void {
    for (const done of this.open.splice(0)) done();
  }
}

Deno.test("a turn's deliveries do not overwrite the bytes of a write still in flight", async () => {
  const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(await loadConfig([], {})));
  const slow = new LateReadingConn();
  const slowConnection = new Connection(slow, shard, null, { isShuttingDown: () => false });
  const slowServed = slowConnection.serve();
  const other = await connect();
  await turn();
  slowConnection.client.deliver(enc.encode("+held\r\n"));
  await turn(); // its write is in flight, its bytes not read yet
  for (let i = 0; i < 3; i++) {
    other.client.deliver(enc.encode(`+later${i}\r\n`));
    await turn();
  }
  slow.release();
  assert.deepEqual(slow.writes, ["+held\r\n"]);
  assert.deepEqual(other.conn.writes, ["+later0\r\n", "+later1\r\n", "+later2\r\n"]);
  slow.close();
  other.conn.close();
  await Promise.all([slowServed, other.served]);
});

Deno.test("a client killed with deliveries waiting gets them, then is closed; no other breaks", async () => {
  const a = await connect(), b = await connect();
  a.client.deliver(enc.encode("+delivered-before-kill\r\n"));
  b.client.deliver(enc.encode("+kept\r\n"));
  // CLIENT KILL, or ACL SETUSER revoking a channel, reaching this shard in the same turn as a
  // message published earlier: Redis would have written the message in an earlier event-loop
  // turn, so it is written, and then the connection closes.
  a.client.kill();
  await a.served;
  await turn();
  assert.deepEqual(a.conn.writes, ["+delivered-before-kill\r\n"]);
  assert.equal(a.conn.closed, true);
  assert.deepEqual(b.conn.writes, ["+kept\r\n"]);
  b.conn.close();
  await b.served;
});
