// Which keyspace events each write command emits, as Redis 7.0's t_*.c, db.c, expire.c,
// sort.c, bitops.c and hyperloglog.c emit them (notifyKeyspaceEvent calls), in their order.
// Read after the command ran without an error reply: whether it changed anything is read
// from its reply (e.g. SETNX's 1, LPOP's non-null) or from whether its key still exists
// (a list emptied by LPOP emits lpop then del).
import type { CommandContext } from "../commands/spec.ts";
import { bytesEqual } from "../protocol/bytes.ts";
import { GENERIC, HASH, LIST, SET, STRING, ZSET } from "./notify_flags.ts";

export type Emit = (type: number, event: string, key: Uint8Array, db?: number) => void;
type Events = (ctx: CommandContext, replyAt: number, emit: Emit) => void;

// ---- reading the reply -----------------------------------------------------------------

/** The integer reply at `at`, or NaN when the reply is not an integer. */
function integerReply(ctx: CommandContext, at: number): number {
  const b = ctx.out.buf;
  if (b[at] !== 0x3a) return NaN;
  let i = at + 1, sign = 1, n = 0;
  if (b[i] === 0x2d) [sign, i] = [-1, i + 1];
  while (b[i] !== 0x0d) n = n * 10 + b[i++] - 48;
  return sign * n;
}

/** A null reply ($-1, *-1, _) or an empty array or set. */
function nothingReplied(ctx: CommandContext, at: number): boolean {
  const b = ctx.out.buf, t = b[at];
  if (t === 0x5f) return true;
  if (t === 0x24 || t === 0x2a || t === 0x7e) return b[at + 1] === 0x2d || b[at + 1] === 0x30;
  return false;
}

/** The first bulk string inside an array reply ([key, ...] of LMPOP / ZMPOP). */
function firstBulkOf(ctx: CommandContext, at: number): Uint8Array | null {
  const b = ctx.out.buf;
  let i = at;
  while (b[i] !== 0x0a) i++; // skip the array header
  if (b[i + 1] !== 0x24) return null;
  i += 2;
  let len = 0;
  while (b[i] !== 0x0d) len = len * 10 + b[i++] - 48;
  return b.slice(i + 2, i + 2 + len);
}

const positive = (ctx: CommandContext, at: number) => integerReply(ctx, at) > 0;
const arg = (ctx: CommandContext, i: number) => ctx.args.bytes(i);
/** The key no longer exists. Known only on its own shard: a command whose keys span shards is
 * reported by the coordinating shard, which cannot see the others' keys (no del event then). */
const gone = (ctx: CommandContext, key: Uint8Array) =>
  ctx.shard.ownerOf(key) === ctx.shard.id && !ctx.shard.keyspace.exists(ctx.client.db, key);

function hasOption(ctx: CommandContext, from: number, ...names: string[]): boolean {
  for (let i = from; i < ctx.args.argc; i++) {
    for (const n of names) if (ctx.args.is(i, n)) return true;
  }
  return false;
}

// ---- rule builders -----------------------------------------------------------------------

/** `event` on the key at index 1 (when `changed` says the command did something). */
function on(
  type: number,
  event: string,
  changed: (ctx: CommandContext, at: number) => boolean = () => true,
): Events {
  return (ctx, at, emit) => {
    if (changed(ctx, at)) emit(type, event, arg(ctx, 1));
  };
}

/** `event` on the key, then "del" if that emptied it (pops, removals, trims). */
function removing(
  type: number,
  event: string,
  changed: (ctx: CommandContext, at: number) => boolean = positive,
  keyOf: (ctx: CommandContext, at: number) => Uint8Array | null = (ctx) => arg(ctx, 1),
): Events {
  return (ctx, at, emit) => {
    if (!changed(ctx, at)) return;
    const key = keyOf(ctx, at);
    if (!key) return;
    emit(type, event, key);
    if (gone(ctx, key)) emit(GENERIC, "del", key);
  };
}

const replied = (ctx: CommandContext, at: number) => !nothingReplied(ctx, at);

/** Every key argument from `first`, `step` apart. */
function eachKey(type: number, event: string, first: number, step: number): Events {
  return (ctx, _at, emit) => {
    for (let i = first; i < ctx.args.argc; i += step) emit(type, event, arg(ctx, i));
  };
}

/** A STORE command's destination (index `dest`): `event` when the result was not empty. */
function store(type: number, event: string, dest = 1): Events {
  return (ctx, at, emit) => {
    if (positive(ctx, at)) emit(type, event, arg(ctx, dest));
  };
}

