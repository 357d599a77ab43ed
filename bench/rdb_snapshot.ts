// RDB snapshots under load: request latency (p50 / p99 / p99.9 of GET+SET round trips, one
// client, one request at a time) while idle and while a BGSAVE of KEYS keys runs; and the time
// to load a KEYS-key dump.rdb written by redis-server, IronCache vs redis-server (each server's
// own "DB loaded from disk: X seconds" log line). Prints the load average with the figures.
//
//   node_modules/.bin/deno run -A bench/rdb_snapshot.ts [--keys 1000000] [--shards 2] [--runs 1]
//     [--no-load] [--redis-bgsave] [--server-log FILE] [--idle-ms 10000]
// Each run: an idle window of IDLE_MS/2, the BGSAVE window (until INFO says it is over), a 2 s
// pause, another idle window of IDLE_MS/2; the two idle windows are one idle sample (so a drift
// of the machine's state during the run weighs on both sides), and both sample counts are shown.
// The latency client makes no garbage (blocking libc sockets through FFI, a reused frame, a
// preallocated sample array): a Deno async client scavenged every 40-100 ms for 0.15-0.5 ms,
// often enough to set p99.9 itself. It asks INFO persistence every 20 ms in every window alike.
// (Before session 8: one idle window of 5 s, then the BGSAVE window, an async client, and the
// INFO poll only during the BGSAVE.) The server's output goes to a file (nothing here drains a
// pipe while the client blocks).
// --runs repeats the run on the same server; --no-load skips the load part;
// --redis-bgsave measures redis-server's own BGSAVE (a forked child) the same way afterwards,
// to show what the machine does to a server whose snapshot competes for its cores.
// --trace-slow FILE (IronCache only) records each request's send time and the shard's and the
// client's scheduler clocks, and writes the requests slower than the idle p99 to FILE, to
// line up with the server's walk log (IRONCACHE_WALK_LOG=FILE: src/persistence/walk_log.ts)
// and `--trace-gc` lines (bench/slow_requests.ts does); --server-v8-flags sets the server's
// DENO_V8_FLAGS only (e.g. --trace-gc,--expose-gc: see walk_log.ts).
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
const SERVER_V8_FLAGS = args.includes("--server-v8-flags")
  ? args[args.indexOf("--server-v8-flags") + 1]
  : "";
const TRACE_SLOW = args.includes("--trace-slow") ? args[args.indexOf("--trace-slow") + 1] : "";
const repoRoot = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const enc = new TextEncoder(), dec = new TextDecoder();

interface Server {
  port: number;
  child: Deno.ChildProcess;
  log: () => string;
}

/**
 * Starts a server with its output in a file (the latency client blocks this thread, so nothing
 * here could drain a pipe meanwhile).
 */
