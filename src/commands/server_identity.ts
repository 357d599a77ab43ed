// The replication id INFO and DEBUG CHANGE-REPL-ID report. Every shard must show the same
// one: it is derived from the server's run id (shared by all shards, see Shard.server) and a
// generation that DEBUG CHANGE-REPL-ID bumps on every shard alike.
import { createHash } from "node:crypto";

/** Bumped on every shard by DEBUG CHANGE-REPL-ID, so the shards stay in agreement. */
let replIdGeneration = 0;

export function masterReplId(runId: string): string {
  return createHash("sha1").update(`replid:${runId}:${replIdGeneration}`).digest("hex");
}

export function changeReplId(): void {
  replIdGeneration++;
}

export const NO_REPL_ID = "0".repeat(40);
