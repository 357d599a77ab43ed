// THE command table: every command IronCache serves. Each family module declares its rows
// (handler + cross-shard behaviour); Redis's own metadata supplies arity, flags, ACL
// categories, key positions and docs. Dispatch, arity checks, COMMAND output and key
// routing all read the CommandSpecs built here (like Redis's commands.def).
import type { CommandContext, CommandRow, CommandRows, CommandSpec, KeyRange } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import { type RedisCommandInfo, redisCommandInfo } from "./meta.ts";
import { registerCommands } from "./registry.ts";
import { connectionCommands } from "./connection.ts";
import { stringCommands } from "./strings.ts";
import { keyCommands } from "./keys.ts";
import { serverCommands } from "./server.ts";
import { expireCommands } from "./expire.ts";
import { infoCommands } from "./info.ts";
import { clientCommands } from "./client.ts";
import { configCommands } from "./config_command.ts";
import { sortCommands } from "./sort.ts";
import { bitmapCommands } from "./bitmaps.ts";
import { hyperLogLogCommands } from "./hyperloglog.ts";
import { listCommands } from "./lists.ts";
import { setCommands } from "./sets.ts";
import { sortedSetCommands } from "./sorted_sets.ts";
import { hashCommands } from "./hashes.ts";
import { aclCommands } from "./acl.ts";
import { transactionCommands } from "./transactions.ts";
import { slowlogCommands } from "./slowlog.ts";
import { latencyCommands } from "./latency.ts";
import { pubsubCommands } from "./pubsub.ts";
import { monitorCommands } from "./monitor.ts";
import { resetCommands } from "./reset.ts";
import { aofCommands } from "./aof.ts";
import { memoryCommands } from "./memory.ts";
import { persistenceCommands } from "./persistence.ts";
import { blockingCommands } from "./blocking.ts";

const FAMILIES: CommandRows[] = [
  connectionCommands,
  stringCommands,
  keyCommands,
  expireCommands,
  serverCommands,
  infoCommands,
  clientCommands,
  configCommands,
  sortCommands,
  bitmapCommands,
  hyperLogLogCommands,
  listCommands,
  setCommands,
  sortedSetCommands,
  hashCommands,
  aclCommands,
  transactionCommands,
  slowlogCommands,
  latencyCommands,
  pubsubCommands,
  resetCommands,
  monitorCommands,
  aofCommands,
  memoryCommands,
  persistenceCommands,
  blockingCommands,
];

/** A container called without a subcommand where Redis allows that (none so far). */
function containerWithoutSubcommand(ctx: CommandContext): void {
  ctx.out.error(`ERR wrong number of arguments for '${ctx.spec.name}' command`);
}

function toSpec(name: string, row: CommandRow, info: RedisCommandInfo): CommandSpec {
  const keys: KeyRange | null = info.firstKey > 0
    ? { first: info.firstKey, last: info.lastKey, step: info.step }
    : null;
  const subcommands = row.subcommands
    ? Object.entries(row.subcommands).map(([sub, r]) => {
      const subInfo = info.subcommands.find((s) => s.name === `${name}|${sub}`);
      if (!subInfo) throw new Error(`Redis has no subcommand ${name}|${sub}`);
      return toSpec(`${name}|${sub}`, r, subInfo);
    })
    : undefined;
  return {
    name,
    arity: info.arity,
    flags: info.flags,
    writes: info.flags.includes("write"),
    denyOom: info.flags.includes("denyoom"),
    categories: info.categories,
    keys,
    getKeys: row.getKeys,
    handler: row.handler ?? containerWithoutSubcommand,
    subcommands,
    splitByKey: row.splitByKey,
    fanOut: row.fanOut,
    route: row.route,
    acrossShards: row.acrossShards,
    afterPending: row.afterPending,
    info,
  };
}

function buildTable(): CommandSpec[] {
  const specs: CommandSpec[] = [];
  for (const family of FAMILIES) {
    for (const [name, row] of Object.entries(family)) {
      const info = redisCommandInfo(name);
      if (!info) throw new Error(`command table: Redis has no command '${name}'`);
      specs.push(toSpec(name, row, info));
    }
  }
  return specs.sort((a, b) => a.name < b.name ? -1 : 1);
}

export const COMMANDS: readonly CommandSpec[] = buildTable();
registerCommands(COMMANDS);

// Lookup by the raw name bytes without building a string: a hash of the name's length and
// its first, second and last bytes picks a bucket (the common commands have one of their own;
// a few rare names share one), then the bytes are compared with the pre-encoded lower-case
// name. `mask` is 0x20 where the name has a letter, so `c | mask` folds only letters to lower
// case (Redis's strcasecmp on command names); bucketOf keeps each byte's low 5 bits, the same
// in either case.
interface Named {
  spec: CommandSpec;
  name: Uint8Array;
  mask: Uint8Array;
}

type Buckets = Array<Named[] | undefined>;

const BUCKETS = 4096;

/** The bucket of name[start, start + len). */
function bucketOf(name: Uint8Array, start: number, len: number): number {
  if (len === 0) return 0;
  const first = name[start] & 31, last = name[start + len - 1] & 31;
  const second = len > 1 ? name[start + 1] & 31 : 0;
  return ((((len * 33) ^ first) * 33 ^ second) * 33 ^ last) & (BUCKETS - 1);
}

const byName: Buckets = new Array(BUCKETS).fill(undefined);
const subByName = new Map<CommandSpec, Buckets>();

function index(into: Buckets, name: string, spec: CommandSpec): void {
  const bytes = new TextEncoder().encode(name);
  const mask = bytes.map((c) => (c >= 97 && c <= 122 ? 0x20 : 0));
  (into[bucketOf(bytes, 0, bytes.length)] ??= []).push({ spec, name: bytes, mask });
}

for (const spec of COMMANDS) {
  index(byName, spec.name, spec);
  if (spec.subcommands) {
    const subs: Buckets = new Array(BUCKETS).fill(undefined);
    for (const sub of spec.subcommands) index(subs, sub.name.slice(spec.name.length + 1), sub);
    subByName.set(spec, subs);
  }
}

function find(buckets: Buckets, args: Args, i: number): CommandSpec | undefined {
  const buf = args.argBuf, start = args.argStart[i], len = args.argLen[i];
  const list = buckets[bucketOf(buf, start, len)];
  if (list === undefined) return undefined;
  for (let e = 0; e < list.length; e++) {
    const entry = list[e], name = entry.name, mask = entry.mask;
    if (name.length !== len) continue;
    let k = 0;
    while (k < len && (buf[start + k] | mask[k]) === name[k]) k++;
    if (k === len) return entry.spec;
  }
  return undefined;
}

/** The command named by args[0]. */
export function lookupCommand(args: Args): CommandSpec | undefined {
  return find(byName, args, 0);
}

/** The subcommand named by args[1] of a container command, if any. */
export function lookupSubcommand(container: CommandSpec, args: Args): CommandSpec | undefined {
  const subs = subByName.get(container);
  return subs === undefined ? undefined : find(subs, args, 1);
}

/** A command or "container|sub" by name (off the hot path: COMMAND INFO, ACL...). */
export function commandByName(name: string): CommandSpec | undefined {
  const [base] = name.toLowerCase().split("|");
  const spec = COMMANDS.find((c) => c.name === base);
  return name.includes("|") ? spec?.subcommands?.find((s) => s.name === name.toLowerCase()) : spec;
}
