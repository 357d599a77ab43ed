// Blocked clients under load and at the edges: FIFO service of 100 waiters spread over both
// shards, nothing left registered when blocked clients disconnect or are killed, replies
// written before a command blocks, and CLIENT UNBLOCK compared with a real redis-server.
import assert from "node:assert/strict";
import {
  ConnectionClosed,
  encodeCommand,
  RawConnection,
  type RunningServer,
  SHARED_SERVER_TEST_OPTIONS,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

let server: RunningServer | undefined;
async function ironcache(): Promise<RunningServer> {
  return server ??= await startIronCache(["--shards", "2"]);
}
Deno.test.afterAll(async () => {
  await server?.stop();
});

async function blockedClients(admin: RawConnection): Promise<number> {
  const info = text(await admin.command("INFO", "clients"));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

/** Wait until INFO says `n` clients are blocked (the server has taken their commands). */
async function untilBlocked(admin: RawConnection, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await blockedClients(admin) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await blockedClients(admin), n);
}

/** Runs `test` with an admin connection and a list of waiter connections, closed after. */
async function withWaiters(
  test: (port: number, admin: RawConnection, waiters: RawConnection[]) => Promise<void>,
): Promise<void> {
  const { port } = await ironcache();
  const admin = await RawConnection.open(port);
  const waiters: RawConnection[] = [];
  try {
    await test(port, admin, waiters);
  } finally {
    waiters.forEach((c) => c.close());
    admin.close();
  }
}

/** Open `n` connections (added to `waiters`) that each send command(i) and block; `inOrder`:
 * each one has blocked before the next is opened. */
async function blockClients(
  port: number,
  admin: RawConnection,
  waiters: RawConnection[],
  n: number,
  command: (i: number) => string[],
  inOrder: boolean,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    const conn = await RawConnection.open(port);
    waiters.push(conn);
    await conn.send(encodeCommand(command(i)));
    if (inOrder) await untilBlocked(admin, i + 1);
  }
  await untilBlocked(admin, n);
}

// With --shards 2, "fifo-a" lives on shard 1 and "fifo-b" on shard 0 (slots 9845 and 5654).
const KEYS = ["fifo-a", "fifo-b"];

Deno.test(
  "100 blocked clients on keys of both shards are served FIFO",
  SHARED_SERVER_TEST_OPTIONS,
  async () => {
    await withWaiters(async (port, admin, waiters) => {
      // One at a time, so the order in which they blocked is known.
      await blockClients(port, admin, waiters, 100, (i) => ["BLPOP", KEYS[i % 2], "0"], true);
      const list = text(await admin.command("CLIENT", "LIST"));
      assert.equal(list.split("\n").filter((l) => / flags=b /.test(l)).length, 100);
      for (const key of KEYS) {
        const elements = Array.from({ length: 50 }, (_, i) => `${key}-${i}`);
        assert.equal(text(await admin.command("RPUSH", key, ...elements)), ":50\r\n");
      }
      for (let i = 0; i < 100; i++) {
        const key = KEYS[i % 2], element = `${key}-${Math.floor(i / 2)}`;
        assert.equal(
          text(await waiters[i].readReply()),
          `*2\r\n$${key.length}\r\n${key}\r\n$${element.length}\r\n${element}\r\n`,
        );
      }
      assert.equal(await blockedClients(admin), 0);
      assert.equal(text(await admin.command("EXISTS", ...KEYS)), ":0\r\n");
    });
  },
);

Deno.test(
  "blocked clients that disconnect or are killed leave nothing behind",
  SHARED_SERVER_TEST_OPTIONS,
  async () => {
    await withWaiters(async (port, admin, waiters) => {
      const move = (i: number) => ["BLMOVE", KEYS[i % 2], KEYS[(i + 1) % 2], "LEFT", "LEFT", "0"];
      await blockClients(port, admin, waiters, 20, move, false);
      // Kill one by id (from whichever shard the admin connection is on), drop the others.
      const ids = [...text(await admin.command("CLIENT", "LIST")).matchAll(/id=(\d+) .* flags=b /g)]
        .map((m) => m[1]);
      assert.equal(ids.length, 20);
      assert.equal(text(await admin.command("CLIENT", "KILL", "ID", ids[0])), ":1\r\n");
      await untilBlocked(admin, 19);
      waiters.forEach((c) => c.close());
      await untilBlocked(admin, 0);
      // Nobody is waiting any more: pushed elements stay where they are.
      for (const key of KEYS) assert.equal(text(await admin.command("RPUSH", key, "x")), ":1\r\n");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(text(await admin.command("LLEN", KEYS[0])), ":1\r\n");
      assert.equal(text(await admin.command("LLEN", KEYS[1])), ":1\r\n");
      assert.equal(text(await admin.command("DEL", ...KEYS)), ":2\r\n");
    });
  },
);

