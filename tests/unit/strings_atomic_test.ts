// MSET and MSETNX with keys on both shards of a real IronCache are atomic: two clients racing
// MSETNX on the same keys never both win nor leave a mix, and a racing MSET never interleaves
// with another MSET's keys.
import assert from "node:assert/strict";
import {
  encodeCommand,
  RawConnection,
  type RunningServer,
  startIronCache,
} from "../helpers/servers.ts";

const decoder = new TextDecoder();
const opts = { sanitizeOps: false, sanitizeResources: false };

let server: RunningServer | undefined;
const connections: RawConnection[] = [];

async function open(count: number): Promise<RawConnection[]> {
  server ??= await startIronCache(["--shards", "2"]);
  while (connections.length < count) connections.push(await RawConnection.open(server.port));
  return connections.slice(0, count);
}

Deno.test.afterAll(async () => {
  for (const c of connections) c.close();
  await server?.stop();
});

/** 12 keys of round `round`: their hash slots spread them over both shards. */
function keysOf(round: number): string[] {
  return Array.from({ length: 12 }, (_, i) => `r${round}:k${i}`);
}

async function send(c: RawConnection, argv: string[]): Promise<string> {
  await c.send(encodeCommand(argv));
  return decoder.decode(await c.readReply());
}

/** The bulk strings of an MGET reply (RESP2). */
function bulkValues(reply: string): string[] {
  return reply.split("\r\n").slice(1).filter((_, i) => i % 2 === 1);
}

Deno.test({
  name: "racing MSETNX on keys over both shards: exactly one wins, all of its values stay",
  ...opts,
  fn: async () => {
    const [a, b, reader] = await open(3);
    for (let round = 0; round < 150; round++) {
      const keys = keysOf(round);
      const [ra, rb] = await Promise.all([
        send(a, ["MSETNX", ...keys.flatMap((k) => [k, "A"])]),
        send(b, ["MSETNX", ...keys.toReversed().flatMap((k) => [k, "B"])]),
      ]);
      assert.deepEqual([ra, rb].sort(), [":0\r\n", ":1\r\n"], `round ${round}`);
      const values = bulkValues(await send(reader, ["MGET", ...keys]));
      assert.deepEqual(values, keys.map(() => ra === ":1\r\n" ? "A" : "B"), `round ${round}`);
    }
  },
});

Deno.test({
  name: "racing MSETs on keys over both shards never leave a mix",
  ...opts,
  fn: async () => {
    const [a, b, reader] = await open(3);
    for (let round = 1000; round < 1150; round++) {
      const keys = keysOf(round);
      const replies = await Promise.all([
        send(a, ["MSET", ...keys.flatMap((k) => [k, "A"])]),
        send(b, ["MSET", ...keys.toReversed().flatMap((k) => [k, "B"])]),
      ]);
      assert.deepEqual(replies, ["+OK\r\n", "+OK\r\n"]);
      const values = bulkValues(await send(reader, ["MGET", ...keys]));
      assert.equal(new Set(values).size, 1, `round ${round}: ${values.join(" ")}`);
    }
  },
});

Deno.test({
  name: "SWAPDB and FLUSHDB change every shard at once for an atomic reader (SORT ... GET)",
  ...opts,
  fn: async () => {
    const [writer, reader] = await open(2);
    const keys = keysOf(2000);
    const fill = async (db: string, value: string) => {
      await send(writer, ["SELECT", db]);
      await send(writer, ["MSET", ...keys.flatMap((k) => [k, value])]);
      await send(writer, ["DEL", "idx"]);
      await send(writer, ["RPUSH", "idx", ...keys.map((_, i) => String(i))]);
    };
    await fill("1", "one");
    await fill("0", "zero");
    // SORT with a GET pattern locks every shard, so it reads one moment of the whole keyspace.
    const read = () => send(reader, ["SORT", "idx", "BY", "nosort", "GET", "r2000:k*"]);
    // Pipelined SWAPDBs, an odd number per write: a non-atomic fan-out leaves the writer's own
    // shard swapped while the others wait for their part.
    const swaps = (async () => {
      const frames = Array.from({ length: 51 }, () => encodeCommand(["SWAPDB", "0", "1"]));
      const batch = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      frames.reduce((at, f) => (batch.set(f, at), at + f.length), 0);
      for (let i = 0; i < 20; i++) {
        await writer.send(batch);
        for (let j = 0; j < 51; j++) {
          assert.equal(decoder.decode(await writer.readReply()), "+OK\r\n");
        }
      }
    })();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const values = bulkValues(await read());
      assert.equal(values.length, keys.length);
      assert.equal(new Set(values).size, 1, `read ${i}: ${values.join(" ")}`);
      seen.add(values[0]);
    }
    await swaps;
    await send(writer, ["SELECT", "0"]);
    const flush = send(writer, ["FLUSHDB"]);
    const after = await read();
    assert.ok(after === "*0\r\n" || new Set(bulkValues(after)).size === 1, after);
    assert.equal(await flush, "+OK\r\n");
    assert.equal(await read(), "*0\r\n");
  },
});
