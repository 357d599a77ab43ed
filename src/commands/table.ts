// THE command table: every command IronCache serves, declared once. Dispatch, arity checks,
// COMMAND output and key routing all read these rows (like Redis's commands.def).
import type { CommandSpec, Handler, KeyRange, MultiShardMode, Scope } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import * as connection from "./connection.ts";
import * as strings from "./strings.ts";
import * as keys from "./keys.ts";
import * as server from "./server.ts";

interface Row {
  arity: number;
  flags: string;
  categories: string;
  keys?: [number, number, number];
  handler: Handler;
  group: string;
  since: string;
  summary: string;
  multiShard?: MultiShardMode;
  scope?: Scope;
  subcommands?: Record<string, Omit<Row, "group">>;
}

const ONE_KEY: [number, number, number] = [1, 1, 1];
const ALL_KEYS: [number, number, number] = [1, -1, 1];

const ROWS: Record<string, Row> = {
  // connection
  ping: { arity: -1, flags: "fast", categories: "fast connection", handler: connection.ping, group: "connection", since: "1.0.0", summary: "Returns the server's liveliness response." },
  echo: { arity: 2, flags: "loading stale fast", categories: "fast connection", handler: connection.echo, group: "connection", since: "1.0.0", summary: "Returns the given string." },
  hello: { arity: -1, flags: "noscript loading stale fast no_auth allow_busy", categories: "fast connection", handler: connection.hello, group: "connection", since: "6.0.0", summary: "Handshakes with the Redis server." },
  quit: { arity: -1, flags: "noscript loading stale fast no_auth allow_busy", categories: "fast connection", handler: connection.quit, group: "connection", since: "1.0.0", summary: "Closes the connection." },
  select: { arity: 2, flags: "loading stale fast", categories: "fast connection", handler: connection.select, group: "connection", since: "1.0.0", summary: "Changes the selected database." },
  // strings
  get: { arity: 2, flags: "readonly fast", categories: "read string fast", keys: ONE_KEY, handler: strings.get, group: "string", since: "1.0.0", summary: "Returns the string value of a key." },
  set: { arity: -3, flags: "write denyoom", categories: "write string slow", keys: ONE_KEY, handler: strings.set, group: "string", since: "1.0.0", summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist." },
  incr: { arity: 2, flags: "write denyoom fast", categories: "write string fast", keys: ONE_KEY, handler: strings.incr, group: "string", since: "1.0.0", summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist." },
  decr: { arity: 2, flags: "write denyoom fast", categories: "write string fast", keys: ONE_KEY, handler: strings.decr, group: "string", since: "1.0.0", summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist." },
  incrby: { arity: 3, flags: "write denyoom fast", categories: "write string fast", keys: ONE_KEY, handler: strings.incrby, group: "string", since: "1.0.0", summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist." },
  decrby: { arity: 3, flags: "write denyoom fast", categories: "write string fast", keys: ONE_KEY, handler: strings.decrby, group: "string", since: "1.0.0", summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist." },
  // keys
  del: { arity: -2, flags: "write", categories: "keyspace write slow", keys: ALL_KEYS, handler: keys.del, multiShard: "sum", group: "generic", since: "1.0.0", summary: "Deletes one or more keys." },
  exists: { arity: -2, flags: "readonly fast", categories: "keyspace read fast", keys: ALL_KEYS, handler: keys.exists, multiShard: "sum", group: "generic", since: "1.0.0", summary: "Determines whether one or more keys exist." },
  // server
  command: {
    arity: -1, flags: "loading stale", categories: "slow connection", handler: unknownSubcommand, group: "server", since: "2.8.13", summary: "Returns detailed information about all commands.",
    subcommands: {
      count: { arity: 2, flags: "loading stale", categories: "slow connection", handler: server.commandCountHandler, since: "2.8.13", summary: "Returns a count of commands." },
    },
  },
};

/** Runs when a container is called without a subcommand it has a handler for. */
function unknownSubcommand(ctx: Parameters<Handler>[0]): void {
  ctx.out.error(`ERR unknown subcommand or wrong number of arguments for '${ctx.spec.name}'`);
}

function toSpec(name: string, row: Omit<Row, "group"> & { group?: string }, group: string): CommandSpec {
  const keyRange: KeyRange | null = row.keys ? { first: row.keys[0], last: row.keys[1], step: row.keys[2] } : null;
  return {
    name,
    arity: row.arity,
    flags: row.flags.split(" ").filter(Boolean),
    categories: row.categories.split(" ").filter(Boolean),
    keys: keyRange,
    handler: row.handler,
    multiShard: row.multiShard,
    scope: row.scope,
    group,
    since: row.since,
    summary: row.summary,
    subcommands: row.subcommands
      ? Object.entries(row.subcommands).map(([sub, r]) => toSpec(`${name}|${sub}`, r, group))
      : undefined,
  };
}

export const COMMANDS: readonly CommandSpec[] = Object.entries(ROWS).map(([name, row]) => toSpec(name, row, row.group));

export function commandCount(): number {
  return COMMANDS.length;
}

// Lookup by the raw name bytes without building a string: a hash of the lower-cased bytes
// picks a short bucket, then the bytes are compared.
const byHash = new Map<number, CommandSpec[]>();
const subByHash = new Map<CommandSpec, Map<number, CommandSpec[]>>();

function hashLower(buf: Uint8Array, start: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) {
    let c = buf[start + i];
    if (c >= 65 && c <= 90) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

function index(into: Map<number, CommandSpec[]>, name: string, spec: CommandSpec): void {
  const bytes = new TextEncoder().encode(name);
  const h = hashLower(bytes, 0, bytes.length);
  const list = into.get(h);
  if (list) list.push(spec);
  else into.set(h, [spec]);
}

for (const spec of COMMANDS) {
  index(byHash, spec.name, spec);
  if (spec.subcommands) {
    const subs = new Map<number, CommandSpec[]>();
    for (const sub of spec.subcommands) index(subs, sub.name.slice(spec.name.length + 1), sub);
    subByHash.set(spec, subs);
  }
}

function find(map: Map<number, CommandSpec[]> | undefined, args: Args, i: number, skip: number): CommandSpec | undefined {
  const list = map?.get(hashLower(args.argBuf, args.argStart[i], args.argLen[i]));
  if (!list) return undefined;
  for (const spec of list) if (args.is(i, skip ? spec.name.slice(skip) : spec.name)) return spec;
  return undefined;
}

/** The command named by args[0]. */
export function lookupCommand(args: Args): CommandSpec | undefined {
  return find(byHash, args, 0, 0);
}

/** The subcommand named by args[1] of a container command, if any. */
export function lookupSubcommand(container: CommandSpec, args: Args): CommandSpec | undefined {
  return find(subByHash.get(container), args, 1, container.name.length + 1);
}

export function commandByName(name: string): CommandSpec | undefined {
  const [base, sub] = name.toLowerCase().split("|");
  const spec = COMMANDS.find((c) => c.name === base);
  return sub ? spec?.subcommands?.find((s) => s.name === `${base}|${sub}`) : spec;
}
