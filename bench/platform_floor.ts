// The Deno runtime's floor for a pipeline-1 request: a minimal server that reads, finds the
// complete RESP commands and writes a canned reply with exactly the socket ops IronCache's
// connections use (src/server/socket_io.ts), measured against redis-server and IronCache
// answering the same commands (PING, and GET of an existing key), alternated in one run.
// Server CPU per request (user + sys of all its threads, from /proc) gives three ratios:
// floor/redis (what the runtime costs by itself), IronCache/redis, IronCache/floor (what
// IronCache's own work adds above the floor).
//   deno run -A bench/platform_floor.ts [--requests N] [--clients C] [--rounds R] [--shards S]
// Timed: run it on a quiet machine (docs/benchmarks.md, "Reading the figures: noise").
// `--serve PORT [--io deno|ffi|send]` runs only the floor server (what the driver starts). Two
// more floors serve the same way through FFI (bench/ffi_transport.ts): "floor-ffi" on libc
// sockets and epoll instead of the runtime's socket ops, "floor-send" with the runtime's reads
// and synchronous libc sends; `--no-ffi` leaves them out.
import { numberOption } from "./cli_options.ts";
import { cpuTime } from "./procstat.ts";
import {
  freePort,
  type ServerHandle,
  startCommandServer,
  startIronCache,
  startRedis,
} from "./servers.ts";
import { oneCommand } from "./resp.ts";
import type { ClientConn } from "../src/server/connection.ts";
import { type SocketIo, socketIoOf } from "../src/server/socket_io.ts";
import { listenFfi, sendFirstIo } from "./ffi_transport.ts";

/** The key redis-benchmark's GET asks for (no -r) and the value the driver sets first. */
const KEY = "key:__rand_int__";
const VALUE = "xxx";

const serveAt = Deno.args.indexOf("--serve");
if (serveAt >= 0) {
  const io = Deno.args[Deno.args.indexOf("--io") + 1];
  await serveFloor(Number(Deno.args[serveAt + 1]), io === "ffi" || io === "send" ? io : "deno");
} else await drive();

/** The floor server: PING answers +PONG, anything else the GET reply of VALUE. */
async function serveFloor(port: number, io: FloorIo): Promise<void> {
  const pong = new TextEncoder().encode("+PONG\r\n");
  const bulk = new TextEncoder().encode(`$${VALUE.length}\r\n${VALUE}\r\n`);
  const serve = async ({ read, write }: SocketIo) => {
    const buf = new Uint8Array(16384), out = new Uint8Array(16384);
    let filled = 0;
    for (;;) {
      const n = await read(buf.subarray(filled));
      if (!n) break;
      filled += n;
      let pos = 0, o = 0;
      // Complete frames only: `*N` then N `$len` bulks, or one inline line.
      for (;;) {
        const frameEnd = frameEndOf(buf, pos, filled);
        if (frameEnd < 0) break;
        const reply = isPing(buf, pos) ? pong : bulk;
        out.set(reply, o);
        o += reply.length;
        pos = frameEnd;
      }
      buf.copyWithin(0, pos, filled);
      filled -= pos;
      for (let w = 0; w < o;) w += await write(out.subarray(w, o));
    }
  };
  if (io === "ffi") {
    listenFfi(
      "127.0.0.1",
      port,
      (conn) => serve(conn.io).catch(() => {}).finally(() => conn.close()),
    );
    return;
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    const runtimeIo = socketIoOf(conn as ClientConn);
    serve(io === "send" ? sendFirstIo(conn, runtimeIo) : runtimeIo).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch { /* closed */ }
    });
  }
}

function lineEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === 10) return i + 1;
  return -1;
}

function numberAt(buf: Uint8Array, from: number): number {
  let n = 0;
  for (let i = from; buf[i] >= 48 && buf[i] <= 57; i++) n = n * 10 + buf[i] - 48;
  return n;
}

/** Where the frame at `pos` ends, or -1 when it is incomplete. */
function frameEndOf(buf: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  if (buf[pos] !== 42) return lineEnd(buf, pos, end); // inline
  let p = lineEnd(buf, pos, end);
  for (let argc = numberAt(buf, pos + 1); argc > 0 && p >= 0; argc--) {
    const header = lineEnd(buf, p, end);
    if (header < 0) return -1;
    p = header + numberAt(buf, p + 1) + 2;
    if (p > end) return -1;
  }
  return p;
}

