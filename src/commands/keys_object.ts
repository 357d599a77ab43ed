// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP (Redis's object.c). A missing key
// answers null; FREQ and IDLETIME depend on whether maxmemory-policy is an LFU one.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Keyspace } from "../engine/keyspace.ts";
import { ENCODING_NAMES, TYPE_STRING } from "../engine/keyspace.ts";
import { parseLongLong } from "../protocol/numbers.ts";
import { refreshClock } from "./keys_common.ts";
import { writeHelp } from "./help.ts";

/** The key's type code, or -1 after replying null (OBJECT on a missing key). */
function lookup(ctx: CommandContext): number {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const type = ks.type(ctx.client.db, ctx.args.bytes(2));
  if (type < 0) ctx.out.nullBulk();
  return type;
}

/** Redis shares the integer objects 0..9999 (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;

/** What OBJECT ENCODING says for the key, as the engine holds it; null when missing. */
export function encodingName(ks: Keyspace, db: number, key: Uint8Array): string | null {
  const code = ks.encoding(db, key);
  return code < 0 ? null : ENCODING_NAMES[code];
}

/** The string value of a key known to be a string (a view, valid until the next engine call). */
function stringValue(ctx: CommandContext): Uint8Array {
  return ctx.shard.keyspace.getString(ctx.client.db, ctx.args.bytes(2)) as Uint8Array;
}

export function objectEncoding(ctx: CommandContext): void {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const name = encodingName(ks, ctx.client.db, ctx.args.bytes(2));
  if (name === null) ctx.out.nullBulk();
  else ctx.out.bulkText(name);
}

/** Redis's refcount of a shared object (OBJ_SHARED_REFCOUNT, INT_MAX). */
const SHARED_REFCOUNT = 2147483647;

/** maxmemory-policy is an LFU one. */
function lfuPolicy(ctx: CommandContext): boolean {
  return String(ctx.shard.config.get("maxmemory-policy")).endsWith("-lfu");
}

/** Redis does not share integers when maxmemory evicts by LRU or LFU (each object needs its
 * own access data): MAXMEMORY_FLAG_NO_SHARED_INTEGERS. */
function sharesIntegers(ctx: CommandContext): boolean {
  const policy = String(ctx.shard.config.get("maxmemory-policy"));
  return Number(ctx.shard.config.get("maxmemory")) === 0 || !/-(lru|lfu)$/.test(policy);
}

/** Is this string value one of Redis's shared integer objects (refcount INT_MAX)? */
export function isSharedInteger(ctx: CommandContext, value: Uint8Array): boolean {
  if (value.length > 4 || !sharesIntegers(ctx)) return false;
  const n = parseLongLong(value, 0, value.length);
  return n !== null && n >= 0 && n < SHARED_INTEGERS;
}

export function objectRefcount(ctx: CommandContext): void {
  const type = lookup(ctx);
  if (type < 0) return;
  const shared = type === TYPE_STRING && isSharedInteger(ctx, stringValue(ctx));
  ctx.out.integer(shared ? SHARED_REFCOUNT : 1);
}

const POLICY_NOTE =
  "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

export function objectIdletime(ctx: CommandContext): void {
  if (lookup(ctx) < 0) return;
  if (lfuPolicy(ctx)) {
    return ctx.out.error(
      `ERR An LFU maxmemory policy is selected, idle time not tracked. ${POLICY_NOTE}`,
    );
  }
  const idleMs = ctx.shard.keyspace.idleMs(ctx.client.db, ctx.args.bytes(2));
  ctx.out.integer(Math.floor(Math.max(0, idleMs) / 1000));
}

/** OBJECT FREQ: the key's LFU counter, decayed by its idle minutes (Redis's LFUDecrAndReturn). */
export function objectFreq(ctx: CommandContext): void {
  if (lookup(ctx) < 0) return;
  if (!lfuPolicy(ctx)) {
    return ctx.out.error(
      `ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${POLICY_NOTE}`,
    );
  }
  ctx.out.integer(ctx.shard.keyspace.freq(ctx.client.db, ctx.args.bytes(2)));
}

const HELP = [
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
];

export function objectHelp(ctx: CommandContext): void {
  writeHelp(ctx, HELP);
}

export const objectCommands: CommandRows = {
  object: {
    subcommands: {
      encoding: { handler: objectEncoding },
      freq: { handler: objectFreq },
      idletime: { handler: objectIdletime },
      refcount: { handler: objectRefcount },
      help: { handler: objectHelp },
    },
  },
};
