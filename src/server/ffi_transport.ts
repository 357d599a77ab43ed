// Plain TCP on libc sockets through Deno FFI (config `io-backend`): a shard worker's
// listening sockets and its clients' sockets live in one epoll set. Deno's own sockets cost an
// async op per read and per write (op dispatch, a promise, the runtime's reactor): at pipeline 1
// and in pub/sub fan-out that was about half of the CPU per request. Here one wait serves every
// socket that became ready, and reads and writes are synchronous calls (MSG_DONTWAIT) that
// return at once.
//
// Readiness is edge-triggered and remembered per socket, so no recv or send is made that is
// known to fail: a read that filled less than its buffer drained the socket, a write that took
// less than it was offered filled it; the next epoll event for the socket says when to try
// again. The wait itself runs on a runtime thread (a nonblocking FFI symbol resolving a
// Promise), so timers, worker messages and forwarded replies keep running; when a wait found
// sockets, a few more waits with timeout 0 are made on the JS thread first (busy polling, no
// thread hand-off), bounded so that other event-loop work still gets its turn.
import { setImmediate } from "node:timers";
import type { ClientConn } from "./connection.ts";
import type { SocketIo } from "./socket_io.ts";
import {
  AF_INET,
  AF_INET6,
  decodeSockaddr,
  EAGAIN,
  ECONNABORTED,
  ECONNRESET,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EINTR,
  EMFILE,
  encodeSockaddr,
  ENFILE,
  ENOBUFS,
  ENOMEM,
  EPIPE,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  IPPROTO_TCP,
  type Libc,
  libc,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  ONE,
  size,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_NODELAY,
  unavailableReason,
} from "./ffi_libc.ts";

/** Events taken per wait. */
const MAX_EVENTS = 256;
/** Empty polls in a row (timeout 0, on the JS thread) before going back to a wait on the
 * runtime thread, whose hand-off costs several times more than a poll. */
const IDLE_POLLS = Number(Deno.env.get("FFI_IDLE_POLLS") ?? 3);
const POLL_MODE = Deno.env.get("FFI_POLL_MODE") ?? "immediate";
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
      if (POLL_MODE === "turns") {
        // A few polls after microtask turns only (no event-loop turn in between).
        for (let polls = 0; polls < 4 && !this.stopped; polls++) {
          for (let turn = 0; turn < 6; turn++) await undefined;
          const more = sym.epoll_wait(this.epfd, this.pollEvents, MAX_EVENTS, 0);
          if (more <= 0) break;
          this.dispatch(this.pollEvents, more);
        }
        continue;
      }
      if (POLL_MODE !== "immediate") continue;
      // Busy: poll on this thread between event-loop turns (an immediate lets the woken
      // connections, forwarded replies and timers run first) until a few polls find nothing.
      for (let idle = 0; idle < IDLE_POLLS && !this.stopped;) {
        await new Promise(setImmediate);
        const more = sym.epoll_wait(this.epfd, this.pollEvents, MAX_EVENTS, 0);
        if (more > 0) {
          this.dispatch(this.pollEvents, more);
          idle = 0;
        } else idle++;
      }
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
export class FfiConn implements ClientConn, EventSink {
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
    if (this.readable) {
      try {
        const n = this.recv(into);
        if (n !== AGAIN) return Promise.resolve(n);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => this.reading = { bytes: into, resolve, reject });
  };

  /** May take only part of the bytes (a full socket): resolves with how many it took. */
  readonly write = (bytes: Uint8Array): Promise<number> => {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("socket closed"));
    if (bytes.length === 0) return Promise.resolve(0);
    if (this.writable) {
      try {
        const n = this.send(bytes);
        if (n !== AGAIN) return Promise.resolve(n);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => this.writing = { bytes, resolve, reject });
  };

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

  private readonly recv = (into: Uint8Array): number | null => {
    const { libc } = this.poller, length = Math.min(into.length, MAX_IO);
    for (;;) {
      const n = libc.sym.recv(this.fd, into, length, MSG_DONTWAIT);
      if (n > 0) {
        // A read that left room drained the socket: wait for the next event.
        if (n < length) this.readable = false;
        return n;
      }
      if (n === 0) return null;
      const errno = libc.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.readable = false;
        return AGAIN;
      }
      throw osError(libc, "recv", errno);
    }
  };

  private readonly send = (bytes: Uint8Array): number => {
    const { libc } = this.poller, length = Math.min(bytes.length, MAX_IO);
    for (;;) {
      const n = libc.sym.send(this.fd, bytes, length, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) {
        if (n < length) this.writable = false;
        return n;
      }
      const errno = libc.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.writable = false;
        return AGAIN;
      }
      throw osError(libc, "send", errno);
    }
  };

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

let workerPoller: Poller | null = null;

/**
 * A plain-TCP listener of the ffi transport for `io-backend` (auto, deno, ffi), or null where
 * Deno.listen serves instead: `deno`, or `auto` without FFI, or a host name rather than a
 * literal address (resolving names stays Deno's). `ffi` where it cannot work throws the reason.
 */
export function listenFfi(
  backend: string,
  hostname: string,
  port: number,
  onAccept: (conn: FfiConn) => void,
  onError: (err: Error) => void,
): FfiListener | null {
  if (backend === "deno") return null;
  const lib = libc();
  if (!lib) {
    if (backend === "ffi") throw new Error(`io-backend ffi: ${unavailableReason()}`);
    return null;
  }
  if (!encodeSockaddr(hostname, port)) return null;
  workerPoller ??= new Poller(lib);
  return new FfiListener(workerPoller, hostname, port, onAccept, onError);
}

/** Shutdown's end: the wait loop stops (it must not keep the worker alive). */
export function stopFfiPoller(): void {
  workerPoller?.stop();
}