async function spawn(cmd: string, argv: string[], ready: RegExp, port: number): Promise<Server> {
  const logFile = await Deno.makeTempFile({ prefix: "rdb-bench-log-" });
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$0" "$@" > "$LOG" 2>&1', cmd, ...argv],
    env: { LOG: logFile, ...(SERVER_V8_FLAGS ? { DENO_V8_FLAGS: SERVER_V8_FLAGS } : {}) },
  }).spawn();
  const log = () => Deno.readTextFileSync(logFile);
  const deadline = Date.now() + 600_000;
  while (!ready.test(log())) {
    if (Date.now() > deadline) throw new Error(`${cmd} not ready:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, child, log };
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

const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  // Lengths and the offset as u32 (size_t and off_t in the ABI; zero-extended on x86_64 and
  // aarch64, as in bench/ffi_transport.ts): a number for a usize parameter (which Deno takes,
  // though its types ask for a bigint) threw the optimized request loop out on every call
  // ("not a BigInt"), and V8 compiled it again about 3 times a second, 2-8 ms each on its
  // helper threads: that took a core from the server or this client, in every window alike.
  send: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  pread: { parameters: ["i32", "buffer", "u32", "u32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
}).symbols;

/**
 * A blocking TCP connection through libc (send/recv): no promise, op or buffer per request,
 * so a request loop on it makes no garbage: the client's own scavenges (Deno's async
 * reads/writes made one every 40-100 ms, 0.15-0.5 ms each, some of 5 ms) would otherwise land
 * in the figures as the server's stalls.
 */
class BlockingConn {
  readonly #reply = new Uint8Array(1 << 16);
  private constructor(private readonly fd: number) {}

  static open(port: number): BlockingConn {
    const fd = libc.socket(2, 1, 0); // AF_INET, SOCK_STREAM
    const addr = new Uint8Array(16);
    new DataView(addr.buffer).setUint16(0, 2, true);
    new DataView(addr.buffer).setUint16(2, port, false);
    addr.set([127, 0, 0, 1], 4);
    if (fd < 0 || libc.connect(fd, addr, 16) !== 0) throw new Error(`connect to ${port} failed`);
    libc.setsockopt(fd, 6, 1, new Int32Array([1]), 4); // IPPROTO_TCP, TCP_NODELAY
    return new BlockingConn(fd);
  }

  /** Sends `frame[0, length)`, waits for one whole `+`/`-`/`:` line or bulk reply: its length. */
  request(frame: Uint8Array, length: number): number {
    if (libc.send(this.fd, frame, length, 0) !== length) throw new Error("short send");
    const b = this.#reply;
    let have = 0;
    for (;;) {
      const n = libc.recv(this.fd, have === 0 ? b : b.subarray(have), b.length - have, 0);
      if (n <= 0) throw new Error("connection closed");
      have += n;
      if (have < 2 || b[have - 2] !== 13 || b[have - 1] !== 10) continue;
      if (b[0] !== 36 || b[1] === 45) return have; // a line, or a nil bulk
      let len = 0, at = 1;
      while (b[at] !== 13) len = len * 10 + b[at++] - 48;
      if (have >= at + 2 + len + 2) return have;
    }
  }

  /** A command (for the few outside the timed loop): its reply as text. */
  call(...argv: string[]): string {
    let frame = `*${argv.length}\r\n`;
    for (const a of argv) frame += `$${enc.encode(a).length}\r\n${a}\r\n`;
    const bytes = enc.encode(frame);
    return dec.decode(this.#reply.subarray(0, this.request(bytes, bytes.length)));
  }

  /** Does the last reply hold `needle` (ASCII)? */
  replyHas(needle: Uint8Array, length: number): boolean {
    const b = this.#reply;
    outer: for (let i = 0; i + needle.length <= length; i++) {
      for (let j = 0; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }

  close() {
    libc.close(this.fd);
  }
}

/**
 * A thread's scheduler clock (/proc/.../schedstat: ns on a CPU, ns runnable but waiting for
 * one), read with pread into a reused buffer: no garbage per read.
 */
class ThreadClock {
  readonly #buffer = new Uint8Array(64);
  readonly #fd: number;
  running = 0;
  waiting = 0;

  constructor(path: string) {
    this.#fd = libc.open(enc.encode(path + "\0"), 0);
    if (this.#fd < 0) throw new Error(`cannot open ${path}`);
  }

  /** Reads both clocks (ns). */
  read(): void {
    const b = this.#buffer, n = libc.pread(this.#fd, b, b.length, 0);
    let at = 0, running = 0, waiting = 0;
    while (at < n && b[at] !== 32) running = running * 10 + b[at++] - 48;
    for (at++; at < n && b[at] !== 32; at++) waiting = waiting * 10 + b[at] - 48;
    this.running = running;
    this.waiting = waiting;
  }

  close(): void {
    libc.close(this.#fd);
  }
}

/** Each thread of `pid`: its name and CPU time so far (ms, user + system). */
function threadTimes(pid: number): Map<string, number> {
  const tick = 10; // ms per clock tick (USER_HZ 100)
  const byName = new Map<string, number>();
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      const group = name.startsWith("tokio") ? "tokio-runtime-w*" : name;
      byName.set(group, (byName.get(group) ?? 0) + ms);
    } catch { /* the thread ended */ }
  }
  return byName;
}

/**
 * --trace-slow FILE: per request, the send time (epoch ms, the server's walk log's clock) and
 * how long the shard's thread and this client's thread ran and waited for a CPU meanwhile
 * (schedstat, read before and after the timed round trip, outside it); after each run the
 * requests slower than the idle p99 of both windows go to FILE, with each window's CPU per
 * server thread. Four preads per request: it is a diagnostic, not the measuring method.
 */
class Tracer {
  /** Per sample: send time, then the shard's and the client's running and waiting ns. */
  static readonly FIELDS = 5;
  readonly shard: ThreadClock;
  readonly self = new ThreadClock("/proc/thread-self/schedstat");
  #cpuBefore = new Map<string, number>();

  constructor(readonly pid: number) {
    const shardTid = [...Deno.readDirSync(`/proc/${pid}/task`)].find((t) =>
      Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/comm`).trim() === "worker-1"
    );
    if (!shardTid) throw new Error("no worker-1 thread (the shard) in the server");
    this.shard = new ThreadClock(`/proc/${pid}/task/${shardTid.name}/schedstat`);
  }

  startWindow(): void {
    this.#cpuBefore = threadTimes(this.pid);
  }

  /** CPU ms per server thread since startWindow. */
  windowCpu(): string {
    const parts = [];
    for (const [name, ms] of threadTimes(this.pid)) {
      const used = ms - (this.#cpuBefore.get(name) ?? 0);
      if (used > 0) parts.push(`${name}=${used}`);
    }
    return parts.join(" ");
  }

  /** Writes a run's slow requests (over `threshold` µs: the idle p99) of each window. */
  write(
    run: number,
    threshold: number,
    p999: number,
    windows: [string, Float64Array, Float64Array][],
  ): void {
    const lines = [`# run ${run} threshold ${threshold.toFixed(0)}us p99.9 ${p999.toFixed(0)}us`];
    for (const [label, samples, trace] of windows) {
      let shardWait = 0, selfWait = 0;
      for (let i = 0; i < samples.length; i++) {
        shardWait += trace[i * Tracer.FIELDS + 2];
        selfWait += trace[i * Tracer.FIELDS + 4];
      }
      lines.push(
        `# ${label} n=${samples.length} mean shard-wait=${
          (shardWait / samples.length / 1000).toFixed(1)
        }us mean client-wait=${(selfWait / samples.length / 1000).toFixed(1)}us`,
      );
      lines.push(
        "# send_epoch_ms latency_us shard_run_us shard_wait_us client_run_us client_wait_us",
      );
      for (let i = 0; i < samples.length; i++) {
        if (samples[i] <= threshold) continue;
        const f = i * Tracer.FIELDS;
        lines.push(
          `${label} ${trace[f].toFixed(3)} ${samples[i].toFixed(0)} ${
            (trace[f + 1] / 1000).toFixed(0)
          } ${(trace[f + 2] / 1000).toFixed(0)} ${(trace[f + 3] / 1000).toFixed(0)} ${
            (trace[f + 4] / 1000).toFixed(0)
          }`,
        );
      }
    }
    Deno.writeTextFileSync(TRACE_SLOW, lines.join("\n") + "\n", { append: true });
  }
}

