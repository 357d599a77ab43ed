// DEBUG (Redis 7.0's debug.c), the subcommands that make sense for IronCache: HELP, SLEEP,
// SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, OBJECT, ERROR, LOG, POPULATE, RELOAD, DIGEST,
// DIGEST-VALUE. Like Redis, DEBUG is
// refused unless enable-debug-command allows it ("yes", or "local" for loopback clients).
// Subcommands that change every shard (SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, POPULATE) run
// here and then on the other shards as shard parts; OBJECT runs on the key's shard.
import type { CommandContext } from "./spec.ts";
import type { Client } from "../server/client.ts";
import { lookupKey } from "../config/names.ts";
import { keyHashSlot, slotOwner } from "../cluster/slot.ts";
import { TYPE_STRING } from "../engine/keyspace.ts";
import { RdbWriter } from "../persistence/rdb/writer.ts";
import { log } from "../log.ts";
import { askShards, copyArgv, isErrorReply, isShardPart, withOtherShards } from "./every_shard.ts";
import { changeReplId } from "./server_identity.ts";
import { errSubcommandSyntax, writeHelp } from "./help.ts";
import { DEBUG_HELP } from "./debug_help.ts";
import { encodingName, isSharedInteger } from "./keys_object.ts";
import { bulkPayload } from "./keys_common.ts";
import { fnv1a, latin1 } from "../protocol/bytes.ts";
import { replyPersistence } from "./persistence.ts";
import {
  datasetDigest,
  decodeShardDigest,
  encodeShardDigest,
  hex,
  shardDigest,
  valueDigest,
} from "../persistence/digest.ts";

export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can ' +
  "run it from a local connection, otherwise you need to set this option in the configuration file, and then " +
  "restart the server.";

