// The main thread's handle on the snapshot encoder thread (encoder_worker.ts): started on the
// first snapshot and kept, it forwards the shards' chunks (in shared slots or transferred, never
// copied), resolves each snapshot's part sections when its parts are closed, and has the thread
// splice the parts into the RDB file (the CRC-64 of the whole file is CPU best spent at the low
// priority too).
import { log } from "../log.ts";
import type { SnapshotEncodeOptions } from "./snapshot_encoder.ts";
import { type PartSection, releaseAllChunks, releaseChunk } from "./snapshot_chunks.ts";
import type { ShardPart } from "./snapshot_file.ts";
import type { WriteOptions } from "./rdb/file.ts";
import type { FromEncoder, ToEncoder } from "./encoder_messages.ts";

type Done = Extract<FromEncoder, { type: "done" }>;

interface Pending {
  done: (reply: Done) => void;
  fail: (e: Error) => void;
}

export class EncoderThread {
  #worker: Worker | null = null;
  #finishing = new Map<number, Pending>();
  /** Per open snapshot: the shards' flow controls seen, released if the thread dies. */
  #flows = new Map<number, Set<Int32Array>>();

  open(id: number, paths: string[]): void {
    this.#flows.set(id, new Set());
    this.#post({ type: "open", id, paths });
  }

  chunk(
    id: number,
    shard: number,
    data: Uint8Array,
    options: SnapshotEncodeOptions,
    flow: Int32Array,
    slot: number,
  ): void {
    const flows = this.#flows.get(id);
    if (!flows) return releaseChunk(flow, slot); // a snapshot given up: the shard must not wait
    flows.add(flow);
    const transfer = slot < 0 ? [data.buffer as ArrayBuffer] : [];
    this.#post({ type: "chunk", id, shard, data, options, flow, slot }, transfer);
  }

  /** Closes snapshot `id`'s parts (after every shard's last chunk): their sections. */
  async finish(id: number): Promise<PartSection[][]> {
    this.#flows.delete(id);
    return (await this.#ask({ type: "finish", id })).sections!;
  }

  /** writeSnapshotFile on the encoder thread: snapshot `id`'s parts into `target`; its keys. */
  async splice(
    id: number,
    target: string,
    parts: ShardPart[],
    aux: WriteOptions["aux"],
    checksum = true,
  ): Promise<number> {
    return (await this.#ask({ type: "splice", id, target, parts, aux, checksum })).keys!;
  }

  /** Sends a request; resolves with the thread's "done" for its id (rejects on its error). */
  #ask(m: Extract<ToEncoder, { type: "finish" | "splice" }>): Promise<Done> {
    return new Promise((done, fail) => {
      this.#finishing.set(m.id, { done, fail });
      this.#post(m);
    });
  }

  #post(m: ToEncoder, transfer: Transferable[] = []): void {
    (this.#worker ??= this.#start()).postMessage(m, transfer);
  }

  #start(): Worker {
    const worker = new Worker(new URL("./encoder_worker.ts", import.meta.url), {
      type: "module",
      name: "snapshot-encoder",
    });
    worker.onmessage = (e: MessageEvent<FromEncoder>) => {
      const m = e.data;
      if (m.type === "priority") {
        if (m.error) log.warning(`snapshot encoder: cannot lower its priority: ${m.error}`);
        else log.verbose(`snapshot encoder: nice ${m.nice}${m.idle ? ", SCHED_IDLE" : ""}`);
        return;
      }
      const pending = this.#finishing.get(m.id);
      this.#finishing.delete(m.id);
      if (m.error !== undefined) pending?.fail(new Error(m.error));
      else pending?.done(m);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#crashed(new Error(`snapshot encoder failed: ${e.message}`));
    };
    return worker;
  }

  /** The thread died: every snapshot in progress fails, and the next one starts a new thread. */
  #crashed(error: Error): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const flows of this.#flows.values()) for (const flow of flows) releaseAllChunks(flow);
    this.#flows.clear();
    for (const pending of this.#finishing.values()) pending.fail(error);
    this.#finishing.clear();
    log.warning(error.message);
  }
}