const EXPIRY_OPTIONS = ["ex", "px", "exat", "pxat"];

/** SET [NX|XX] [GET] [EX...]: set, then expire when it set a TTL. */
const setEvents: Events = (ctx, at, emit) => {
  const withGet = hasOption(ctx, 3, "get");
  const isNull = nothingReplied(ctx, at);
  // Without GET a null reply means NX/XX stopped it; with GET, NX stops it on an existing key
  // (non-null old value) and XX on a missing one (null).
  if (!withGet && isNull) return;
  if (withGet && (hasOption(ctx, 3, "nx") ? !isNull : hasOption(ctx, 3, "xx") && isNull)) return;
  emit(STRING, "set", arg(ctx, 1));
  if (hasOption(ctx, 3, ...EXPIRY_OPTIONS)) emit(GENERIC, "expire", arg(ctx, 1));
};

/** EXPIRE and friends: expire, or del when the time was already past. */
const expireEvents: Events = (ctx, at, emit) => {
  if (!positive(ctx, at)) return;
  const key = arg(ctx, 1);
  emit(GENERIC, gone(ctx, key) ? "del" : "expire", key);
};

/** LMOVE / RPOPLPUSH on one shard: push on the destination, pop on the source, del. */
function moveEvents(fixed?: [boolean, boolean]): Events {
  return (ctx, at, emit) => {
    if (nothingReplied(ctx, at)) return;
    const [fromLeft, toLeft] = fixed ?? [ctx.args.is(3, "left"), ctx.args.is(4, "left")];
    const src = arg(ctx, 1);
    emit(LIST, toLeft ? "lpush" : "rpush", arg(ctx, 2));
    emit(LIST, fromLeft ? "lpop" : "rpop", src);
    if (gone(ctx, src)) emit(GENERIC, "del", src);
  };
}

/** LMPOP / ZMPOP: the key popped is named in the reply. */
function multiPop(type: number, events: [string, string], leftWords: string[]): Events {
  return (ctx, at, emit) => {
    let left = false;
    for (let i = 2; i < ctx.args.argc; i++) {
      if (leftWords.some((w) => ctx.args.is(i, w))) left = true;
    }
    removing(type, left ? events[0] : events[1], replied, (c, a) => firstBulkOf(c, a))(
      ctx,
      at,
      emit,
    );
  };
}

const pairsFrom = (first: number) => eachKey(STRING, "set", first, 2);

