// AOF contents as commands: RESP multibulk frames, the commands that rebuild a value (Redis's
// rewriteAppendOnlyFileRio, for a base without RDB preamble and for values IronCache logs by
// their contents), and the scan that finds where the last complete command ends.
import type { RdbDatabase, RdbEntry } from "../rdb/file.ts";
import type { RdbValue } from "../rdb/value.ts";
import { formatDouble17g } from "../../protocol/numbers.ts";
import { encodeCommand } from "../../server/multishard.ts";
import { createDumpPayload } from "../rdb/dump_payload.ts";

const encoder = new TextEncoder();
const text = (s: string | number | bigint) => encoder.encode(String(s));

/** Redis's AOF_REWRITE_ITEMS_PER_CMD: a collection is written 64 items per command. */
const ITEMS_PER_COMMAND = 64;

/** The commands that create `value` under `key` (rewriteListObject, rewriteSetObject...). */
export function valueCommands(key: Uint8Array, value: RdbValue): Uint8Array[][] {
  if (value.kind === "string") return [[text("SET"), key, value.value]];
  const groups: Uint8Array[][] = [];
  let items: Uint8Array[][];
  let name: string;
  if (value.kind === "list") [name, items] = ["RPUSH", value.elements.map((e) => [e])];
  else if (value.kind === "set") [name, items] = ["SADD", value.members.map((m) => [m])];
  else if (value.kind === "zset") {
    [name, items] = ["ZADD", value.entries.map((e) => [text(formatDouble17g(e.score)), e.member])];
  } else [name, items] = ["HMSET", value.entries.map(([f, v]) => [f, v])];
  for (let i = 0; i < items.length; i += ITEMS_PER_COMMAND) {
    groups.push([text(name), key, ...items.slice(i, i + ITEMS_PER_COMMAND).flat()]);
  }
  return groups;
}

/**
 * A key's commands with its expiry (PEXPIREAT, as rewriteAppendOnlyFileRio writes it). With
 * `access`, a key that came with an LRU idle time or LFU counter (an RDB base's IDLE / FREQ)
 * is one RESTORE instead, which applies them as loading the base does in Redis
 * (objectSetLRUOrLFU): the commands would leave a fresh access time.
 */
export function entryCommands(entry: RdbEntry, access = false): Uint8Array[][] {
  if (access && (entry.lruIdle !== undefined || entry.lfuFreq !== undefined)) {
    return restoreCommand(entry);
  }
  const commands = valueCommands(entry.key, entry.value);
  if (entry.expireAtMs !== undefined) {
    commands.push([text("PEXPIREAT"), entry.key, text(entry.expireAtMs)]);
  }
  return commands;
}

/** RESTORE key ttl payload REPLACE [ABSTTL] FREQ|IDLETIME n (FREQ when the file has both,
 * which Redis never writes: RESTORE takes one). */
function restoreCommand(entry: RdbEntry): Uint8Array[][] {
  const argv = [text("RESTORE"), entry.key, text(entry.expireAtMs ?? 0)];
  argv.push(createDumpPayload(entry.value), text("REPLACE"));
  if (entry.expireAtMs !== undefined) argv.push(text("ABSTTL"));
  if (entry.lfuFreq !== undefined) argv.push(text("FREQ"), text(entry.lfuFreq));
  else argv.push(text("IDLETIME"), text(entry.lruIdle!));
  return [argv];
}

/** A whole dataset as an AOF (the base file without RDB preamble): SELECT, then the keys.
 * `access`: keep the keys' LRU / LFU data (replaying an RDB base; see entryCommands). */
export function datasetAsCommands(
  databases: readonly RdbDatabase[],
  access = false,
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const db of databases) {
    if (db.entries.length === 0) continue;
    frames.push(encodeCommand([text("SELECT"), text(db.index)]));
    for (const entry of db.entries) {
      for (const argv of entryCommands(entry, access)) frames.push(encodeCommand(argv));
    }
  }
  return frames;
}

export const selectFrame = (db: number) => encodeCommand([text("SELECT"), text(db)]);

export interface ScanResult {
  /** Where the last complete command ends. */
  validEnd: number;
  /** Where the last complete command outside an unfinished MULTI ends. */
  committedEnd: number;
  /** "ok", "truncated" (the data ends inside a command) or "bad" (not a multibulk). */
  state: "ok" | "truncated" | "bad";
  commands: number;
}

function readLine(b: Uint8Array, p: number, lead: number): [number, number] | null {
  if (p >= b.length) return null;
  if (b[p] !== lead) return [-1, -1];
  const cr = b.indexOf(0x0d, p);
  if (cr < 0 || cr + 1 >= b.length) return null;
  if (b[cr + 1] !== 0x0a) return [-1, -1];
  const digits = new TextDecoder().decode(b.subarray(p + 1, cr));
  if (!/^\d+$/.test(digits)) return [-1, -1];
  return [Number(digits), cr + 2];
}

const MULTI = encoder.encode("multi"), EXEC = encoder.encode("exec");
function isWord(b: Uint8Array, start: number, len: number, word: Uint8Array): boolean {
  if (len !== word.length) return false;
  for (let i = 0; i < len; i++) if ((b[start + i] | 0x20) !== word[i]) return false;
  return true;
}

/** Walks the commands of an AOF as loadSingleAppendOnlyFile reads them. */
export function scanCommands(b: Uint8Array, from = 0): ScanResult {
  let p = from, validEnd = from, committedEnd = from, commands = 0, inMulti = false;
  const result = (state: ScanResult["state"]): ScanResult => ({
    validEnd,
    committedEnd: inMulti ? committedEnd : validEnd,
    state,
    commands,
  });
  while (p < b.length) {
    const header = readLine(b, p, 0x2a);
    if (header === null) return result("truncated");
    if (header[0] < 1) return result("bad");
    let q = header[1];
    let firstStart = -1, firstLen = 0;
    for (let i = 0; i < header[0]; i++) {
      const bulk = readLine(b, q, 0x24);
      if (bulk === null) return result("truncated");
      if (bulk[0] < 0) return result("bad");
      const end = bulk[1] + bulk[0];
      if (end + 2 > b.length) return result("truncated");
      if (b[end] !== 0x0d || b[end + 1] !== 0x0a) return result("bad");
      if (i === 0) [firstStart, firstLen] = [bulk[1], bulk[0]];
      q = end + 2;
    }
    if (isWord(b, firstStart, firstLen, MULTI)) {
      inMulti = true;
      committedEnd = p;
    } else if (isWord(b, firstStart, firstLen, EXEC)) inMulti = false;
    p = q;
    validEnd = p;
    commands++;
  }
  return result("ok");
}
