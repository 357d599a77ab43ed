// The main thread's side of persistence: one place for the whole server's saves and loads.
// It runs SAVE / BGSAVE / BGSAVE SCHEDULE / DEBUG RELOAD / SHUTDOWN's save for the shards
// that ask, writes snapshots (every shard writes its part, snapshot_file.ts splices them into
// one RDB file), loads an RDB file at boot into the shards that own its keys, and tells every
// shard the status INFO persistence and LASTSAVE report.
//
// For the AOF: `writeSnapshot(path, { aofBase: true })` writes a point-in-time RDB of the
// whole server to `path` (atomically replaced) and resolves with its key count.
import { log } from "../log.ts";
import { Crc64 } from "./rdb/crc64.ts";
import { RdbFormatError } from "./rdb/constants.ts";
import { defaultAux, rdbFileVersion } from "./rdb/file.ts";
import {
  LoadBatchWriter,
  loadShardOf,
  RdbRecordScanner,
  SCAN_END,
  SCAN_RESIZE,
} from "./load_batch.ts";
import { dirOf, removeParts, type ShardPart } from "./snapshot_file.ts";
import { EncoderThread } from "./encoder_thread.ts";
import { initialStatus } from "./messages.ts";
import type {
  PersistFromWorker,
  PersistOp,
  PersistOptions,
  PersistReply,
  PersistStatus,
  PersistToWorker,
} from "./messages.ts";

export interface PersistSettings {
  save: string;
  dir: string;
  dbfilename: string;
  /** rdbchecksum: write the CRC-64 at the end of a file, and check it when loading. */
  rdbchecksum: boolean;
}

export interface LoadResult {
  keys: number;
  expired: number;
}

/**
 * The longest a persistence reply waits for every shard to take the status before it (a
 * safety net: a shard answers within one turn of its event loop).
 */
const STATUS_WAIT_MS = 1000;

/** Load batches (load_batch.ts) a shard may have queued before the scan waits for it. */
const LOAD_BATCHES_IN_FLIGHT = 4;

type Ack = { error?: string; keys?: number };

/** A snapshot the shards are streaming: one part file per shard, encoded on the encoder thread. */
interface SnapshotSession {
  paths: string[];
  left: number;
  error?: string;
  done: (parts: ShardPart[]) => void;
  fail: (e: Error) => void;
}

export class PersistenceCoordinator {
  readonly status: PersistStatus;
  #settings: PersistSettings;
  #nextId = 0;
  #snapshots = 0;
  #waiting = new Map<number, { replies: Ack[]; left: number; done: (r: Ack[]) => void }>();
  #sessions = new Map<number, SnapshotSession>();
  readonly #encoder = new EncoderThread();
  /** The last status broadcast's number, and per shard the last one it has taken. */
  #statusSeq = 0;
  readonly #statusSeen: number[];
  #statusWaiters: Array<() => void> = [];

  constructor(
    private readonly workers: Worker[],
    private readonly changes: Float64Array,
    settings: PersistSettings,
    private readonly databases: number,
    /** Stops the server (SHUTDOWN after its save). */
    private readonly stop: () => void,
    /** The server's memory in use, for a snapshot's used-mem field. */
    private readonly usedMemory: () => number = () => 0,
  ) {
    this.#settings = settings;
    this.status = initialStatus(Date.now(), workers.length);
    this.#statusSeen = workers.map(() => 0);
  }

  get settings(): PersistSettings {
    return this.#settings;
  }

  /** dir/dbfilename. */
  get rdbPath(): string {
    return `${this.#settings.dir.replace(/\/+$/, "") || "."}/${this.#settings.dbfilename}`;
  }