const INFO_PERSISTENCE = enc.encode("*2\r\n$4\r\nINFO\r\n$11\r\npersistence\r\n");
const NOT_SAVING = enc.encode("rdb_bgsave_in_progress:0");
/** How often the client asks whether the BGSAVE is over, in every window alike. */
const POLL_MS = 20;
/** The pause after a BGSAVE before the next idle window (its threads' last GCs, the file). */
const SETTLE_MS = 2000;

/**
 * The latency client: GET/SET round trips on random keys, one at a time, from a reused frame
 * into a preallocated array; every POLL_MS it also sends INFO persistence on a second
 * connection (untimed), idle windows included, so both windows carry the same extra load.
 */
class Prober {
  readonly #frame = new Uint8Array(64);
  #samples = new Float64Array(1 << 20);
  #trace = new Float64Array(0);
  #n = 0;
  constructor(
    private readonly conn: BlockingConn,
    private readonly watch: BlockingConn,
    private readonly tracer: Tracer | null,
  ) {
    if (tracer) this.#trace = new Float64Array(this.#samples.length * Tracer.FIELDS);
  }

  /** The last run's trace (with --trace-slow): Tracer.FIELDS per sample. */
  get trace(): Float64Array {
    return this.#trace.slice(0, this.#n * Tracer.FIELDS);
  }

  /** Samples until `endMs` (performance.now()) or, with `untilSaved`, the BGSAVE's end. */
  run(endMs: number, untilSaved = false): Float64Array {
    this.#n = 0;
    let nextPoll = performance.now() + POLL_MS;
    for (;;) {
      const length = this.#encode(this.#n % 2 === 1, Math.floor(Math.random() * KEYS));
      const tracer = this.tracer;
      if (tracer) this.#clocksBefore(tracer);
      const t = performance.now();
      this.conn.request(this.#frame, length);
      const now = performance.now();
      if (tracer) this.#clocksAfter(tracer, t);
      this.#note((now - t) * 1000);
      if (now >= endMs) break;
      if (now >= nextPoll) {
        const n = this.watch.request(INFO_PERSISTENCE, INFO_PERSISTENCE.length);
        if (untilSaved && this.watch.replyHas(NOT_SAVING, n)) break;
        nextPoll = performance.now() + POLL_MS;
      }
    }
    return this.#samples.slice(0, this.#n);
  }

  #shardRunning = 0;
  #shardWaiting = 0;
  #selfRunning = 0;
  #selfWaiting = 0;

  #clocksBefore(tracer: Tracer): void {
    tracer.shard.read();
    tracer.self.read();
    this.#shardRunning = tracer.shard.running;
    this.#shardWaiting = tracer.shard.waiting;
    this.#selfRunning = tracer.self.running;
    this.#selfWaiting = tracer.self.waiting;
  }

