// A shard's side of the AOF: follows the appendonly settings, runs the propagator, takes its
// part of a rewrite's snapshot, and (shard 0) coordinates rewrites and loads the AOF on boot.
import type { Shard } from "../../server/shard.ts";
import type { Peers } from "../../server/peers.ts";
import { runOnEveryShardAtOnce } from "../../server/cross_shard.ts";
import { log } from "../../log.ts";
import { AofPropagator } from "./propagate.ts";
import { type AofShared, REWRITE_CLAIM, REWRITE_CUT, REWRITE_ID, SEQ_NEXT } from "./shared.ts";
import { streamSnapshot } from "../shard_persistence.ts";
import { AOF_CONFIG_KEYS, aofSettings } from "./settings.ts";
import type { AofSettings } from "./writer.ts";

/** What a shard sends to the writer on the main thread. */
export type AofToMain =
  | { type: "aof-entries"; shardId: number; data: Uint8Array }
  /** The shard's walk for the rewrite's base started (its records follow as snapshot
   * chunks of snapshot -rewriteId, snapshot_shard.ts). */
  | { type: "aof-snapshot"; shardId: number; rewriteId: number; cut: number }
  | { type: "aof-config"; shardId: number; settings: AofSettings };

/** The snapshot id of a rewrite's base: negative, apart from the coordinator's own ids. */
export const aofSnapshotId = (rewriteId: number) => -rewriteId;

const REWRITE_COMMAND = [new TextEncoder().encode("BGREWRITEAOF")];

export class ShardAof {
  readonly propagator: AofPropagator;

  constructor(
    readonly shard: Shard,
    private readonly peers: Peers | null,
    readonly shared: AofShared,
    private readonly post: (msg: AofToMain) => void,
  ) {
    this.propagator = new AofPropagator(
      shard,
      shared,
      (data) => post({ type: "aof-entries", shardId: shard.id, data }),
    );
    this.propagator.alwaysFsync = shard.config.get("appendfsync") === "always";
  }

  /** From now on, follow CONFIG SET of the AOF keys; logs if appendonly is yes. */
  start(): void {
    const config = this.shard.config;
    config.onChange((name, value) => {
      if (!AOF_CONFIG_KEYS.has(name)) return;
      if (name === "appendfsync") this.propagator.alwaysFsync = value === "always";
      if (this.shard.id === 0) {
        this.post({
          type: "aof-config",
          shardId: 0,
          settings: aofSettings((n) => config.get(n)),
        });
      }
      if (name === "appendonly") {
        if (value === true) {
          this.#enable();
          // Redis's startAppendOnly: a rewrite writes the base the new log continues.
          if (this.shard.id === 0) this.#rewriteWhenFree();
        } else this.#disable();
      }
    });
    if (config.get("appendonly") === true) this.#enable();
  }

  #enable(): void {
    this.propagator.enable();
    this.shard.replyBarrier = () => this.propagator.replyBarrier();
  }

  #disable(): void {
    this.propagator.disable();
    this.shard.replyBarrier = null;
  }

  #rewriteWhenFree(): void {
    if (this.shard.config.get("appendonly") !== true) return;
    if (this.startRewrite() === "in-progress") setTimeout(() => this.#rewriteWhenFree(), 100);
  }

  /** BGREWRITEAOF: claims the one rewrite slot, then snapshots every shard at one instant. */
  startRewrite(): "started" | "in-progress" {
    const ints = this.shared.ints;
    if (Atomics.compareExchange(ints, REWRITE_CLAIM, 0, 1) !== 0) return "in-progress";
    const id = Atomics.add(ints, REWRITE_ID, 1) + 1;
    this.#snapshotEveryShard(id).catch((err) => {
      log.warning(`Background AOF rewrite failed: ${err instanceof Error ? err.message : err}`);
      Atomics.store(ints, REWRITE_CLAIM, 0);
    });
    return "started";
  }

  async #snapshotEveryShard(id: number): Promise<void> {
    const ints = this.shared.ints;
    const mark = () => {
      // Every shard is held: nothing is numbered until they are released.
      Atomics.store(ints, REWRITE_CUT, Atomics.load(ints, SEQ_NEXT));
      Atomics.store(ints, REWRITE_ID, id);
    };
    log.notice("Background append only file rewriting started");
    if (this.shard.count === 1) {
      mark();
      this.snapshotPart();
      return;
    }
    await runOnEveryShardAtOnce(this.shard, this.peers!, "aof", REWRITE_COMMAND, mark);
  }

  /**
   * This shard's part of the rewrite marked in the shared state (run under the locks): the
   * same snapshot walk as BGSAVE's, whose instant is now, the cut; it streams on after the
   * locks are released.
   */
  snapshotPart(): void {
    if (this.shard.config.get("appendonly") === true) this.#enable();
    this.propagator.flush(); // what came before the cut reaches the writer first
    const rewriteId = Atomics.load(this.shared.ints, REWRITE_ID);
    this.post({
      type: "aof-snapshot",
      shardId: this.shard.id,
      rewriteId,
      cut: Atomics.load(this.shared.ints, REWRITE_CUT),
    });
    streamSnapshot(this.shard, aofSnapshotId(rewriteId));
  }

  get rewriteInProgress(): boolean {
    return Atomics.load(this.shared.ints, REWRITE_CLAIM) !== 0;
  }
}
