// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP (Redis's object.c). A missing key
// answers null; FREQ and IDLETIME depend on whether maxmemory-policy is an LFU one.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Keyspace } from "../engine/keyspace.ts";
import {
  ENCODING_NAMES,
  TYPE_HASH,
  TYPE_LIST,
  TYPE_SET,
  TYPE_STRING,
  TYPE_ZSET,
} from "../engine/keyspace.ts";
import { parseLongLong } from "../protocol/numbers.ts";
import { refreshClock, TYPE_STREAM } from "./keys_common.ts";
import { writeHelp } from "./help.ts";

/** The key's type code, or -1 after replying null (OBJECT on a missing key). */
function lookup(ctx: CommandContext): number {
  const ks = ctx.shard.keyspace;
  refreshClock(ks);
  const type = ks.type(ctx.client.db, ctx.args.bytes(2));
  if (type < 0) ctx.out.nullBulk();
  return type;
}

/** Redis's largest embedded string (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_MAX = 44;
/** Redis shares the integer objects 0..9999 (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;

/** How Redis would hold the string value: "int" for a canonical 64-bit integer (what
 * tryObjectEncoding keeps as a number), "embstr" up to 44 bytes, "raw" beyond. */
export function stringEncoding(value: Uint8Array): "int" | "embstr" | "raw" {
  if (value.length <= 20 && parseLongLong(value, 0, value.length) !== null) return "int";
  return value.length <= EMBSTR_MAX ? "embstr" : "raw";
}

/** Encodings of other types until their families report their own (small objects as Redis
 * 7.0 first creates them). */
const DEFAULT_ENCODINGS: Record<number, string> = {
  [TYPE_LIST]: "quicklist",
  [TYPE_SET]: "hashtable",
  [TYPE_ZSET]: "listpack",
  [TYPE_HASH]: "listpack",
  [TYPE_STREAM]: "stream",
};

/** How families other than strings report a key's encoding (registered by them). */
export type EncodingReporter = (ks: Keyspace, db: number, key: Uint8Array) => string;
const reporters = new Map<number, EncodingReporter>();

export function registerEncodingReporter(type: number, reporter: EncodingReporter): void {
  reporters.set(type, reporter);
}

/** The string value of a key known to be a string (a view, valid until the next engine call). */
function stringValue(ctx: CommandContext): Uint8Array {
  return ctx.shard.keyspace.getString(ctx.client.db, ctx.args.bytes(2)) as Uint8Array;
}

export function objectEncoding(ctx: CommandContext): void {
  const type = lookup(ctx);
  if (type < 0) return;
  if (type === TYPE_STRING) {
    // The engine's answer: in-place writes (APPEND, SETRANGE, SETBIT, BITOP...) leave "raw".
    const encoding = ctx.shard.keyspace.encoding(ctx.client.db, ctx.args.bytes(2));
    return ctx.out.bulkText(ENCODING_NAMES[encoding as 0 | 1 | 2]);
  }
  const reporter = reporters.get(type);
  const ks = ctx.shard.keyspace;
  ctx.out.bulkText(
    reporter ? reporter(ks, ctx.client.db, ctx.args.bytes(2)) : DEFAULT_ENCODINGS[type] ?? "raw",
  );
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

/** Redis's starting access-frequency counter of a new key (LFU_INIT_VAL). */
const LFU_INIT_VAL = 5;

/**
 * OBJECT FREQ. The engine keeps no access counter yet, so this is the counter of a key that
 * was written and not read since, decayed by one per idle minute (lfu-decay-time 1), as
 * Redis's LFUDecrAndReturn would give.
 */
export function objectFreq(ctx: CommandContext): void {
  if (lookup(ctx) < 0) return;
  if (!lfuPolicy(ctx)) {
    return ctx.out.error(
      `ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${POLICY_NOTE}`,
    );
  }
  const idleMs = ctx.shard.keyspace.idleMs(ctx.client.db, ctx.args.bytes(2));
  ctx.out.integer(Math.max(0, LFU_INIT_VAL - Math.floor(Math.max(0, idleMs) / 60_000)));
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
