// Test helpers: free ports, a real redis-server, an IronCache server subprocess, and a raw
// TCP connection that sends bytes and reads whole RESP replies as bytes.
import { fromFileUrl, repoRoot } from "./paths.ts";

export { repoRoot };

/** A TCP port that was free a moment ago (shared with the benchmark runner). */
export { freePort } from "../../bench/servers.ts";
import { freePort } from "../../bench/servers.ts";
import { parseFrame, type RespNode } from "../differential/resp.ts";

export interface RunningServer {
  port: number;
  process: Deno.ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Waits until the server process printed `readyLine` (so a port opened by some other
 * process is never mistaken for ours) and its port accepts connections. */
async function waitForPort(
  port: number,
  child: Deno.ChildProcess,
  timeoutMs: number,
  what: string,
  output: () => string,
  readyLine: RegExp,
) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited before listening on ${port}:\n${output()}`);
    if (readyLine.test(output())) {
      try {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        c.close();
        return;
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
}

function spawnCollecting(cmd: string, args: string[], env?: Record<string, string>) {
  const child = new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env,
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  return { child, output: () => text, pumps };
}

/** How long stop() waits for the signalled server before SIGKILL. */
const STOP_GRACE_MS = 20_000;

async function killHard(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGKILL");
  } catch { /* gone meanwhile */ }
  return await child.status;
}

function running(port: number, spawned: ReturnType<typeof spawnCollecting>): RunningServer {
  return {
    port,
    process: spawned.child,
    output: spawned.output,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        spawned.child.kill(signal);
      } catch { /* already gone */ }
      // A server may rightly refuse a SIGTERM (its save on shutdown failed, as Redis does):
      // a test that failed midway must not hang the suite on it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        spawned.child.status,
        new Promise<null>((r) => timer = setTimeout(() => r(null), STOP_GRACE_MS)),
      ]).finally(() => clearTimeout(timer)) ?? await killHard(spawned.child);
      await spawned.pumps;
      return status;
    },
  };
}

/** Debian's redis-server on a free port, persistence off. Fails with install advice if absent. */
export async function startRedis(
  extraArgs: string[] = [],
  opts: { configFile?: string } = {},
): Promise<RunningServer> {
  const which = new Deno.Command("sh", { args: ["-c", "command -v redis-server"], stdout: "piped" })
    .outputSync();
  if (!which.success) {
    throw new Error(
      "redis-server is not installed; the differential tests need it. Install it with: " +
        "sudo apt-get update && sudo apt-get install -y redis-server redis-tools",
    );
  }
  const port = freePort();
  const spawned = spawnCollecting("redis-server", [
    ...(opts.configFile ? [opts.configFile] : []), // a config file must come first
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    "--logfile",
    "",
    ...extraArgs,
  ]);
  await waitForPort(
    port,
    spawned.child,
    10_000,
    "redis-server",
    spawned.output,
    /Ready to accept connections/,
  );
  return running(port, spawned);
}

/** `./ironcache server` as a subprocess on a free port (extra flags appended). */
export async function startIronCache(
  extraArgs: string[] = [],
  opts: { env?: Record<string, string>; port?: number; noPortFlag?: boolean } = {},
): Promise<RunningServer> {
  const port = opts.port ?? freePort();
  // No snapshots unless a test asks (as the reference runs with --save ""): a test server
  // must not leave or load a dump.rdb in the working directory.
  const noSave = extraArgs.includes("--save") ? [] : ["--save", ""];
  const args = [
    "server",
    ...(opts.noPortFlag ? [] : ["--port", String(port)]),
    ...extraArgs,
    ...noSave,
  ];
  const spawned = spawnCollecting(`${repoRoot}/ironcache`, args, opts.env);
  await waitForPort(
    port,
    spawned.child,
    20_000,
    "ironcache",
    spawned.output,
    /IronCache .* ready: pid=/,
  );
  return running(port, spawned);
}

/** A raw RESP connection: send bytes, read exactly one complete reply frame as bytes. */
export class RawConnection {
  private buf = new Uint8Array(0);
  private constructor(private conn: Deno.Conn) {}

  static async open(port: number): Promise<RawConnection> {
    return new RawConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Over TLS to 127.0.0.1; `cert`/`key` (PEM) present a client certificate. */
  static async openTls(
    port: number,
    opts: { caCerts: string[]; cert?: string; key?: string },
  ): Promise<RawConnection> {
    return new RawConnection(await Deno.connectTls({ hostname: "127.0.0.1", port, ...opts }));
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    let data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    while (data.length > 0) data = data.subarray(await this.conn.write(data));
  }

  /** Send one command as a RESP multibulk array. */
  async command(...args: (string | Uint8Array)[]): Promise<Uint8Array> {
    await this.send(encodeCommand(args));
    return await this.readReply();
  }

  /** Send the commands in one write and read all their replies. */
  async pipeline(cmds: (string | Uint8Array)[][]): Promise<Uint8Array[]> {
    const frames = cmds.map((cmd) => encodeCommand(cmd));
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.length;
    }
    await this.send(all);
    const replies: Uint8Array[] = [];
    for (let i = 0; i < cmds.length; i++) replies.push(await this.readReply());
    return replies;
  }

  /** Read one complete reply frame; throws on timeout or a closed connection. */
  async readReply(timeoutMs = 5000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = frameEnd(this.buf, 0);
      if (end > 0) {
        const frame = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return frame;
      }
      const chunk = new Uint8Array(65536);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          "timed out waiting for a reply; have: " +
            JSON.stringify(new TextDecoder().decode(this.buf)),
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.conn.read(chunk),
        new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
      ]);
      clearTimeout(timer);
      if (n === "timeout") continue;
      if (n === null) throw new ConnectionClosed(this.buf);
      const merged = new Uint8Array(this.buf.length + n);
      merged.set(this.buf);
      merged.set(chunk.subarray(0, n), this.buf.length);
      this.buf = merged;
    }
  }

  /** Resolves true when the server closes the connection (reading and discarding data). */
  async closedByServer(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const chunk = new Uint8Array(65536);
    while (Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.conn.read(chunk).catch(() => null),
        new Promise<"timeout">((r) =>
          timer = setTimeout(() => r("timeout"), deadline - Date.now())
        ),
      ]);
      clearTimeout(timer);
      if (n === null) return true;
    }
    return false;
  }

  close() {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

export class ConnectionClosed extends Error {
  constructor(public pending: Uint8Array) {
    super("connection closed by server");
  }
}

const utf8 = new TextDecoder();

/** A reply's bytes as text (UTF-8), for comparing with expected RESP in tests. */
export function replyText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** The bulk strings of an array reply (or of a node of one), null for nil. */
export function replyValues(reply: Uint8Array | RespNode): (string | null)[] {
  const node = reply instanceof Uint8Array ? parseFrame(reply) : reply;
  return (node.children ?? []).map((item) => item.payload ? utf8.decode(item.payload) : null);
}

/** `n` connections to `port` (the kernel spreads them over the shards), each in `db`. */
export async function openConnections(port: number, n: number, db = 0): Promise<RawConnection[]> {
  const conns = await Promise.all([...Array(n)].map(() => RawConnection.open(port)));
  if (db !== 0) {
    for (const c of conns) {
      const reply = replyText(await c.command("SELECT", String(db)));
      if (reply !== "+OK\r\n") throw new Error(`SELECT ${db}: ${reply}`);
    }
  }
  return conns;
}

export function encodeCommand(args: (string | Uint8Array)[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? enc.encode(a) : a;
    parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode("\r\n"));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** End offset of the RESP2/RESP3 frame starting at `pos`, or -1 if incomplete. */
export function frameEnd(b: Uint8Array, pos: number): number {
  if (pos >= b.length) return -1;
  const lineEnd = indexOfCrlf(b, pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(b[pos]);
  const header = new TextDecoder().decode(b.subarray(pos + 1, lineEnd));
  const after = lineEnd + 2;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case "_":
    case ",":
    case "#":
    case "(":
      return after;
    case "$":
    case "!":
    case "=": {
      const n = Number(header);
      if (n < 0) return after;
      return b.length >= after + n + 2 ? after + n + 2 : -1;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let n = Number(header);
      if (n < 0) return after;
      if (type === "%" || type === "|") n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        p = frameEnd(b, p);
        if (p < 0) return -1;
      }
      // An attribute frame is followed by the reply it annotates.
      return type === "|" ? frameEnd(b, p) : p;
    }
    default:
      throw new Error(
        `unknown RESP type byte ${JSON.stringify(type)} in ${
          JSON.stringify(new TextDecoder().decode(b.subarray(pos, pos + 40)))
        }`,
      );
  }
}

function indexOfCrlf(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

export { fromFileUrl };

/**
 * One IronCache server and connection shared by the tests of a file: started on first use,
 * stopped after the file's last test. Tests using it pass `SHARED_SERVER_TEST_OPTIONS`,
 * since the server outlives each single test.
 */
export function sharedIronCache(args: string[]): {
  connection(): Promise<RawConnection>;
  reply(...args: string[]): Promise<string>;
} {
  let server: RunningServer | undefined;
  let conn: RawConnection | undefined;
  const connection = async () => {
    if (!conn) {
      server = await startIronCache(args);
      conn = await RawConnection.open(server.port);
    }
    return conn;
  };
  Deno.test.afterAll(async () => {
    conn?.close();
    await server?.stop();
  });
  return {
    connection,
    reply: async (...cmd: string[]) =>
      new TextDecoder().decode(await (await connection()).command(...cmd)),
  };
}

export const SHARED_SERVER_TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false };

/** Tests that share one IronCache server started with `args` (on first use; stopped after
 * the file's last test): `serverTest(name, fn)` defines one, `fn` gets the server. */
export function sharedServerTests(
  args: string[],
): (name: string, fn: (s: RunningServer) => Promise<void>) => void {
  let server: Promise<RunningServer> | undefined;
  Deno.test.afterAll(async () => {
    const s = await server?.catch(() => undefined);
    await s?.stop();
  });
  return (name, fn) =>
    Deno.test({
      name,
      ...SHARED_SERVER_TEST_OPTIONS,
      fn: async () => fn(await (server ??= startIronCache(args))),
    });
}
