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
const IDLE_MS = opt("idle-ms", 10_000);
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

/**
 * The latency client: GET/SET round trips on random keys, one at a time, written into a reused
 * buffer and parsed as bytes, their times into a preallocated array, so the client itself makes
 * next to no garbage (its GC pauses would land in the figures as a server's stall).
 */
class Prober {
  readonly #frame = new Uint8Array(64);
  readonly #reply = new Uint8Array(1 << 16);
  #samples = new Float64Array(1 << 20);
  #n = 0;
  constructor(private readonly conn: Deno.TcpConn) {}
  static async open(port: number): Promise<Prober> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new Prober(conn);
  }

  /** Samples until `stop()` is true (checked between requests); their latencies (µs). */
  async run(stop: () => boolean): Promise<Float64Array> {
    this.#n = 0;
    while (!stop()) {
      const length = this.#encode(this.#n % 2 === 1, Math.floor(Math.random() * KEYS));
      const t = performance.now();
      await this.conn.write(this.#frame.subarray(0, length));
      await this.#readReply();
      this.#note((performance.now() - t) * 1000);
    }
    return this.#samples.slice(0, this.#n);
  }

  close() {
    this.conn.close();
  }

  #note(us: number): void {
    if (this.#n === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#n++] = us;
  }

  /** `*2 $3 GET $n key:<i>` or `*3 $3 SET $n key:<i> $1 x` into the frame; its length. */
  #encode(set: boolean, i: number): number {
    const f = this.#frame;
    let at = ascii(f, 0, set ? "*3\r\n$3\r\nSET\r\n$" : "*2\r\n$3\r\nGET\r\n$");
    const digits = i < 10 ? 1 : Math.floor(Math.log10(i)) + 1;
    at = decimal(f, at, 4 + digits);
    at = ascii(f, at, "\r\nkey:");
    at = decimal(f, at, i);
    at = ascii(f, at, "\r\n");
    return set ? ascii(f, at, "$1\r\nx\r\n") : at;
  }

  /** Reads one `+OK`, `$-1` or `$<n> <bytes>` reply. */
  async #readReply(): Promise<void> {
    const b = this.#reply;
    let have = 0;
    for (;;) {
      const n = await this.conn.read(b.subarray(have));
      if (n === null) throw new Error("closed");
      have += n;
      if (have < 2 || b[have - 2] !== 13 || b[have - 1] !== 10) continue;
      if (b[0] !== 36 || b[1] === 45) return; // '+OK' or '$-1'
      let len = 0, at = 1;
      while (b[at] !== 13) len = len * 10 + b[at++] - 48;
      if (have >= at + 2 + len + 2) return;
    }
  }
}

function ascii(b: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[at++] = s.charCodeAt(i);
  return at;
}

function decimal(b: Uint8Array, at: number, n: number): number {
  const digits = n < 10 ? 1 : Math.floor(Math.log10(n)) + 1;
  for (let i = digits - 1; i >= 0; i--, n = Math.floor(n / 10)) b[at + i] = 48 + (n % 10);
  return at + digits;
}

function pct(xs: Float64Array, p: number): number {
  const s = xs.slice().sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

function summary(label: string, xs: Float64Array): string {
  return `${label}: n=${xs.length} p50=${pct(xs, 0.5).toFixed(0)}µs p99=${
    pct(xs, 0.99).toFixed(0)
  }µs p99.9=${pct(xs, 0.999).toFixed(0)}µs max=${
    xs.reduce((a, b) => Math.max(a, b), 0).toFixed(0)
  }µs >1ms=${xs.filter((x) => x > 1000).length}`;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Polls INFO persistence every 20 ms on its own connection for the whole of a server's runs,
 * idle windows included, so that both windows see the same polling load.
 */
class SaveWatch {
  #polls = 0;
  #doneAfter = Infinity;
  #stopped = false;
  readonly #loop: Promise<void>;
  constructor(private readonly client: Client) {
    this.#loop = this.#poll();
  }

  /** From now on: has a poll sent after this call seen no BGSAVE in progress? */
  expectSave(): () => boolean {
    const after = this.#polls;
    return () => this.#doneAfter > after && this.#doneAfter !== Infinity;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    this.client.close();
  }

  async #poll(): Promise<void> {
    while (!this.#stopped) {
      const poll = ++this.#polls;
      const info = await this.client.call("INFO", "persistence");
      this.#doneAfter = info.includes("rdb_bgsave_in_progress:0") ? poll : Infinity;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const loadedSeconds = (log: string) =>
  Number(/DB loaded from disk: ([\d.]+) seconds/.exec(log)?.[1]);

/**
 * DEBUG POPULATE, then RUNS of: an idle window, a window while a BGSAVE runs, another idle
 * window; the two idle windows are one sample. The server is stopped after.
 */
async function bgsaveRuns(name: string, server: Server): Promise<void> {
  const admin = await Client.open(server.port);
  await admin.call("DEBUG", "POPULATE", String(KEYS));
  const watch = new SaveWatch(await Client.open(server.port));
  const prober = await Prober.open(server.port);
  const idleWindow = () => {
    const end = performance.now() + IDLE_MS / 2;
    return prober.run(() => performance.now() >= end);
  };
  for (let run = 1; run <= RUNS; run++) {
    const before = await idleWindow();
    const started = performance.now();
    await admin.call("BGSAVE");
    const saving = await prober.run(watch.expectSave());
    const bgsaveMs = performance.now() - started;
    const idle = concat(before, await idleWindow());
    console.log(`${name} run ${run}/${RUNS} (load average ${loadavg()})`);
    console.log(summary("idle         ", idle) + ` (before ${before.length})`);
    console.log(
      summary("during BGSAVE", saving) + ` (BGSAVE took ${(bgsaveMs / 1000).toFixed(2)} s)`,
    );
    console.log(
      `ratios during/idle: p50 ${(pct(saving, 0.5) / pct(idle, 0.5)).toFixed(2)} p99 ${
        (pct(saving, 0.99) / pct(idle, 0.99)).toFixed(2)
      } p99.9 ${(pct(saving, 0.999) / pct(idle, 0.999)).toFixed(2)}`,
    );
  }
  prober.close();
  await watch.stop();
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
