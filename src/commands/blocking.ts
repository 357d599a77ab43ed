// Blocking list and sorted-set pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
// BZMPOP (Redis 7.0's blockingPopGenericCommand, blmoveGenericCommand, lmpopGenericCommand,
// blockingGenericZpopCommand). Arguments are checked in Redis's order; the pop itself is the
// non-blocking command's own cross-shard handler (LMPOP, LMOVE, RPOPLPUSH, ZMPOP), which is
// atomic whichever shards the keys live on. When it finds nothing the client blocks
// (src/server/blocking.ts) and, once a key is ready, the same handler retries on that key.
//
// These commands always run where the client's connection is (never forwarded): they may
// wait, and the wait belongs to the connection.
import type { CommandContext, CommandRow, CommandRows, Handler } from "./spec.ts";
import { RequestParser } from "../protocol/resp_parser.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";
import { arrayElements, encodeCommand } from "../server/multishard.ts";
import { SPANNING } from "../server/dispatch.ts";
import { blockingOf } from "../server/blocking.ts";
import { listCommands, moveSides, multiPopArgs } from "./lists.ts";
import { parseMpop, sortedSetCommands } from "./sorted_sets.ts";
import { blockingTimeoutArg } from "./timeout.ts";
import { isErrorReply } from "./keys_common.ts";

const [LMPOP, ZMPOP, LMOVE, RPOPLPUSH, ONE, LEFT, RIGHT, MIN, MAX] = [
  "LMPOP",
  "ZMPOP",
  "LMOVE",
  "RPOPLPUSH",
  "1",
  "LEFT",
  "RIGHT",
  "MIN",
  "MAX",
].map(asciiBytes);

/** How the non-blocking command's reply becomes this command's. */
const enum Shape {
  /** Unchanged (BLMPOP, BZMPOP, BLMOVE, BRPOPLPUSH). */
  Same,
  /** LMPOP's [key, [element]] as [key, element] (BLPOP, BRPOP). */
  KeyElement,
  /** ZMPOP's [key, [[member, score]]] as [key, member, score] (BZPOPMIN, BZPOPMAX). */
  KeyMemberScore,
}

/** A blocking pop, its arguments checked. */
interface BlockingPop {
  /** The non-blocking command's cross-shard handler, and its arguments. */
  via: Handler;
  argv: Uint8Array[];
  /** The arguments of a retry on one ready key. */
  retryArgv(key: Uint8Array): Uint8Array[];
  keys: Uint8Array[];
  shape: Shape;
  timeoutMs: number;
  /** Inside MULTI an empty pop replies at once: a null bulk for BLMOVE, else a null array. */
  nullBulkInMulti: boolean;
}

const viaLmpop = listCommands.lmpop.acrossShards!;
const viaZmpop = sortedSetCommands.zmpop.acrossShards!;

/** A context that runs `argv` for ctx's client, its reply going to a writer of its own. */
function contextFor(ctx: CommandContext, argv: Uint8Array[]): CommandContext {
  const frame = encodeCommand(argv);
  const args = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: false });
  args.next(frame, 0, frame.length);
  const out = new ReplyWriter();
  out.resp = ctx.client.resp;
  return { ...ctx, args, out };
}

async function run(ctx: CommandContext, via: Handler, argv: Uint8Array[]): Promise<Uint8Array> {
  const sub = contextFor(ctx, argv);
  await via(sub);
  return sub.out.bytes().slice();
}

/** `$-1`, `*-1` or `_`: nothing was popped. */
const isNothing = (frame: Uint8Array) =>
  frame[0] === 0x5f || ((frame[0] === 0x24 || frame[0] === 0x2a) && frame[1] === 0x2d);

function writeShaped(ctx: CommandContext, reply: Uint8Array, shape: Shape): void {
  const out = ctx.out;
  if (isErrorReply(reply)) return out.error(latin1(reply.subarray(1, reply.length - 2)));
  if (shape === Shape.Same) return out.raw(reply);
  const [key, popped] = arrayElements(reply);
  const first = arrayElements(popped)[0];
  if (shape === Shape.KeyElement) {
    out.arrayHeader(2);
    out.raw(key);
    return out.raw(first);
  }
  const [member, score] = arrayElements(first);
  out.arrayHeader(3);
  out.raw(key);
  out.raw(member);
  out.raw(score);
}

