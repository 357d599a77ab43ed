// RDB snapshots under load: request latency (p50 / p99 / p99.9 of GET+SET round trips, one
// client, one request at a time) while idle and while a BGSAVE of KEYS keys runs; and the time
// to load a KEYS-key dump.rdb written by redis-server, IronCache vs redis-server (each server's
// own "DB loaded from disk: X seconds" log line). Prints the load average with the figures.
//
//   node_modules/.bin/deno run -A bench/rdb_snapshot.ts [--keys 1000000] [--shards 2] [--runs 1]
//     [--no-load] [--redis-bgsave] [--server-log FILE]
// --runs repeats the idle / BGSAVE pair on the same server; --no-load skips the load part;
// --redis-bgsave measures redis-server's own BGSAVE (a forked child) the same way afterwards,
// to show what the machine does to a server whose snapshot competes for its cores.
// --server-log appends each server's output to FILE once it stops (with IRONCACHE_STALL_PROBE=1
// and DENO_V8_FLAGS=--trace-gc in the environment: the shards' stall histograms and GC pauses).
import { freePort } from "./servers.ts";

const args = Deno.args;
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const KEYS = opt("keys", 1_000_000);
const SHARDS = opt("shards", 2);
const RUNS = opt("runs", 1);
const LOAD = !args.includes("--no-load");
const REDIS_BGSAVE = args.includes("--redis-bgsave");
const SERVER_LOG = args.includes("--server-log") ? args[args.indexOf("--server-log") + 1] : "";
const repoRoot = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const enc = new TextEncoder(), dec = new TextDecoder();

interface Server {
  port: number;
  child: Deno.ChildProcess;
  log: () => string;
}

