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
