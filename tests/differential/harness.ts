// Differential runner: each case goes to a real redis-server (the reference) and to the target
// (IronCache, or a second redis-server for the harness's self-check) over fresh connections,
// and the raw reply bytes must match. One Deno test per case and protocol; the two servers are
// started once per test file, on first use, and stopped after its last test.
import {
  encodeCommand,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import {
  type Arg,
  type Case,
  type CommandCase,
  isRawCase,
  isSessionCase,
  type Protocol,
  type RawCase,
  type SessionCase,
} from "./case.ts";
import { bytesEqual, describeBoth, describeCommand, escapeBytes } from "./escape.ts";
import { normalizeReply, PUSHED, sortUnordered } from "./normalizers.ts";
import { type ReadResult, WireConnection } from "./wire.ts";

/** IRONCACHE_DIFF_TARGET=redis compares redis-server with itself: proves the cases are sound. */
export function diffTarget(): "ironcache" | "redis" {
  const t = Deno.env.get("IRONCACHE_DIFF_TARGET") ?? "ironcache";
  if (t !== "ironcache" && t !== "redis") {
    throw new Error(`IRONCACHE_DIFF_TARGET must be ironcache or redis, not ${t}`);
  }
  return t;
}

/** IRONCACHE_DIFF_SHOW=1 logs every command and the reference reply (for checking what a case exercises). */
const SHOW = Deno.env.get("IRONCACHE_DIFF_SHOW") === "1";

export interface Side {
  label: string;
  server: RunningServer;
  /** Set once the server process has exited (a crash explains every failure after it). */
  exit?: Deno.CommandStatus;
}

export interface Pair {
  reference: Side;
  target: Side;
  /** Consecutive cases in which the target stopped answering (see STALL_LIMIT). */
  stalledCases?: number;
}

/** After this many cases in a row where the target timed out, fail the rest at once, not 5 s each. */
const STALL_LIMIT = 3;

async function startPair(): Promise<Pair> {
  const kind = diffTarget();
  const started = await Promise.allSettled([
    startRedis(),
    kind === "redis" ? startRedis() : startIronCache(["--shards", "2"]), // 2 shards: cross-shard paths always run
  ]);
  const [ref, tgt] = started;
  if (ref.status === "fulfilled" && tgt.status === "fulfilled") {
    const pair: Pair = {
      reference: { label: "redis", server: ref.value },
      target: { label: kind === "redis" ? "redis#2" : "ironcache", server: tgt.value },
    };
    for (const side of [pair.reference, pair.target]) {
      side.server.process.status.then((s) => side.exit = s);
    }
    return pair;
  }
  await Promise.all(started.map((s) => s.status === "fulfilled" ? s.value.stop() : null));
  throw (ref.status === "rejected" ? ref.reason : (tgt as PromiseRejectedResult).reason);
}

/** Registers one test per case and protocol, named "SUITE: CASE [RESPn]". */
export function defineDifferentialSuite(suite: string, cases: Case[]): void {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) {
      throw new Error(`${suite}: duplicate case name ${JSON.stringify(c.name)}`);
    }
    names.add(c.name);
  }
  let pair: Promise<Pair> | undefined;
  Deno.test.afterAll(async () => {
    const p = await pair?.catch(() => undefined);
    if (p) await Promise.all([p.reference.server.stop(), p.target.server.stop()]);
  });
  for (const c of cases) {
    for (const protocol of c.protocols ?? [2, 3]) {
      const pending = c.pendingUntil !== undefined && diffTarget() !== "redis";
      Deno.test({
        name: `${suite}: ${c.name} [RESP${protocol}]` +
          (pending ? ` (pending: ${c.pendingUntil})` : ""),
        ignore: pending,
        // The servers (and their output pumps) outlive any single test.
        sanitizeOps: false,
        sanitizeResources: false,
        fn: async () => runCase(await (pair ??= startPair()), c, protocol),
      });
    }
  }
}

