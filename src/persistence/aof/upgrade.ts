// Upgrading from Redis 6 as Redis 7.0 does on start (aof.c loadAppendOnlyFiles,
// aofUpgradePrepare): with appendonly yes, a pre-7.0 single-file AOF, `dir`/appendfilename,
// becomes the base of a new manifest in the AOF directory under its own name (an RDB
// preamble and its command tail load like any base), and is moved there. The manifest is
// written before the move, so a crash between the two is resumed on the next start.
import { basename, join } from "node:path";
import { log } from "../../log.ts";
import { persistManifest, syncDirectory } from "./files.ts";
import { AofLoadError, findManifest } from "./load.ts";
import type { AofManifest } from "./manifest.ts";
import type { AofSettings } from "./writer.ts";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Moves `dir`/appendfilename into the AOF directory when Redis 7.0 would (appendonly yes). */
export function upgradeOldStyleAof(dir: string, settings: AofSettings): void {
  const oldPath = join(dir, settings.prefix);
  if (!settings.appendonly || !isFile(oldPath)) return;
  const manifest = isDirectory(settings.directory)
    ? findManifest(settings.directory, settings.prefix)
    : null;
  if (!needsUpgrade(settings, manifest)) return;
  moveIntoAofDirectory(dir, settings, manifest);
}

/**
 * Redis's three cases: no AOF directory (or no manifest in it); a manifest with no base and no
 * incremental file; a manifest whose only file is a base named appendfilename that is not in
 * the directory yet (a crash after the manifest was written, before the move).
 */
function needsUpgrade(settings: AofSettings, manifest: AofManifest | null): boolean {
  if (!manifest) return true;
  if (manifest.incrs.length > 0) return false;
  if (!manifest.base) return true;
  return manifest.base.name === settings.prefix &&
    !isFile(join(settings.directory, settings.prefix));
}

/** aofUpgradePrepare: the directory, the manifest (durably), then the file's move. */
function moveIntoAofDirectory(
  dir: string,
  settings: AofSettings,
  manifest: AofManifest | null,
): void {
  const { directory, prefix } = settings;
  const dirName = basename(directory);
  const target = join(directory, prefix);
  // Redis asserts this cannot happen; renaming would lose the file already there.
  if (isFile(target)) {
    throw new AofLoadError(
      `Can't migrate the old-style AOF file ${prefix}: ${dirName}/${prefix} already exists`,
    );
  }
  attempt(`Can't open or create append-only dir ${dirName}`, () => {
    Deno.mkdirSync(directory, { recursive: true });
  });
  const base = { name: prefix, seq: 1, type: "b" as const };
  attempt(`Can't write the AOF manifest of ${dirName}`, () => {
    persistManifest(directory, prefix, { base, incrs: [], history: manifest?.history ?? [] });
  });
  attempt(`Error trying to move the old AOF file ${prefix} into dir ${dirName}`, () => {
    Deno.renameSync(join(dir, prefix), target);
    syncDirectory(dir); // the old name gone and the new one there, both durable
    syncDirectory(directory);
  });
  log.notice(
    `Successfully migrated an old-style AOF file (${prefix}) into the AOF directory (${dirName}).`,
  );
}

/** Runs a step of the upgrade; a failure stops the server with Redis's reason for it. */
function attempt(failure: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    throw new AofLoadError(`${failure}: ${(err as Error).message}`);
  }
}
