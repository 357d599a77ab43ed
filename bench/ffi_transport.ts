// The ffi transport spike (feat-ffi, session 9): plain TCP on libc sockets through Deno FFI,
// for bench/platform_floor.ts's floor servers (`--io ffi`, and `--io send` for sendFirstIo).
// Not used by the server: it cost more CPU per request than the runtime's own socket ops.
//
// One epoll set per process holds the listening sockets and the client sockets. Readiness is
// edge-triggered and remembered per socket, so no recv or send is made that is known to fail:
// a read that filled less than its buffer drained the socket, a write that took less than it
// was offered filled it; the socket's next epoll event says when to try again. Reads and
// writes are synchronous FFI calls (MSG_DONTWAIT | MSG_NOSIGNAL), no async op per call. The
// wait runs on a runtime thread (a nonblocking FFI symbol resolving a Promise) so timers and
// other event-loop work keep running.
//
// What it measured (redis-benchmark GET -P 1 -c 50, loaded 2-core machine): 21% fewer user
// instructions per request than the runtime's ops (callgrind, all threads: 13.5k against
// 17.2k), but 28-45% more CPU per request (/proc: 23.8-28.7 us against 18.5-19.8): the wait's
// hand-off between threads (a runtime thread's wake-up, then the JS thread's, per wait) adds
// system time, 2.9-3.8 us/request on the runtime threads and 1-5 us on the JS thread, where
// the runtime's own sockets wait in the JS thread's reactor with no hand-off. In IronCache
// (wired in at commit 7d3a794, --shards 2) SET/GET at P1 cost 25-60% more CPU, and
// PUBLISH-1000CH deliveries at P16 were within the noise (7 alternated rounds: 24.6 against
// 26.2 us per message). Busy polling (epoll_wait with timeout 0 on the JS thread after
// microtask turns or setImmediate turns) did not change either.
const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // The length as u32 (size_t in the ABI): V8's fast call takes a u32 from a number, while a
  // usize parameter takes the slow path (272 ns a call against 50 here). A 32-bit value in a
  // 64-bit register is zero-extended on x86_64 and aarch64 alike.
  recv: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  /** The same call on a runtime thread: resolves a Promise, the JS thread keeps running. */
  epoll_wait_async: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

const AF_INET = 2, AF_INET6 = 10;
const SOCK_STREAM = 1, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_KEEPALIVE = 9, SO_REUSEPORT = 15;
const IPPROTO_TCP = 6, TCP_NODELAY = 1;
const MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
const EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10;
const EPOLLRDHUP = 0x2000, EPOLLET = 0x80000000;
const EPOLL_CTL_ADD = 1, EPOLL_CTL_MOD = 3;
const EPOLL_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000, EFD_CLOEXEC = 0o2000000;
const EINTR = 4, EAGAIN = 11, EMFILE = 24, ENFILE = 23, EPIPE = 32, ENOBUFS = 105;
const ECONNABORTED = 103, ECONNRESET = 104, ENOMEM = 12;

interface Libc {
  sym: LibcSymbols;
  /** errno of the JS thread's last call. */
  errno(): number;
  /** struct epoll_event: packed (12 bytes) on x86_64, 16 with `data` at 8 elsewhere. */
  eventSize: number;
  eventDataOffset: number;
}

let opened: Libc | null | undefined;
let whyNot = "";

/** libc for the ffi transport, or null (see unavailableReason). */
export function libc(): Libc | null {
  if (opened !== undefined) return opened;
  opened = null;
  if (Deno.build.os !== "linux" || !["x86_64", "aarch64"].includes(Deno.build.arch)) {
    whyNot = `not supported on ${Deno.build.os}/${Deno.build.arch} (Linux only)`;
    return null;
  }
  try {
    const sym = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
    const errnoView = new Deno.UnsafePointerView(sym.__errno_location()!);
    const packed = Deno.build.arch === "x86_64";
    opened = {
      sym,
      errno: () => errnoView.getInt32(0),
      eventSize: packed ? 12 : 16,
      eventDataOffset: packed ? 4 : 8,
    };
  } catch (err) {
    whyNot = err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied
      ? "FFI is not permitted (run with --allow-ffi)"
      : `libc.so.6 cannot be opened: ${err instanceof Error ? err.message : err}`;
  }
  return opened;
}

