// Deliveries over a real TCP socket with the synchronous send (socket_io.ts trySend): taken
// whole in the common case; when the socket buffer fills, the rest goes through the async
// write op without reordering anything; a connection without it (no --allow-ffi, not a plain
// TCP connection) keeps the async write; no send reaches a closed connection's descriptor.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { Connection } from "../../src/server/connection.ts";
import { Shard } from "../../src/server/shard.ts";
import { createKeyspace } from "../../src/engine/engine_module.ts";
import { type SocketIo, socketIoOf } from "../../src/server/socket_io.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const turn = () => new Promise((r) => setTimeout(r, 0));

/** What the test sees of a Connection's internals. */
interface Internals {
  io: SocketIo;
  closed: boolean;
}

/** Both ends of a loopback TCP connection: the dialled one and the accepted one. */
async function loopbackPair(): Promise<{ dialled: Deno.TcpConn; accepted: Deno.TcpConn }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dialled = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const accepted = await listener.accept();
  listener.close();
  return { dialled, accepted };
}

/** A served Connection on an accepted loopback socket, and the peer's end; the connection's
 * synchronous sends are counted (and checked never to follow its close). */
async function servedPair(settings: Array<[string, string]> = []) {
  const { dialled: peer, accepted } = await loopbackPair();
  const config = new ConfigStore(await loadConfig([], {}));
  if (settings.length) assert.equal(config.setMany(settings), null);
  const shard = new Shard(0, 1, createKeyspace(), config);
  const connection = new Connection(accepted, shard, null, { isShuttingDown: () => false });
  const internals = connection as unknown as Internals;
  const sends = { calls: 0, short: 0, afterClose: 0 };
  const trySend = internals.io.trySend;
  assert.ok(trySend, "an accepted TCP connection with --allow-ffi offers the synchronous send");
  internals.io.trySend = (bytes) => {
    sends.calls++;
    if (internals.closed) sends.afterClose++;
    const taken = trySend(bytes);
    if (taken < bytes.length) sends.short++;
    return taken;
  };
  const served = connection.serve();
  return { peer, connection, internals, sends, served };
}

/** Message `seq`: 1 KB, its number first, so order and completeness can be checked. */
function message(seq: number): Uint8Array {
  return enc.encode(`+${String(seq).padStart(10, "0")}${"x".repeat(1011)}\r\n`);
}

/** Reads from `conn` until `count` 1 KB messages arrived; checks they are from..from+count-1. */
async function readMessages(conn: Deno.Conn, count: number, from = 0): Promise<void> {
  const total = count * 1024;
  const buf = new Uint8Array(total);
  let filled = 0;
  while (filled < total) {
    const n = await conn.read(buf.subarray(filled));
    if (n === null) throw new Error(`EOF after ${filled} of ${total} bytes`);
    filled += n;
  }
  for (let i = 0; i < count; i++) {
    const at = i * 1024, seq = from + i;
    assert.equal(dec.decode(buf.subarray(at, at + 11)), `+${String(seq).padStart(10, "0")}`);
    assert.equal(buf[at + 1023], 0x0a);
  }
}

Deno.test("deliveries of a turn leave in one synchronous send the socket takes whole", async () => {
  const { peer, connection, sends, served } = await servedPair();
  for (let seq = 0; seq < 3; seq++) connection.client.deliver(message(seq));
  await turn();
  assert.deepEqual({ calls: sends.calls, short: sends.short }, { calls: 1, short: 0 });
  assert.equal(connection.client.pendingOutput, 0);
  await readMessages(peer, 3);
  peer.close();
  await served;
  assert.equal(sends.afterClose, 0);
});

Deno.test("a full socket buffer: the rest goes through the async write, nothing reordered", async () => {
  const { peer, connection, sends, served } = await servedPair();
  // The peer reads nothing until the loopback buffers (several MB) are full: 64 KB a turn
  // (each written at once) until a send takes less, then more turns while the async write
  // waits, whose deliveries must queue behind it.
  let seq = 0;
  const deliverTurn = async () => {
    for (let i = 0; i < 64; i++) connection.client.deliver(message(seq++));
    await turn();
  };
  while (sends.short === 0 && seq < 64 * 1024) await deliverTurn();
  assert.ok(sends.short > 0, "the socket buffer filled");
  const callsWhenFull = sends.calls;
  for (let t = 0; t < 20; t++) await deliverTurn();
  assert.equal(sends.calls, callsWhenFull, "no synchronous send while the async write waits");
  assert.ok(connection.client.pendingOutput > 0);
  await readMessages(peer, seq);
  // Drained: the next delivery is a synchronous send again.
  for (let t = 0; t < 50 && connection.client.pendingOutput !== 0; t++) await turn();
  connection.client.deliver(message(seq));
  await turn();
  assert.equal(sends.calls, callsWhenFull + 1);
  await readMessages(peer, 1, seq);
  peer.close();
  await served;
  assert.equal(sends.afterClose, 0);
});

Deno.test("a subscriber over its output buffer limit is closed, and not sent to afterwards", async () => {
  const { peer, connection, internals, sends, served } = await servedPair([
    ["client-output-buffer-limit", "normal 256kb 0 0"],
  ]);
  let seq = 0;
  while (!internals.closed && seq < 64 * 1024) {
    for (let i = 0; i < 64; i++) connection.client.deliver(message(seq++));
    await turn();
  }
  assert.ok(internals.closed, "closed once the socket refused more than the limit");
  assert.ok(sends.short > 0);
  connection.client.deliver(message(seq++));
  await turn();
  await served;
  assert.equal(sends.afterClose, 0);
  peer.close();
});

Deno.test("a peer that went away: its connection ends and is never sent to after closing", async () => {
  const { peer, connection, sends, served } = await servedPair();
  peer.close();
  // Deliveries racing the EOF: sent (to a closed peer) or dropped, never after the close.
  for (let t = 0; t < 5; t++) {
    connection.client.deliver(message(t));
    await turn();
  }
  await served;
  connection.client.deliver(message(99));
  await turn();
  assert.equal(sends.afterClose, 0);
});

Deno.test("the synchronous send is offered only to accepted TCP connections with --allow-ffi", async () => {
  const { dialled, accepted } = await loopbackPair();
  assert.notEqual(socketIoOf(accepted).trySend, null);
  assert.equal(socketIoOf(dialled).trySend, null); // no descriptor exposed
  const other = {
    remoteAddr: accepted.remoteAddr,
    localAddr: accepted.localAddr,
    read: () => Promise.resolve(null),
    write: (b: Uint8Array) => Promise.resolve(b.length),
    close: () => {},
  };
  assert.equal(socketIoOf(other).trySend, null); // e.g. TLS over node:tls
  dialled.close();
  accepted.close();
  // Without the FFI permission the server keeps the async write op.
  const script = `
    import { socketIoOf } from ${
    JSON.stringify(new URL("../../src/server/socket_io.ts", import.meta.url).href)
  };
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const c = await Deno.connect(l.addr);
    const a = await l.accept();
    console.log(socketIoOf(a).trySend === null ? "async only" : "sync send");
    c.close(); a.close(); l.close();`;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, script);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--allow-net", "--allow-read", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(file);
  assert.equal(dec.decode(out.stdout).trim(), "async only", dec.decode(out.stderr));
});
