// SLOWLOG GET/LEN/RESET/HELP (Redis 7.0's slowlog.c). Each shard logs the commands of the
// clients it serves (src/server/slowlog.ts, timing in src/server/command_watch.ts); the
// shard a client is on asks the others for their entries and merges them by id, which all
// shards draw from one counter, so the merged log reads like one Redis's.
import type { CommandContext, CommandRows } from "./spec.ts";
import { type SlowlogEntry, slowlogOf } from "../server/slowlog.ts";
import { isShardPart, replyShardData, shardData, withOtherShards } from "./every_shard.ts";
import { latin1 } from "../protocol/bytes.ts";
import { errSubcommandSyntax, writeHelp } from "./help.ts";

/** An entry as a shard part sends it (bytes as latin1 text). */
interface SentEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  addr: string;
  name: string;
}

const toBytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function sent(e: SlowlogEntry): SentEntry {
  return { ...e, argv: e.argv.map(latin1), name: e.name ? latin1(e.name) : "" };
}

/** SLOWLOG GET [count]: count -1 = all, default 10. */
function get(ctx: CommandContext): void | Promise<void> {
  const { args, out } = ctx;
  let count = 10;
  // Redis takes GET with at most one argument (slowlogCommand); more is a syntax error.
  if (args.argc > 3) return out.error(errSubcommandSyntax(ctx));
  if (args.argc === 3) {
    const n = args.int(2);
    if (n === null || n < -1) return out.error("ERR count should be greater than or equal to -1");
    count = n === -1 ? Infinity : n;
  }
  const own = slowlogOf(ctx.shard).entries.slice(0, count).map(sent);
  if (isShardPart(ctx)) return replyShardData(ctx, own);
  return withOtherShards(ctx, (replies) => {
    const entries = own.concat(...shardData<SentEntry[]>(replies))
      .sort((a, b) => b.id - a.id).slice(0, count);
    out.arrayHeader(entries.length);
    for (const e of entries) {
      out.arrayHeader(6);
      out.integer(e.id);
      out.integer(e.time);
      out.integer(e.usec);
      out.arrayHeader(e.argv.length);
      for (const arg of e.argv) out.bulk(toBytes(arg));
      out.bulkText(e.addr);
      out.bulk(toBytes(e.name));
    }
  });
}

function len(ctx: CommandContext): void | Promise<void> {
  const own = slowlogOf(ctx.shard).entries.length;
  if (isShardPart(ctx)) return replyShardData(ctx, own);
  return withOtherShards(ctx, (replies) => {
    ctx.out.integer(shardData<number>(replies).reduce((a, b) => a + b, own));
  });
}

function reset(ctx: CommandContext): void | Promise<void> {
  slowlogOf(ctx.shard).entries = [];
  return withOtherShards(ctx, () => ctx.out.ok());
}

const SLOWLOG_HELP = [
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
];

export const slowlogCommands: CommandRows = {
  slowlog: {
    subcommands: {
      get: { handler: get },
      len: { handler: len },
      reset: { handler: reset },
      help: { handler: (ctx) => writeHelp(ctx, SLOWLOG_HELP) },
    },
  },
};
