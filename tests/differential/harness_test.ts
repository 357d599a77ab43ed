// The harness must report differences clearly: runs it against a redis-server whose INCR is
// disabled (renamed away), and checks the failure names the case, the command and both replies.
import assert from "node:assert/strict";
import { startRedis } from "../helpers/servers.ts";
import { type Pair, runCase } from "./harness.ts";

Deno.test("harness: a differing reply fails with the case, the command and both replies", async () => {
  const [reference, target] = await Promise.all([
    startRedis(),
    startRedis(["--rename-command", "INCR", ""]),
  ]);
  const pair: Pair = {
    reference: { label: "redis", server: reference },
    target: { label: "crippled", server: target },
  };
  try {
    const ok = { name: "no INCR involved", cmds: [["SET", "k", "v"], ["GET", "k"]] };
    for (const protocol of [2, 3] as const) await runCase(pair, ok, protocol);

    const bad = { name: "uses INCR", cmds: [["SET", "n", "1"], ["INCR", "n"]] };
    const err = await runCase(pair, bad, 3).then(() => null, (e: Error) => e);
    assert.ok(err, "the case should have failed");
    const lines = err.message.split("\n");
    assert.equal(lines[0], 'case "uses INCR" [RESP3]: command 2 of 2: INCR "n"');
    assert.equal(lines[1], '  redis:    ":2\\r\\n"');
    assert.equal(
      lines[2],
      `  crippled: "-ERR unknown command 'INCR', with args beginning with: 'n' \\r\\n"`,
    );

    const raw = { name: "raw INCR", raw: ["SET n 1\r\n", "INCR n\r\n"] };
    const err2 = await runCase(pair, raw, 2).then(() => null, (e: Error) => e);
    assert.match(
      err2?.message ?? "",
      /^case "raw INCR" \[RESP2\]: output of the raw input\n {2}redis: +"\+OK\\r\\n:2\\r\\n"\n/,
    );

    // Sessions: a blocked client served by another's push, compared per step; a pushed message
    // the target never sends is caught (PUBLISH is renamed away on the crippled side).
    const session = {
      name: "BLPOP served by LPUSH",
      clients: 2,
      steps: [
        { client: 0, cmd: ["BLPOP", "q", "0"], replies: 0 },
        { client: 1, cmd: ["LPUSH", "q", "a"] },
        { client: 0, replies: 1 },
      ],
    };
    for (const protocol of [2, 3] as const) await runCase(pair, session, protocol);
    const published = {
      name: "published",
      clients: 2,
      steps: [
        { client: 0, cmd: ["SUBSCRIBE", "ch"] },
        { client: 1, cmd: ["INCR", "n"] },
      ],
    };
    const err3 = await runCase(pair, published, 2).then(() => null, (e: Error) => e);
    assert.match(err3?.message ?? "", /step 2 of 2 \(client 1\): INCR "n", reply 1\n/);
  } finally {
    await Promise.all([reference.stop(), target.stop()]);
  }
});