/** Why libc() is null. */
export function unavailableReason(): string {
  libc();
  return whyNot;
}

/** A size_t argument: Deno takes a number for it (its types say bigint, which would allocate). */
const size = (n: number): bigint => n as unknown as bigint;

/** A 4-byte int option value (setsockopt). */
const ONE = new Int32Array([1]);

/** sockaddr_in / sockaddr_in6 for a literal address, or null for a host name. */
function encodeSockaddr(hostname: string, port: number): Uint8Array | null {
  const v4 = parseIpv4(hostname);
  const v6 = v4 ? null : parseIpv6(hostname.startsWith("[") ? hostname.slice(1, -1) : hostname);
  if (!v4 && !v6) return null;
  // sockaddr_in: family, port, 4 address bytes at 4; sockaddr_in6: 16 at 8 (flowinfo first).
  const addr = new Uint8Array(v4 ? 16 : 28);
  const view = new DataView(addr.buffer);
  view.setUint16(0, v4 ? AF_INET : AF_INET6, true);
  view.setUint16(2, port, false);
  addr.set(v4 ?? v6!, v4 ? 4 : 8);
  return addr;
}

/** The address in a sockaddr as Deno prints it (Rust's formatting: "::1", "::ffff:1.2.3.4"). */
function decodeSockaddr(addr: Uint8Array): Deno.NetAddr {
  const view = new DataView(addr.buffer, addr.byteOffset, addr.byteLength);
  const family = view.getUint16(0, true), port = view.getUint16(2, false);
  const hostname = family === AF_INET
    ? Array.from(addr.subarray(4, 8)).join(".")
    : formatIpv6(addr.subarray(8, 24));
  return { transport: "tcp", hostname, port };
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : 256));
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function parseIpv6(text: string): Uint8Array | null {
  if (!text.includes(":")) return null;
  // A trailing dotted IPv4 part ("::ffff:1.2.3.4") is two hex groups.
  const lastColon = text.lastIndexOf(":");
  const v4 = parseIpv4(text.slice(lastColon + 1));
  if (v4) {
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groupsOf(halves[0]), tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return null;
  const words = [...head, ...new Array<string>(halves.length === 2 ? zeros : 0).fill("0"), ...tail]
    .map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** RFC 5952 text (as Rust's Ipv6Addr prints it, IPv4-mapped addresses included). */
function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

/** What a floor server needs of a socket (src/server/socket_io.ts's SocketIo). */
export interface SocketIo {
  read(into: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
}

/** Events taken per wait. */
const MAX_EVENTS = 256;
/** The runtime thread's wait is bounded, so a worker torn down without stop() never leaves it
 * blocked for long. */
const WAIT_MS = 1000;
/** One read or write call's length at most: results come back as i32. */
const MAX_IO = 1 << 30;
const READABLE = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
const WRITABLE = EPOLLOUT | EPOLLHUP | EPOLLERR;
/** A read or write that would block (an internal result, never returned to callers). */
const AGAIN = -2;

interface EventSink {
  onEvents(events: number): void;
}

/** One worker's epoll set and its wait loop. */
export class Poller {
  private readonly epfd: number;
  private readonly wakeFd: number;
  private readonly sinks = new Map<number, EventSink>();
  private nextToken = 1;
  private readonly ctlEvent: Uint8Array;
  private readonly ctlView: DataView;
  /** The runtime thread writes into `waitEvents`; busy polls use `pollEvents`. */
  private readonly waitEvents: Uint8Array;
  private readonly pollEvents: Uint8Array;
  private stopped = false;
  private running = false;

  constructor(readonly libc: Libc) {
    const { sym } = libc;
    this.epfd = sym.epoll_create1(EPOLL_CLOEXEC);
    if (this.epfd < 0) throw osError(libc, "epoll_create1");
    this.ctlEvent = new Uint8Array(libc.eventSize);
    this.ctlView = new DataView(this.ctlEvent.buffer);
    this.waitEvents = new Uint8Array(libc.eventSize * MAX_EVENTS);
    this.pollEvents = new Uint8Array(libc.eventSize * MAX_EVENTS);
    this.wakeFd = sym.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.wakeFd < 0) throw osError(libc, "eventfd");
    this.control(EPOLL_CTL_ADD, this.wakeFd, EPOLLIN, 0);
  }

  /** Watch `fd`; returns the token its events carry (tokens are never reused, so an event
   * read before a socket closed never reaches the socket that took its fd number). */
  add(fd: number, events: number, sink: EventSink): number {
    const token = this.nextToken++;
    this.control(EPOLL_CTL_ADD, fd, events, token);
    this.sinks.set(token, sink);
    if (!this.running) this.run();
    return token;
  }

  modify(fd: number, events: number, token: number): void {
    this.control(EPOLL_CTL_MOD, fd, events, token);
  }

  /** Forget a token (closing the fd takes it out of the epoll set). */
  remove(token: number): void {
    this.sinks.delete(token);
  }

  /** End the wait loop (shutdown): the runtime thread's wait returns at once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const one = new Uint8Array(8);
    one[0] = 1;
    this.libc.sym.write(this.wakeFd, one, size(8));
  }

  private control(op: number, fd: number, events: number, token: number): void {
    this.ctlView.setUint32(0, events >>> 0, true);
    this.ctlView.setUint32(this.libc.eventDataOffset, token, true);
    this.ctlView.setUint32(this.libc.eventDataOffset + 4, 0, true);
    if (this.libc.sym.epoll_ctl(this.epfd, op, fd, this.ctlEvent) !== 0) {
      throw osError(this.libc, "epoll_ctl");
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    const { sym } = this.libc;
    while (!this.stopped) {
      const n = await sym.epoll_wait_async(this.epfd, this.waitEvents, MAX_EVENTS, WAIT_MS);
      if (this.stopped) break;
      if (n <= 0) continue;
      this.dispatch(this.waitEvents, n);
    }
    this.running = false;
  }

  private dispatch(events: Uint8Array, n: number): void {
    const view = new DataView(events.buffer);
    const size = this.libc.eventSize, dataAt = this.libc.eventDataOffset;
    for (let i = 0, at = 0; i < n; i++, at += size) {
      const token = view.getUint32(at + dataAt, true);
      if (token === 0) continue; // the wake-up eventfd (only written at stop)
      this.sinks.get(token)?.onEvents(view.getUint32(at, true));
    }
  }
}

function osError(libc: Libc, call: string, errno = libc.errno()): Error {
  switch (errno) {
    case ECONNRESET:
      return new Deno.errors.ConnectionReset(`${call}: Connection reset by peer (os error 104)`);
    case EPIPE:
      return new Deno.errors.BrokenPipe(`${call}: Broken pipe (os error 32)`);
    case 98:
      return new Deno.errors.AddrInUse(`Address already in use (os error 98)`);
    case 99:
      return new Deno.errors.AddrNotAvailable(`Cannot assign requested address (os error 99)`);
    case 13:
      return new Deno.errors.PermissionDenied(`Permission denied (os error 13)`);
  }
  return new Error(`${call} failed (os error ${errno})`);
}

/** A listening socket (SO_REUSEPORT, like Deno.listen's reusePort) in the worker's epoll set. */
export class FfiListener implements EventSink {
  private readonly fd: number;
  private readonly token: number;
  private readonly peer = new Uint8Array(128);
  private readonly peerLength = new Uint32Array(1);
  private closed = false;
  /** Accepting is paused for a moment when the process is out of file descriptors. */
  private paused = false;

  constructor(
    private readonly poller: Poller,
    hostname: string,
    port: number,
    private readonly onAccept: (conn: FfiConn) => void,
    private readonly onError: (err: Error) => void,
  ) {
    const { libc } = poller, { sym } = libc;
    const addr = encodeSockaddr(hostname, port);
    if (!addr) throw new Error(`not a literal address: ${hostname}`);
    const family = addr.length === 16 ? AF_INET : AF_INET6;
    const fd = sym.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw osError(libc, "socket");
    if (
      sym.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, ONE, 4) !== 0 ||
      sym.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, ONE, 4) !== 0 ||
      sym.bind(fd, addr, addr.length) !== 0 || sym.listen(fd, 511) !== 0
    ) {
      const err = osError(libc, "listen");
      sym.close(fd);
      throw err;
    }
    this.fd = fd;
    // Level-triggered: a burst left for the next wait is still reported.
    this.token = poller.add(fd, EPOLLIN, this);
  }

  onEvents(): void {
    if (this.closed || this.paused) return;
    const { libc } = this.poller, { sym } = libc;
    for (let i = 0; i < 64; i++) {
      this.peerLength[0] = this.peer.length;
      const fd = sym.accept4(this.fd, this.peer, this.peerLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const errno = libc.errno();
        if (errno === EAGAIN || errno === EINTR || errno === ECONNABORTED) {
          if (errno === EAGAIN) return;
          continue;
        }
        if ([EMFILE, ENFILE, ENOBUFS, ENOMEM].includes(errno)) this.pause();
        this.onError(osError(libc, "accept", errno));
        return;
      }
      sym.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, ONE, 4);
      sym.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, ONE, 4);
      const remote = decodeSockaddr(this.peer);
      this.peerLength[0] = this.peer.length;
      const local = sym.getsockname(fd, this.peer, this.peerLength) === 0
        ? decodeSockaddr(this.peer)
        : { ...remote, port: 0 };
      this.onAccept(new FfiConn(this.poller, fd, remote, local));
    }
  }

  /** Out of descriptors: stop listening for 100 ms (the listener is level-triggered, so it
   * would report the same waiting connection at once, forever). */
  private pause(): void {
    this.paused = true;
    this.poller.modify(this.fd, 0, this.token);
    setTimeout(() => {
      this.paused = false;
      if (!this.closed) this.poller.modify(this.fd, EPOLLIN, this.token);
    }, 100);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller.remove(this.token);
    this.poller.libc.sym.close(this.fd);
  }
}

