// The one RDB file of the whole server, spliced from the shards' part files
// (snapshot_shard.ts): header and AUX fields, then per database SELECTDB, RESIZEDB and every
// shard's records of it, then EOF and the CRC-64 of it all. Crash safe as Redis's rdbSave: a
// temp file in the target's directory, fsync, rename over the target, fsync of the directory;
// a kill at any moment leaves the previous file or the new one, whole.
import { Crc64 } from "./rdb/crc64.ts";
import { RDB_OPCODE_EOF } from "./rdb/constants.ts";
import { writeDbHeader, type WriteOptions, writeRdbHeader } from "./rdb/file.ts";
import { RdbWriter } from "./rdb/writer.ts";
import type { PartSection } from "./snapshot_chunks.ts";
export type { PartSection };

/** One shard's part file and the databases in it. */
export interface ShardPart {
  path: string;
  sections: PartSection[];
}

/**
 * The most one read or write call of a snapshot's files takes (the parts' writes and their
 * splice). A kernel that never preempts kernel code (this machine's: "Dynamic Preempt: none")
 * makes a shard woken meanwhile wait until the copy into or out of the page cache ends, even
 * though the encoder thread runs at SCHED_IDLE: 64 KB is a few µs, 4 MB was about a millisecond.
 */
export const WRITE_SLICE_BYTES = 64 << 10;

export function dirOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "." : at === 0 ? "/" : path.slice(0, at);
}

/**
 * Writes `parts` as one RDB file at `target` (replaced atomically, through `temp` in the
 * same directory: Redis's temp-PID.rdb by default), ending with the CRC-64 of the whole file,
 * or 0 without `checksum` (rdbchecksum no). Returns its keys.
 */
export async function writeSnapshotFile(
  target: string,
  parts: readonly ShardPart[],
  aux: WriteOptions["aux"],
  { temp = `${dirOf(target)}/temp-${Deno.pid}.rdb`, checksum = true } = {},
): Promise<number> {
  const out = await Deno.open(temp, { write: true, create: true, truncate: true });
  const sources = await Promise.all(parts.map((p) => Deno.open(p.path, { read: true })));
  const crc = checksum ? new Crc64() : null;
  const write = async (bytes: Uint8Array) => {
    crc?.update(bytes);
    for (let at = 0; at < bytes.length;) at += await out.write(bytes.subarray(at));
  };
  let keys = 0;
  try {
    const w = new RdbWriter({ compress: false }, 256);
    writeRdbHeader(w, aux);
    await write(w.bytes());
    const buf = new Uint8Array(WRITE_SLICE_BYTES);
    const databases = [...new Set(parts.flatMap((p) => p.sections.map((s) => s.db)))];
    for (const db of databases.sort((a, b) => a - b)) {
      const here = parts.flatMap((p, i) =>
        p.sections.filter((s) => s.db === db).map((s) => ({ s, file: sources[i] }))
      );
      if (here.length === 0) continue;
      const count = here.reduce((n, { s }) => n + s.keys, 0);
      const expires = here.reduce((n, { s }) => n + s.expires, 0);
      keys += count;
      writeDbHeader(w.reset(), db, count, expires);
      await write(w.bytes());
      for (const { s, file } of here) {
        await file.seek(s.offset, Deno.SeekMode.Start);
        for (let left = s.length; left > 0;) {
          const n = await file.read(buf.subarray(0, Math.min(WRITE_SLICE_BYTES, left)));
          if (n === null) throw new Error("a shard's snapshot part is shorter than announced");
          await write(buf.subarray(0, n));
          left -= n;
        }
      }
    }
    await write(Uint8Array.of(RDB_OPCODE_EOF));
    const sum = crc?.bytes() ?? new Uint8Array(8);
    for (let at = 0; at < sum.length;) at += await out.write(sum.subarray(at));
    await out.sync();
  } catch (e) {
    out.close();
    await Deno.remove(temp).catch(() => {});
    throw e;
  } finally {
    for (const f of sources) f.close();
  }
  out.close();
  await Deno.rename(temp, target);
  await syncDirectory(dirOf(target));
  return keys;
}

/** Deletes the part files (after use, or after a failed snapshot). */
export async function removeParts(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => Deno.remove(p).catch(() => {})));
}

/** fsync of a directory, so a rename in it survives a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}
