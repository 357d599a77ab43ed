// Bitmap commands (Redis 7.0's bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO. Bitmaps are string values; the engine does the bit work (src/engine/bitmaps.ts),
// here are Redis's argument checks in Redis's order, and the replies. BITOP whose keys span
// shards reads the sources with GET under the shards' locks and writes the result there.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import {
  ERR_NOT_INTEGER,
  ERR_STRING_TOO_LONG,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
} from "../protocol/errors.ts";
import { asciiBytes, latin1 } from "../protocol/bytes.ts";
import { parseLongLong } from "../protocol/numbers.ts";
import { NOT_FOUND, WRONG_TYPE } from "../engine/keyspace.ts";
import {
  bitmapsOf,
  BITOP_AND,
  BITOP_NOT,
  BITOP_OR,
  BITOP_XOR,
  COUNT_ALL,
  COUNT_BITS,
  COUNT_BYTES,
  FIELD_GET,
  FIELD_INCRBY,
  FIELD_SET,
  type FieldOp,
  OVERFLOW_FAIL,
  OVERFLOW_SAT,
  OVERFLOW_WRAP,
  POS_BIT_UNIT,
  POS_END,
  POS_START,
} from "../engine/bitmaps.ts";
import { bulkPayload, isErrorReply, isNullReply } from "./keys_common.ts";

const ERR_BIT_OFFSET = "ERR bit offset is not an integer or out of range";
const ERR_BIT_VALUE = "ERR bit is not an integer or out of range";
const ERR_BIT_ARGUMENT = "ERR The bit argument must be 1 or 0.";
const ERR_BITOP_NOT = "ERR BITOP NOT must be called with a single source key.";
const ERR_FIELD_TYPE =
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const ERR_OVERFLOW_TYPE = "ERR Invalid OVERFLOW type specified";
const ERR_BITFIELD_RO = "ERR BITFIELD_RO only supports the GET subcommand";

/** A handler's argument check failed: the error to reply (after the key lookup, in 7.0). */
class ArgumentError {
  constructor(readonly message: string) {}
}

function maxBulkLength(ctx: CommandContext): number {
  return Number(ctx.shard.config.get("proto-max-bulk-len"));
}

/** An engine status as its error reply (TOO_LARGE only when proto-max-bulk-len is set above
 * the engine's 512 MB). */
function statusError(ctx: CommandContext, status: number): void {
  ctx.out.error(status === WRONG_TYPE ? ERR_WRONGTYPE : ERR_STRING_TOO_LONG);
}

/** Argument i as an exact signed 64-bit integer (string2ll rules), or null. */
function int64Arg(args: Args, i: number): bigint | null {
  const n = args.int(i);
  if (n === null) return null;
  return Number.isSafeInteger(n) ? BigInt(n) : BigInt(args.text(i));
}

/**
 * Redis's getBitOffsetFromArgument: a bit offset below proto-max-bulk-len * 8. With `bits`
 * (BITFIELD) "#N" means N * bits, wrapping in 64 bits as C does. Null after replying.
 */
function bitOffsetArg(ctx: CommandContext, i: number, bits = 0): number | null {
  const { args } = ctx;
  const start = args.argStart[i], end = start + args.argLen[i];
  const hash = bits > 0 && args.argLen[i] > 0 && args.argBuf[start] === 0x23; // '#'
  const digits = hash ? start + 1 : start;
  const n = parseLongLong(args.argBuf, digits, end);
  let offset: number | null = n;
  // Exact 64-bit arithmetic only where a double could round: "#N" products, huge offsets.
  if (n !== null && (hash || !Number.isSafeInteger(n))) {
    const exact = BigInt(latin1(args.argBuf.subarray(digits, end)));
    const product = BigInt.asIntN(64, hash ? exact * BigInt(bits) : exact);
    const limit = BigInt(maxBulkLength(ctx));
    offset = product < 0n || product >> 3n >= limit ? null : Number(product);
  } else if (n !== null && (n < 0 || Math.floor(n / 8) >= maxBulkLength(ctx))) {
    offset = null;
  }
  if (offset === null) ctx.out.error(ERR_BIT_OFFSET);
  return offset;
}

