// Loading the AOF on boot (Redis's loadAppendOnlyFiles): the manifest's base (RDB or
// commands), then each incremental file, replayed as a client's commands by shard 0, so
// routing, forwarding and cross-shard commands work as for any client. Nothing expires
// while loading (each shard's engine is in loading mode). A torn tail of the last file is cut
// when aof-load-truncated is yes (with Redis's log lines), else loading is refused; anything
// that is not a command is refused.
import { concatBytes } from "../../cli/bytes.ts";
import { join } from "node:path";
import { log } from "../../log.ts";
import { readRdbFile } from "../rdb/file.ts";
import { datasetAsCommands, scanCommands } from "./commands.ts";
import { type AofFileInfo, type AofManifest, manifestName, parseManifest } from "./manifest.ts";

export class AofLoadError extends Error {}

const SELECT_0 = new TextEncoder().encode("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n");

/** The manifest if the AOF directory has one (else null: nothing to load). */
export function findManifest(directory: string, prefix: string): AofManifest | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(join(directory, manifestName(prefix)));
  } catch {
    return null;
  }
  try {
    return parseManifest(text);
  } catch (err) {
    throw new AofLoadError(`Failed to load the AOF manifest: ${(err as Error).message}`);
  }
}

const RDB_MAGIC = new TextEncoder().encode("REDIS");

function startsWithRdb(bytes: Uint8Array): boolean {
  return RDB_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The command streams to replay, in order, after checking each file. `truncatedOk`:
 * aof-load-truncated; `prefix`: appendfilename, the name an old-style (pre-7.0) AOF keeps as
 * the base.
 */
export function aofCommandStreams(
  directory: string,
  manifest: AofManifest,
  truncatedOk: boolean,
  prefix: string,
): Uint8Array[] {
  const files = [...(manifest.base ? [manifest.base] : []), ...manifest.incrs];
  return files.flatMap((file, i) => {
    const last = i === files.length - 1;
    const bytes = readAofFile(directory, file, last);
    if (!bytes || bytes.length === 0) return [];
    // As loadSingleAppendOnlyFile: an RDB (a base, or an old-style AOF's preamble) first,
    // then whatever commands follow it.
    const rdb = startsWithRdb(bytes) ? rdbPart(file.name, bytes, file.name === prefix) : null;
    const path = join(directory, file.name);
    const commands = commandPart(path, file.name, bytes, rdb?.length ?? 0, last, truncatedOk);
    return rdb ? [rdb.commands, ...commands] : commands;
  });
}

/** The file's bytes, or null for a missing last incr file (Redis tolerates it: just created). */
function readAofFile(directory: string, file: AofFileInfo, last: boolean): Uint8Array | null {
  try {
    return Deno.readFileSync(join(directory, file.name));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound && file.type === "i" && last) return null;
    throw new AofLoadError(`Fatal error: can't open the append log file ${file.name}: ${err}`);
  }
}

/** The dataset of the file's RDB part as commands, and the bytes that part takes. */
function rdbPart(
  name: string,
  bytes: Uint8Array,
  oldStyle: boolean,
): { commands: Uint8Array; length: number } {
  log.notice(
    oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...",
  );
  let rdb;
  try {
    rdb = readRdbFile(bytes);
  } catch (err) {
    const what = oldStyle
      ? `the RDB preamble of the AOF file ${name}`
      : `the RDB base file ${name}`;
    throw new AofLoadError(
      `Error reading ${what}, AOF loading aborted: ${(err as Error).message}`,
    );
  }
  if (oldStyle) log.notice("Reading the remaining AOF tail...");
  return { commands: concatBytes(datasetAsCommands(rdb.databases, true)), length: rdb.length };
}

/**
 * The commands from `from` on, checked as loadSingleAppendOnlyFile reads them: a torn tail or
 * an unfinished MULTI of the last file is cut when aof-load-truncated allows it, else refused.
 */
function commandPart(
  path: string,
  name: string,
  bytes: Uint8Array,
  from: number,
  last: boolean,
  truncatedOk: boolean,
): Uint8Array[] {
  const scan = scanCommands(bytes, from);
  if (scan.state === "bad") {
    throw new AofLoadError(
      `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
    );
  }
  let end = scan.validEnd;
  if (scan.state === "truncated") {
    if (!last || !truncatedOk) {
      throw new AofLoadError(
        `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
      );
    }
    log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
  }
  if (scan.committedEnd < end) {
    if (!last || !truncatedOk) {
      throw new AofLoadError(
        `Unexpected end of file reading the append only file ${name}: an unfinished MULTI/EXEC block`,
      );
    }
    log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    end = scan.committedEnd;
  }
  if (end < bytes.length) {
    log.warning(`!!! Truncating the AOF ${name} at offset ${end} !!!`);
    Deno.truncateSync(path, end);
    log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
  }
  return [SELECT_0, bytes.subarray(from, end)]; // each file starts in db 0 (a fresh fake client)
}

/** A connection-shaped source of bytes whose replies go nowhere (Redis's fake AOF client). */
export function replayConnection(streams: Uint8Array[]): Deno.TcpConn {
  const chunk = 1 << 20;
  let stream = 0, offset = 0;
  const addr = { transport: "tcp", hostname: "aof", port: 0 } as Deno.NetAddr;
  const conn = {
    remoteAddr: addr,
    localAddr: addr,
    read(into: Uint8Array): Promise<number | null> {
      while (stream < streams.length && offset >= streams[stream].length) {
        stream++;
        offset = 0;
      }
      if (stream >= streams.length) return Promise.resolve(null);
      const src = streams[stream];
      const n = Math.min(into.length, chunk, src.length - offset);
      into.set(src.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
    write(bytes: Uint8Array): Promise<number> {
      return Promise.resolve(bytes.length);
    },
    close(): void {},
  };
  return conn as unknown as Deno.TcpConn;
}
