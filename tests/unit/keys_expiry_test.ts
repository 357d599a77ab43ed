// Keys that expire in real time, against a real IronCache (2 shards, hz 1 so the cron's clock
// is up to a second late): once past its time a key is gone from every reply at once.
import assert from "node:assert/strict";
import { RawConnection, SHARED_SERVER_TEST_OPTIONS, sharedIronCache } from "../helpers/servers.ts";

const { connection } = sharedIronCache(["--shards", "2", "--hz", "1"]);
const opts = SHARED_SERVER_TEST_OPTIONS;
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reply(c: RawConnection, ...args: string[]): Promise<string> {
  return decoder.decode(await c.command(...args));
}

// "a" and "d" live on shard 1, "b" and "c" on shard 0.
const SHORT_LIVED = ["a", "b", "c", "d"];

Deno.test({
  name: "expired keys vanish from every command as soon as their time passes",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    await reply(c, "SET", "live", "v");
    for (const key of SHORT_LIVED) {
      // Long enough for the SETs and the EXISTS (whose keys span shards: it takes their locks)
      // to reply on a loaded machine.
      assert.equal(await reply(c, "SET", key, "v", "PX", "400"), "+OK\r\n");
    }
    assert.equal(await reply(c, "EXISTS", ...SHORT_LIVED), ":4\r\n");
    await sleep(500);
    assert.equal(await reply(c, "EXISTS", ...SHORT_LIVED), ":0\r\n");
    assert.equal(await reply(c, "KEYS", "*"), "*1\r\n$4\r\nlive\r\n");
    assert.equal(await reply(c, "SCAN", "0"), "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n");
    for (let i = 0; i < 10; i++) assert.equal(await reply(c, "RANDOMKEY"), "$4\r\nlive\r\n");
    for (const key of SHORT_LIVED) {
      assert.equal(await reply(c, "TTL", key), ":-2\r\n");
      assert.equal(await reply(c, "TYPE", key), "+none\r\n");
      assert.equal(await reply(c, "OBJECT", "ENCODING", key), "$-1\r\n");
      assert.equal(await reply(c, "RENAME", key, "z"), "-ERR no such key\r\n");
      assert.equal(await reply(c, "COPY", key, "z"), ":0\r\n");
      assert.equal(await reply(c, "MOVE", key, "1"), ":0\r\n");
      assert.equal(await reply(c, "EXPIRE", key, "100"), ":0\r\n");
      assert.equal(await reply(c, "PERSIST", key), ":0\r\n");
      assert.equal(await reply(c, "DEL", key), ":0\r\n");
    }
    assert.equal(await reply(c, "TOUCH", ...SHORT_LIVED, "live"), ":1\r\n");
  },
});

Deno.test({
  name: "TTL counts down; PEXPIRE with a short time expires the key",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    await reply(c, "SET", "a", "v");
    assert.equal(await reply(c, "PEXPIRE", "a", "400"), ":1\r\n");
    const pttl = Number((await reply(c, "PTTL", "a")).slice(1));
    assert.ok(pttl > 300 && pttl <= 400, `PTTL ${pttl}`);
    assert.equal(await reply(c, "TTL", "a"), ":0\r\n"); // 400 ms rounds to 0 s
    await sleep(150);
    const later = Number((await reply(c, "PTTL", "a")).slice(1));
    assert.ok(later < pttl - 100 && later > 0, `PTTL ${later} after ${pttl}`);
    await sleep(300);
    assert.equal(await reply(c, "PTTL", "a"), ":-2\r\n");
  },
});

Deno.test({
  name: "a renamed, copied or moved key keeps its expiry and expires on time",
  ...opts,
  fn: async () => {
    const c = await connection();
    await reply(c, "FLUSHALL");
    for (const key of ["a", "b", "c"]) await reply(c, "SET", key, "v", "PX", "100");
    assert.equal(await reply(c, "RENAME", "a", "b2"), "+OK\r\n"); // across shards
    assert.equal(await reply(c, "COPY", "b", "x"), ":1\r\n"); // across shards
    assert.equal(await reply(c, "MOVE", "c", "3"), ":1\r\n");
    await sleep(160);
    assert.equal(await reply(c, "EXISTS", "b2", "x", "b"), ":0\r\n");
    await reply(c, "SELECT", "3");
    assert.equal(await reply(c, "EXISTS", "c"), ":0\r\n");
    await reply(c, "SELECT", "0");
  },
});