interface Waiter<T> {
  bytes: Uint8Array;
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

/** A client socket: a ClientConn whose reads and writes are synchronous calls while the socket
 * is ready, and wait for its next epoll event when it is not. */
export class FfiConn implements EventSink {
  private readonly token: number;
  private readable = true;
  private writable = true;
  private closed = false;
  private reading: Waiter<number | null> | null = null;
  private writing: Waiter<number> | null = null;
  /** What socketIoOf uses: the same methods (no wrapper per call). */
  readonly io: SocketIo;

  constructor(
    private readonly poller: Poller,
    private readonly fd: number,
    readonly remoteAddr: Deno.NetAddr,
    readonly localAddr: Deno.NetAddr,
  ) {
    this.token = poller.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    this.io = { read: this.read, write: this.write };
  }

  /** Resolves with the byte count, or null when the peer closed (or the socket was closed). */
  readonly read = (into: Uint8Array): Promise<number | null> => {
    if (this.closed) return Promise.resolve(null);
    return this.attempt(this.readable, this.recv, into, (waiter) => this.reading = waiter);
  };

  /** May take only part of the bytes (a full socket): resolves with how many it took. */
  readonly write = (bytes: Uint8Array): Promise<number> => {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("socket closed"));
    if (bytes.length === 0) return Promise.resolve(0);
    return this.attempt(this.writable, this.send, bytes, (waiter) => this.writing = waiter);
  };

