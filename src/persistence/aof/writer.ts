// The AOF writer, on the main thread: merges the shards' logged commands in global sequence
// order into the current incremental file (SELECT when the db changes), fsyncs per
// appendfsync, keeps the manifest, and finishes rewrites (BGREWRITEAOF) with the shards'
// snapshots: a new base, a new incremental file, the manifest swapped atomically, old files
// removed.
import { concatBytes } from "../../cli/bytes.ts";
import { join } from "node:path";
import { ByteBuffer } from "../../protocol/byte_buffer.ts";
import { log } from "../../log.ts";
import { defaultAux, readRdbFile } from "../rdb/file.ts";
import { removeParts, type ShardPart, writeSnapshotFile } from "../snapshot_file.ts";
import {
  type AofFileInfo,
  type AofManifest,
  baseName,
  incrName,
  listsFiles,
  manifestName,
  parseManifest,
} from "./manifest.ts";
import {
  fileSize,
  persistManifest,
  replaceFileDurably,
  syncDirectory,
  writeAllSync,
} from "./files.ts";
import { datasetAsCommands, selectFrame } from "./commands.ts";
import { type AofShared, REWRITE_CLAIM, SEQ_DONE, seqDistance, STAT } from "./shared.ts";
import { u32le } from "../../protocol/bytes.ts";

export interface AofSettings {
  appendonly: boolean;
  appendfsync: "always" | "everysec" | "no";
  /** `dir` joined with `appenddirname`. */
  directory: string;
  /** appendfilename: the files' prefix. */
  prefix: string;
  autoRewritePercentage: number;
  autoRewriteMinSize: number;
  rdbPreamble: boolean;
  /** rdbchecksum: an RDB base ends with its CRC-64 (else 0). */
  rdbChecksum: boolean;
}

/** An open incremental file and what is waiting to be written to it. */
class IncrTarget {
  readonly pending = new ByteBuffer(64 * 1024);
  lastDb = -1;
  dirty = false;
  constructor(readonly info: AofFileInfo, readonly file: Deno.FsFile) {}

  add(db: number, frame: Uint8Array): void {
    if (db !== this.lastDb) {
      this.pending.raw(selectFrame(db));
      this.lastDb = db;
    }
    this.pending.raw(frame);
  }

  /** Writes what is pending; returns the bytes written. */
  write(): number {
    const n = this.pending.length;
    if (n === 0) return 0;
    writeAllSync(this.file, this.pending.bytes());
    this.pending.reset();
    this.pending.shrinkIfIdle();
    this.dirty = true;
    return n;
  }

  fsync(): void {
    if (!this.dirty) return;
    this.file.syncDataSync();
    this.dirty = false;
  }
}

interface Rewrite {
  id: number;
  cut: number;
  startedAt: number;
}

/** Collects the parts of a snapshot the shards stream (PersistenceCoordinator.collectSnapshot). */
export type CollectSnapshot = (rewriteId: number, dir: string) => Promise<ShardPart[]>;

interface Queued {
  data: Uint8Array;
  pos: number;
}

