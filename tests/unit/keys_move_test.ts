// Whole-keyspace moves against a real IronCache (2 shards): SWAPDB with many keys and TTLs on
// both shards, RENAME/COPY across shards in a loop, and RANDOMKEY reaching every shard.
import assert from "node:assert/strict";
import { RawConnection, SHARED_SERVER_TEST_OPTIONS, sharedIronCache } from "../helpers/servers.ts";

const { connection } = sharedIronCache(["--shards", "2"]);
const opts = SHARED_SERVER_TEST_OPTIONS;
const decoder = new TextDecoder();

async function reply(c: RawConnection, ...args: string[]): Promise<string> {
  return decoder.decode(await c.command(...args));
}

/** Sends the commands in one write; returns their replies as text. */
async function pipeline(c: RawConnection, cmds: string[][]): Promise<string[]> {
  return (await c.pipeline(cmds)).map((r) => decoder.decode(r));
}

const AT = 4102444800000;

Deno.test({
  name: "SWAPDB exchanges every key, value and TTL on both shards",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    const zero = Array.from({ length: 400 }, (_, i) => `zero:${i}`);
    const one = Array.from({ length: 250 }, (_, i) => `one:${i}`);
    await pipeline(
      c,
      zero.map((k, i) => ["SET", k, `0-${i}`, ...(i % 3 ? [] : ["PXAT", String(AT + i)])]),
    );
    await reply(c, "SELECT", "1");
    await pipeline(c, one.map((k, i) => ["SET", k, `1-${i}`]));
    assert.equal(await reply(c, "SWAPDB", "0", "1"), "+OK\r\n");
    assert.equal(await reply(c, "DBSIZE"), `:${zero.length}\r\n`);
    const values = await pipeline(c, zero.map((k) => ["GET", k]));
    values.forEach((v, i) => assert.equal(v, `$${`0-${i}`.length}\r\n0-${i}\r\n`));
    const times = await pipeline(c, zero.map((k) => ["PEXPIRETIME", k]));
    times.forEach((t, i) => assert.equal(t, i % 3 ? ":-1\r\n" : `:${AT + i}\r\n`, zero[i]));
    await reply(c, "SELECT", "0");
    assert.equal(await reply(c, "DBSIZE"), `:${one.length}\r\n`);
    assert.equal(await reply(c, "GET", "one:7"), "$3\r\n1-7\r\n");
  },
});

Deno.test({
  name: "RENAME and COPY back and forth across shards keep value and TTL",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    await reply(c, "SET", "a", "payload", "PXAT", String(AT));
    // "a" is on shard 1 and "b" on shard 0; "b" and "c" share shard 0.
    for (let i = 0; i < 50; i++) {
      const [from, to] = i % 2 ? ["b", "a"] : ["a", "b"];
      assert.deepEqual(
        await pipeline(c, [["RENAME", from, to], ["EXISTS", from], ["PEXPIRETIME", to]]),
        [
          "+OK\r\n",
          ":0\r\n",
          `:${AT}\r\n`,
        ],
      );
    }
    assert.equal(await reply(c, "COPY", "a", "c", "DB", "4"), ":1\r\n");
    await reply(c, "SELECT", "4");
    assert.deepEqual(await pipeline(c, [["GET", "c"], ["PEXPIRETIME", "c"]]), [
      "$7\r\npayload\r\n",
      `:${AT}\r\n`,
    ]);
    await reply(c, "SELECT", "0");
  },
});

Deno.test({
  name: "RANDOMKEY picks keys of every shard",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    await pipeline(c, [["SET", "a", "1"], ["SET", "b", "1"]]); // one key on each shard
    const seen = new Set(await pipeline(c, Array.from({ length: 60 }, () => ["RANDOMKEY"])));
    assert.deepEqual(seen, new Set(["$1\r\na\r\n", "$1\r\nb\r\n"]));
    await reply(c, "DEL", "a");
    assert.equal(await reply(c, "RANDOMKEY"), "$1\r\nb\r\n");
  },
});
