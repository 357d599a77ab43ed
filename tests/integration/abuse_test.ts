// Abusive clients do not take the server down for the others: 2 000 idle connections, a
// client stalled in the middle of a frame and a flood of short connections while a normal
// client keeps being answered (its PING latency is reported, not asserted); and the limits,
// side by side with redis-server: maxclients, client-output-buffer-limit (a client that
// pipelines large GETs, or a subscriber of large messages, without reading is closed),
// client-query-buffer-limit and timeout.
import assert from "node:assert/strict";
import {
  freePort,
  RawConnection,
  replyText,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import { encodeCommand } from "../helpers/servers.ts";

const text = replyText;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withPair(args: string[], fn: (servers: RunningServer[]) => Promise<void>) {
  const servers = await Promise.all([
    startRedis(args),
    startIronCache([...args, "--shards", "2"]),
  ]);
  try {
    await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function command(port: number, ...args: string[]): Promise<string> {
  const conn = await RawConnection.open(port);
  try {
    return text(await conn.command(...args));
  } finally {
    conn.close();
  }
}

/** Reads until the server closes the connection; the number of bytes received. */
async function drainUntilClosed(conn: Deno.Conn, timeoutMs = 5000): Promise<number | "open"> {
  const buf = new Uint8Array(1 << 16);
  let total = 0;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"wait">((r) => timer = setTimeout(() => r("wait"), deadline - Date.now())),
    ]);
    clearTimeout(timer);
    if (n === null) return total;
    if (n !== "wait") total += n;
  }
  return "open";
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

Deno.test("2 000 idle clients, a stalled half frame and a connection flood: a client keeps being served", async () => {
  const server = await startIronCache(["--shards", "2"]);
  const port = server.port;
  const idle: Deno.Conn[] = [];
  let flooding = true;
  try {
    for (let i = 0; i < 2000; i += 200) {
      idle.push(
        ...await Promise.all(
          Array.from({ length: 200 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
        ),
      );
    }
    const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
    await stalled.write(new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$7\r\nstalled\r\n$5\r\nval"));
    // The server takes them all (accepting 2000 connections may lag the connects a moment).
    let info = "";
    for (let tries = 0; tries < 100; tries++) {
      info = await command(port, "INFO", "clients");
      if (Number(/connected_clients:(\d+)/.exec(info)![1]) >= 2001) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(Number(/connected_clients:(\d+)/.exec(info)![1]) >= 2001, info);

    // First with only the idle and the stalled clients: a normal client's PING.
    const pinger = await RawConnection.open(port);
    const pings: number[] = [];
    for (let n = 0; n < 300; n++) {
      const t0 = performance.now();
      assert.equal(text(await pinger.command("PING")), "+PONG\r\n");
      pings.push(performance.now() - t0);
    }
    pinger.close();
    pings.sort((a, b) => a - b);
    console.log(
      `PING beside 2000 idle clients and a stalled frame: p50 ${
        percentile(pings, 0.5).toFixed(2)
      } ms, p99 ${percentile(pings, 0.99).toFixed(2)} ms, max ${
        pings[pings.length - 1].toFixed(2)
      } ms`,
    );

    let floodConnections = 0;
    const flood = Array.from({ length: 6 }, async () => {
      while (flooding) {
        const c = await RawConnection.open(port);
        if (text(await c.command("PING")) === "+PONG\r\n") floodConnections++;
        c.close();
      }
    });
    const client = await RawConnection.open(port);
    const latencies: number[] = [];
    const until = Date.now() + 3000;
    let i = 0;
    while (Date.now() < until) {
      const key = `k${i++}`; // on both shards in turn
      const t0 = performance.now();
      assert.equal(text(await client.command("SET", key, "v")), "+OK\r\n");
      assert.equal(text(await client.command("GET", key)), "$1\r\nv\r\n");
      latencies.push((performance.now() - t0) / 2);
    }
    flooding = false;
    await Promise.all(flood);
    latencies.sort((a, b) => a - b);
    console.log(
      `normal client: ${latencies.length * 2} commands, latency p50 ${
        percentile(latencies, 0.5).toFixed(2)
      } ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, max ${
        latencies[latencies.length - 1].toFixed(2)
      } ms; ${floodConnections} flood connections served meanwhile`,
    );
    assert.ok(latencies.length >= 20 && floodConnections >= 20);
    // The stalled frame was kept: completing it runs the SET.
    await stalled.write(new TextEncoder().encode("ue\r\n"));
    const reply = new Uint8Array(16);
    assert.equal(text(reply.subarray(0, (await stalled.read(reply))!)), "+OK\r\n");
    assert.equal(text(await client.command("GET", "stalled")), "$5\r\nvalue\r\n");
    stalled.close();
    client.close();
  } finally {
    flooding = false;
    for (const c of idle) c.close();
    await server.stop();
  }
});

/** `n` served connections. The server may count a client that just left (e.g. the start-up
 * probe) for a moment longer, so a refused attempt is retried. */
async function holdClients(port: number, n: number): Promise<RawConnection[]> {
  for (let attempt = 0;; attempt++) {
    const held = await Promise.all(Array.from({ length: n }, () => RawConnection.open(port)));
    const replies = await Promise.all(
      held.map((c) => c.command("PING").then(text, () => "closed")),
    );
    if (replies.every((r) => r === "+PONG\r\n")) return held;
    for (const c of held) c.close();
    if (attempt === 50) throw new Error(`cannot hold ${n} clients: ${replies}`);
    await sleep(200);
  }
}

Deno.test("maxclients: the next client gets Redis's error and is closed", async () => {
  await withPair(["--maxclients", "3"], async (servers) => {
    const seen = await Promise.all(servers.map(async (s) => {
      const held = await holdClients(s.port, 3);
      const extra = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const buf = new Uint8Array(256);
      const n = await extra.read(buf);
      const closed = await drainUntilClosed(extra, 2000);
      extra.close();
      for (const c of held) c.close();
      return `${text(buf.subarray(0, n ?? 0))} closed=${closed !== "open"}`;
    }));
    assert.equal(seen[1], seen[0]);
    assert.equal(seen[0], "-ERR max number of clients reached\r\n closed=true");
  });
});

const LIMIT_CONFIGS = [
  ["CONFIG", "GET", "client-output-buffer-limit"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 10mb 5mb 10"],
  ["CONFIG", "SET", "client-output-buffer-limit", "replica 5 5 5 pubsub 1gb 2GB 3"],
  ["CONFIG", "GET", "client-output-buffer-limit"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 10mb 5mb"],
  ["CONFIG", "SET", "client-output-buffer-limit", "master 1 1 1"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal -1 1 1"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 1x 1 1"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 1 1 x"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 1k mb 1 NORMAL 2 2 "],
  ["CONFIG", "SET", "client-output-buffer-limit", ""],
  ["CONFIG", "GET", "client-output-buffer-limit"],
  ["CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"],
  ["CONFIG", "GET", "client-output-buffer-limit"],
];

Deno.test("client-output-buffer-limit: Redis's syntax, and a client not reading its large replies is closed", async () => {
  await withPair([], async (servers) => {
    for (const cmd of LIMIT_CONFIGS) {
      const [ref, tgt] = await Promise.all(servers.map((s) => command(s.port, ...cmd)));
      assert.equal(tgt, ref, cmd.join(" "));
    }
    const value = "v".repeat(100 * 1024);
    const requests = 200; // 20 MB of replies against a 1 MB limit
    const outcome = await Promise.all(servers.map(async (s) => {
      await command(s.port, "SET", "big", value);
      const reader = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const frames = Array.from({ length: requests }, () => encodeCommand(["GET", "big"]));
      const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      frames.reduce((at, f) => (all.set(f, at), at + f.length), 0);
      await reader.write(all);
      await sleep(300); // not reading meanwhile
      const received = await drainUntilClosed(reader);
      reader.close();
      // Everyone else is served.
      assert.equal(await command(s.port, "PING"), "+PONG\r\n");
      assert.equal((await command(s.port, "STRLEN", "big")).trim(), `:${value.length}`);
      return received;
    }));
    for (const received of outcome) {
      assert.notEqual(received, "open");
      assert.ok((received as number) < requests * value.length, `received ${received}`);
    }
    assert.match(
      servers[1].output(),
      /Client id=\d+ addr=\S+ .* scheduled to be closed ASAP for overcoming of output buffer limits\./,
    );
  });
});

/** A reader that discards what it reads; `upTo(n)` waits until n bytes came in all (false if
 * the connection closed first). */
function byteCounter(conn: Deno.Conn) {
  const buf = new Uint8Array(1 << 16);
  let got = 0;
  return {
    async upTo(total: number): Promise<boolean> {
      while (got < total) {
        const n = await conn.read(buf);
        if (n === null) return false;
        got += n;
      }
      return true;
    },
  };
}

Deno.test("client-output-buffer-limit pubsub: a subscriber not reading is closed, the rest served", async () => {
  await withPair([], async (servers) => {
    const limit = ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 1"];
    const payload = "p".repeat(64 * 1024);
    const messages = 200; // 12.8 MB to each subscriber against a 64 KB hard limit
    const frame = `*3\r\n$7\r\nmessage\r\n$3\r\nbig\r\n$${payload.length}\r\n${payload}\r\n`;
    const outcome = await Promise.all(servers.map(async (s) => {
      assert.equal(await command(s.port, ...limit), "+OK\r\n");
      const stalled = await RawConnection.open(s.port);
      const reader = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const publisher = await RawConnection.open(s.port);
      try {
        const stalledId = text(await stalled.command("CLIENT", "ID")).trim().slice(1);
        await stalled.command("SUBSCRIBE", "big"); // and never reads again
        await reader.write(encodeCommand(["SUBSCRIBE", "big"]));
        const received = byteCounter(reader);
        const confirm = "*3\r\n$9\r\nsubscribe\r\n$3\r\nbig\r\n:1\r\n".length;
        assert.equal(await received.upTo(confirm), true);
        // The reader stays at most 8 messages (512 KB, which the sockets hold) behind, so a busy
        // machine cannot make it fall behind; the publisher still runs ahead of its writes.
        const counts: string[] = [];
        for (let i = 0; i < messages; i++) {
          counts.push(text(await publisher.command("PUBLISH", "big", payload)));
          if (i >= 8) assert.equal(await received.upTo(confirm + (i - 8) * frame.length), true);
        }
        const all = confirm + messages * frame.length;
        assert.equal(await received.upTo(all), true, "the reader got every message");
        assert.equal(await stalled.closedByServer(5000), true);
        // The server is healthy: the reader still receives, a PING answers, the client is gone.
        assert.equal(text(await publisher.command("PUBLISH", "big", "x")), ":1\r\n");
        assert.equal(await command(s.port, "PING"), "+PONG\r\n");
        const list = await command(s.port, "CLIENT", "LIST");
        assert.ok(!new RegExp(`\\bid=${stalledId}\\b`).test(list), list);
        return counts[0];
      } finally {
        for (const c of [stalled, publisher, reader]) c.close();
      }
    }));
    assert.deepEqual(outcome, [":2\r\n", ":2\r\n"]);
    assert.match(
      servers[1].output(),
      /Client id=\d+ addr=\S+ .* flags=P .* scheduled to be closed ASAP for overcoming of output buffer limits\./,
    );
  });
});

Deno.test("client-query-buffer-limit and timeout close the offending client only", async () => {
  await withPair([], async (servers) => {
    const outcome = await Promise.all(servers.map(async (s) => {
      assert.equal(
        await command(s.port, "CONFIG", "SET", "client-query-buffer-limit", "1mb"),
        "+OK\r\n",
      );
      const big = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const head = "*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$3000000\r\n";
      await big.write(new TextEncoder().encode(head));
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(120);
      try {
        while (sent < 2_000_000) sent += await big.write(chunk);
      } catch { /* closed by the server while sending */ }
      const queryLimitClosed = await drainUntilClosed(big);
      big.close();
      assert.equal(await command(s.port, "CONFIG", "SET", "timeout", "1"), "+OK\r\n");
      const stalled = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await stalled.write(new TextEncoder().encode("*2\r\n$3\r\nGET\r\n$1\r\n"));
      const timedOut = await drainUntilClosed(stalled, 4000);
      stalled.close();
      return `query limit: ${queryLimitClosed !== "open"}, timeout: ${timedOut !== "open"}`;
    }));
    assert.equal(outcome[1], outcome[0]);
    assert.equal(outcome[0], "query limit: true, timeout: true");
    assert.match(servers[1].output(), /Closing client that reached max query buffer length: id=/);
  });
});

Deno.test("with requirepass, a pipeline that authenticates halfway runs only what follows AUTH", async () => {
  const port = freePort();
  const args = ["--requirepass", "pw"];
  const servers = await Promise.all([
    startRedis(args),
    startIronCache([...args, "--port", String(port), "--shards", "2"], { port, noPortFlag: true }),
  ]);
  try {
    const cmds = [
      ["SET", "a", "1"],
      ["SET", "{x}1", "2"], // the other shard
      ["RENAME", "a", "{x}1"], // across shards
      ["DBSIZE"],
      ["AUTH", "nopass"],
      ["SET", "a", "3"],
      ["AUTH", "pw"],
      ["MGET", "a", "{x}1"],
      ["SET", "a", "4"],
      ["RENAME", "a", "{x}1"],
      ["MGET", "a", "{x}1"],
      ["DBSIZE"],
    ];
    const seen = await Promise.all(servers.map(async (s) => {
      const conn = await RawConnection.open(s.port);
      const replies = await conn.pipeline(cmds);
      conn.close();
      return replies.map(text);
    }));
    assert.deepEqual(seen[1], seen[0]);
    assert.equal(seen[0][7], "*2\r\n$-1\r\n$-1\r\n"); // nothing before AUTH ran
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});
