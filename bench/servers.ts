// The servers under test: IronCache and redis-server started by the runner on free ports of
// 127.0.0.1 with persistence off, or servers already running that the runner attaches to.
import { pidListeningOn, rssBytes } from "./procstat.ts";
import { oneCommand, parseInfo, ReplyError } from "./resp.ts";

export interface ServerHandle {
  /** Report label: "IronCache", "redis", "shards=1", ... */
  label: string;
  kind: "ironcache" | "redis" | "unknown";
  host: string;
  port: number;
  /** The server process (for CPU and RSS), or null when it cannot be known (remote server). */
  pid: number | null;
  /** True when the runner started it (and so may flush it and must stop it). */
  started: boolean;
  version: string;
  /** How it runs, for the report ("--shards 1", "--save '' --appendonly no", "attached"). */
  settings: string;
  stop(): Promise<void>;
}

const repoRoot = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

/**
 * A port that was free a moment ago, picked at random below the ephemeral range (port 0 would
 * hand out an ephemeral port, which a client socket of another process may take meanwhile).
 */
export function freePort(): number {
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * 22000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch { /* taken: try another */ }
  }
}

interface Spawned {
  child: Deno.ChildProcess;
  output(): string;
  exited(): boolean;
}

function spawn(cmd: string, args: string[]): Spawned {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" }).spawn();
  let text = "";
  let done = false;
  child.status.then(() => done = true);
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text = (text + dec.decode(chunk)).slice(-32_768);
  };
  pump(child.stdout).catch(() => {});
  pump(child.stderr).catch(() => {});
  return { child, output: () => text, exited: () => done };
}

async function waitReady(s: Spawned, port: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.exited()) throw new Error(`${what} exited before it listened on ${port}:\n${s.output()}`);
    try {
      const r = await oneCommand("127.0.0.1", port, "PING");
      if (r === "PONG") return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`${what} did not answer PING on ${port} within ${timeoutMs} ms:\n${s.output()}`);
}

function stopper(s: Spawned): () => Promise<void> {
  return async () => {
    if (s.exited()) return;
    try {
      s.child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        s.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await s.child.status;
    clearTimeout(timer);
  };
}

/** How to run IronCache: the launcher at the repository root, else this executable (compiled). */
function ironcacheCommand(): [string, string[]] {
  try {
    Deno.statSync(`${repoRoot}/ironcache`);
    return [`${repoRoot}/ironcache`, []];
  } catch {
    return [Deno.execPath(), []];
  }
}

export async function startIronCache(label: string, shards: number, extra: string[] = []): Promise<ServerHandle> {
  const port = freePort();
  const [cmd, pre] = ironcacheCommand();
  // No snapshots, as the redis-server it is compared with (REDIS_SETTINGS).
  const settings = ["--bind", "127.0.0.1", "--shards", String(shards), "--save", "", ...extra];
  const s = spawn(cmd, [...pre, "server", "--port", String(port), ...settings]);
  await waitReady(s, port, "ironcache server", 60_000);
  // The ready line (pid, version) follows the shards' listening by a moment.
  for (let i = 0; i < 100 && !/ready: pid=/.test(s.output()); i++) await new Promise((r) => setTimeout(r, 20));
  // The launcher execs deno, so the child is the server; its ready line names the pid anyway.
  const pid = Number(/ready: pid=(\d+)/.exec(s.output())?.[1] ?? s.child.pid);
  const version = /IronCache ([\w.-]+) ready/.exec(s.output())?.[1] ?? "unknown";
  return {
    label, kind: "ironcache", host: "127.0.0.1", port, pid, started: true, version,
    settings: settings.join(" "), stop: stopper(s),
  };
}

/** Any other server this repository starts (a bench's own minimal server): `cmd args` must
 * listen on `port` and answer PING with PONG. */
export async function startCommandServer(
  label: string,
  port: number,
  cmd: string,
  args: string[],
  about: { version: string; settings: string },
): Promise<ServerHandle> {
  const s = spawn(cmd, args);
  await waitReady(s, port, label, 20_000);
  return {
    label, kind: "unknown", host: "127.0.0.1", port, pid: s.child.pid, started: true,
    ...about, stop: stopper(s),
  };
}

export const REDIS_SETTINGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];

export async function startRedis(label: string): Promise<ServerHandle> {
  const port = freePort();
  const s = spawn("redis-server", ["--port", String(port), ...REDIS_SETTINGS, "--daemonize", "no", "--logfile", ""]);
  await waitReady(s, port, "redis-server", 20_000);
  const info = await serverInfo("127.0.0.1", port, "server");
  return {
    label, kind: "redis", host: "127.0.0.1", port, pid: s.child.pid, started: true,
    version: info?.["redis_version"] ?? "unknown",
    settings: "--bind 127.0.0.1 --save '' --appendonly no", stop: stopper(s),
  };
}

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new Error(`expected host:port, got '${text}'`);
  return { host: m[1] || m[2] || "127.0.0.1", port: Number(m[3]) };
}

const LOCAL = new Set(["127.0.0.1", "localhost", "::1", "0.0.0.0"]);

/** A running server; its pid comes from `pid`, INFO server's process_id, or /proc (local only). */
export async function attach(label: string, address: string, pid: number | null): Promise<ServerHandle> {
  const { host, port } = parseHostPort(address);
  const pong = await oneCommand(host, port, "PING").catch((e) => new ReplyError(String(e.message ?? e)));
  if (pong !== "PONG") throw new Error(`${label} at ${host}:${port} did not answer PING: ${pong instanceof ReplyError ? pong.message : pong}`);
  const info = await serverInfo(host, port, "server");
  if (pid === null && LOCAL.has(host)) {
    pid = Number(info?.["process_id"]) || pidListeningOn(port);
  }
  if (pid !== null && rssBytes(pid) === null) pid = null; // not a process we can see
  const kind = info?.["ironcache_version"] ? "ironcache" : info?.["redis_version"] ? "redis" : "unknown";
  return {
    label, kind, host, port, pid, started: false,
    version: info?.["ironcache_version"] ?? info?.["redis_version"] ?? "unknown",
    settings: "attached (its own settings)",
    stop: () => Promise.resolve(),
  };
}

/** INFO [section] as fields, or null when the server does not support INFO. */
export async function serverInfo(host: string, port: number, section: string): Promise<Record<string, string> | null> {
  try {
    const r = await oneCommand(host, port, "INFO", section);
    return typeof r === "string" ? parseInfo(r) : null;
  } catch {
    return null;
  }
}
