// The shape of one row of the command table (src/commands/table.ts), and what a handler
// receives. Everything about a command that dispatch, arity checks, COMMAND output, ACL and
// key routing need is declared here once, as data.
import type { Args } from "../protocol/args.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import type { Client } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";

export interface CommandContext {
  args: Args;
  client: Client;
  out: ReplyWriter;
  shard: Shard;
  spec: CommandSpec;
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
 * How a command whose keys live on several shards runs. "sum": each shard runs the command
 * on its keys and the integer replies are added (DEL, EXISTS, UNLINK, TOUCH).
 */
export type MultiShardMode = "sum";

/** Where a keyless command runs: on the connection's shard, or on every shard. */
export type Scope = "local" | "all-shards";

export interface CommandSpec {
  /** Lower case, as COMMAND prints it. Subcommands are "container|sub". */
  name: string;
  /** Redis arity: n exact, -n at least n (the name counts). */
  arity: number;
  /** Redis command flags as COMMAND prints them ("write", "readonly", "fast", ...). */
  flags: readonly string[];
  /** ACL categories without the "@" ("string", "read", "fast", ...). */
  categories: readonly string[];
  keys: KeyRange | null;
  handler: Handler;
  subcommands?: readonly CommandSpec[];
  multiShard?: MultiShardMode;
  scope?: Scope;
  group: string;
  since: string;
  summary: string;
}