function blockingCommand(prepare: (ctx: CommandContext) => BlockingPop | null): CommandRow {
  const handler = async (ctx: CommandContext): Promise<void> => {
    const pop = prepare(ctx);
    if (!pop) return;
    const reply = await run(ctx, pop.via, pop.argv);
    if (isErrorReply(reply) || !isNothing(reply)) return writeShaped(ctx, reply, pop.shape);
    const { client, out } = ctx;
    if (client.inTransaction) return pop.nullBulkInMulti ? out.nullBulk() : out.nullArray();
    await client.writeRepliesSoFar();
    await blockingOf(ctx.shard).block({
      client,
      db: client.db,
      keys: pop.keys,
      timeoutMs: pop.timeoutMs,
      retry: async (key) => {
        const reply = await run(ctx, pop.via, pop.retryArgv(key));
        // A key of another type keeps the client blocked, as in Redis.
        if (isErrorReply(reply) || isNothing(reply)) return false;
        writeShaped(ctx, reply, pop.shape);
        return true;
      },
      finish: (how) => {
        // Redis's replyToBlockedClientTimedOut: a null array, for BLMOVE too.
        if (how === "timeout") out.nullArray();
        else if (how === "error") out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
      },
    });
  };
  // Routed nowhere (SPANNING): the connection runs it itself, after the replies before it.
  return { handler, acrossShards: handler, route: () => SPANNING };
}

const copied = (ctx: CommandContext, from: number, to: number) => {
  const argv: Uint8Array[] = [];
  for (let i = from; i < to; i++) argv.push(ctx.args.bytes(i).slice());
  return argv;
};

/** BLPOP / BRPOP / BZPOPMIN / BZPOPMAX key [key ...] timeout. */
function popFirstReady(list: boolean, fromTop: boolean): CommandRow {
  const where = list ? (fromTop ? LEFT : RIGHT) : (fromTop ? MAX : MIN);
  const name = list ? LMPOP : ZMPOP;
  return blockingCommand((ctx) => {
    const timeoutMs = blockingTimeoutArg(ctx, ctx.args.argc - 1);
    if (timeoutMs === null) return null;
    const keys = copied(ctx, 1, ctx.args.argc - 1);
    return {
      via: list ? viaLmpop : viaZmpop,
      argv: [name, asciiBytes(String(keys.length)), ...keys, where],
      retryArgv: (key) => [name, ONE, key, where],
      keys,
      shape: list ? Shape.KeyElement : Shape.KeyMemberScore,
      timeoutMs,
      nullBulkInMulti: false,
    };
  });
}

/** BLMPOP / BZMPOP timeout numkeys key [key ...] where [COUNT count]: LMPOP's / ZMPOP's
 * checks first, then the timeout's. */
function multiPop(list: boolean): CommandRow {
  const name = list ? LMPOP : ZMPOP;
  return blockingCommand((ctx) => {
    const argv = [name, ...copied(ctx, 2, ctx.args.argc)];
    const check = contextFor(ctx, argv);
    const valid = list ? multiPopArgs(check) : parseMpop(check);
    if (!valid) {
      writeShaped(ctx, check.out.bytes(), Shape.Same);
      return null;
    }
    const timeoutMs = blockingTimeoutArg(ctx, 1);
    if (timeoutMs === null) return null;
    const numkeys = valid.keys.length;
    const options = argv.slice(2 + numkeys);
    return {
      via: list ? viaLmpop : viaZmpop,
      argv,
      retryArgv: (key) => [name, ONE, key, ...options],
      keys: argv.slice(2, 2 + numkeys),
      shape: Shape.Same,
      timeoutMs,
      nullBulkInMulti: false,
    };
  });
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, and BRPOPLPUSH source
 * destination timeout. */
function move(fixedSides: boolean): CommandRow {
  return blockingCommand((ctx) => {
    if (!fixedSides && !moveSides(ctx)) return null;
    const timeoutMs = blockingTimeoutArg(ctx, fixedSides ? 3 : 5);
    if (timeoutMs === null) return null;
    const argv = fixedSides ? [RPOPLPUSH, ...copied(ctx, 1, 3)] : [LMOVE, ...copied(ctx, 1, 5)];
    const via = (fixedSides ? listCommands.rpoplpush : listCommands.lmove).acrossShards!;
    return {
      via,
      argv,
      retryArgv: () => argv,
      keys: [argv[1]],
      shape: Shape.Same,
      timeoutMs,
      nullBulkInMulti: true,
    };
  });
}

export const blockingCommands: CommandRows = {
  blpop: popFirstReady(true, true),
  brpop: popFirstReady(true, false),
  bzpopmin: popFirstReady(false, false),
  bzpopmax: popFirstReady(false, true),
  blmpop: multiPop(true),
  bzmpop: multiPop(false),
  blmove: move(false),
  brpoplpush: move(true),
};