Deno.test(
  "replies before a blocking command are written before it blocks",
  SHARED_SERVER_TEST_OPTIONS,
  async () => {
    const { port } = await ironcache();
    const [waiter, pusher] = [await RawConnection.open(port), await RawConnection.open(port)];
    try {
      await waiter.send(
        [["PING"], ["GET", "fifo-a"], ["BLPOP", "fifo-b", "0"], ["PING"]]
          .map((c) => text(encodeCommand(c))).join(""),
      );
      assert.equal(text(await waiter.readReply()), "+PONG\r\n");
      assert.equal(text(await waiter.readReply()), "$-1\r\n");
      assert.equal(text(await pusher.command("RPUSH", "fifo-b", "v")), ":1\r\n");
      assert.equal(text(await waiter.readReply()), "*2\r\n$6\r\nfifo-b\r\n$1\r\nv\r\n");
      assert.equal(text(await waiter.readReply()), "+PONG\r\n");
    } finally {
      waiter.close();
      pusher.close();
    }
  },
);

/** CLIENT UNBLOCK of a client blocked on `key`, by a client on another connection: the
 * replies both see, as bytes. */
async function unblockScenario(port: number, key: string): Promise<string[]> {
  const [blocked, other] = [await RawConnection.open(port), await RawConnection.open(port)];
  const seen: string[] = [];
  try {
    const id = text(await blocked.command("CLIENT", "ID")).slice(1, -2);
    for (const reason of [[], ["TIMEOUT"], ["ERROR"]]) {
      for (const cmd of [["BLPOP", key, "0"], ["BLMOVE", key, "x", "LEFT", "LEFT", "0"]]) {
        await blocked.send(encodeCommand(cmd));
        // Until the command has blocked, CLIENT UNBLOCK answers 0: ask again.
        let reply = "";
        for (let i = 0; i < 200 && reply !== ":1\r\n"; i++) {
          reply = text(await other.command("CLIENT", "UNBLOCK", id, ...reason));
          if (reply !== ":1\r\n") await new Promise((r) => setTimeout(r, 5));
        }
        seen.push(reply, text(await blocked.readReply()));
      }
    }
    seen.push(text(await other.command("CLIENT", "UNBLOCK", id)));
  } finally {
    blocked.close();
    other.close();
  }
  return seen;
}

Deno.test(
  "CLIENT UNBLOCK TIMEOUT and ERROR reply as in redis-server",
  SHARED_SERVER_TEST_OPTIONS,
  async () => {
    const redis = await startRedis();
    try {
      const expected = await unblockScenario(redis.port, "fifo-a");
      const { port } = await ironcache();
      for (const key of KEYS) assert.deepEqual(await unblockScenario(port, key), expected);
    } finally {
      await redis.stop();
    }
  },
);

Deno.test("a killed blocked client's connection closes", SHARED_SERVER_TEST_OPTIONS, async () => {
  const { port } = await ironcache();
  const [blocked, admin] = [await RawConnection.open(port), await RawConnection.open(port)];
  try {
    const id = text(await blocked.command("CLIENT", "ID")).slice(1, -2);
    await blocked.send(encodeCommand(["BZPOPMIN", "fifo-b", "fifo-a", "0"]));
    await untilBlocked(admin, 1);
    assert.equal(text(await admin.command("CLIENT", "KILL", "ID", id)), ":1\r\n");
    let closed = false;
    try {
      await blocked.readReply(3000);
    } catch (e) {
      closed = e instanceof ConnectionClosed;
    }
    assert.equal(closed, true);
    await untilBlocked(admin, 0);
  } finally {
    blocked.close();
    admin.close();
  }
});
