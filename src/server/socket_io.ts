// A client socket's reads and writes with the least per-call work. Deno's Conn.read and
// Conn.write each wrap the runtime's read/write op in one or two more async functions (plus
// a Set of pending reads, kept for unref()), so every read batch paid four extra promise hops
// around its two ops: at pipeline 1 that is a good part of the CPU per command. For Deno's own
// TCP connections the ops are called directly, through the runtime's core object and the
// connection's resource id; any other connection (TLS over node:tls, test doubles), or a
// runtime where either is missing, uses the connection's own methods.
import type { ClientConn } from "./connection.ts";

/** Reads into `into`, resolving with the byte count; 0 means the peer closed (EOF). */
export type SocketRead = (into: Uint8Array) => Promise<number | null>;
/** May write only part of the bytes; resolves with how many were taken. */
export type SocketWrite = (bytes: Uint8Array) => Promise<number>;

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

/** The resource id of a Deno Conn (TcpConn, UnixConn), or -1 for anything else. */
function resourceIdOf(conn: ClientConn): number {
  const symbol = Object.getOwnPropertySymbols(conn)
    .find((s) => s.description === "Deno.internal.rid");
  // deno-lint-ignore no-explicit-any
  const rid = symbol === undefined ? undefined : (conn as any)[symbol];
  return typeof rid === "number" && Number.isInteger(rid) && rid > 0 ? rid : -1;
}

export interface SocketIo {
  read: SocketRead;
  write: SocketWrite;
}

export function socketIoOf(conn: ClientConn): SocketIo {
  const rid = core === null ? -1 : resourceIdOf(conn);
  if (core === null || rid < 0) {
    return { read: (into) => conn.read(into), write: (bytes) => conn.write(bytes) };
  }
  const ops = core;
  return { read: (into) => ops.read(rid, into), write: (bytes) => ops.write(rid, bytes) };
}