const TABLE: Record<string, Events> = {
  // strings
  set: setEvents,
  setnx: on(STRING, "set", positive),
  setex: (ctx, _at, emit) => {
    emit(STRING, "set", arg(ctx, 1));
    emit(GENERIC, "expire", arg(ctx, 1));
  },
  getset: on(STRING, "set"),
  getdel: on(GENERIC, "del", replied),
  getex: (ctx, at, emit) => {
    if (nothingReplied(ctx, at)) return;
    if (hasOption(ctx, 2, ...EXPIRY_OPTIONS)) {
      emit(GENERIC, gone(ctx, arg(ctx, 1)) ? "del" : "expire", arg(ctx, 1));
    } else if (hasOption(ctx, 2, "persist")) emit(GENERIC, "persist", arg(ctx, 1));
  },
  mset: pairsFrom(1),
  msetnx: (ctx, at, emit) => positive(ctx, at) && pairsFrom(1)(ctx, at, emit),
  append: on(STRING, "append"),
  setrange: on(STRING, "setrange", (ctx) => ctx.args.length(3) > 0),
  incr: on(STRING, "incrby"),
  decr: on(STRING, "incrby"),
  incrby: on(STRING, "incrby"),
  decrby: on(STRING, "incrby"),
  incrbyfloat: on(STRING, "incrbyfloat"),
  setbit: on(STRING, "setbit"),
  bitfield: on(STRING, "setbit", (ctx) => hasOption(ctx, 2, "set", "incrby")),
  bitop: (ctx, _at, emit) => {
    const dest = arg(ctx, 2);
    if (!gone(ctx, dest)) emit(STRING, "set", dest);
  },
  pfadd: on(STRING, "pfadd", positive),
  pfmerge: on(STRING, "pfadd"),
  // generic
  // The reply counts the deleted keys but does not name them: exact for one key, for none and
  // for all; otherwise every key named gets the event (docs/compatibility.md).
  del: (ctx, at, emit) => positive(ctx, at) && eachKey(GENERIC, "del", 1, 1)(ctx, at, emit),
  unlink: (ctx, at, emit) => TABLE.del(ctx, at, emit),
  expire: expireEvents,
  pexpire: expireEvents,
  expireat: expireEvents,
  pexpireat: expireEvents,
  persist: on(GENERIC, "persist", positive),
  rename: (ctx, _at, emit) => {
    if (bytesEqual(arg(ctx, 1), arg(ctx, 2))) return; // RENAME k k: Redis replies at once
    emit(GENERIC, "rename_from", arg(ctx, 1));
    emit(GENERIC, "rename_to", arg(ctx, 2));
  },
  renamenx: (ctx, at, emit) => positive(ctx, at) && TABLE.rename(ctx, at, emit),
  move: (ctx, at, emit) => {
    if (!positive(ctx, at)) return;
    emit(GENERIC, "move_from", arg(ctx, 1));
    emit(GENERIC, "move_to", arg(ctx, 1), Number(ctx.args.text(2)));
  },
  copy: (ctx, at, emit) => {
    if (!positive(ctx, at)) return;
    let db = ctx.client.db;
    for (let i = 3; i < ctx.args.argc - 1; i++) {
      if (ctx.args.is(i, "db")) db = Number(ctx.args.text(i + 1));
    }
    emit(GENERIC, "copy_to", arg(ctx, 2), db);
  },
  restore: on(GENERIC, "restore"),
  sort: (ctx, at, emit) => {
    for (let i = 2; i < ctx.args.argc - 1; i++) {
      if (ctx.args.is(i, "store") && positive(ctx, at)) emit(LIST, "sortstore", arg(ctx, i + 1));
    }
  },
  // lists
  lpush: on(LIST, "lpush"),
  rpush: on(LIST, "rpush"),
  lpushx: on(LIST, "lpush", positive),
  rpushx: on(LIST, "rpush", positive),
  lpop: removing(LIST, "lpop", replied),
  rpop: removing(LIST, "rpop", replied),
  linsert: on(LIST, "linsert", positive),
  lset: on(LIST, "lset"),
  lrem: removing(LIST, "lrem"),
  ltrim: removing(LIST, "ltrim", () => true),
  lmove: moveEvents(),
  rpoplpush: moveEvents([false, true]), // from the right, to the left
  lmpop: multiPop(LIST, ["lpop", "rpop"], ["left"]),
  // sets
  sadd: on(SET, "sadd", positive),
  srem: removing(SET, "srem"),
  spop: removing(SET, "spop", replied),
  smove: (ctx, at, emit) => {
    if (!positive(ctx, at)) return;
    removing(SET, "srem", () => true)(ctx, at, emit);
    emit(SET, "sadd", arg(ctx, 2));
  },
  sinterstore: store(SET, "sinterstore"),
  sunionstore: store(SET, "sunionstore"),
  sdiffstore: store(SET, "sdiffstore"),
  // hashes
  hset: on(HASH, "hset"),
  hmset: on(HASH, "hset"),
  hsetnx: on(HASH, "hset", positive),
  hdel: removing(HASH, "hdel"),
  hincrby: on(HASH, "hincrby"),
  hincrbyfloat: on(HASH, "hincrbyfloat"),
  // sorted sets
  zadd: (ctx, at, emit) => {
    if (hasOption(ctx, 2, "incr")) {
      if (!nothingReplied(ctx, at)) emit(ZSET, "zincr", arg(ctx, 1));
    } else if (positive(ctx, at) || !hasOption(ctx, 2, "nx")) emit(ZSET, "zadd", arg(ctx, 1));
  },
  zincrby: on(ZSET, "zincr"),
  zrem: removing(ZSET, "zrem"),
  zremrangebyscore: removing(ZSET, "zremrangebyscore"),
  zremrangebyrank: removing(ZSET, "zremrangebyrank"),
  zremrangebylex: removing(ZSET, "zremrangebylex"),
  zpopmin: removing(ZSET, "zpopmin", replied),
  zpopmax: removing(ZSET, "zpopmax", replied),
  zmpop: multiPop(ZSET, ["zpopmin", "zpopmax"], ["min"]),
  zunionstore: store(ZSET, "zunionstore"),
  zinterstore: store(ZSET, "zinterstore"),
  zdiffstore: store(ZSET, "zdiffstore"),
  zrangestore: store(ZSET, "zrangestore"),
};
TABLE.psetex = TABLE.setex;

/** The events of a write command, by its table name; undefined when it emits none. */
export function eventsFor(name: string): Events | undefined {
  return TABLE[name];
}