async function spawn(cmd: string, argv: string[], ready: RegExp, port: number): Promise<Server> {
  const child = new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" }).spawn();
  let text = "";
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      for await (const chunk of stream) text += dec.decode(chunk);
    })();
  }
  const deadline = Date.now() + 600_000;
  while (!ready.test(text)) {
    if (Date.now() > deadline) throw new Error(`${cmd} not ready:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, child, log: () => text };
}

function ironcache(dir: string): Promise<Server> {
  const port = freePort();
  return spawn(
    `${repoRoot}/ironcache`,
    [
      "server",
      "--port",
      String(port),
      "--shards",
      String(SHARDS),
      "--dir",
      dir,
      "--enable-debug-command",
      "yes",
    ],
    /ready: pid=/,
    port,
  );
}

function redis(dir: string): Promise<Server> {
  const port = freePort();
  return spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--save",
      "",
      "--dir",
      dir,
      "--enable-debug-command",
      "yes",
    ],
    /Ready to accept connections/,
    port,
  );
}

class Client {
  #buf = new Uint8Array(1 << 16);
  constructor(private conn: Deno.TcpConn) {}
  static async open(port: number) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new Client(conn);
  }
  /** Sends one command, reads until a full simple reply (enough for the replies used here). */
  async call(...argv: string[]): Promise<string> {
    let frame = `*${argv.length}\r\n`;
    for (const a of argv) frame += `$${enc.encode(a).length}\r\n${a}\r\n`;
    await this.conn.write(enc.encode(frame));
    let text = "";
    for (;;) {
      const n = await this.conn.read(this.#buf);
      if (n === null) throw new Error("closed");
      text += dec.decode(this.#buf.subarray(0, n));
      if (complete(text)) return text;
    }
  }
  close() {
    this.conn.close();
  }
}

function complete(t: string): boolean {
  if (!t.endsWith("\r\n")) return false;
  if (t[0] !== "$") return true;
  const len = Number(t.slice(1, t.indexOf("\r\n")));
  return len < 0 || t.length >= t.indexOf("\r\n") + 2 + len + 2;
}

/** Round-trip latencies (µs) of GET/SET on random keys for `ms`, or until `until` resolves. */
async function latencies(port: number, ms: number, until?: Promise<unknown>): Promise<number[]> {
  const c = await Client.open(port);
  const out: number[] = [];
  let done = false;
  until?.then(() => done = true);
  const end = performance.now() + ms;
  while (!done && (until || performance.now() < end)) {
    const key = `key:${Math.floor(Math.random() * KEYS)}`;
    const t = performance.now();
    if (out.length % 2) await c.call("SET", key, "x");
    else await c.call("GET", key);
    out.push((performance.now() - t) * 1000);
  }
  c.close();
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

function summary(label: string, xs: number[]): string {
  return `${label}: n=${xs.length} p50=${pct(xs, 0.5).toFixed(0)}µs p99=${
    pct(xs, 0.99).toFixed(0)
  }µs p99.9=${pct(xs, 0.999).toFixed(0)}µs max=${
    xs.reduce((a, b) => Math.max(a, b), 0).toFixed(0)
  }µs >1ms=${xs.filter((x) => x > 1000).length}`;
}

async function bgsaveDone(port: number): Promise<void> {
  const c = await Client.open(port);
  try {
    while (!(await c.call("INFO", "persistence")).includes("rdb_bgsave_in_progress:0")) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    c.close();
  }
}

const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const loadedSeconds = (log: string) =>
  Number(/DB loaded from disk: ([\d.]+) seconds/.exec(log)?.[1]);

/** DEBUG POPULATE, then RUNS pairs of idle / during-BGSAVE latencies; the server is stopped. */
async function bgsaveRuns(name: string, server: Server): Promise<void> {
  const admin = await Client.open(server.port);
  await admin.call("DEBUG", "POPULATE", String(KEYS));
  for (let run = 1; run <= RUNS; run++) {
    const idle = await latencies(server.port, 5000);
    const started = performance.now();
    await admin.call("BGSAVE");
    const saving = await latencies(server.port, 0, bgsaveDone(server.port));
    const bgsaveMs = performance.now() - started;
    console.log(`${name} run ${run}/${RUNS} (load average ${loadavg()})`);
    console.log(summary("idle        ", idle));
    console.log(
      summary("during BGSAVE", saving) + ` (BGSAVE took ${(bgsaveMs / 1000).toFixed(2)} s)`,
    );
    console.log(
      `ratios during/idle: p50 ${(pct(saving, 0.5) / pct(idle, 0.5)).toFixed(2)} p99 ${
        (pct(saving, 0.99) / pct(idle, 0.99)).toFixed(2)
      } p99.9 ${(pct(saving, 0.999) / pct(idle, 0.999)).toFixed(2)}`,
    );
  }
  admin.close();
  server.child.kill("SIGKILL");
  await server.child.status;
  if (SERVER_LOG) {
    Deno.writeTextFileSync(SERVER_LOG, `== ${name}\n${server.log()}`, { append: true });
  }
}

const dirA = await Deno.makeTempDir({ prefix: "rdb-bench-ic-" });
const dirB = await Deno.makeTempDir({ prefix: "rdb-bench-redis-" });
try {
  // 1. BGSAVE while serving.
  const ours = await ironcache(dirA);
  console.log(`keys=${KEYS} shards=${SHARDS} load average before: ${loadavg()}`);
  await bgsaveRuns("IronCache", ours);
  if (REDIS_BGSAVE) {
    const theirs = await redis(dirB);
    await bgsaveRuns("redis-server", theirs);
    await Deno.remove(`${dirB}/dump.rdb`).catch(() => {});
  }

  // 2. Loading the same number of keys from redis-server's dump.rdb.
  if (LOAD) {
    const r = await redis(dirB);
    const rc = await Client.open(r.port);
    await rc.call("DEBUG", "POPULATE", String(KEYS));
    await rc.call("SAVE");
    rc.close();
    r.child.kill("SIGKILL");
    await r.child.status;
    await Deno.copyFile(`${dirB}/dump.rdb`, `${dirA}/dump.rdb`);
    const r2 = await redis(dirB);
    const redisSeconds = loadedSeconds(r2.log());
    r2.child.kill("SIGKILL");
    await r2.child.status;
    const ours2 = await ironcache(dirA);
    const ourSeconds = loadedSeconds(ours2.log());
    ours2.child.kill("SIGKILL");
    await ours2.child.status;
    console.log(
      `load of ${KEYS} keys: IronCache ${ourSeconds.toFixed(3)} s, redis-server ${
        redisSeconds.toFixed(3)
      } s, ratio ${(ourSeconds / redisSeconds).toFixed(2)}`,
    );
  }
  console.log(`load average after: ${loadavg()}`);
} finally {
  await Deno.remove(dirA, { recursive: true });
  await Deno.remove(dirB, { recursive: true });
}