export class AofWriter {
  #manifest: AofManifest = { base: null, incrs: [], history: [] };
  #current: IncrTarget | null = null;
  /** During a rewrite: the incremental file commands numbered before the cut still go to. */
  #previous: IncrTarget | null = null;
  #rewrite: Rewrite | null = null;
  /** Parts of a rewrite abandoned (appendonly turned off) may still arrive: ignored. */
  #abandonedId = 0;
  #queues: Queued[][];
  #nextSeq = 0;
  #size = 0;
  #baseSize = 0;
  #rewriteRequested = false;
  #fsyncTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private settings: AofSettings,
    private readonly shared: AofShared,
    shardCount: number,
    /** Ask the shards for a rewrite (auto-aof-rewrite, CONFIG SET appendonly yes). */
    private readonly requestRewrite: () => void,
    /** The base's snapshot: the same walk and part files as BGSAVE's. */
    private readonly collect: CollectSnapshot,
    /** The server's memory in use, for the base's used-mem field. */
    private readonly usedMemory: () => number = () => 0,
  ) {
    this.#queues = Array.from({ length: shardCount }, () => []);
  }

  get manifestPath(): string {
    return join(this.settings.directory, manifestName(this.settings.prefix));
  }

  /**
   * At boot, after the AOF (if any) was loaded, before clients are served: Redis 7.0's
   * aofOpenIfNeededOnServerStart. When the manifest lists no file (a first start: no manifest,
   * or one of comments or history files alone) the dataset is empty (appendonly yes loads no
   * RDB) and a base of it is written first, by the rewrite's base writer; then the manifest's
   * last incremental file is opened for appending, or a new one, and the manifest persisted.
   * Files a rewrite left as history are then deleted (aofDelHistoryFiles), with appendonly
   * no as well: Redis reads the manifest at every start.
   */
  async start(): Promise<void> {
    const s = this.settings;
    if (!s.appendonly) return await this.#removeHistory();
    Deno.mkdirSync(s.directory, { recursive: true });
    const m = this.#manifest = this.#manifestOnDisk();
    const first = !listsFiles(m);
    if (first) {
      const base = this.#nextBaseInfo();
      await writeBase(s.directory, base.name, [], s.rdbPreamble, this.usedMemory(), s.rdbChecksum);
      m.base = base;
      log.notice(`Creating AOF base file ${base.name} on server start`);
    }
    const last = m.incrs.at(-1);
    this.#current = this.#openIncr(last ?? this.#nextIncrInfo());
    if (!last) m.incrs.push(this.#current.info);
    const history = m.history;
    m.history = [];
    if (first || !last || history.length) this.#persistManifest();
    const name = this.#current.info.name;
    log.notice(`${last ? "Opening" : "Creating"} AOF incr file ${name} on server start`);
    await this.#removeUnlisted(history);
    // As Redis, a base written here is not counted (nothing was loaded): both sizes start at 0.
    this.#size = first ? 0 : this.#filesSize();
    this.#baseSize = this.#size;
    this.#publishSizes();
    this.#armFsyncTimer();
  }

  configure(settings: AofSettings): void {
    const was = this.settings;
    this.settings = settings;
    if (was.appendonly && !settings.appendonly) this.#stop();
    this.#armFsyncTimer();
  }

  /** appendonly turned off: flush, fsync and close (Redis's stopAppendOnly). */
  #stop(): void {
    for (const target of [this.#previous, this.#current]) {
      if (!target) continue;
      target.write();
      target.fsync();
      target.file.close();
    }
    this.#previous = this.#current = null;
    if (this.#rewrite) this.#abandonRewrite("appendonly turned off");
  }

  #armFsyncTimer(): void {
    clearInterval(this.#fsyncTimer);
    this.#fsyncTimer = undefined;
    if (this.settings.appendonly && this.settings.appendfsync === "everysec") {
      this.#fsyncTimer = setInterval(() => this.#fsyncAll(), 1000);
    }
  }

  #fsyncAll(): void {
    try {
      this.#previous?.fsync();
      this.#current?.fsync();
    } catch (err) {
      this.#writeFailed(err);
    }
  }

  /** A batch of entries from a shard ([u32 seq][u8 db][u32 length][frame]...). */
  onEntries(shardId: number, data: Uint8Array): void {
    this.#queues[shardId].push({ data, pos: 0 });
    this.#pump();
  }

  #pump(): void {
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const queue of this.#queues) {
        while (queue.length) {
          const head = queue[0], d = head.data, p = head.pos;
          const seq = (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) | 0;
          if (seq !== this.#nextSeq) break;
          const len = u32le(d, p + 5);
          this.#route(seq, d[p + 4], d.subarray(p + 9, p + 9 + len));
          head.pos = p + 9 + len;
          if (head.pos >= d.length) queue.shift();
          this.#nextSeq = (this.#nextSeq + 1) | 0;
          progressed = true;
        }
      }
    }
    this.#flushWrites();
  }

  #route(seq: number, db: number, frame: Uint8Array): void {
    const rewrite = this.#rewrite;
    if (rewrite && seqDistance(seq, rewrite.cut) < 0) {
      this.#previous?.add(db, frame); // before the cut: the old file (none: dropped)
      return;
    }
    this.#current?.add(db, frame);
  }

  #flushWrites(): void {
    try {
      for (const target of [this.#previous, this.#current]) {
        if (!target) continue;
        this.#size += target.write();
        if (this.settings.appendfsync === "always") target.fsync();
      }
      this.shared.stats[STAT.lastWriteOk] = 1;
    } catch (err) {
      this.#writeFailed(err);
    }
    const rewrite = this.#rewrite;
    if (this.#previous && rewrite && seqDistance(this.#nextSeq, rewrite.cut) >= 0) {
      this.#closePrevious();
    }
    Atomics.store(this.shared.ints, SEQ_DONE, this.#nextSeq);
    Atomics.notify(this.shared.ints, SEQ_DONE);
    this.#publishSizes();
    this.#maybeAutoRewrite();
  }

  #writeFailed(err: unknown): void {
    if (this.shared.stats[STAT.lastWriteOk] === 1) {
      log.warning(`Error writing to the AOF file: ${err instanceof Error ? err.message : err}`);
    }
    this.shared.stats[STAT.lastWriteOk] = 0;
  }

  #closePrevious(): void {
    const previous = this.#previous!;
    this.#previous = null;
    try {
      previous.write();
      previous.fsync();
    } catch (err) {
      this.#writeFailed(err);
    }
    previous.file.close();
  }

  #maybeAutoRewrite(): void {
    const s = this.settings;
    if (!s.appendonly || this.#rewrite || this.#rewriteRequested || s.autoRewritePercentage <= 0) {
      return;
    }
    if (this.#size <= s.autoRewriteMinSize) return;
    const base = this.#baseSize || 1;
    const growth = Math.floor(this.#size * 100 / base) - 100;
    if (growth < s.autoRewritePercentage) return;
    log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
    this.#rewriteRequested = true;
    this.requestRewrite();
  }

  /**
   * A shard started its part of a rewrite under every shard's lock at sequence `cut`; the
   * first one begins the rewrite and collects the parts the shards then stream.
   */
  onSnapshot(_shardId: number, id: number, cut: number): void {
    if (id <= this.#abandonedId || this.#rewrite?.id === id) return;
    const rewrite = this.#beginRewrite(id, cut);
    if (!rewrite) return;
    this.collect(id, this.settings.directory).then(
      (parts) => this.#finishRewrite(rewrite, parts),
      (err) => {
        if (this.#rewrite === rewrite) this.#abandonRewrite((err as Error).message);
      },
    );
  }

  /** The first part arrived: what follows the cut goes to a new incremental file. */
  #beginRewrite(id: number, cut: number): Rewrite | null {
    // No open file: the AOF was off (CONFIG SET appendonly yes), nothing before the cut is kept.
    const fromScratch = this.#current === null;
    const rewrite: Rewrite = { id, cut, startedAt: Date.now() };
    this.#rewrite = rewrite;
    this.#rewriteRequested = false;
    this.shared.stats[STAT.rewriteStartedAt] = rewrite.startedAt;
    if (fromScratch) this.#manifest = this.#manifestOnDisk(); // its files are replaced
    try {
      Deno.mkdirSync(this.settings.directory, { recursive: true }); // the parts go there
      if (!this.settings.appendonly && fromScratch) return rewrite; // base only
      const next = this.#openIncr(this.#nextIncrInfo());
      this.#previous = this.#current;
      this.#current = next;
      if (!fromScratch) {
        // Redis's openNewIncrAofForAppend: the new file joins the manifest at once, so a
        // crash during the rewrite still loads everything.
        this.#manifest.incrs.push(next.info);
        this.#persistManifest();
      }
      log.notice(`Creating AOF incr file ${next.info.name} on background rewrite`);
    } catch (err) {
      this.#abandonRewrite(err instanceof Error ? err.message : String(err));
      return null;
    }
    return rewrite;
  }

  async #finishRewrite(rewrite: Rewrite, parts: ShardPart[]): Promise<void> {
    const s = this.settings;
    try {
      if (this.#rewrite !== rewrite) return; // abandoned meanwhile
      const old = this.#manifest;
      const base = this.#nextBaseInfo();
      await writeBase(
        s.directory,
        base.name,
        parts,
        s.rdbPreamble,
        this.usedMemory(),
        s.rdbChecksum,
      );
      if (this.#rewrite !== rewrite) { // appendonly turned off while the base was written
        await Deno.remove(join(s.directory, base.name)).catch(() => {});
        return;
      }
      const incrs = this.#current ? [this.#current.info] : [];
      this.#manifest = { base, incrs, history: [] };
      this.#persistManifest();
      await this.#removeUnlisted([...(old.base ? [old.base] : []), ...old.incrs, ...old.history]);
      this.#size = this.#filesSize();
      this.#baseSize = this.#size;
      const stats = this.shared.stats;
      stats[STAT.lastRewriteOk] = 1;
      stats[STAT.rewrites]++;
      stats[STAT.consecutiveFailures] = 0;
      stats[STAT.lastRewriteSec] = Math.round((Date.now() - rewrite.startedAt) / 1000);
      log.notice("Background AOF rewrite finished successfully");
      this.#endRewrite();
    } catch (err) {
      if (this.#rewrite === rewrite) this.#abandonRewrite(String((err as Error)?.message ?? err));
    } finally {
      await removeParts(parts.map((p) => p.path));
    }
  }

  #abandonRewrite(why: string): void {
    this.#abandonedId = Math.max(this.#abandonedId, this.#rewrite?.id ?? 0);
    log.warning(`Background AOF rewrite failed: ${why}`);
    this.shared.stats[STAT.lastRewriteOk] = 0;
    this.shared.stats[STAT.consecutiveFailures]++;
    this.#endRewrite();
  }

  #endRewrite(): void {
    if (this.#previous && this.#rewrite && seqDistance(this.#nextSeq, this.#rewrite.cut) >= 0) {
      this.#closePrevious();
    }
    this.#rewrite = null;
    this.shared.stats[STAT.rewriteStartedAt] = 0;
    this.#publishSizes();
    Atomics.store(this.shared.ints, REWRITE_CLAIM, 0);
  }

  #manifestOnDisk(): AofManifest {
    try {
      return parseManifest(Deno.readTextFileSync(this.manifestPath));
    } catch {
      return { base: null, incrs: [], history: [] };
    }
  }

  /** getNewBaseFileNameAndMarkPreAsHistory's name: the base's sequence number plus one. */
  #nextBaseInfo(): AofFileInfo {
    const seq = (this.#manifest.base?.seq ?? 0) + 1;
    return { name: baseName(this.settings.prefix, seq, this.settings.rdbPreamble), seq, type: "b" };
  }

  #nextIncrInfo(): AofFileInfo {
    const seq = (this.#manifest.incrs.at(-1)?.seq ?? 0) + 1;
    return { name: incrName(this.settings.prefix, seq), seq, type: "i" };
  }

  #openIncr(info: AofFileInfo): IncrTarget {
    const path = join(this.settings.directory, info.name);
    const file = Deno.openSync(path, { write: true, create: true, append: true });
    syncDirectory(this.settings.directory);
    return new IncrTarget(info, file);
  }

  /** With appendonly no: the manifest's history files go, and the manifest without them is
   * persisted (Redis 7.0's main calls aofDelHistoryFiles whatever appendonly says). */
  async #removeHistory(): Promise<void> {
    const m = this.#manifest = this.#manifestOnDisk();
    const history = m.history;
    if (history.length === 0) return;
    m.history = [];
    this.#persistManifest();
    await this.#removeUnlisted(history);
  }

  /** aofDelHistoryFiles: deletes those of `files` the manifest no longer lists (at a start,
   * or once a rewrite's new manifest is persisted). */
  async #removeUnlisted(files: AofFileInfo[]): Promise<void> {
    const m = this.#manifest;
    const listed = new Set([m.base?.name, ...m.incrs.map((f) => f.name)]);
    for (const f of files) {
      if (listed.has(f.name)) continue;
      log.notice(`Removing the history file ${f.name} in the background`);
      await Deno.remove(join(this.settings.directory, f.name)).catch(() => {});
    }
  }

  #persistManifest(): void {
    persistManifest(this.settings.directory, this.settings.prefix, this.#manifest);
  }

  #filesSize(): number {
    const m = this.#manifest, dir = this.settings.directory;
    return [...(m.base ? [m.base] : []), ...m.incrs]
      .reduce((n, f) => n + fileSize(join(dir, f.name)), 0);
  }

  #publishSizes(): void {
    const stats = this.shared.stats;
    stats[STAT.currentSize] = this.#size;
    stats[STAT.baseSize] = this.#baseSize;
  }

  /** Shutdown: everything written and fsynced. */
  close(): void {
    this.#pump();
    clearInterval(this.#fsyncTimer);
    if (this.settings.appendonly) this.#stop();
  }
}