/** A difference or a broken case: reported as its message alone (a stack trace adds nothing). */
class CaseFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DifferentialFailure";
    this.stack = `${this.name}: ${message}`;
  }
}

export async function runCase(pair: Pair, c: Case, protocol: Protocol): Promise<void> {
  const title = `case ${JSON.stringify(c.name)} [RESP${protocol}]`;
  if ((pair.stalledCases ?? 0) >= STALL_LIMIT) {
    throw new CaseFailure(
      `${title}: not run: ${pair.target.label} stopped answering in the ${STALL_LIMIT} cases before`,
    );
  }
  if (isSessionCase(c)) return await runSessionCase(pair, c, protocol, title);
  const conns = await Promise.all([connect(pair.reference), connect(pair.target)]);
  try {
    await Promise.all([
      prepare(pair.reference, conns[0], protocol),
      prepare(pair.target, conns[1], protocol),
    ]);
    if (isRawCase(c)) await runRaw(conns, c);
    else await runCommands(pair, conns, c);
    await finish(pair, conns, c);
    pair.stalledCases = 0;
  } catch (e) {
    pair.stalledCases = conns[1].timedOut ? (pair.stalledCases ?? 0) + 1 : 0;
    if (e instanceof CaseFailure) {
      throw new CaseFailure(`${title}: ${e.message}${exitNote(pair.target)}`);
    }
    throw e;
  } finally {
    conns.forEach((conn) => conn.close());
  }
}

/** A SessionCase: `clients` connections per server, steps in order, then the leftovers. */
async function runSessionCase(
  pair: Pair,
  c: SessionCase,
  protocol: Protocol,
  title: string,
): Promise<void> {
  const sides = [pair.reference, pair.target];
  const conns: WireConnection[][] = [[], []];
  try {
    for (let i = 0; i < c.clients; i++) {
      for (const s of [0, 1]) {
        const conn = await connect(sides[s]);
        conns[s].push(conn);
        await prepare(sides[s], conn, protocol, i === 0);
      }
    }
    // Per side: each client's id, for clientIds cases (see SessionCase.clientIds).
    const ids: string[][] = [[], []];
    if (c.clientIds) {
      for (const s of [0, 1]) {
        for (const conn of conns[s]) {
          await conn.write(encodeCommand(["CLIENT", "ID"]));
          const frame = await conn.readFrame();
          ids[s].push(new TextDecoder().decode(frame.bytes).slice(1, -2));
        }
      }
    }
    const withIds = (side: number, cmd: Arg[]): Arg[] =>
      cmd.map((a) =>
        typeof a === "string" ? a.replace(/\{clientId (\d+)\}/g, (_, n) => ids[side][n]) : a
      );
    const idsNamed = (side: number, b: Uint8Array): Uint8Array => {
      if (!c.clientIds) return b;
      let text = latin1Text(b);
      ids[side].forEach((id, n) => {
        text = text.replaceAll(`:${id}\r\n`, `:{id ${n}}\r\n`);
      });
      return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    };
    let readNothing = false;
    for (const [i, step] of c.steps.entries()) {
      const pause = step.pauseMs ?? (readNothing ? 20 : 0);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      const replies = step.replies ?? (step.cmd ? 1 : 0);
      readNothing = replies === 0;
      const where = `step ${i + 1} of ${c.steps.length} (client ${step.client}): ${
        step.cmd ? describeCommand(step.cmd) : "read"
      }`;
      const [ref, tgt] = await Promise.all(conns.map(async (side, s) => {
        const conn = side[step.client];
        if (step.cmd) await conn.write(encodeCommand(withIds(s, step.cmd)));
        const frames: ReadResult[] = [];
        for (let r = 0; r < replies; r++) frames.push(await conn.readFrame());
        return frames;
      }));
      for (let r = 0; r < replies; r++) {
        show(`${where}  ->  ${describeResult(ref[r])}`);
        if (ref[r].kind === "timeout") {
          throw new CaseFailure(
            `${where}: ${pair.reference.label} itself did not reply; the case is wrong`,
          );
        }
        const [refBytes, tgtBytes] = [ref[r].bytes, tgt[r].bytes].map((b0, s) => {
          const b = idsNamed(s, b0);
          const normalized = normalizeReply(step.cmd ?? [PUSHED], b);
          return c.unordered ? sortUnordered(normalized) : normalized;
        });
        if (!sameResult(ref[r], refBytes, tgt[r], tgtBytes)) {
          throw new CaseFailure(
            `${where}, reply ${r + 1}\n${describePair(pair, ref[r], refBytes, tgt[r], tgtBytes)}`,
          );
        }
      }
    }
    for (let client = 0; client < c.clients; client++) {
      const [ref, tgt] = await Promise.all(conns.map((side) => side[client].readQuiet(50)));
      if (!sameResult(ref, idsNamed(0, ref.bytes), tgt, idsNamed(1, tgt.bytes))) {
        throw new CaseFailure(
          `client ${client}'s output after the last step\n${
            describePair(pair, ref, ref.bytes, tgt, tgt.bytes)
          }`,
        );
      }
    }
  } catch (e) {
    if (e instanceof CaseFailure) {
      throw new CaseFailure(`${title}: ${e.message}${exitNote(pair.target)}`);
    }
    throw e;
  } finally {
    conns.flat().forEach((conn) => conn.close());
  }
}

