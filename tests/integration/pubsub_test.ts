// Pub/sub under load across shards: subscribers on both shards of `--shards 2`, several
// publishers pipelining PUBLISH; every subscriber must get every message, each publisher's
// in publish order, and every PUBLISH must count all subscribers. CI-sized by default;
// IRONCACHE_STRESS=1 runs issue #6's size (1000 subscribers x 10 000 messages).
import assert from "node:assert/strict";
import { startIronCache } from "../helpers/servers.ts";
import { encodeCommand, RespClient } from "../../bench/resp.ts";

const STRESS = Deno.env.get("IRONCACHE_STRESS") === "1";
const SUBSCRIBERS = STRESS ? 1000 : 200;
const MESSAGES = STRESS ? 10_000 : 1000;
const PUBLISHERS = 4;
const PIPELINE = 100;
const CHANNEL = "load";

async function connect(port: number): Promise<RespClient> {
  return await RespClient.connect("127.0.0.1", port);
}

Deno.test({
  name:
    `pub/sub across shards: ${SUBSCRIBERS} subscribers x ${MESSAGES} messages, none lost or reordered`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startIronCache(["--shards", "2"]);
    const clients: RespClient[] = [];
    try {
      // Subscribers: the kernel spreads connections over the shards; client ids tell which
      // (shard s hands out ids s+1, s+1+2, ...).
      const subscribers: RespClient[] = [];
      const shardsSeen = new Set<number>();
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const c = await connect(server.port);
        clients.push(c);
        shardsSeen.add((Number(await c.command("CLIENT", "ID")) - 1) % 2);
        assert.deepEqual(await c.command("SUBSCRIBE", CHANNEL), ["subscribe", CHANNEL, 1]);
        subscribers.push(c);
      }
      assert.equal(shardsSeen.size, 2, "subscribers on both shards");

      // Each subscriber checks, per publisher, that sequence numbers arrive 0, 1, 2, ...
      const received = subscribers.map(async (c) => {
        const nextSeq = new Array(PUBLISHERS).fill(0);
        for (let n = 0; n < MESSAGES; n++) {
          const [kind, channel, payload] = await c.readReply() as string[];
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
        const c = await connect(server.port);
        clients.push(c);
        publishers.push((async () => {
          const share = MESSAGES / PUBLISHERS;
          for (let from = 0; from < share; from += PIPELINE) {
            const upTo = Math.min(share, from + PIPELINE);
            let text = "";
            for (let seq = from; seq < upTo; seq++) {
              text += new TextDecoder().decode(encodeCommand(["PUBLISH", CHANNEL, `${p}:${seq}`]));
            }
            await c.writeAll(new TextEncoder().encode(text));
            for (let seq = from; seq < upTo; seq++) {
              // Every PUBLISH counts the subscribers of both shards.
              assert.equal(await c.readReply(), SUBSCRIBERS);
            }
          }
        })());
      }
      await Promise.all(publishers);
      // A lost message would leave its subscriber waiting: fail instead of hanging.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const counts = await Promise.race([
        Promise.all(received),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("subscribers still missing messages after the deadline")),
            STRESS ? 600_000 : 60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      assert.ok(counts.every((n) => n === MESSAGES));

      // The subscriptions are counted once each; closing the subscribers drops them on every
      // shard.
      const probe = await connect(server.port);
      clients.push(probe);
      assert.deepEqual(await probe.command("PUBSUB", "NUMSUB", CHANNEL), [CHANNEL, SUBSCRIBERS]);
      for (const c of subscribers) c.close();
      let left = -1;
      for (let tries = 0; tries < 200 && left !== 0; tries++) {
        await new Promise((r) => setTimeout(r, 25));
        left = Number(await probe.command("PUBLISH", CHANNEL, "bye"));
      }
      assert.equal(left, 0, "closed subscribers still counted");
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  },
});
