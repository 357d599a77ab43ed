// Commands that need more than one shard: re-encoding a command for one shard's share of
// the keys, and the standard ways of combining the shards' replies into one.
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import type { Combiner } from "../commands/spec.ts";
import { frameEnd } from "../protocol/frames.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A RESP multibulk frame for argv. */
export function encodeCommand(argv: Uint8Array[]): Uint8Array {
  const b = new ByteBuffer(64 + argv.reduce((n, a) => n + a.length + 16, 0));
  b.raw(encoder.encode(`*${argv.length}\r\n`));
  for (const a of argv) {
    b.raw(encoder.encode(`$${a.length}\r\n`));
    b.raw(a);
    b.raw(encoder.encode("\r\n"));
  }
  return b.bytes();
}

const isError = (r: Uint8Array) => r[0] === 0x2d;

/** The first error reply among `replies`, written to out; true if there was one. */
function firstError(replies: Uint8Array[], out: ReplyWriter): boolean {
  const err = replies.find(isError);
  if (err) out.raw(err);
  return err !== undefined;
}

/** Integer replies added up (DEL, EXISTS, DBSIZE...). */
export const sumIntegers: Combiner = (replies, out) => {
  if (firstError(replies, out)) return;
  let total = 0;
  for (const r of replies) total += Number(decoder.decode(r.subarray(1, r.length - 2)));
  out.integer(total);
};

/** Every shard answered +OK (FLUSHALL, SWAPDB...): one +OK, or the first error. */
export const allOk: Combiner = (replies, out) => {
  if (!firstError(replies, out)) out.raw(replies[0]);
};

/** The elements of each array reply, header and all, split out. */
export function arrayElements(reply: Uint8Array): Uint8Array[] {
  const headerEnd = reply.indexOf(0x0a) + 1;
  const n = Number(decoder.decode(reply.subarray(1, headerEnd - 2)));
  const items: Uint8Array[] = [];
  let p = headerEnd;
  for (let i = 0; i < n; i++) {
    const end = frameEnd(reply, p);
    items.push(reply.subarray(p, end));
    p = end;
  }
  return items;
}

/** Array (or set) replies joined into one (KEYS...). */
export const concatArrays: Combiner = (replies, out) => {
  if (firstError(replies, out)) return;
  const all = replies.flatMap(arrayElements);
  if (replies[0][0] === 0x7e) out.setHeader(all.length);
  else out.arrayHeader(all.length);
  for (const item of all) out.raw(item);
};

/** Array replies of split keys put back in the order of the keys (MGET). */
export const arraysInKeyOrder: Combiner = (replies, out, parts) => {
  if (firstError(replies, out)) return;
  const slots: Uint8Array[] = [];
  parts.forEach((part, i) => {
    const items = arrayElements(replies[i]);
    part.argIndexes.forEach((argIndex, j) => slots[argIndex] = items[j]);
  });
  const ordered = slots.filter((s) => s !== undefined);
  out.arrayHeader(ordered.length);
  for (const item of ordered) out.raw(item);
};