async function connect(side: Side): Promise<WireConnection> {
  try {
    return await WireConnection.open(side.server.port);
  } catch (e) {
    throw new CaseFailure(`cannot connect to ${side.label}: ${(e as Error).message}`);
  }
}

/** Fresh state for every case: the protocol, an empty keyspace, database 0. */
async function prepare(
  side: Side,
  conn: WireConnection,
  protocol: Protocol,
  flush = true,
): Promise<void> {
  const setup: Arg[][] = [
    ...(protocol === 3 ? [["HELLO", "3"]] : []),
    ...(flush ? [["FLUSHALL"]] : []),
    ["SELECT", "0"],
  ];
  for (const cmd of setup) {
    await conn.write(encodeCommand(cmd));
    const reply = await conn.readFrame();
    const text = new TextDecoder().decode(reply.bytes);
    // HELLO 3 answers with a map; the others with +OK.
    if (reply.kind !== "ok" || !(cmd[0] === "HELLO" ? text.startsWith("%") : text === "+OK\r\n")) {
      throw new CaseFailure(
        `setup command ${describeCommand(cmd)} failed on ${side.label}: ${describeResult(reply)}`,
      );
    }
  }
}

async function runCommands(pair: Pair, conns: WireConnection[], c: CommandCase): Promise<void> {
  for (const [i, cmd] of c.cmds.entries()) {
    const frame = encodeCommand(cmd);
    const [ref, tgt] = await Promise.all(conns.map(async (conn) => {
      await conn.write(frame);
      return await conn.readFrame();
    }));
    show(`${describeCommand(cmd)}  ->  ${describeResult(ref)}`);
    const where = `command ${i + 1} of ${c.cmds.length}: ${describeCommand(cmd)}`;
    if (ref.kind === "timeout") {
      throw new CaseFailure(
        `${where}: ${pair.reference.label} itself did not reply; the case is wrong`,
      );
    }
    const [refBytes, tgtBytes] = [ref.bytes, tgt.bytes].map((b) => {
      const normalized = normalizeReply(cmd, b);
      return c.unordered ? sortUnordered(normalized) : normalized;
    });
    if (!sameResult(ref, refBytes, tgt, tgtBytes)) {
      throw new CaseFailure(`${where}\n${describePair(pair, ref, refBytes, tgt, tgtBytes)}`);
    }
  }
}

