// The snapshot encoder thread: a Worker that turns the shards' raw records into RDB part files
// (PartEncoder) at the lowest scheduling priority, so that while a BGSAVE runs the threads
// serving requests (the shards) always win a core over it and it gets the CPU they leave.
// The shards pause their walk while their chunks queue here (snapshot_shard.ts: flow control),
// so memory stays bounded, and a nice-19 thread is never starved outright by CFS: under a
// saturating load the snapshot just takes longer.
import { setPriority } from "node:os";
import { PartEncoder } from "./snapshot_encoder.ts";
import { writeSnapshotFile } from "./snapshot_file.ts";
import { releaseChunk } from "./snapshot_shard.ts";
import type { FromEncoder, ToEncoder } from "./encoder_messages.ts";

/** The nice value of this thread (19: the lowest priority an unprivileged thread can take). */
const ENCODER_NICE = 19;

const post = (m: FromEncoder) => (self as unknown as Worker).postMessage(m);

function lowerPriority(): void {
  try {
    // Linux keeps the nice value per thread, and `who` 0 names the calling thread only (what
    // setpriority(2) calls a deviation from POSIX): the rest of the process keeps its own.
    setPriority(0, ENCODER_NICE);
    post({ type: "priority", nice: ENCODER_NICE });
  } catch (e) {
    post({ type: "priority", nice: 0, error: (e as Error).message });
  }
}

const sessions = new Map<number, PartEncoder[]>();

// Before any message: no chunk is ever encoded at the shards' own priority.
lowerPriority();

self.onmessage = (e: MessageEvent<ToEncoder>) => handle(e.data);

function handle(m: ToEncoder): void {
  switch (m.type) {
    case "open":
      sessions.set(m.id, m.paths.map((p) => new PartEncoder(p)));
      break;
    case "chunk":
      sessions.get(m.id)?.[m.shard].push(m.data, m.options);
      releaseChunk(m.flow, m.slot);
      break;
    case "finish": {
      const encoders = sessions.get(m.id);
      sessions.delete(m.id);
      // Unknown: opened on a thread that died since (its parts are incomplete).
      let error = encoders ? undefined : "the snapshot encoder was restarted";
      const sections = (encoders ?? []).map((encoder) => {
        try {
          return encoder.finish();
        } catch (e) {
          error ??= (e as Error).message;
          return [];
        }
      });
      post({ type: "done", id: m.id, ...(error === undefined ? { sections } : { error }) });
      break;
    }
    case "splice":
      writeSnapshotFile(m.target, m.parts, m.aux).then(
        (keys) => post({ type: "done", id: m.id, keys }),
        (e) => post({ type: "done", id: m.id, error: (e as Error).message }),
      );
      break;
  }
}
