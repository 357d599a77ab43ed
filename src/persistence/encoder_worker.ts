// The snapshot encoder thread: a Worker that turns the shards' raw records into RDB part files
// (PartEncoder) at the lowest scheduling priority (nice 19, then the SCHED_IDLE policy), so
// that while a BGSAVE runs the threads serving requests (the shards) always win a core over it
// and it gets the CPU they leave.
// The shards pause their walk while their chunks queue here (snapshot_shard.ts: flow control),
// so memory stays bounded, and such a thread is never starved outright by the scheduler: under a
// saturating load the snapshot just takes longer.
import { setPriority } from "node:os";
import { PartEncoder } from "./snapshot_encoder.ts";
import { writeSnapshotFile } from "./snapshot_file.ts";
import { releaseChunk } from "./snapshot_chunks.ts";
import type { FromEncoder, ToEncoder } from "./encoder_messages.ts";
import { WalkLog } from "./walk_log.ts";

/** The nice value of this thread (19: the lowest priority an unprivileged thread can take). */
const ENCODER_NICE = 19;

const post = (m: FromEncoder) => (self as unknown as Worker).postMessage(m);

function lowerPriority(): void {
  try {
    // Linux keeps the nice value per thread, and `who` 0 names the calling thread only (what
    // setpriority(2) calls a deviation from POSIX): the rest of the process keeps its own.
    setPriority(0, ENCODER_NICE);
  } catch (e) {
    return post({ type: "priority", nice: 0, error: (e as Error).message });
  }
  post({ type: "priority", nice: ENCODER_NICE, idle: idlePolicy() });
}

/** sched(7)'s SCHED_IDLE. */
const SCHED_IDLE = 5;

/**
 * Moves this thread to SCHED_IDLE: Linux's EEVDF lets a running nice-19 thread finish its
 * protected slice (about a millisecond) before a woken nice-0 shard gets the core, while a
 * thread of the idle policy is preempted at once by any other (kernel/sched/fair.c: "idle
 * tasks are by definition preempted by non-idle tasks"). Deno has no sched_setscheduler(2),
 * so it is libc's through FFI (pid 0: the calling thread only; any user may lower a thread to
 * it). Without --allow-ffi or a glibc the thread keeps nice 19. True when it took.
 */
function idlePolicy(): boolean {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      sched_setscheduler: { parameters: ["i32", "i32", "buffer"], result: "i32" },
    });
    try {
      return libc.symbols.sched_setscheduler(0, SCHED_IDLE, new Int32Array(1)) === 0;
    } finally {
      libc.close();
    }
  } catch {
    return false;
  }
}

const sessions = new Map<number, PartEncoder[]>();
/** The diagnostic's record of each chunk's encoding (walk_log.ts), per open snapshot. */
const walkLogs = new Map<number, WalkLog>();

// Before any message: no chunk is ever encoded at the shards' own priority.
lowerPriority();

self.onmessage = (e: MessageEvent<ToEncoder>) => handle(e.data);

function handle(m: ToEncoder): void {
  switch (m.type) {
    case "open": {
      sessions.set(m.id, m.paths.map((p) => new PartEncoder(p)));
      const walkLog = WalkLog.open("encoder chunks (start end bytes)", false);
      if (walkLog) walkLogs.set(m.id, walkLog);
      break;
    }
    case "chunk": {
      const start = WalkLog.now();
      sessions.get(m.id)?.[m.shard].push(m.data, m.options);
      releaseChunk(m.flow, m.slot);
      walkLogs.get(m.id)?.note(start, WalkLog.now(), m.data.length);
      break;
    }
    case "finish": {
      const encoders = sessions.get(m.id);
      sessions.delete(m.id);
      walkLogs.get(m.id)?.flush();
      walkLogs.delete(m.id);
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
      writeSnapshotFile(m.target, m.parts, m.aux, { checksum: m.checksum }).then(
        (keys) => post({ type: "done", id: m.id, keys }),
        (e) => post({ type: "done", id: m.id, error: (e as Error).message }),
      );
      break;
  }
}
