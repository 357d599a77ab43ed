// The floor of one pub/sub delivery's socket write, per write path, with nothing else around
// it: each round writes one small message (a 75-byte RESP2 `message` frame, what PUBLISH-1000CH
// delivers) to each of N connected sockets, as the server's end-of-turn flush does for N
// subscribers, and waits until every write completed. A sink process (this file with --sink) holds the
// other ends (it connects, as subscribers do: only accepted Deno connections expose their OS
// descriptor) and reads everything, so each send wakes a reader as in the server.
//   deno run -A bench/delivery_write_micro.ts --path core|ffi|node [--sockets N] [--rounds N]
// Paths: core = the runtime's async write op on the connection's resource id (the server's
// path, src/server/socket_io.ts) with one callback per write; ffi = a synchronous libc
// send(fd, MSG_DONTWAIT | MSG_NOSIGNAL) on the connection's OS descriptor (needs --allow-ffi);
// node = node:net sockets' write with one callback per write (their stream handle's
// writeBuffer calls back only when the write went async, which JS cannot see from outside).
// Reports process CPU (utime + stime of all threads) per write. For user-space instructions
// run it under `valgrind --tool=callgrind` at two round counts and divide the difference by
// the extra writes; for syscalls per write use `strace -c -f`.
// The server once wrote deliveries with the FFI send (session 6); PUBLISH-1000CH measured no
// better with it than without (docs/benchmarks.md), so the extra --allow-ffi was not kept.
import process from "node:process";
import net from "node:net";
import { numberOption } from "./cli_options.ts";

const args = Deno.args;
const option = (name: string, fallback: number) => numberOption(args, name, fallback);
const SOCKETS = option("--sockets", 1000);
const ROUNDS = option("--rounds", 200);
const WARMUP = option("--warmup", 20);
const PATH = args[args.indexOf("--path") + 1] ?? "core";

let fallbacks = 0;

if (args.includes("--sink")) await sink(option("--sink", 0));
else await writer();

/** Opens SOCKETS connections to `port` and reads them to the end. */
async function sink(port: number): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  const reading: Promise<void>[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    reading.push((async () => {
      try {
        while ((await conn.read(buf)) !== null) { /* discard */ }
      } catch { /* reset */ }
      conn.close();
    })());
  }
  await Promise.all(reading);
}

interface Target {
  /** Writes `bytes`, calling `done` once the runtime took them all. */
  write(bytes: Uint8Array, done: () => void): void;
  close(): void;
}

async function writer(): Promise<void> {
  const targets = await openTargets();
  const message = new TextEncoder().encode(
    `*3\r\n$7\r\nmessage\r\n$16\r\nkey:000000000123\r\n$32\r\n${"x".repeat(32)}\r\n`,
  );
  const round = async (): Promise<void> => {
    let left = targets.length;
    let allDone: () => void = () => {};
    const finished = new Promise<void>((resolve) => allDone = resolve);
    const done = () => {
      if (--left === 0) allDone();
    };
    for (const t of targets) t.write(message, done);
    await finished;
  };
  for (let r = 0; r < WARMUP; r++) await round();
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) await round();
  const cpu = process.cpuUsage(cpu0), wall = performance.now() - t0;
  const writes = ROUNDS * targets.length;
  console.log(
    `${PATH}: ${writes} writes of ${message.length} B over ${targets.length} sockets: ` +
      `${((cpu.user + cpu.system) * 1000 / writes).toFixed(0)} CPU ns per write ` +
      `(user ${(cpu.user * 1000 / writes).toFixed(0)}, system ${
        (cpu.system * 1000 / writes).toFixed(0)
      }), wall ${(wall * 1e6 / writes).toFixed(0)} ns per write` +
      (fallbacks ? `, ${fallbacks} sends fell back to the async op` : ""),
  );
  for (const t of targets) t.close();
}

function symbolValue(conn: object, description: string): number {
  const symbol = Object.getOwnPropertySymbols(conn).find((s) => s.description === description);
  // deno-lint-ignore no-explicit-any
  return symbol === undefined ? -1 : (conn as any)[symbol];
}

/** Starts the sink process on a fresh port; resolves when it is running. */
function startSink(port: number): Deno.ChildProcess {
  const self = new URL(import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", self, "--sink", String(port), "--sockets", String(SOCKETS)],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}

async function openTargets(): Promise<Target[]> {
  const targets: Target[] = [];
  if (PATH === "node") {
    const server = net.createServer();
    const accepted: net.Socket[] = [];
    const all = new Promise<void>((resolve) =>
      server.on("connection", (s: net.Socket) => {
        if (accepted.push(s) === SOCKETS) resolve();
      })
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    startSink((server.address() as net.AddressInfo).port);
    await all;
    server.close();
    for (const socket of accepted) {
      socket.setNoDelay(true);
      targets.push({
        write: (bytes, done) => socket.write(bytes, done),
        close: () => socket.destroy(),
      });
    }
    return targets;
  }
  // deno-lint-ignore no-explicit-any
  const core = (Deno as any)[(Deno as any).internal].core;
  const libc = PATH === "ffi"
    ? Deno.dlopen("libc.so.6", {
      send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    }).symbols.send as unknown as (fd: number, b: Uint8Array, n: number, f: number) => number
    : null;
  const MSG_DONTWAIT_NOSIGNAL = 0x40 | 0x4000;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  startSink((listener.addr as Deno.NetAddr).port);
  for (let i = 0; i < SOCKETS; i++) {
    const conn = await listener.accept();
    conn.setNoDelay(true);
    const rid = symbolValue(conn, "Deno.internal.rid");
    const fd = symbolValue(conn, "Deno.internal.fd");
    const asyncWrite = (bytes: Uint8Array, done: () => void) => {
      core.write(rid, bytes).then((n: number) => {
        if (n < bytes.length) asyncWrite(bytes.subarray(n), done);
        else done();
      });
    };
    if (libc) {
      targets.push({
        write: (bytes, done) => {
          const sent = Number(libc(fd, bytes, bytes.length, MSG_DONTWAIT_NOSIGNAL));
          if (sent === bytes.length) return done();
          fallbacks++;
          asyncWrite(sent > 0 ? bytes.subarray(sent) : bytes, done);
        },
        close: () => conn.close(),
      });
    } else targets.push({ write: asyncWrite, close: () => conn.close() });
  }
  listener.close();
  return targets;
}
