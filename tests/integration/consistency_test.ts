// Commands whose keys span shards are atomic, as every command is in Redis: with IronCache on
// 2 shards, readers whose keys (or keyless reads) span both shards never see half of a
// concurrent cross-shard MSET, DEL or EXEC, and a transaction never sees half of a DEL. And a
// tracking client's own invalidations come right after its write's reply, whichever shard.
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
const dec = new TextDecoder();

const serverTest = sharedServerTests(["--shards", String(SHARDS)]);

/** A pair of keys per test, one on each shard. */
const shardOf = (key: string) => slotOwner(keyHashSlot(enc.encode(key)), SHARDS);
function keyPair(prefix: string): [string, string] {
  const first = `${prefix}:0`;
  for (let i = 1;; i++) {
    const other = `${prefix}:${i}`;
    if (shardOf(other) !== shardOf(first)) return [first, other];
  }
}

const connections = (s: RunningServer, n: number, db: number) => openConnections(s.port, n, db);
const values = replyValues;
const integer = (reply: Uint8Array) => Number(replyText(reply).slice(1, -2));

/**
 * Writers each set both keys to a value of their own with one cross-shard MSET, then delete
 * them with one DEL (`rounds` times); readers loop `check` until the writers are done. Every
 * reader must have run at least once.
 */
async function race(
  s: RunningServer,
  db: number,
  keys: [string, string],
  check: (conn: RawConnection) => Promise<void>,
): Promise<void> {
  const writers = await connections(s, 3, db);
  const readers = await connections(s, 3, db);
  let done = false;
  const write = async (conn: RawConnection, w: number) => {
    for (let i = 0; i < 120 && !done; i++) {
      const value = `${w}:${i}`;
      assert.equal(
        replyText(await conn.command("MSET", keys[0], value, keys[1], value)),
        "+OK\r\n",
      );
      assert.ok(integer(await conn.command("DEL", ...keys)) <= 2);
    }
  };
  const reads = readers.map(() => 0);
  const read = async (conn: RawConnection, r: number) => {
    while (!done) {
      await check(conn);
      reads[r]++;
    }
  };
  try {
    // A failed check stops the writers too (`done`), and fails the test.
    await Promise.all([
      Promise.all(writers.map(write)).finally(() => done = true),
      Promise.all(readers.map(read)).finally(() => done = true),
    ]);
  } finally {
    for (const c of [...writers, ...readers]) c.close();
  }
  assert.ok(reads.every((n) => n > 0), `reads per reader: ${reads.join(" ")}`);
}

serverTest("the key pairs span both shards", () => {
  const [a, b] = keyPair("mget");
  assert.notEqual(shardOf(a), shardOf(b));
  return Promise.resolve();
});

serverTest("MGET never sees half of a cross-shard MSET or DEL", async (s) => {
  const keys = keyPair("mget");
  await race(s, 1, keys, async (conn) => {
    const [a, b] = values(await conn.command("MGET", ...keys));
    assert.equal(a, b, `MGET saw half a write: ${a} ${b}`);
  });
});

serverTest("EXISTS and TOUCH never count half of a cross-shard MSET or DEL", async (s) => {
  const keys = keyPair("exists");
  await race(s, 2, keys, async (conn) => {
    const [exists, touched] = await conn.pipeline([["EXISTS", ...keys], ["TOUCH", ...keys]]);
    assert.ok([0, 2].includes(integer(exists)), `EXISTS counted ${replyText(exists)}`);
    assert.ok([0, 2].includes(integer(touched)), `TOUCH counted ${replyText(touched)}`);
  });
});

serverTest("DBSIZE and KEYS never see half of a cross-shard MSET or DEL", async (s) => {
  const keys = keyPair("dbsize");
  await race(s, 3, keys, async (conn) => {
    const [size, names] = await conn.pipeline([["DBSIZE"], ["KEYS", "*"]]);
    assert.ok([0, 2].includes(integer(size)), `DBSIZE ${replyText(size)}`);
    assert.ok([0, 2].includes(values(names).length), `KEYS ${replyText(names)}`);
  });
});

serverTest("a transaction never sees half of a cross-shard DEL", async (s) => {
  const keys = keyPair("exec");
  await race(s, 4, keys, async (conn) => {
    const [, , exec] = await conn.pipeline([["MULTI"], ["EXISTS", ...keys], ["EXEC"]]);
    const count = Number(dec.decode(parseFrame(exec).children![0].line));
    assert.ok([0, 2].includes(count), `EXEC's EXISTS counted ${count}`);
  });
});

serverTest(
  "a tracking client's own invalidation follows its write's reply, whichever shards",
  async (s) => {
    // Each client reads a key of each shard, then writes them: Redis sends the invalidation
    // right after the write's reply, before the next command's (docs/compatibility.md once
    // noted a rare late one for a key of the other shard).
    const clients = await connections(s, 6, 5);
    const push = (key: string) => `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${key.length}\r\n${key}\r\n`;
    await Promise.all(clients.map(async (conn, c) => {
      await conn.command("HELLO", "3");
      assert.equal(replyText(await conn.command("CLIENT", "TRACKING", "on")), "+OK\r\n");
      const keys = [`{${keyPair("track")[0]}}${c}`, `{${keyPair("track")[1]}}${c}`];
      for (let round = 0; round < 60; round++) {
        const seen: string[] = [];
        for (const key of keys) {
          await conn.command("GET", key);
          seen.push(replyText(await conn.command("SET", key, String(round))));
          seen.push(replyText(await conn.readReply()));
          seen.push(replyText(await conn.command("PING")));
        }
        const expected = keys.flatMap((key) => ["+OK\r\n", push(key), "+PONG\r\n"]);
        assert.deepEqual(seen, expected, `client ${c}, round ${round}`);
      }
    }));
    for (const conn of clients) conn.close();
  },
);
