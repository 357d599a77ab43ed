// Memory per key: fill N string keys (16-byte names, 32-byte values by default), or N small
// hashes (--memory-hash-fields), into an empty server and divide the growth by N, from the server's own accounting (INFO memory's
// used_memory, when the server supports INFO) and from the process's resident set (VmRSS).
import { dbSize, fillStrings, flushAll } from "./fill.ts";
import { rssBytes } from "./procstat.ts";
import { serverInfo, type ServerHandle } from "./servers.ts";

export interface MemoryResult {
  label: string;
  keys: number;
  dataSize: number;
  /** Set when the fill made hashes of this many fields instead of strings. */
  hashFields?: number;
  /** Keys the server holds after the fill (DBSIZE), to show the fill really happened. */
  dbsize: number | null;
  fillSeconds: number;
  rssBefore: number | null;
  rssAfter: number | null;
  rssBytesPerKey: number | null;
  usedMemoryBefore: number | null;
  usedMemoryAfter: number | null;
  usedMemoryBytesPerKey: number | null;
  /** Why a figure is missing or how to read it. */
  notes: string[];
}

const settle = () => new Promise((r) => setTimeout(r, 300));

async function usedMemory(server: ServerHandle): Promise<number | null> {
  const info = await serverInfo(server.host, server.port, "memory");
  const v = Number(info?.["used_memory"]);
  return info && Number.isFinite(v) && info["used_memory"] !== undefined ? v : null;
}

export async function measureMemory(
  server: ServerHandle,
  keys: number,
  dataSize: number,
  keyName: (i: number) => string,
  /** Fills the server; the default SETs `keys` strings of `dataSize` bytes. */
  fill: (server: ServerHandle) => Promise<void> = (s) => fillStrings(s, keys, dataSize, keyName),
): Promise<MemoryResult> {
  const notes: string[] = [];
  await flushAll(server);
  await settle();
  const rssBefore = server.pid === null ? null : rssBytes(server.pid);
  const usedMemoryBefore = await usedMemory(server);
  const t0 = performance.now();
  await fill(server);
  const fillSeconds = (performance.now() - t0) / 1000;
  await settle();
  const rssAfter = server.pid === null ? null : rssBytes(server.pid);
  const usedMemoryAfter = await usedMemory(server);
  const dbsize = await dbSize(server);
  const perKey = (a: number | null, b: number | null) => a === null || b === null ? null : (b - a) / keys;
  if (usedMemoryAfter === null) notes.push("used_memory n/a: the server does not support INFO memory");
  if (server.pid === null) notes.push("RSS n/a: the server process is not visible from here");
  if (!server.started) notes.push("attached server: the RSS delta may reuse memory freed earlier");
  if (dbsize !== null && dbsize !== keys) notes.push(`DBSIZE is ${dbsize} after the fill, expected ${keys}`);
  return {
    label: server.label, keys, dataSize, dbsize, fillSeconds,
    rssBefore, rssAfter, rssBytesPerKey: perKey(rssBefore, rssAfter),
    usedMemoryBefore, usedMemoryAfter, usedMemoryBytesPerKey: perKey(usedMemoryBefore, usedMemoryAfter),
    notes,
  };
}