  #clocksAfter(tracer: Tracer, sent: number): void {
    tracer.shard.read();
    tracer.self.read();
    if (this.#n * Tracer.FIELDS === this.#trace.length) {
      const grown = new Float64Array(this.#trace.length * 2);
      grown.set(this.#trace);
      this.#trace = grown;
    }
    const f = this.#n * Tracer.FIELDS, trace = this.#trace;
    trace[f] = performance.timeOrigin + sent;
    trace[f + 1] = tracer.shard.running - this.#shardRunning;
    trace[f + 2] = tracer.shard.waiting - this.#shardWaiting;
    trace[f + 3] = tracer.self.running - this.#selfRunning;
    trace[f + 4] = tracer.self.waiting - this.#selfWaiting;
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
    at = decimal(f, at, 4 + digitCount(i));
    at = ascii(f, at, "\r\nkey:");
    at = decimal(f, at, i);
    at = ascii(f, at, "\r\n");
    return set ? ascii(f, at, "$1\r\nx\r\n") : at;
  }
}

const digitCount = (n: number) => n < 10 ? 1 : Math.floor(Math.log10(n)) + 1;

function ascii(b: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[at++] = s.charCodeAt(i);
  return at;
}

function decimal(b: Uint8Array, at: number, n: number): number {
  const digits = digitCount(n);
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

const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const loadedSeconds = (log: string) =>
  Number(/DB loaded from disk: ([\d.]+) seconds/.exec(log)?.[1]);

/**
 * DEBUG POPULATE, then RUNS of: an idle window, a window while a BGSAVE runs, another idle
 * window; the two idle windows are one sample. The server is stopped after.
 */
async function bgsaveRuns(name: string, server: Server): Promise<void> {
  const admin = BlockingConn.open(server.port);
  admin.call("DEBUG", "POPULATE", String(KEYS));
  const tracer = TRACE_SLOW && name === "IronCache" ? new Tracer(server.child.pid) : null;
  const prober = new Prober(BlockingConn.open(server.port), admin, tracer);
  const idleWindow = () => prober.run(performance.now() + IDLE_MS / 2);
  for (let run = 1; run <= RUNS; run++) {
    tracer?.startWindow();
    const before = idleWindow();
    const beforeTrace = prober.trace, beforeCpu = tracer?.windowCpu();
    const started = performance.now();
    tracer?.startWindow();
    admin.call("BGSAVE");
    const saving = prober.run(Infinity, true);
    const bgsaveMs = performance.now() - started;
    const savingTrace = prober.trace, savingCpu = tracer?.windowCpu();
    await new Promise((r) => setTimeout(r, SETTLE_MS)); // the snapshot's own after-effects
    tracer?.startWindow();
    const after = idleWindow();
    const idle = concat(before, after);
    if (tracer) {
      console.log(
        `CPU ms per server thread: idle ${beforeCpu}; BGSAVE ${savingCpu}; idle ${tracer.windowCpu()}`,
      );
      tracer.write(run, pct(idle, 0.99), pct(idle, 0.999), [
        ["idle", before, beforeTrace],
        ["bgsave", saving, savingTrace],
        ["idle2", after, prober.trace],
      ]);
    }
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
  admin.close();
}

async function stop(name: string, server: Server): Promise<void> {
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
  await stop("IronCache", ours);
  if (REDIS_BGSAVE) {
    const theirs = await redis(dirB);
    await bgsaveRuns("redis-server", theirs);
    await stop("redis-server", theirs);
    await Deno.remove(`${dirB}/dump.rdb`).catch(() => {});
  }

  // 2. Loading the same number of keys from redis-server's dump.rdb.
  if (LOAD) {
    const r = await redis(dirB);
    const rc = BlockingConn.open(r.port);
    rc.call("DEBUG", "POPULATE", String(KEYS));
    rc.call("SAVE");
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
