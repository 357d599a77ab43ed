// Crash-safe file replacement: write a temp file, fsync it, rename it over the target, fsync
// the directory (so the rename itself survives a crash).
import { join } from "node:path";
import { type AofManifest, formatManifest, manifestName } from "./manifest.ts";

export function syncDirectory(dir: string): void {
  const handle = Deno.openSync(dir, { read: true });
  try {
    handle.syncSync();
  } finally {
    handle.close();
  }
}

/** Writes `bytes` to dir/name through dir/temp-name; durable when it returns. */
export function replaceFileDurably(dir: string, name: string, bytes: Uint8Array): void {
  const temp = join(dir, `temp-${name}`);
  const file = Deno.openSync(temp, { write: true, create: true, truncate: true });
  try {
    writeAllSync(file, bytes);
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(temp, join(dir, name));
  syncDirectory(dir);
}

/** Writes the manifest of the AOF directory `dir` (files named after `prefix`) durably. */
export function persistManifest(dir: string, prefix: string, manifest: AofManifest): void {
  const bytes = new TextEncoder().encode(formatManifest(manifest));
  replaceFileDurably(dir, manifestName(prefix), bytes);
}

export function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

export function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}
