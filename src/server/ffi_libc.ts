// libc's socket and epoll calls through Deno FFI, for the ffi transport (ffi_transport.ts).
// Opened lazily: null where FFI is not permitted, libc.so.6 cannot be opened, or the platform
// is not Linux on x86_64/aarch64 (the constants and epoll_event layout below are Linux's).
// Sizes are passed as numbers and lengths come back as i32 (callers cap them under 1 GiB):
// a bigint per call would allocate on every read and write.

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

export const AF_INET = 2, AF_INET6 = 10;
export const SOCK_STREAM = 1, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_KEEPALIVE = 9, SO_REUSEPORT = 15;
export const IPPROTO_TCP = 6, TCP_NODELAY = 1;
export const MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
export const EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000, EPOLLET = 0x80000000;
export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
export const EPOLL_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000, EFD_CLOEXEC = 0o2000000;
export const EINTR = 4, EAGAIN = 11, EMFILE = 24, ENFILE = 23, EPIPE = 32, ENOBUFS = 105;
export const ECONNABORTED = 103, ECONNRESET = 104, ENOMEM = 12;
export const EADDRINUSE = 98, EADDRNOTAVAIL = 99;

export interface Libc {
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
export const size = (n: number): bigint => n as unknown as bigint;

/** A 4-byte int option value (setsockopt). */
export const ONE = new Int32Array([1]);

/** sockaddr_in / sockaddr_in6 for a literal address, or null for a host name. */
export function encodeSockaddr(hostname: string, port: number): Uint8Array | null {
  const v4 = parseIpv4(hostname);
  if (v4) {
    const addr = new Uint8Array(16);
    const view = new DataView(addr.buffer);
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, port, false);
    addr.set(v4, 4);
    return addr;
  }
  const v6 = parseIpv6(hostname.startsWith("[") ? hostname.slice(1, -1) : hostname);
  if (!v6) return null;
  const addr = new Uint8Array(28);
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_INET6, true);
  view.setUint16(2, port, false);
  addr.set(v6, 8);
  return addr;
}

/** The address in a sockaddr as Deno prints it (Rust's formatting: "::1", "::ffff:1.2.3.4"). */
export function decodeSockaddr(addr: Uint8Array): Deno.NetAddr {
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