/** The first word is PING (inline or as the first bulk). */
function isPing(buf: Uint8Array, pos: number): boolean {
  const at = buf[pos] === 42 ? lineEnd(buf, lineEnd(buf, pos, buf.length), buf.length) : pos;
  return (buf[at] | 0x20) === 0x70 && (buf[at + 1] | 0x20) === 0x69;
}

/** deno: the runtime's socket ops (IronCache's); ffi: bench/ffi_transport.ts's libc sockets
 * and epoll; send: the runtime's reads with synchronous FFI sends. */
type FloorIo = "deno" | "ffi" | "send";

function startFloor(io: FloorIo): Promise<ServerHandle> {
  const port = freePort();
  const args = ["run", "-A", "--quiet", new URL(import.meta.url).pathname, "--serve", String(port)]
    .concat(["--io", io]);
  return startCommandServer(io === "deno" ? "floor" : `floor-${io}`, port, Deno.execPath(), args, {
    version: Deno.version.deno,
    settings: `bench/platform_floor.ts --serve --io ${io}`,
  });
}

/** Runs redis-benchmark; the server's CPU ns per request and the requests per second. */
async function measure(
  server: ServerHandle,
  test: string,
  requests: number,
  clients: number,
): Promise<{ ns: number; rps: number }> {
  const before = cpuTime(server.pid!)!.ns;
  const started = performance.now();
  const run = await new Deno.Command("redis-benchmark", {
    args: ["-p", String(server.port), "-c", String(clients), "-n", String(requests), "-P", "1"]
      .concat(["-t", test, "-q"]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const after = cpuTime(server.pid!)!.ns;
  if (!run.success) throw new Error(new TextDecoder().decode(run.stderr));
  return { ns: (after - before) / requests, rps: requests / seconds };
}

async function drive(): Promise<void> {
  const argv = Deno.args;
  const requests = numberOption(argv, "--requests", 200_000);
  const clients = numberOption(argv, "--clients", 50);
  const rounds = numberOption(argv, "--rounds", 3);
  const shards = numberOption(argv, "--shards", 1);
  const servers = [
    await startRedis("redis"),
    await startFloor("deno"),
    ...(argv.includes("--no-ffi") ? [] : [await startFloor("ffi"), await startFloor("send")]),
    await startIronCache("IronCache", shards),
  ];
  try {
    for (const s of servers) {
      if (s.kind !== "unknown") await oneCommand(s.host, s.port, "SET", KEY, VALUE);
    }
    const tests = ["ping_mbulk", "get"];
    // Warm-up (JIT, buffers): not counted.
    for (const s of servers) {
      for (const test of tests) await measure(s, test, requests / 4, clients);
    }
    const sums = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      for (const test of tests) {
        const line = [`round ${round} ${test}:`];
        const ns: Record<string, number> = {};
        for (const s of servers) {
          const m = await measure(s, test, requests, clients);
          ns[s.label] = m.ns;
          sums.set(`${test}/${s.label}`, (sums.get(`${test}/${s.label}`) ?? 0) + m.ns);
          line.push(`${s.label} ${m.ns.toFixed(0)} ns/op ${(m.rps / 1000).toFixed(1)}k rps;`);
        }
        line.push(ratios(ns));
        console.log(line.join(" "));
      }
    }
    for (const test of tests) {
      const ns: Record<string, number> = {};
      for (const s of servers) ns[s.label] = sums.get(`${test}/${s.label}`)! / rounds;
      console.log(
        `mean ${test}: redis ${ns.redis.toFixed(0)}, floor ${ns.floor.toFixed(0)}, ${
          ["floor-ffi", "floor-send"].filter((k) => ns[k]).map((k) => `${k} ${ns[k].toFixed(0)}, `)
            .join("")
        }IronCache ${ns.IronCache.toFixed(0)} CPU ns/op; ${ratios(ns)}`,
      );
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

function ratios(ns: Record<string, number>): string {
  const r = (a: number, b: number) => (a / b).toFixed(2);
  const ffi = ["floor-ffi", "floor-send"].filter((k) => ns[k])
    .map((k) => `${k}/redis ${r(ns[k], ns.redis)}, ${k}/floor ${r(ns[k], ns.floor)}, `).join("");
  return `floor/redis ${r(ns.floor, ns.redis)}, ${ffi}IronCache/redis ${
    r(ns.IronCache, ns.redis)
  }, IronCache/floor ${r(ns.IronCache, ns.floor)}`;
}
