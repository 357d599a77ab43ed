// Helpers for commands whose keys live on several shards: re-encoding a command for one
// shard's share of the keys, and combining the shards' replies.
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import type { ReplyWriter } from "../protocol/reply_writer.ts";

const encoder = new TextEncoder();

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

/** Adds integer replies (":n\r\n"); the first error reply, if any, is the answer instead. */
export function sumIntegerReplies(replies: Uint8Array[], out: ReplyWriter): void {
  let total = 0;
  for (const r of replies) {
    if (r[0] !== 0x3a) return out.raw(r);
    total += Number(new TextDecoder().decode(r.subarray(1, r.length - 2)));
  }
  out.integer(total);
}