  /** Handles a worker's persistence message; false when it is not one. */
  onMessage(worker: Worker, msg: { type: string }): boolean {
    const m = msg as PersistFromWorker;
    switch (m.type) {
      case "persist-config":
        this.#settings = {
          save: m.save,
          dir: m.dir,
          dbfilename: m.dbfilename,
          rdbchecksum: m.rdbchecksum,
        };
        return true;
      case "persist-request":
        // The reply waits until every shard has the status the request led to: a client that
        // asks INFO or LASTSAVE next, on any connection, sees it, as in Redis.
        this.#request(m.op, m.options).then(async (reply) => {
          await this.#statusTaken();
          this.#post(worker, { type: "persist-reply", reqId: m.reqId, reply });
          if (m.op === "shutdown" && reply.error === undefined) this.stop();
        });
        return true;
      case "snapshot-chunk": {
        const options = { ...m.limits, compress: m.compress, access: m.access };
        // Without a session (a rewrite given up) the encoder only releases the chunk.
        this.#encoder.chunk(m.id, m.shardId, m.data, options, m.flow, m.slot);
        return true;
      }
      case "snapshot-done": {
        const session = this.#sessions.get(m.id);
        if (session) this.#partDone(m.id, session, m.error);
        return true;
      }
      case "persist-status-seen": {
        this.#statusSeen[m.shardId] = Math.max(this.#statusSeen[m.shardId], m.seq);
        if (this.#statusSeen.every((seq) => seq >= this.#statusSeq)) {
          for (const resolve of this.#statusWaiters.splice(0)) resolve();
        }
        return true;
      }
      case "persist-ack": {
        const wait = this.#waiting.get(m.id);
        if (!wait) return true;
        wait.replies[m.shardId] = m;
        if (--wait.left === 0) {
          this.#waiting.delete(m.id);
          wait.done(wait.replies);
        }
        return true;
      }
    }
    return false;
  }

  #post(worker: Worker, msg: PersistToWorker, transfer: Transferable[] = []): void {
    worker.postMessage(msg, transfer);
  }

  #broadcast(): void {
    const seq = ++this.#statusSeq;
    for (const w of this.workers) {
      this.#post(w, { type: "persist-status", status: this.status, seq });
    }
  }

  /** Resolves once every shard has taken the last status broadcast (or STATUS_WAIT_MS on). */
  #statusTaken(): Promise<void> {
    if (this.#statusSeen.every((seq) => seq >= this.#statusSeq)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, STATUS_WAIT_MS);
      this.#statusWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends each shard its message and resolves with their replies in shard order. */
  #askAll(make: (shard: number, id: number) => PersistToWorker | null): Promise<Ack[]> {
    const id = ++this.#nextId;
    const messages = this.workers.map((_, s) => make(s, id));
    const left = messages.filter((m) => m !== null).length;
    if (left === 0) return Promise.resolve([]);
    return new Promise((done) => {
      this.#waiting.set(id, { replies: [], left, done });
      messages.forEach((m, s) => {
        if (m) {
          this.#post(
            this.workers[s],
            m,
            m.type === "load-batch" ? [m.batch.buffer as ArrayBuffer] : [],
          );
        }
      });
    });
  }

  async #request(op: PersistOp, options: PersistOptions): Promise<PersistReply> {
    switch (op) {
      case "save":
        if (this.status.saving) return { error: "ERR Background save already in progress" };
        return (await this.save("save", options)) ? {} : { error: "ERR" };
      case "bgsave":
      case "bgsave-schedule":
        if (this.status.saving) {
          if (op === "bgsave") return { error: "ERR Background save already in progress" };
          this.status.scheduled = true;
          this.#broadcast();
          return { status: "Background saving scheduled" };
        }
        this.save("bgsave", options);
        return { status: "Background saving started" };
      case "reload":
        return await this.#reload(
          options.reload ?? { save: true, flush: true, merge: false },
          options,
        );
      case "shutdown":
        if (
          options.how === "save" || (options.how === "default" && this.#settings.save.trim() !== "")
        ) {
          if (!(await this.saveForShutdown())) {
            return { error: "ERR Errors trying to SHUTDOWN. Check logs." };
          }
        }
        return {};
    }
  }

  /**
   * A save to dir/dbfilename with Redis's bookkeeping (LASTSAVE, the change counter, INFO's
   * rdb_* fields); false when it failed (logged). A BGSAVE resolves when the file is written.
   */
  async save(kind: "save" | "bgsave", options: PersistOptions = {}): Promise<boolean> {
    if (this.status.saving) return false;
    const started = Date.now();
    const changesAtStart = Array.from(this.changes);
    this.status.saving = true;
    if (kind === "bgsave") {
      this.status.bgsaveStartedMs = started;
      log.notice("Background saving started");
    }
    this.#broadcast();
    let ok = true;
    try {
      await this.writeSnapshot(this.rdbPath, { together: !options.locksHeld });
      log.notice(
        kind === "bgsave" ? "Background saving terminated with success" : "DB saved on disk",
      );
    } catch (e) {
      ok = false;
      log.warning(`Failed saving the DB to ${this.rdbPath}: ${(e as Error).message}`);
    }
    const s = this.status;
    s.saving = false;
    if (ok) {
      s.changesAtLastSave = changesAtStart;
      s.lastSave = Math.floor(Date.now() / 1000);
      s.saves++;
    }
    if (kind === "bgsave") {
      s.bgsaveStartedMs = 0;
      s.lastBgsaveOk = ok;
      s.lastBgsaveTimeSec = Math.round((Date.now() - started) / 1000);
    } else if (ok) s.lastBgsaveOk = true;
    this.#broadcast();
    if (s.scheduled) {
      s.scheduled = false;
      this.save("bgsave");
    }
    return ok;
  }

  /** The save SHUTDOWN and SIGTERM make when save points are set (or SHUTDOWN SAVE). */
  async saveForShutdown(): Promise<boolean> {
    log.notice("Saving the final RDB snapshot before exiting.");
    while (this.status.saving) await new Promise((r) => setTimeout(r, 10));
    const ok = await this.save("save");
    if (!ok) log.warning("Error trying to save the DB, can't exit.");
    return ok;
  }

  /** Whether a signal should save before stopping (save points configured). */
  get savesOnShutdown(): boolean {
    return this.#settings.save.trim() !== "";
  }

  /** A point-in-time RDB file of every shard's keys at `path`; resolves with its key count. */
  async writeSnapshot(
    path: string,
    options: { aofBase?: boolean; together?: boolean } = {},
  ): Promise<number> {
    const id = ++this.#nextId;
    const collected = this.collectSnapshot(id, dirOf(path));
    // Shard 0 starts every shard's walk at one instant (shard_persistence.ts), unless the
    // caller's EXEC holds the locks that takes.
    const together = options.together ?? true;
    for (const w of together ? this.workers.slice(0, 1) : this.workers) {
      this.#post(w, { type: "snapshot", id, together });
    }
    const parts = await collected;
    try {
      const aux = defaultAux(Date.now(), this.usedMemory());
      if (options.aofBase) aux[aux.length - 1] = ["aof-base", 1];
      return await this.#encoder.splice(id, path, parts, aux, this.#settings.rdbchecksum);
    } finally {
      await removeParts(parts.map((p) => p.path));
    }
  }

  /**
   * The parts of snapshot `id` as every shard streams it (asked by a "snapshot" message, or
   * started by the shards themselves: the AOF rewrite), encoded into part files in `dir`. The
   * caller removes them (removeParts); on failure they are removed already.
   */
  collectSnapshot(id: number, dir: string): Promise<ShardPart[]> {
    const paths = this.workers.map((_, s) => `${dir}/temp-${Deno.pid}-${id}-shard${s}.part`);
    return new Promise((done, fail) => {
      this.#encoder.open(id, paths);
      this.#sessions.set(id, { paths, left: paths.length, done, fail });
    });
  }

  async #partDone(id: number, session: SnapshotSession, error?: string): Promise<void> {
    session.error ??= error;
    if (--session.left > 0) return;
    this.#sessions.delete(id);
    let sections: ShardPart["sections"][] = [];
    try {
      sections = await this.#encoder.finish(id);
    } catch (e) {
      session.error ??= (e as Error).message;
    }
    if (session.error !== undefined) {
      await removeParts(session.paths);
      session.fail(new Error(session.error));
      return;
    }
    session.done(session.paths.map((path, s) => ({ path, sections: sections[s] })));
  }

  #setLoading(loading: boolean): void {
    this.status.loading = loading;
    this.#broadcast();
  }

  /**
   * Loads the RDB file at `path` into the shards (keys already expired are skipped, as a
   * master does). null when there is no file. Throws (RdbFormatError...) for a file that
   * is not a whole, valid RDB; its checksum is checked before any key is stored.
   */
  async load(path: string, { replace = false } = {}): Promise<LoadResult | null> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    verifyWholeFile(bytes, this.#settings.rdbchecksum);
    const started = performance.now();
    this.#setLoading(true);
    try {
      const result = await this.#distribute(bytes, started, replace);
      this.status.lastLoadKeysLoaded = result.keys;
      this.status.lastLoadKeysExpired = result.expired;
      log.notice(`Done loading RDB, keys loaded: ${result.keys}, keys expired: ${result.expired}.`);
      log.notice(
        `DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`,
      );
      return result;
    } finally {
      this.#setLoading(false);
    }
  }

  /**
   * Cuts the file into key records and sends each shard its own in batches (load_batch.ts),
   * up to LOAD_BATCHES_IN_FLIGHT per shard, so the shards decode and store while the file is
   * scanned here. Keys already expired are counted and left out.
   */
  async #distribute(bytes: Uint8Array, started: number, replace: boolean): Promise<LoadResult> {
    const shards = this.workers.length;
    const scanner = new RdbRecordScanner(bytes, this.databases);
    const writers = this.workers.map(() => new LoadBatchWriter());
    const inFlight: Promise<number>[][] = this.workers.map(() => []);
    let keys = 0, sent = 0, expired = 0, lastLog = started;
    const send = async (shard: number) => {
      const batch = writers[shard].take();
      inFlight[shard].push(
        this.#askAll((s, id) => s === shard ? { type: "load-batch", id, batch, replace } : null)
          .then(
            (acks) => {
              const ack = acks[shard];
              if (ack.error !== undefined) throw new RdbFormatError(ack.error);
              return ack.keys ?? 0;
            },
          ),
      );
      // Rejections are taken where the promise is awaited (here or at the end).
      inFlight[shard].at(-1)!.catch(() => {});
      if (inFlight[shard].length > LOAD_BATCHES_IN_FLIGHT) keys += await inFlight[shard].shift()!;
      const t = performance.now();
      if (t - lastLog >= 1000) {
        lastLog = t;
        const percent = (scanner.position / bytes.length * 100).toFixed(1);
        const rate = Math.round(sent / ((t - started) / 1000));
        log.notice(`Loading RDB: ${percent}% (${sent} keys, ${rate} keys/s)`);
      }
    };
    const now = Date.now();
    for (let found = scanner.next(); found !== SCAN_END; found = scanner.next()) {
      if (found === SCAN_RESIZE) {
        // Each shard gets about its share of the db's keys; a little slack for uneven slots.
        const share = shards === 1 ? scanner.dbSize : Math.ceil(scanner.dbSize / shards * 1.1);
        for (const w of writers) w.addResize(scanner.db, share);
        continue;
      }
      const expireAt = scanner.expireAtMs; // NaN: none (0 would be a time long past)
      if (expireAt < now) {
        expired++;
        continue;
      }
      const shard = loadShardOf(scanner.slot, shards);
      const writer = writers[shard];
      writer.addKey(
        scanner.db,
        expireAt || 0,
        bytes,
        scanner.recordStart,
        scanner.position,
        scanner,
      );
      sent++;
      if (writer.full) await send(shard);
    }
    for (let s = 0; s < shards; s++) if (writers[s].length > 0) await send(s);
    for (const queue of inFlight) for (const done of queue) keys += await done;
    return { keys, expired };
  }

  /** DEBUG RELOAD: save, empty every shard, load the file back. A key of the file that exists
   * (NOFLUSH, or twice in the file) replaces ours with MERGE, else fails the load, as Redis. */
  async #reload(
    { save, flush, merge }: { save: boolean; flush: boolean; merge: boolean },
    options: PersistOptions,
  ): Promise<PersistReply> {
    if (this.status.saving) return { error: "ERR Background save already in progress" };
    if (save && !(await this.save("save", options))) return { error: "ERR" };
    this.#setLoading(true);
    if (flush) await this.#askAll((_, id) => ({ type: "flush", id }));
    try {
      await this.load(this.rdbPath, { replace: merge });
    } catch (e) {
      log.warning(`Error loading ${this.rdbPath}: ${(e as Error).message}`);
      this.#setLoading(false);
      return { error: "ERR Error trying to load the RDB dump, check server logs." };
    }
    log.notice("DB reloaded by DEBUG RELOAD");
    return {};
  }
}

/** The signature, version and (for version 5 and later, with `checksum`: rdbchecksum) the
 * CRC-64 of the whole file. */
function verifyWholeFile(bytes: Uint8Array, checksum: boolean): void {
  const version = rdbFileVersion(bytes);
  if (version < 5) return;
  if (bytes.length < 18) throw new RdbFormatError("the file is truncated");
  const stored = bytes.subarray(bytes.length - 8);
  if (!checksum || stored.every((b) => b === 0)) return;
  const crc = new Crc64().update(bytes, 0, bytes.length - 8).bytes();
  if (!crc.every((b, i) => b === stored[i])) {
    throw new RdbFormatError("wrong RDB checksum (the file is truncated or corrupt)");
  }
}
