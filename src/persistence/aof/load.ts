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
import { type AofManifest, manifestName, parseManifest } from "./manifest.ts";

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
 * aof-load-truncated.
 */
export function aofCommandStreams(
  directory: string,
  manifest: AofManifest,
  truncatedOk: boolean,
): Uint8Array[] {
  const streams: Uint8Array[] = [];
  const files = [...(manifest.base ? [manifest.base] : []), ...manifest.incrs];
  files.forEach((file, i) => {
    const path = join(directory, file.name);
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound && file.type === "i" && i === files.length - 1) {
        return; // Redis tolerates a missing last incr file (it was just created)
      }
      throw new AofLoadError(`Fatal error: can't open the append log file ${file.name}: ${err}`);
    }
    if (bytes.length === 0) return;
    if (startsWithRdb(bytes)) {
      log.notice(`Reading RDB base file on AOF loading...`);
      let rdb;
      try {
        rdb = readRdbFile(bytes);
      } catch (err) {
        throw new AofLoadError(
          `Bad file format reading the append only file ${file.name}: ${(err as Error).message}`,
        );
      }
      const frames = datasetAsCommands(rdb.databases);
      streams.push(concatBytes(frames));
      log.notice(`Reading the remaining AOF tail...`);
      return;
    }
    const scan = scanCommands(bytes);
    const last = i === files.length - 1;
    if (scan.state === "bad") {
      throw new AofLoadError(
        `Bad file format reading the append only file ${file.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
      );
    }
    let end = scan.validEnd;
    if (scan.state === "truncated") {
      if (!last || !truncatedOk) {
        throw new AofLoadError(
          `Unexpected end of file reading the append only file ${file.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
        );
      }
      log.warning(`!!! Warning: short read while loading the AOF file ${file.name}!!!`);
    }
    if (scan.committedEnd < end) {
      if (!last || !truncatedOk) {
        throw new AofLoadError(
          `Unexpected end of file reading the append only file ${file.name}: an unfinished MULTI/EXEC block`,
        );
      }
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${file.name}`);
      end = scan.committedEnd;
    }
    if (end < bytes.length) {
      log.warning(`!!! Truncating the AOF ${file.name} at offset ${end} !!!`);
      Deno.truncateSync(path, end);
      log.warning(`AOF ${file.name} loaded anyway because aof-load-truncated is enabled`);
    }
    streams.push(SELECT_0, bytes.subarray(0, end)); // each file starts in db 0 (a fresh fake client)
  });
  return streams;
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