/** Redis's islocalClient: a loopback peer. */
function isLocalClient(client: Client): boolean {
  const host = client.addr.slice(0, client.addr.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  return host.startsWith("127.") || host === "::1" || host.startsWith("::ffff:127.");
}

/** enable-debug-command: "no" (Redis's default, also while the config table lacks the key),
 * "yes", or "local". */
export function debugAllowed(ctx: CommandContext): boolean {
  if (!lookupKey("enable-debug-command")) return false;
  const setting = String(ctx.shard.config.get("enable-debug-command")).toLowerCase();
  return setting === "yes" || (setting === "local" && isLocalClient(ctx.client));
}

/** Active expiry on this shard (DEBUG SET-ACTIVE-EXPIRE); the shard's cron should honour it. */
let activeExpire = true;

export function activeExpireEnabled(): boolean {
  return activeExpire;
}

/** C's atoi: leading digits, else 0. */
function atoi(text: string): number {
  const m = /^\s*[+-]?\d+/.exec(text);
  return m ? parseInt(m[0], 10) : 0;
}

/** C's strtod on the argument's prefix; 0 when there is no number. */
function strtod(text: string): number {
  const m = /^\s*([+-]?)(inf(inity)?|nan|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)/i.exec(text);
  if (!m) return 0;
  const body = m[2].toLowerCase();
  const v = body.startsWith("inf") ? Infinity : body === "nan" ? NaN : Number(body);
  return m[1] === "-" ? -v : v;
}

async function sleep(ctx: CommandContext): Promise<void> {
  // Redis sleeps the whole server; here only this connection waits.
  let ms = strtod(ctx.args.text(2)) * 1000;
  while (ms > 0 && Number.isFinite(ms)) {
    const step = Math.min(ms, 2 ** 31 - 1);
    await new Promise((resolve) => setTimeout(resolve, step));
    ms -= step;
  }
  ctx.out.ok();
}

/** Runs a subcommand's change here and on the other shards; replies OK (or the first error). */
function onEveryShard(ctx: CommandContext, change: () => void): void | Promise<void> {
  change();
  return withOtherShards(ctx, (replies) => {
    const failed = replies.find(isErrorReply);
    if (failed) ctx.out.raw(failed);
    else ctx.out.ok();
  });
}

// ---- DEBUG OBJECT ---------------------------------------------------------------------------

/** The RDB size of a string (rdbSavedObjectLen): its bytes as RDB writes them (integer
 * encodings, LZF over 20 bytes). */
function serializedLength(value: Uint8Array): number {
  return new RdbWriter().string(value).length;
}

/** A stand-in for the object's address: stable per key, shaped like a heap pointer. */
function fakeAddress(key: Uint8Array): string {
  return "0x7f" + (fnv1a(key) >>> 0).toString(16).padStart(8, "0") + "a0";
}

function objectHere(ctx: CommandContext): void {
  const { out, shard } = ctx;
  const key = ctx.args.bytes(2);
  const ks = shard.keyspace;
  const db = ctx.client.db;
  const idleMs = ks.idleMs(db, key); // before reading the value, which would touch it
  const type = ks.type(db, key);
  const encoding = encodingName(ks, db, key);
  if (type < 0 || idleMs < 0 || encoding === null) return out.error("ERR no such key");
  let refcount = 1, length = 0;
  if (type === TYPE_STRING) {
    const value = ks.getString(db, key);
    if (typeof value === "number") return out.error("ERR no such key");
    length = serializedLength(value);
    if (encoding === "int" && isSharedInteger(ctx, value)) refcount = 2147483647;
  }
  const idle = Math.floor(idleMs / 1000);
  const lru = (Math.floor(Date.now() / 1000) - idle) & 0xffffff;
  const address = fakeAddress(key);
  out.simple(
    `Value at:${address} refcount:${refcount} encoding:${encoding} serializedlength:${length} ` +
      `lru:${lru} lru_seconds_idle:${idle}`,
  );
}

function object(ctx: CommandContext): void | Promise<void> {
  const owner = slotOwner(keyHashSlot(ctx.args.bytes(2)), ctx.shard.count);
  if (owner === ctx.shard.id || isShardPart(ctx)) return objectHere(ctx);
  return askShards(ctx, [owner], copyArgv(ctx.args)).then(([reply]) => ctx.out.raw(reply));
}

// ---- DEBUG POPULATE ---------------------------------------------------------------------------

/** getPositiveLongFromObjectOrReply: a count >= 0, or null after the error (one text for
 * both a non-number and a negative one). */
function positiveArg(ctx: CommandContext, i: number): number | null {
  const n = ctx.args.int(i);
  if (n !== null && n >= 0) return n;
  ctx.out.error("ERR value is out of range, must be positive");
  return null;
}

/** Creates key:0..key:count-1 (or prefix:N) = "value:N", skipping existing keys. Each shard
 * creates the keys it owns. */
function populateHere(ctx: CommandContext, count: number, prefix: Uint8Array, size: number): void {
  const enc = new TextEncoder();
  const { shard } = ctx;
  const db = ctx.client.db;
  for (let j = 0; j < count; j++) {
    const suffix = enc.encode(`:${j}`);
    const key = new Uint8Array(prefix.length + suffix.length);
    key.set(prefix);
    key.set(suffix, prefix.length);
    if (shard.ownerOf(key) !== shard.id || shard.keyspace.exists(db, key)) continue;
    let value = enc.encode(`value:${j}`);
    if (size > 0) {
      const padded = new Uint8Array(size); // Redis zero-fills, then copies "value:N" in
      padded.set(value.subarray(0, size));
      value = padded;
    }
    shard.keyspace.setString(db, key, value);
  }
}

function populate(ctx: CommandContext): void | Promise<void> {
  const { args } = ctx;
  const count = positiveArg(ctx, 2);
  if (count === null) return;
  const size = args.argc === 5 ? positiveArg(ctx, 4) : 0;
  if (size === null) return;
  const prefix = args.argc >= 4 ? args.bytes(3).slice() : new TextEncoder().encode("key");
  return onEveryShard(ctx, () => populateHere(ctx, count, prefix, size));
}

// ---- DEBUG RELOAD, DIGEST, DIGEST-VALUE ---------------------------------------------------------

function reload(ctx: CommandContext): void | Promise<void> {
  const options = { save: true, flush: true, merge: false };
  for (let j = 2; j < ctx.args.argc; j++) {
    if (ctx.args.is(j, "merge")) options.merge = true; // keys in the file replace ours
    else if (ctx.args.is(j, "noflush")) options.flush = false;
    else if (ctx.args.is(j, "nosave")) options.save = false;
    else {return ctx.out.error(
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
      );}
  }
  return replyPersistence(ctx, "reload", { reload: options });
}

/** DEBUG DIGEST: each shard digests its keys; the parts combine as computeDatasetDigest. */
function digest(ctx: CommandContext): void | Promise<void> {
  const { shard, out } = ctx;
  const own = shardDigest(shard.keyspace, shard.databases);
  if (isShardPart(ctx)) return out.bulk(encodeShardDigest(own));
  return withOtherShards(ctx, (replies) => {
    const parts = [own, ...replies.map((r) => decodeShardDigest(bulkPayload(r)))];
    out.simple(hex(datasetDigest(parts, shard.databases)));
  });
}

/** DEBUG DIGEST-VALUE key...: each key's digest, from the shard that owns it (synchronous
 * when every key is here: a shard part runs inside a forwarded batch). */
function digestValue(ctx: CommandContext): void | Promise<void> {
  const { shard, args, out } = ctx;
  const keys = copyArgv(args, 2);
  const remote = (key: Uint8Array) => !isShardPart(ctx) && shard.ownerOf(key) !== shard.id;
  const digests = keys.map((key) =>
    remote(key) ? "" : hex(valueDigest(shard.keyspace, ctx.client.db, key))
  );
  const finish = () => {
    out.arrayHeader(digests.length);
    for (const d of digests) out.simple(d);
  };
  if (!keys.some(remote)) return finish();
  return (async () => {
    for (const [i, key] of keys.entries()) {
      if (!remote(key)) continue;
      const [reply] = await askShards(ctx, [shard.ownerOf(key)], [
        ...copyArgv(args, 0).slice(0, 2),
        key,
      ]);
      digests[i] = /[0-9a-f]{40}/.exec(latin1(reply))![0];
    }
    finish();
  })();
}

// ---- dispatch ---------------------------------------------------------------------------------

export function debug(ctx: CommandContext): void | Promise<void> {
  const { args, out } = ctx;
  // A shard part was already allowed by the shard that coordinates it.
  if (!isShardPart(ctx) && !debugAllowed(ctx)) return out.error(DEBUG_NOT_ALLOWED);
  const sub = (name: string, argc: number) => args.is(1, name) && args.argc === argc;
  if (sub("help", 2)) return writeHelp(ctx, DEBUG_HELP);
  if (sub("sleep", 3)) return sleep(ctx);
  if (sub("set-active-expire", 3)) {
    return onEveryShard(ctx, () => activeExpire = atoi(args.text(2)) !== 0);
  }
  if (sub("change-repl-id", 2)) {
    if (!isShardPart(ctx)) {
      log.notice("Changing replication IDs after receiving DEBUG change-repl-id");
    }
    return onEveryShard(ctx, changeReplId);
  }
  if (sub("object", 3)) return object(ctx);
  if (sub("error", 3)) return out.error(args.text(2)); // verbatim, no "ERR " added
  if (sub("log", 3)) {
    log.warning(`DEBUG LOG: ${args.cText(2)}`);
    return out.ok();
  }
  if (args.is(1, "populate") && args.argc >= 3 && args.argc <= 5) return populate(ctx);
  if (args.is(1, "reload")) return reload(ctx);
  if (sub("digest", 2)) return digest(ctx);
  if (args.is(1, "digest-value")) return digestValue(ctx);
  out.error(errSubcommandSyntax(ctx));
}
