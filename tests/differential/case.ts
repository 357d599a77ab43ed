// The data format of differential cases, plus small helpers to write them compactly.
// A case is sent to redis-server and to the target; their raw reply bytes must be identical
// (after the normalizers in normalizers.ts, which apply only to `cmds` replies).
import { encodeCommand } from "../helpers/servers.ts";

/** One command argument: a string is sent as UTF-8; use bytes() for arbitrary bytes. */
export type Arg = string | Uint8Array;

/** RESP protocol version a case runs in: 2 on a fresh connection, 3 after `HELLO 3`. */
export type Protocol = 2 | 3;

interface CaseBase {
  name: string;
  /** Protocols to run in; default both. */
  protocols?: Protocol[];
  /**
   * The server must close the connection after the case's input: both must close, and the
   * bytes before the close must be identical. Without it, both must keep it open.
   */
  expectClose?: boolean;
  /**
   * The case needs commands IronCache does not have yet (say which issue brings them): it is
   * reported as ignored against IronCache, and still run redis-vs-redis. Remove the field
   * when the commands land.
   */
  pendingUntil?: string;
}

/** Commands sent one at a time as RESP multibulk arrays; one reply read and compared per command. */
export interface CommandCase extends CaseBase {
  cmds: Arg[][];
  /**
   * Replies whose element order is unspecified (KEYS, SCAN, SMEMBERS...): the elements of every
   * array, set or push made only of scalars are sorted, in both replies, before comparing.
   */
  unordered?: boolean;
}

/**
 * Raw byte chunks, each written separately with a pause between them (so a frame can be split
 * across TCP writes); all replies they produce are compared as one byte stream, verbatim.
 */
export interface RawCase extends CaseBase {
  raw: Arg[];
  /** Pause between chunk writes; default 15 ms. */
  pauseMs?: number;
}

/** One step of a session: `client` sends `cmd` (if any), then `replies` frames are read from it
 * (default 1 with a command, 0 without) and compared. A command that blocks reads 0 now and
 * its reply in a later step; a subscriber reads pushed messages with a step without `cmd`. */
export interface SessionStep {
  client: number;
  cmd?: Arg[];
  replies?: number;
  /** Wait this long before the step (default: 20 ms after a step that read nothing, so the
   * server has taken a blocking command before another client acts). */
  pauseMs?: number;
}

/**
 * Several clients of each server (pub/sub, blocking commands, WATCH races). At the end, each
 * client's leftover output (read until 50 ms of silence) must match too, so a message one
 * server sends and the other does not is caught.
 */
export interface SessionCase extends CaseBase {
  clients: number;
  steps: SessionStep[];
  unordered?: boolean;
  /** Client ids differ between the servers: with this set, each server's clients are asked
   * CLIENT ID first, an argument `clientId(n)` becomes client n's id on that server, and an
   * integer reply (or element) equal to client n's id reads as `{id n}` on both sides. */
  clientIds?: boolean;
}

/** A session step: `client` sends `cmd` and reads `replies` frames. */
export const step = (client: number, cmd: Arg[], replies = 1): SessionStep => ({
  client,
  cmd,
  replies,
});

/** A session step: `client` reads `n` pushed frames. */
export const read = (client: number, n = 1): SessionStep => ({ client, replies: n });

/** Client n's id, as an argument of a `clientIds` session case. */
export function clientId(n: number): string {
  return `{clientId ${n}}`;
}

export type Case = CommandCase | RawCase | SessionCase;

export function isRawCase(c: Case): c is RawCase {
  return "raw" in c;
}

export function isSessionCase(c: Case): c is SessionCase {
  return "steps" in c;
}

/** A latin-1 string as bytes: each char code 0..255 becomes one byte (so "\xff" is 0xFF, not UTF-8). */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 255) throw new Error(`bytes(): char code ${code} at ${i} is not a byte`);
    out[i] = code;
  }
  return out;
}

/** One command encoded as a RESP multibulk frame, for raw cases. */
export function resp(...args: Arg[]): Uint8Array {
  return encodeCommand(args);
}

/** Several chunks joined into one write: a pipelined send. */
export function concat(...parts: Arg[]): Uint8Array {
  const enc = new TextEncoder();
  const arrays = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** `length` bytes cycling through all 256 byte values: a large value that is not just ASCII. */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}
