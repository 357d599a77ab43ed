// Authentication and ACL behaviour that needs fresh connections or server flags, compared
// with redis-server byte for byte: with requirepass, nothing but AUTH, HELLO AUTH and QUIT
// runs before authentication (on either shard: IronCache runs with 2); ACL files and `user`
// lines of a redis.conf; protected mode refusing a non-loopback client.
import assert from "node:assert/strict";
import {
  freePort,
  RawConnection,
  replyText,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import { normalizeReply } from "../differential/normalizers.ts";
import { isLoopback, protectedModeRefuses } from "../../src/acl/gate.ts";

const text = replyText;

async function withPair(
  redisArgs: string[],
  icArgs: string[],
  fn: (servers: RunningServer[]) => Promise<void>,
): Promise<void> {
  // A redis.conf must come first, before --port.
  const port = freePort();
  const servers = await Promise.all([
    startRedis(redisArgs),
    startIronCache([...icArgs, "--port", String(port), "--shards", "2"], {
      port,
      noPortFlag: true,
    }),
  ]);
  try {
    await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** The same commands on a fresh connection to each server: the replies, which must match. */
async function sameReplies(
  servers: RunningServer[],
  cmds: string[][],
  /** Rewrites the target's replies first (e.g. its own ACL file's name). */
  fix = (reply: string) => reply,
): Promise<string[]> {
  const [ref, tgt] = await Promise.all(servers.map(async (s) => {
    const conn = await RawConnection.open(s.port);
    try {
      const out: string[] = [];
      for (const c of cmds) out.push(text(normalizeReply(c, await conn.command(...c))));
      return out;
    } finally {
      conn.close();
    }
  }));
  cmds.forEach((c, i) => assert.equal(fix(tgt[i]), ref[i], `${c.join(" ")}`));
  return tgt;
}

// Keys chosen to land on both shards (slot ranges split at 8192).
const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h", "{x}1", "{y}2"];
// Unauthenticated clients may send at most 10 arguments (Redis closes them beyond).
const FEW = ["a", "b", "c", "{x}1"];

const BEFORE_AUTH: string[][] = [
  ["PING"],
  ["GET", "a"],
  ...KEYS.map((k) => ["SET", k, "1"]),
  ["MSET", ...FEW.flatMap((k) => [k, "v"])],
  ["MGET", ...FEW],
  ["DEL", ...FEW],
  ["FLUSHALL"],
  ["CONFIG", "SET", "maxclients", "77"],
  ["CONFIG", "GET", "requirepass"],
  ["ACL", "SETUSER", "intruder", "on", "nopass", "+@all"],
  ["ACL", "WHOAMI"],
  ["CLIENT", "SETNAME", "x"],
  ["KEYS", "*"],
  ["SELECT", "1"],
  ["HELLO"],
  ["HELLO", "3"],
  ["HELLO", "2", "SETNAME", "x"],
  ["GET"],
  ["NOSUCH"],
  ["AUTH", "wrong"],
  ["AUTH", "default", "wrong"],
  ["HELLO", "2", "AUTH", "default", "wrong"],
];

Deno.test("requirepass: only AUTH, HELLO AUTH and QUIT run before authentication", async () => {
  await withPair(["--requirepass", "pw"], ["--requirepass", "pw"], async (servers) => {
    const replies = await sameReplies(servers, BEFORE_AUTH);
    const allowed = new Set(["GET", "NOSUCH", "AUTH", "HELLO"]); // arity/unknown first; auth ones
    BEFORE_AUTH.forEach((c, i) => {
      if (!allowed.has(c[0])) assert.match(replies[i], /^-NOAUTH Authentication required\./);
    });
    // Nothing above ran, on either shard.
    await sameReplies(servers, [
      ["AUTH", "pw"],
      ["MGET", ...KEYS],
      ["CONFIG", "GET", "maxclients"],
      ["ACL", "USERS"],
      ["CLIENT", "GETNAME"],
    ]);
    await sameReplies(servers, [["HELLO", "2", "AUTH", "default", "pw"], ["GET", "a"]]);
    // Frames beyond the unauthenticated limits: the same protocol error, then closed.
    for (
      const big of [["MSET", ...KEYS.flatMap((k) => [k, "v"])], ["SET", "a", "x".repeat(20000)]]
    ) {
      const seen = await Promise.all(servers.map(async (s) => {
        const conn = await RawConnection.open(s.port);
        const reply = text(await conn.command(...big));
        const closed = await conn.closedByServer();
        conn.close();
        return [reply, closed];
      }));
      assert.deepEqual(seen[1], seen[0]);
      assert.match(String(seen[0][0]), /^-ERR Protocol error: unauthenticated/);
    }
    await sameReplies(servers, [["QUIT"]]);
  });
});

Deno.test("`user` lines of a redis.conf and ACL LOAD/SAVE with an aclfile", async () => {
  const dir = await Deno.makeTempDir();
  const conf = `${dir}/redis.conf`;
  const alice = ["alice", "on", ">apw", "~a*", "+@read"];
  const defaultUser = ["default", "on", "nopass", "~*", "&*", "+@all", "-flushall"];
  await Deno.writeTextFile(conf, `user ${alice.join(" ")}\nuser ${defaultUser.join(" ")}\n`);
  await withPair(["--user", ...alice, "--user", ...defaultUser], [conf], async (servers) => {
    await sameReplies(servers, [["ACL", "LIST"], ["ACL", "LOAD"], ["FLUSHALL"]]);
  });
  const files = [`${dir}/r.acl`, `${dir}/i.acl`];
  const initial = "user default on nopass ~* &* +@all\nuser bob on #" + "c".repeat(64) +
    " ~b* resetchannels -@all +get\n";
  for (const f of files) await Deno.writeTextFile(f, initial);
  await withPair(["--aclfile", files[0]], ["--aclfile", files[1]], async (servers) => {
    await sameReplies(servers, [
      ["ACL", "LIST"],
      ["ACL", "SETUSER", "carol", "on", ">c", "%R~c*", "+@hash"],
      ["ACL", "SAVE"],
    ]);
    const [r, i] = await Promise.all(files.map((f) => Deno.readTextFile(f)));
    assert.equal(i, r);
    // A client of a user that LOAD replaces is disconnected, as Redis frees every old user.
    const carol = await Promise.all(servers.map(async (s) => {
      const c = await RawConnection.open(s.port);
      assert.equal(text(await c.command("AUTH", "carol", "c")), "+OK\r\n");
      return c;
    }));
    for (const f of files) await Deno.writeTextFile(f, initial + "user dave off\nbad line\n");
    const sameFile = (r: string) => r.replaceAll(files[1], files[0]);
    await sameReplies(servers, [["ACL", "LOAD"], ["ACL", "USERS"]], sameFile);
    for (const f of files) await Deno.writeTextFile(f, initial + "user dave off\n");
    await sameReplies(servers, [["ACL", "LOAD"], ["ACL", "LIST"]]);
    for (const c of carol) {
      assert.equal(await c.closedByServer(), true);
      c.close();
    }
    for (const f of files) await Deno.remove(f);
    await sameReplies(servers, [["ACL", "LOAD"], ["ACL", "USERS"]], sameFile);
  }).finally(() => Deno.remove(dir, { recursive: true }));
});

Deno.test("protected mode: the decision", () => {
  assert.equal(isLoopback("127.0.0.1"), true);
  assert.equal(isLoopback("127.3.2.1"), true);
  assert.equal(isLoopback("::1"), true);
  assert.equal(isLoopback("::ffff:127.0.0.1"), true);
  assert.equal(isLoopback("10.0.0.5"), false);
  assert.equal(protectedModeRefuses(true, true, "10.0.0.5"), true);
  assert.equal(protectedModeRefuses(true, false, "10.0.0.5"), false); // a password is set
  assert.equal(protectedModeRefuses(false, true, "10.0.0.5"), false);
  assert.equal(protectedModeRefuses(true, true, "127.0.0.1"), false);
});

/** A non-loopback IPv4 address of this host, if it has one. */
function externalAddress(): string | undefined {
  return Deno.networkInterfaces().find((i) => i.family === "IPv4" && !isLoopback(i.address))
    ?.address;
}

Deno.test({
  name: "protected mode refuses a non-loopback client with Redis's DENIED text",
  ignore: externalAddress() === undefined,
  fn: async () => {
    const ip = externalAddress()!;
    const bind = ["--bind", `127.0.0.1 ${ip}`];
    await withPair(bind, bind, async (servers) => {
      const seen = await Promise.all(servers.map(async (s) => {
        const conn = await Deno.connect({ hostname: ip, port: s.port });
        const chunks: Uint8Array[] = [];
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          chunks.push(buf.slice(0, n));
        }
        conn.close();
        return chunks.map(text).join("");
      }));
      assert.match(seen[0], /^-DENIED Redis is running in protected mode/);
      assert.equal(seen[1], seen[0]);
      // From loopback, or with a password, clients are served.
      await sameReplies(servers, [["CONFIG", "SET", "requirepass", "p"]]);
      const afterPassword = await Promise.all(servers.map(async (s) => {
        const conn = await Deno.connect({ hostname: ip, port: s.port });
        await conn.write(new TextEncoder().encode("*1\r\n$4\r\nPING\r\n"));
        const buf = new Uint8Array(100);
        const n = await conn.read(buf);
        conn.close();
        return text(buf.subarray(0, n ?? 0));
      }));
      assert.deepEqual(afterPassword, [
        "-NOAUTH Authentication required.\r\n",
        "-NOAUTH Authentication required.\r\n",
      ]);
    });
  },
});

Deno.test("requirepass: pub/sub before AUTH gets NOAUTH, and publishes never reach the client", async () => {
  await withPair(["--requirepass", "pw"], ["--requirepass", "pw"], async (servers) => {
    const replies = await sameReplies(servers, [
      ["SUBSCRIBE", "news"],
      ["PSUBSCRIBE", "n*"],
      ["SSUBSCRIBE", "news"],
      ["PUBLISH", "news", "m"],
      ["SPUBLISH", "news", "m"],
      ["UNSUBSCRIBE"],
      ["PUBSUB", "NUMSUB", "news"],
      ["PING"],
    ]);
    for (const r of replies) assert.match(r, /^-NOAUTH Authentication required\./);
    const seen = await Promise.all(servers.map(async (s) => {
      const stranger = await RawConnection.open(s.port);
      const [subscriber, publisher] = await Promise.all(
        [0, 1].map(() => RawConnection.open(s.port)),
      );
      try {
        const out: string[] = [];
        out.push(text(await stranger.command("SUBSCRIBE", "news")));
        out.push(text(await stranger.command("PSUBSCRIBE", "*")));
        for (const c of [subscriber, publisher]) out.push(text(await c.command("AUTH", "pw")));
        out.push(text(await subscriber.command("SUBSCRIBE", "news")));
        // Only the authenticated subscriber counts and receives.
        out.push(text(await publisher.command("PUBLISH", "news", "hello")));
        out.push(text(await subscriber.readReply()));
        // Had the message reached the stranger, it would come before this reply.
        out.push(text(await stranger.command("PING")));
        return out;
      } finally {
        for (const c of [stranger, subscriber, publisher]) c.close();
      }
    }));
    assert.deepEqual(seen[1], seen[0]);
    assert.equal(seen[0][5], ":1\r\n");
    assert.equal(seen[0][6], "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
    assert.match(seen[0][7], /^-NOAUTH/);
  });
});
