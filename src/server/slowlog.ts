// The slow log (Redis 7.0's slowlog.c): the latest commands that took at least
// `slowlog-log-slower-than` microseconds, per shard. Entry ids come from one counter shared
// by every shard (a SharedArrayBuffer slot), so SLOWLOG GET can merge the shards' logs by
// id into one log, newest first, like a single Redis.
import type { Shard } from "./shard.ts";
import type { Client } from "./client.ts";
import type { Args } from "../protocol/args.ts";
import type { CommandSpec } from "../commands/spec.ts";
import { REDACTED, secretArgIndexes } from "../acl/redact.ts";

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix seconds when the command was logged. */
  time: number;
  usec: number;
  argv: Uint8Array[];
  addr: string;
  name: Uint8Array | null;
}

const encoder = new TextEncoder();

let sharedIds: Int32Array | null = null;
let sharedIdIndex = 0;
let localNextId = 0;

/** Ids from a shared counter (every shard of a server uses the same slot). */
export function shareSlowlogIds(counters: Int32Array, index: number): void {
  sharedIds = counters;
  sharedIdIndex = index;
}

function nextId(): number {
  return sharedIds ? Atomics.add(sharedIds, sharedIdIndex, 1) : localNextId++;
}

/** The arguments as Redis keeps them: at most 32 (the last saying how many more there
 * were), each cut to 128 bytes plus "... (N more bytes)". */
export function loggedArgv(spec: CommandSpec, args: Args): Uint8Array[] {
  const hidden = new Set(
    secretArgIndexes(spec, Array.from({ length: args.argc }, (_, i) => args.bytes(i))),
  );
  const argc = Math.min(args.argc, MAX_ARGC);
  const argv: Uint8Array[] = [];
  for (let i = 0; i < argc; i++) {
    if (argc !== args.argc && i === argc - 1) {
      argv.push(encoder.encode(`... (${args.argc - argc + 1} more arguments)`));
    } else if (hidden.has(i)) argv.push(REDACTED);
    else {
      const arg = args.bytes(i);
      if (arg.length <= MAX_STRING) argv.push(arg.slice());
      else {
        const more = encoder.encode(`... (${arg.length - MAX_STRING} more bytes)`);
        const cut = new Uint8Array(MAX_STRING + more.length);
        cut.set(arg.subarray(0, MAX_STRING));
        cut.set(more, MAX_STRING);
        argv.push(cut);
      }
    }
  }
  return argv;
}

/** One shard's slow log, newest entry first. */
export class SlowLog {
  entries: SlowlogEntry[] = [];

  push(spec: CommandSpec, args: Args, client: Client, usec: number, maxLen: number): void {
    this.entries.unshift({
      id: nextId(),
      time: Math.floor(Date.now() / 1000),
      usec: Math.floor(usec),
      argv: loggedArgv(spec, args),
      addr: client.addr,
      name: client.name,
    });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }
}

const byShard = new WeakMap<Shard, SlowLog>();

export function slowlogOf(shard: Shard): SlowLog {
  let log = byShard.get(shard);
  if (!log) byShard.set(shard, log = new SlowLog());
  return log;
}
