// Transactions across shards on one IronCache with 2 shards: EXEC is atomic whichever
// shards its keys live on (a concurrent reader never sees it half-applied), and WATCH races
// between clients resolve as Redis's rules say (exactly one of two competing
// check-and-set transactions on a watched key wins; no increment is lost).
import assert from "node:assert/strict";
import {
  openConnections,
  RawConnection,
  replyText,
  replyValues,
  type RunningServer,
  sharedServerTests,
} from "../helpers/servers.ts";
import { parseFrame } from "../differential/resp.ts";
import { keyHashSlot, slotOwner } from "../../src/cluster/slot.ts";

const SHARDS = 2;
const enc = new TextEncoder();

const serverTest = sharedServerTests(["--shards", String(SHARDS)]);

const connections = (s: RunningServer, n: number) => openConnections(s.port, n);

const text = replyText;
const values = replyValues;

/** Keys with every shard owning at least two. */
const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h"];

serverTest("the test keys live on every shard", () => {
  const owners = new Set(KEYS.map((k) => slotOwner(keyHashSlot(enc.encode(k)), SHARDS)));
  assert.equal(owners.size, SHARDS);
  return Promise.resolve();
});

serverTest("EXEC over every shard is never seen half-applied", async (s) => {
  const writers = await connections(s, 3);
  const readers = await connections(s, 3);
  let done = false;
  const write = async (conn: RawConnection, w: number) => {
    for (let i = 0; i < 100; i++) {
      const value = `${w}:${i}`;
      const replies = await conn.pipeline([
        ["MULTI"],
        ...KEYS.map((k) => ["SET", k, value]),
        ["EXEC"],
      ]);
      assert.equal(text(replies.at(-1)!), `*${KEYS.length}\r\n` + "+OK\r\n".repeat(KEYS.length));
    }
  };
  let reads = 0;
  const read = async (conn: RawConnection) => {
    while (!done) {
      // The reader's MGET inside MULTI/EXEC (a plain MGET: tests/integration/consistency_test.ts).
      const [, , exec] = await conn.pipeline([["MULTI"], ["MGET", ...KEYS], ["EXEC"]]);
      const seen = values(parseFrame(exec).children![0]);
      assert.equal(new Set(seen).size, 1, `half-applied transaction seen: ${seen.join(" ")}`);
      reads++;
    }
  };
  const reading = Promise.all(readers.map(read));
  try {
    await Promise.all(writers.map(write));
  } finally {
    done = true;
    await reading;
  }
  assert.ok(reads > 0);
  for (const c of [...writers, ...readers]) c.close();
});

serverTest("WATCH race: competing check-and-set increments are never lost", async (s) => {
  const clients = await connections(s, 4);
  await clients[0].command("DEL", ...KEYS);
  const rounds = 40;
  let wins = 0, losses = 0;
  const increment = async (conn: RawConnection) => {
    for (let i = 0; i < rounds; i++) {
      for (;;) {
        // Watch keys of both shards, read, and write back +1 on each: Redis's optimistic lock.
        await conn.command("WATCH", "a", "b");
        const [a, b] = values(await conn.command("MGET", "a", "b")).map((v) => Number(v ?? 0));
        const [, , , exec] = await conn.pipeline([
          ["MULTI"],
          ["SET", "a", String(a + 1)],
          ["SET", "b", String(b + 1)],
          ["EXEC"],
        ]);
        if (text(exec) === "*-1\r\n") {
          losses++;
          continue;
        }
        assert.equal(text(exec), "*2\r\n+OK\r\n+OK\r\n");
        wins++;
        break;
      }
    }
  };
  await Promise.all(clients.map(increment));
  const total = String(clients.length * rounds);
  assert.deepEqual(values(await clients[0].command("MGET", "a", "b")), [total, total]);
  assert.equal(wins, clients.length * rounds);
  assert.ok(losses > 0, "the clients never raced (no EXEC failed)");
  for (const c of clients) c.close();
});

serverTest("a client that disconnects while watching leaves nothing behind", async (s) => {
  const [watcher, writer] = await connections(s, 2);
  await watcher.command("WATCH", ...KEYS);
  watcher.close();
  // Writes after the watcher is gone must not fail (no registrations left to notify).
  for (const k of KEYS) assert.equal(text(await writer.command("SET", k, "x")), "+OK\r\n");
  const [again] = await connections(s, 1);
  await again.command("WATCH", "a");
  assert.equal(text(await writer.command("SET", "b", "y")), "+OK\r\n");
  assert.equal(
    text((await again.pipeline([["MULTI"], ["GET", "a"], ["EXEC"]]))[2]),
    "*1\r\n$1\r\nx\r\n",
  );
  again.close();
  writer.close();
});