  /** The call now when the socket is ready, else (or when it would block) at its next event. */
  private attempt<T>(
    ready: boolean,
    call: (bytes: Uint8Array) => T,
    bytes: Uint8Array,
    park: (waiter: Waiter<T>) => void,
  ): Promise<T> {
    if (ready) {
      try {
        const result = call(bytes);
        if (result !== AGAIN) return Promise.resolve(result);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => park({ bytes, resolve, reject }));
  }

  onEvents(events: number): void {
    if (events & READABLE) {
      this.readable = true;
      const waiter = this.reading;
      if (waiter) this.retry(waiter, () => this.reading = null, this.recv);
    }
    if (events & WRITABLE) {
      this.writable = true;
      const waiter = this.writing;
      if (waiter) this.retry(waiter, () => this.writing = null, this.send);
    }
  }

  private retry<T>(
    waiter: Waiter<T>,
    done: () => void,
    call: (bytes: Uint8Array) => T | typeof AGAIN,
  ): void {
    try {
      const result = call(waiter.bytes);
      if (result === AGAIN) return;
      done();
      waiter.resolve(result as T);
    } catch (err) {
      done();
      waiter.reject(err as Error);
    }
  }

  /** A read: its byte count, null at EOF, or AGAIN. A read that left room in the buffer
   * drained the socket (one that would block, too): the next event says when to read again. */
  private readonly recv = (into: Uint8Array): number | null => {
    const n = this.transfer(this.poller.libc.sym.recv, into, MSG_DONTWAIT, "recv");
    if (n === 0) return null;
    if (n < Math.min(into.length, MAX_IO)) this.readable = false;
    return n;
  };

  /** A write: how many bytes the socket took, or AGAIN; less than offered means it is full. */
  private readonly send = (bytes: Uint8Array): number => {
    const n = this.transfer(this.poller.libc.sym.send, bytes, MSG_DONTWAIT | MSG_NOSIGNAL, "send");
    if (n < Math.min(bytes.length, MAX_IO)) this.writable = false;
    return n;
  };

  /** One recv or send call (retried when interrupted): its result, AGAIN, or a thrown error. */
  private transfer(
    call: Libc["sym"]["send"],
    bytes: Uint8Array,
    flags: number,
    name: string,
  ): number {
    const { libc } = this.poller;
    for (;;) {
      const n = call(this.fd, bytes, Math.min(bytes.length, MAX_IO), flags);
      if (n >= 0) return n;
      const errno = libc.errno();
      if (errno === EAGAIN) return AGAIN;
      if (errno !== EINTR) throw osError(libc, name, errno);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller.remove(this.token);
    this.poller.libc.sym.close(this.fd);
    const reading = this.reading, writing = this.writing;
    this.reading = this.writing = null;
    reading?.resolve(null);
    writing?.reject(new Deno.errors.BadResource("socket closed"));
  }
}

/** A listener on `hostname:port` (a literal IPv4 or IPv6 address) in a new epoll set. */
export function listenFfi(
  hostname: string,
  port: number,
  onAccept: (conn: FfiConn) => void,
): FfiListener {
  const lib = libc();
  if (!lib) throw new Error(`ffi transport: ${unavailableReason()}`);
  return new FfiListener(new Poller(lib), hostname, port, onAccept, (err) => {
    console.error(`accept failed: ${err.message}`);
  });
}

/**
 * The runtime's reads with synchronous FFI sends (a hybrid: readiness stays with the runtime's
 * reactor on the JS thread, each write skips the async write op). A send that takes less than
 * all of the bytes, or none, hands the rest to the runtime's write.
 */
export function sendFirstIo(conn: Deno.TcpConn, io: SocketIo): SocketIo {
  const lib = libc();
  if (!lib) throw new Error(`ffi transport: ${unavailableReason()}`);
  const symbol = Object.getOwnPropertySymbols(conn).find((s) =>
    s.description === "Deno.internal.fd"
  );
  // deno-lint-ignore no-explicit-any
  const fd: number = symbol === undefined ? -1 : (conn as any)[symbol];
  if (typeof fd !== "number" || fd < 0) throw new Error("no OS descriptor on this connection");
  const send = lib.sym.send;
  return {
    read: io.read,
    write: (bytes) => {
      const n = send(fd, bytes, Math.min(bytes.length, MAX_IO), MSG_DONTWAIT | MSG_NOSIGNAL);
      return n > 0 ? Promise.resolve(n) : io.write(bytes);
    },
  };
}
