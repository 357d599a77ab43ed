// Transactions family: MULTI EXEC DISCARD WATCH UNWATCH (Redis's multi.c). Queueing happens
// in the connection (src/server/connection.ts asks transaction.ts); the state and WATCH's
// registrations live in src/server/transaction.ts.
import type { CommandContext, CommandRows } from "./spec.ts";
import {
  discardTransaction,
  ERR_EXECABORT,
  newKeys,
  noteRemoteKeys,
  shardsToLock,
  Transaction,
  unwatchAll,
  watchesDirty,
  watchesOf,
  watchForRemote,
  watchLocalKey,
  watchToken,
} from "../server/transaction.ts";
import { isShardPart, replyInteger } from "./every_shard.ts";
import { arrayElements } from "../server/multishard.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";

function multi(ctx: CommandContext): void {
  const { client, out } = ctx;
  if (client.transaction !== null) return out.error("ERR MULTI calls can not be nested");
  client.transaction = new Transaction();
  out.ok();
}

function discard(ctx: CommandContext): void {
  if (ctx.client.transaction === null) return ctx.out.error("ERR DISCARD without MULTI");
  discardTransaction(ctx.shard, ctx.client);
  ctx.out.ok();
}

/** EXEC: runs synchronously when everything is on the client's shard, else under the locks
 * of every shard the queue (and the watched keys) touch. */
function exec(ctx: CommandContext): void | Promise<void> {
  const { client, out, shard } = ctx;
  const tx = client.transaction;
  if (tx === null) return out.error("ERR EXEC without MULTI");
  if (tx.refused) {
    discardTransaction(shard, client);
    return out.error(ERR_EXECABORT);
  }
  const shards = shardsToLock(shard, client);
  if (shards === null || ctx.cross === null) return runTransaction(ctx);
  const cross = ctx.cross;
  return cross.hold(shards).then(() => runTransaction(ctx)).finally(() => cross.release());
}

function runTransaction(ctx: CommandContext): void | Promise<void> {
  const { client, out, shard } = ctx;
  if (watchesDirty(client, Date.now())) {
    discardTransaction(shard, client);
    return out.nullArray();
  }
  unwatchAll(shard, client); // as Redis: no point watching while the queue runs
  client.inTransaction = true;
  const finish = () => {
    client.inTransaction = false;
    client.transaction = null;
  };
  let result: void | Promise<void>;
  try {
    result = client.runQueued(client.transaction!.commands);
  } catch (err) {
    finish();
    throw err;
  }
  if (result instanceof Promise) return result.finally(finish);
  finish();
}

function watch(ctx: CommandContext): void | Promise<void> {
  const { client, out, shard, args } = ctx;
  if (isShardPart(ctx)) {
    // WATCH <token> key...: another shard's client watches keys of this shard.
    const keys = [];
    for (let i = 2; i < args.argc; i++) keys.push(args.bytes(i));
    const expireAts = watchForRemote(shard, client.db, latin1(args.bytes(1)), keys);
    out.arrayHeader(expireAts.length);
    for (const at of expireAts) out.integer(at);
    return;
  }
  if (client.transaction !== null) return out.error("ERR WATCH inside MULTI is not allowed");
  const watches = watchesOf(client);
  if (watches.dirty) return out.ok(); // EXEC fails anyway
  const keys = [];
  for (let i = 1; i < args.argc; i++) keys.push(args.bytes(i));
  const byShard = new Map<number, Uint8Array[]>();
  for (const key of newKeys(watches, client.db, keys)) {
    const owner = shard.ownerOf(key);
    if (owner === shard.id) watchLocalKey(shard, client, key);
    else byShard.get(owner)?.push(key.slice()) ?? byShard.set(owner, [key.slice()]);
  }
  if (byShard.size === 0 || ctx.cross === null) return out.ok();
  const cross = ctx.cross, token = asciiBytes(watchToken(shard, client));
  const calls = [...byShard].map(async ([owner, ownerKeys]) => {
    watches.remoteShards.add(owner); // before the call: a later UNWATCH notice follows it
    const reply = await cross.call(owner, [asciiBytes("WATCH"), token, ...ownerKeys]);
    if (client.watches === watches) {
      noteRemoteKeys(client, owner, ownerKeys, arrayElements(reply).map(replyInteger));
    }
  });
  return Promise.all(calls).then(() => out.ok());
}

function unwatch(ctx: CommandContext): void {
  unwatchAll(ctx.shard, ctx.client);
  ctx.out.ok();
}

export const transactionCommands: CommandRows = {
  multi: { handler: multi },
  exec: { handler: exec, afterPending: true },
  discard: { handler: discard },
  watch: { handler: watch, afterPending: true },
  unwatch: { handler: unwatch },
};