/** The AUX fields of a base file: a plain save's, with aof-base 1 (rdbSaveInfoAuxFields). */
function baseAux(usedMemory: number): Array<[string, string | number]> {
  return defaultAux(Date.now(), usedMemory).map(([k, v]) => [k, k === "aof-base" ? 1 : v]);
}

/**
 * Writes the rewrite's base `name` in `dir` from the snapshot's parts (temp file, fsync,
 * rename, directory fsync): an RDB with aof-base 1, or, without the RDB preamble, that RDB's
 * keys as commands.
 */
async function writeBase(
  dir: string,
  name: string,
  parts: ShardPart[],
  rdbPreamble: boolean,
  usedMemory: number,
  checksum: boolean,
): Promise<void> {
  const temp = join(dir, `temp-rewriteaof-bg-${Deno.pid}.aof`);
  if (rdbPreamble) {
    await writeSnapshotFile(join(dir, name), parts, baseAux(usedMemory), { temp, checksum });
    return;
  }
  const rdb = join(dir, `temp-rewriteaof-bg-${Deno.pid}.rdb`);
  try {
    await writeSnapshotFile(rdb, parts, baseAux(usedMemory), { temp, checksum });
    const { databases } = readRdbFile(await Deno.readFile(rdb));
    replaceFileDurably(dir, name, concatBytes(datasetAsCommands(databases)));
  } finally {
    await Deno.remove(rdb).catch(() => {});
  }
}
