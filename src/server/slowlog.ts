// The slow log (Redis 7.0's slowlog.c): the latest commands that took at least
// `slowlog-log-slower-than` microseconds, per shard. Entry ids come from one counter shared
// by every shard (a SharedArrayBuffer slot), so SLOWLOG GET can merge the shards' logs by
// id into one log, newest first, like a single Redis.
import type { Shard } from "./shard.ts";
import type { Client } from "./client.ts";
import type { Args } from "../protocol/args.ts";
import type { CommandSpec } from "../commands/spec.ts";
import { lookupKey } from "../config/names.ts";

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
const REDACTED = encoder.encode("(redacted)");

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

/**
 * The arguments Redis replaces by "(redacted)" (redactClientCommandArgument): passwords of
 * AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, every rule of ACL SETUSER, and the values of
 * sensitive configs in CONFIG SET.
 */
function redacted(spec: CommandSpec, args: Args): Set<number> {
  const hidden = new Set<number>();
  const from = (i: number) => {
    for (; i < args.argc; i++) hidden.add(i);
  };
  switch (spec.name) {
    case "auth":
      from(1);
      break;
    case "acl|setuser":
      from(2);
      break;
    case "hello":
      for (let i = 2; i < args.argc; i++) {
        if (args.is(i, "auth") && i + 2 < args.argc) [i + 1, i + 2].forEach((j) => hidden.add(j));
      }
      break;
    case "migrate":
      for (let i = 6; i < args.argc; i++) {
        if (args.is(i, "keys")) break;
        if (args.is(i, "auth")) hidden.add(i + 1);
        if (args.is(i, "auth2")) [i + 1, i + 2].forEach((j) => hidden.add(j));
      }
      break;
    case "config|set":
      for (let i = 2; i + 1 < args.argc; i += 2) {
        if (lookupKey(args.text(i))?.entry.sensitive) hidden.add(i + 1);
      }
      break;
  }
  return hidden;
}

/** The arguments as Redis keeps them: at most 32 (the last saying how many more there
 * were), each cut to 128 bytes plus "... (N more bytes)". */
export function loggedArgv(spec: CommandSpec, args: Args): Uint8Array[] {
  const hidden = redacted(spec, args);
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