// ---- GETBIT / SETBIT --------------------------------------------------------------------------------

export function getbit(ctx: CommandContext): void {
  const offset = bitOffsetArg(ctx, 2);
  if (offset === null) return;
  const bit = bitmapsOf(ctx.shard.keyspace).getBit(ctx.client.db, ctx.args, 1, offset);
  if (bit >= 0) ctx.out.integer(bit);
  else statusError(ctx, bit);
}

export function setbit(ctx: CommandContext): void {
  const offset = bitOffsetArg(ctx, 2);
  if (offset === null) return;
  const on = ctx.args.int(3);
  if (on !== 0 && on !== 1) return ctx.out.error(ERR_BIT_VALUE);
  const old = bitmapsOf(ctx.shard.keyspace).setBit(ctx.client.db, ctx.args, 1, offset, on);
  if (old >= 0) ctx.out.integer(old);
  else statusError(ctx, old);
}

// ---- BITCOUNT / BITPOS --------------------------------------------------------------------------------

/**
 * Redis 7.0 looks the key up before it checks these arguments: a missing key answers
 * `missingReply` and another type WRONGTYPE whatever the arguments say, so an argument error
 * is only replied once a string is found.
 */
function replyAfterLookup(
  ctx: CommandContext,
  failure: ArgumentError | "zero",
  missingReply: number,
): void {
  const found = bitmapsOf(ctx.shard.keyspace).probe(ctx.client.db, ctx.args, 1);
  if (found === NOT_FOUND) ctx.out.integer(missingReply);
  else if (found === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else if (failure === "zero") ctx.out.integer(0);
  else ctx.out.error(failure.message);
}

interface CountRange {
  start: number;
  end: number;
  unit: number;
}

/** BITCOUNT's [start end [BYTE|BIT]]; "zero" when both bounds are negative and start is after
 * end (Redis answers 0 before looking at the unit). */
function countRange(args: Args): CountRange | ArgumentError | "zero" {
  if (args.argc === 2) return { start: 0, end: 0, unit: COUNT_ALL };
  if (args.argc !== 4 && args.argc !== 5) return new ArgumentError(ERR_SYNTAX);
  const start = int64Arg(args, 2);
  const end = int64Arg(args, 3);
  if (start === null || end === null) return new ArgumentError(ERR_NOT_INTEGER);
  if (start < 0n && end < 0n && start > end) return "zero";
  let unit = COUNT_BYTES;
  if (args.argc === 5) {
    if (args.is(4, "bit")) unit = COUNT_BITS;
    else if (!args.is(4, "byte")) return new ArgumentError(ERR_SYNTAX);
  }
  return { start: Number(start), end: Number(end), unit };
}

/** BITCOUNT key [start end [BYTE|BIT]] */
export function bitcount(ctx: CommandContext): void {
  const range = countRange(ctx.args);
  if (range === "zero" || range instanceof ArgumentError) return replyAfterLookup(ctx, range, 0);
  const bitmaps = bitmapsOf(ctx.shard.keyspace);
  const n = bitmaps.count(ctx.client.db, ctx.args, 1, range.start, range.end, range.unit);
  if (n >= 0) ctx.out.integer(n);
  else if (n === NOT_FOUND) ctx.out.integer(0);
  else ctx.out.error(ERR_WRONGTYPE);
}

interface PosRange {
  start: number;
  end: number;
  flags: number;
}

/** BITPOS's [start [end [BYTE|BIT]]], in Redis's order: start, the unit, then end. */
function posRange(args: Args): PosRange | ArgumentError {
  if (args.argc === 3) return { start: 0, end: 0, flags: 0 };
  if (args.argc > 6) return new ArgumentError(ERR_SYNTAX);
  const start = args.int(3);
  if (start === null) return new ArgumentError(ERR_NOT_INTEGER);
  let flags = POS_START;
  if (args.argc === 6) {
    if (args.is(5, "bit")) flags |= POS_BIT_UNIT;
    else if (!args.is(5, "byte")) return new ArgumentError(ERR_SYNTAX);
  }
  let end = 0;
  if (args.argc >= 5) {
    const n = args.int(4);
    if (n === null) return new ArgumentError(ERR_NOT_INTEGER);
    end = n;
    flags |= POS_END;
  }
  return { start, end, flags };
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
export function bitpos(ctx: CommandContext): void {
  const bit = ctx.args.int(2);
  if (bit === null) return ctx.out.error(ERR_NOT_INTEGER);
  if (bit !== 0 && bit !== 1) return ctx.out.error(ERR_BIT_ARGUMENT);
  const missingReply = bit ? -1 : 0;
  const range = posRange(ctx.args);
  if (range instanceof ArgumentError) return replyAfterLookup(ctx, range, missingReply);
  const bitmaps = bitmapsOf(ctx.shard.keyspace);
  const pos = bitmaps.position(
    ctx.client.db,
    ctx.args,
    1,
    bit,
    range.start,
    range.end,
    range.flags,
  );
  if (pos === WRONG_TYPE) ctx.out.error(ERR_WRONGTYPE);
  else ctx.out.integer(pos);
}

// ---- BITOP ------------------------------------------------------------------------------------------------

/** BITOP's operation (strcasecmp, so text after a NUL byte is ignored), or null after replying. */
function bitopOperation(ctx: CommandContext): number | null {
  const { args, out } = ctx;
  let op: number;
  if (args.is(1, "and")) op = BITOP_AND;
  else if (args.is(1, "or")) op = BITOP_OR;
  else if (args.is(1, "xor")) op = BITOP_XOR;
  else if (args.is(1, "not")) op = BITOP_NOT;
  else {
    out.error(ERR_SYNTAX);
    return null;
  }
  if (op === BITOP_NOT && args.argc !== 4) {
    out.error(ERR_BITOP_NOT);
    return null;
  }
  return op;
}

/** BITOP AND|OR|XOR|NOT destkey key [key ...]: the result's length. */
export function bitop(ctx: CommandContext): void {
  const op = bitopOperation(ctx);
  if (op === null) return;
  const bitmaps = bitmapsOf(ctx.shard.keyspace);
  const n = bitmaps.opKeys(ctx.client.db, op, ctx.args, 2, 3, ctx.args.argc - 1);
  if (n >= 0) ctx.out.integer(n);
  else ctx.out.error(ERR_WRONGTYPE);
}

const [GET, DEL, SETRANGE, ZERO] = ["GET", "DEL", "SETRANGE", "0"].map(asciiBytes);

/**
 * BITOP with keys on several shards, atomic under their locks: GET each source on its shard
 * (a missing key is empty; the first non-string fails the command), compute here, then DEL
 * the destination and, for a non-empty result, SETRANGE it at 0 (a raw string without TTL,
 * as Redis's setKey of a new object).
 */
async function bitopAcrossShards(ctx: CommandContext): Promise<void> {
  const op = bitopOperation(ctx);
  if (op === null) return;
  const { args, shard, out } = ctx;
  const dest = args.bytes(2).slice();
  const sources: Uint8Array[] = [];
  for (let i = 3; i < args.argc; i++) sources.push(args.bytes(i).slice());
  const owners = sources.map((key) => shard.ownerOf(key));
  const destOwner = shard.ownerOf(dest);
  await ctx.cross!.atomically([destOwner, ...owners], async (run) => {
    const replies = await Promise.all(sources.map((key, i) => run(owners[i], [GET, key])));
    const failed = replies.find(isErrorReply);
    if (failed) return out.raw(failed);
    const values = replies.map((reply) =>
      isNullReply(reply) ? new Uint8Array(0) : bulkPayload(reply)
    );
    const ks = shard.keyspace;
    const len = bitmapsOf(ks).opValues(op, values);
    const result = ks.copyResult(len);
    await run(destOwner, [DEL, dest]);
    if (len > 0) await run(destOwner, [SETRANGE, dest, ZERO, result]);
    out.integer(len);
  });
}

// ---- BITFIELD / BITFIELD_RO ----------------------------------------------------------------------------

/** Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the width read as a C string).
 * Null after replying. */
function fieldType(ctx: CommandContext, i: number): { signed: boolean; bits: number } | null {
  const { args } = ctx;
  const start = args.argStart[i], len = args.argLen[i];
  const sign = len > 0 ? args.argBuf[start] : 0;
  let widthEnd = start + 1;
  while (widthEnd < start + len && args.argBuf[widthEnd] !== 0) widthEnd++;
  const bits = sign === 0x69 || sign === 0x75
    ? parseLongLong(args.argBuf, start + 1, widthEnd)
    : null;
  const signed = sign === 0x69; // 'i'
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) {
    ctx.out.error(ERR_FIELD_TYPE);
    return null;
  }
  return { signed, bits };
}

/** The operations of a BITFIELD command, or null after replying an error. */
function fieldOps(ctx: CommandContext): FieldOp[] | null {
  const { args, out } = ctx;
  const ops: FieldOp[] = [];
  let overflow = OVERFLOW_WRAP;
  for (let j = 2; j < args.argc; j++) {
    const remaining = args.argc - j - 1;
    let opcode: number;
    if (args.is(j, "get") && remaining >= 2) opcode = FIELD_GET;
    else if (args.is(j, "set") && remaining >= 3) opcode = FIELD_SET;
    else if (args.is(j, "incrby") && remaining >= 3) opcode = FIELD_INCRBY;
    else if (args.is(j, "overflow") && remaining >= 1) {
      j++;
      if (args.is(j, "wrap")) overflow = OVERFLOW_WRAP;
      else if (args.is(j, "sat")) overflow = OVERFLOW_SAT;
      else if (args.is(j, "fail")) overflow = OVERFLOW_FAIL;
      else {
        out.error(ERR_OVERFLOW_TYPE);
        return null;
      }
      continue;
    } else {
      out.error(ERR_SYNTAX);
      return null;
    }
    const type = fieldType(ctx, j + 1);
    if (!type) return null;
    const offset = bitOffsetArg(ctx, j + 2, type.bits);
    if (offset === null) return null;
    let value = 0n;
    if (opcode !== FIELD_GET) {
      const n = int64Arg(args, j + 3);
      if (n === null) {
        out.error(ERR_NOT_INTEGER);
        return null;
      }
      value = n;
    }
    ops.push({ opcode, signed: type.signed, bits: type.bits, offset, value, overflow });
    j += opcode === FIELD_GET ? 2 : 3;
  }
  return ops;
}

function bitfieldCommand(readOnly: boolean) {
  return (ctx: CommandContext): void => {
    const ops = fieldOps(ctx);
    if (!ops) return;
    if (readOnly && ops.some((op) => op.opcode !== FIELD_GET)) {
      return ctx.out.error(ERR_BITFIELD_RO);
    }
    const replies = bitmapsOf(ctx.shard.keyspace).field(ctx.client.db, ctx.args, 1, ops);
    if (typeof replies === "number") return statusError(ctx, replies);
    ctx.out.arrayHeader(replies.length);
    for (const reply of replies) {
      if (reply === null) ctx.out.nullBulk();
      else ctx.out.integer(reply);
    }
  };
}

export const bitmapCommands: CommandRows = {
  getbit: { handler: getbit },
  setbit: { handler: setbit },
  bitcount: { handler: bitcount },
  bitpos: { handler: bitpos },
  bitop: { handler: bitop, acrossShards: bitopAcrossShards },
  bitfield: { handler: bitfieldCommand(false) },
  bitfield_ro: { handler: bitfieldCommand(true) },
};
