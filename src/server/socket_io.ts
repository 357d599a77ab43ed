// A client socket's reads and writes with the least per-call work. Deno's Conn.read and
// Conn.write each wrap the runtime's read/write op in one or two more async functions (plus
// a Set of pending reads, kept for unref()), so every read batch paid four extra promise hops
// around its two ops: at pipeline 1 that is a good part of the CPU per command. For Deno's own
// TCP connections the ops are called directly, through the runtime's core object and the
// connection's resource id; any other connection (TLS over node:tls, test doubles), or a
// runtime where either is missing, uses the connection's own methods.
//
// Deliveries (pub/sub messages, late replies) can also be written synchronously with libc's
// send() on the connection's OS descriptor through FFI: at 1000 subscribers the async write
// op cost 3.8 us of user CPU per write on top of the kernel's send, a synchronous send 0.9 us
// (bench/delivery_write_micro.ts). Only for Deno's own TCP connections on Linux,
// and only while --allow-ffi is granted; the caller never sends after it closed the
// connection (the descriptor's number is reused) nor while an async write is in flight.
import type { ClientConn } from "./connection.ts";

/** Reads into `into`, resolving with the byte count; 0 means the peer closed (EOF). */
export type SocketRead = (into: Uint8Array) => Promise<number | null>;
/** May write only part of the bytes; resolves with how many were taken. */
export type SocketWrite = (bytes: Uint8Array) => Promise<number>;
/** Writes what the socket takes at once, without waiting: how many bytes it took (0 when its
 * buffer is full or it failed: the async write that follows reports the error). */
export type SocketTrySend = (bytes: Uint8Array) => number;

interface CoreOps {
  read(rid: number, into: Uint8Array): Promise<number>;
  write(rid: number, bytes: Uint8Array): Promise<number>;
}

const core: CoreOps | null = (() => {
  try {
    // deno-lint-ignore no-explicit-any
    const internal = (Deno as any)[(Deno as any).internal];
    const c = internal?.core;
    return typeof c?.read === "function" && typeof c?.write === "function" ? c : null;
  } catch {
    return null;
  }
})();

/** MSG_DONTWAIT | MSG_NOSIGNAL (Linux): never block, and EPIPE instead of SIGPIPE. */
const SEND_FLAGS = 0x40 | 0x4000;

type LibcSend = (fd: number, bytes: Uint8Array, length: number, flags: number) => number | bigint;

const libcSend: LibcSend | null = (() => {
  try {
    if (Deno.build.os !== "linux") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    // The runtime takes a number for the usize length and may return a number for isize
    // (the typings say bigint for both).
    return Deno.dlopen("libc.so.6", {
      send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    }).symbols.send as unknown as LibcSend;
  } catch {
    return null; // no libc.so.6 (musl), or FFI unavailable
  }
})();

/** The value of a Deno Conn's internal property with this symbol description, if numeric. */
function internalNumber(conn: ClientConn, description: string): number {
  const symbol = Object.getOwnPropertySymbols(conn).find((s) => s.description === description);
  // deno-lint-ignore no-explicit-any
  const value = symbol === undefined ? undefined : (conn as any)[symbol];
  return typeof value === "number" && Number.isInteger(value) ? value : -1;
}

export interface SocketIo {
  read: SocketRead;
  write: SocketWrite;
  /** Null where only the async write is available (TLS, non-Linux, no FFI permission). */
  trySend: SocketTrySend | null;
}

export function socketIoOf(conn: ClientConn): SocketIo {
  // Resource ids start at 0 for stdin, so a connection's is positive.
  const rid = core === null ? -1 : internalNumber(conn, "Deno.internal.rid");
  if (core === null || rid <= 0) {
    return { read: (into) => conn.read(into), write: (bytes) => conn.write(bytes), trySend: null };
  }
  const ops = core;
  // Only a plain TCP connection (a TLS one must never be written around its encryption);
  // Deno gives accepted ones their descriptor.
  const fd = libcSend === null || conn.constructor.name !== "TcpConn"
    ? -1
    : internalNumber(conn, "Deno.internal.fd");
  const send = libcSend;
  return {
    read: (into) => ops.read(rid, into),
    write: (bytes) => ops.write(rid, bytes),
    trySend: fd < 0 || send === null ? null : (bytes) => {
      const taken = Number(send(fd, bytes, bytes.length, SEND_FLAGS));
      return taken > 0 ? taken : 0;
    },
  };
}
