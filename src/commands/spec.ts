// The shape of one row of the command table (src/commands/table.ts), and what a handler
// receives. Everything about a command that dispatch, arity checks, COMMAND output, ACL and
// key routing need is declared here once, as data.
import type { Args } from "../protocol/args.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import type { Client } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";
import type { RedisCommandInfo } from "./meta.ts";
import type { CrossShard } from "../server/cross_shard.ts";

export interface CommandContext {
  args: Args;
  client: Client;
  out: ReplyWriter;
  shard: Shard;
  spec: CommandSpec;
  /** Atomic multi-shard work; null where commands run on behalf of another shard. */
  cross: CrossShard | null;
}

/** A handler writes exactly one reply to ctx.out. It may be async only off the hot path. */
export type Handler = (ctx: CommandContext) => void | Promise<void>;

/** Redis's legacy key positions: first key, last key (negative counts from the end), step. */
export interface KeyRange {
  first: number;
  last: number;
  step: number;
}

/**
 * Combines the replies of several shards into the client's one reply. `replies` are whole
 * RESP frames, in shard order (fan-out) or in the order the parts were made (split keys).
 */
export type Combiner = (replies: Uint8Array[], out: ReplyWriter, parts: SplitPart[]) => void;

/** One shard's share of a command whose keys span shards: its argument indexes. */
export interface SplitPart {
  shard: number;
  argIndexes: number[];
}

/**
 * A command whose keys live on several shards: each shard runs the command on its own keys
 * (argument groups of `keys.step`, in order), and `combine` joins the replies.
 */
export interface SplitByKey {
  combine: Combiner;
}

/** Picks the shard for a command the key ranges can't route (e.g. SCAN by its cursor). */
/** What a route or routeCommand returns when the command's keys are spread over several
 * shards (else the owner's id, or -1 when keyless). Here, a leaf module, so that command
 * families can use it without importing the dispatcher (which imports them). */
export const SPANNING = -2;

export type Router = (args: Args, shardCount: number) => number;

/** Key argument indexes for commands whose keys move (Redis's "movablekeys"). */
export type KeyFinder = (args: Args) => number[];

/**
 * What a family module declares for each command it implements. Everything Redis defines
 * about the command (arity, flags, ACL categories, key positions, docs) comes from Redis's
 * own metadata (meta.ts); a row adds only the handler and how the command spans shards.
 */
export interface CommandRow {
  /** Optional only for containers that need a subcommand (CONFIG, CLIENT...). */
  handler?: Handler;
  splitByKey?: SplitByKey;
  fanOut?: Combiner;
  route?: Router;
  getKeys?: KeyFinder;
  /** Keys span shards and Redis makes the command atomic: coordinate it here (MSET...). */
  acrossShards?: Handler;
  /** Runs on the client's own shard whatever its keys, once the connection's earlier commands
   * have replied (WATCH registers keys of other shards itself; EXEC runs the queue). */
  afterPending?: boolean;
  subcommands?: Record<string, CommandRow>;
}

export type CommandRows = Record<string, CommandRow>;

export interface CommandSpec {
  /** Lower case, as COMMAND prints it. Subcommands are "container|sub". */
  name: string;
  /** Redis arity: n exact, -n at least n (the name counts). */
  arity: number;
  /** Redis command flags as COMMAND prints them ("write", "readonly", "fast", ...). */
  flags: readonly string[];
  /** Has the "write" flag: the executor tells the shard's write observers after it runs. */
  writes: boolean;
  /** Has the "denyoom" flag: refused while memory is over maxmemory. */
  denyOom: boolean;
  /** ACL categories without the "@" ("string", "read", "fast", ...). */
  categories: readonly string[];
  /** Legacy (first, last, step) key positions; null when the command takes no keys. */
  keys: KeyRange | null;
  getKeys?: KeyFinder;
  handler: Handler;
  subcommands?: readonly CommandSpec[];
  /** Keys may span shards: split per shard and combine (DEL, MGET...). */
  splitByKey?: SplitByKey;
  /** Keyless but needs every shard: the same command runs on each, replies combined. */
  fanOut?: Combiner;
  route?: Router;
  acrossShards?: Handler;
  /** See CommandRow.afterPending. */
  afterPending?: boolean;
  /** Redis's COMMAND INFO entry, replayed by COMMAND. */
  info: RedisCommandInfo;
}