async function runRaw(conns: WireConnection[], c: RawCase): Promise<void> {
  const enc = new TextEncoder();
  for (const [i, chunk] of c.raw.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, c.pauseMs ?? 15));
    const data = typeof chunk === "string" ? enc.encode(chunk) : chunk;
    show(`raw write ${escapeBytes(data, 120)}`);
    // A server that closed early refuses writes; what it sent before closing is still compared.
    await Promise.all(conns.map((conn) => conn.write(data)));
  }
}

let sentinelCounter = 0;

/** Sends ECHO <unique token> and returns what arrived before its reply (kind "ok" if it came). */
async function readToSentinel(conn: WireConnection): Promise<ReadResult> {
  const token = `diff-sentinel-${++sentinelCounter}`;
  const reply = new TextEncoder().encode(`$${token.length}\r\n${token}\r\n`);
  await conn.write(encodeCommand(["ECHO", token]));
  const r = await conn.readThrough(reply);
  return r.kind === "ok"
    ? { kind: "ok", bytes: r.bytes.subarray(0, r.bytes.length - reply.length) }
    : r;
}

/**
 * Collects and compares what each server sends after the case's input: until it closes
 * (expectClose), or else up to the reply to a sentinel ECHO, which proves the connection is still
 * usable and bounds the read without waiting for silence.
 */
async function finish(pair: Pair, conns: WireConnection[], c: Case): Promise<void> {
  const [ref, tgt] = await Promise.all(
    conns.map((conn) => c.expectClose ? conn.readToClose() : readToSentinel(conn)),
  );
  show(`${isRawCase(c) ? "raw output" : "after the commands"}  ->  ${describeResult(ref)}`);
  const expected = c.expectClose ? "closed" : "ok";
  if (ref.kind !== expected) {
    throw new CaseFailure(
      `${pair.reference.label} itself ${
        c.expectClose
          ? "did not close the connection"
          : "closed the connection or stopped answering"
      }` +
        ` (${describeResult(ref)}); the case is wrong${
          c.expectClose ? "" : " or needs expectClose: true"
        }`,
    );
  }
  if (!sameResult(ref, ref.bytes, tgt, tgt.bytes)) {
    const what = isRawCase(c) ? "output of the raw input" : "output after the last command's reply";
    throw new CaseFailure(
      `${what}${c.expectClose ? " (the server should then close)" : ""}\n${
        describePair(pair, ref, ref.bytes, tgt, tgt.bytes)
      }`,
    );
  }
}

function sameResult(a: ReadResult, aBytes: Uint8Array, b: ReadResult, bBytes: Uint8Array): boolean {
  return a.kind === b.kind && bytesEqual(aBytes, bBytes);
}

function describePair(
  pair: Pair,
  ref: ReadResult,
  refBytes: Uint8Array,
  tgt: ReadResult,
  tgtBytes: Uint8Array,
): string {
  const status = (r: ReadResult) =>
    r.kind === "closed"
      ? " then closed the connection"
      : r.kind === "timeout"
      ? " then nothing more (timed out)"
      : "";
  const text = describeBoth(pair.reference.label, refBytes, pair.target.label, tgtBytes).split(
    "\n",
  );
  text[0] += status(ref);
  text[1] += status(tgt);
  return text.join("\n");
}

function describeResult(r: ReadResult): string {
  return escapeBytes(r.bytes, 200) +
    (r.kind === "ok" ? "" : r.kind === "closed" ? " (then closed)" : " (timed out)");
}

/** When the target crashed, its exit and last output explain every following failure. */
function exitNote(side: Side): string {
  if (!side.exit) return "";
  const how = side.exit.signal ? `signal ${side.exit.signal}` : `code ${side.exit.code}`;
  return `\n${side.label} has exited (${how}); its last output:\n${
    side.server.output().slice(-2000)
  }`;
}

function show(line: string): void {
  if (SHOW) console.log(`  ${line}`);
}

function latin1Text(b: Uint8Array): string {
  let text = "";
  for (const byte of b) text += String.fromCharCode(byte);
  return text;
}
