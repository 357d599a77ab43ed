// The records of a shard's snapshot walk (snapshot_shard.ts), read back from its chunks.
import { u32le } from "../../src/protocol/bytes.ts";
import {
  SEG_CREATED,
  SEG_SAVED,
  SEG_WALK,
  SEGMENT_HEADER,
} from "../../src/persistence/snapshot_chunks.ts";

const dec = new TextDecoder();

/** Every record in the chunks as "db:key" -> its DUMP blob, by segment kind. */
export function recordsOf(chunks: Uint8Array[]) {
  const walked = new Map<string, Uint8Array>(), saved = new Map<string, Uint8Array>();
  let twice = 0, created = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length;) {
      const kind = chunk[at], db = chunk[at + 1], n = u32le(chunk, at + 2);
      const body = chunk.subarray(at + SEGMENT_HEADER, at + SEGMENT_HEADER + n);
      at += SEGMENT_HEADER + n;
      if (kind === SEG_CREATED) created++;
      if (kind !== SEG_WALK && kind !== SEG_SAVED) continue;
      for (let p = 0; p < body.length;) {
        const klen = u32le(body, p), blob = p + 4 + klen + 8;
        const name = `${db}:${dec.decode(body.subarray(p + 4, p + 4 + klen))}`;
        p = blob + 12 + u32le(body, blob + 8);
        if (walked.has(name) || saved.has(name)) twice++;
        (kind === SEG_WALK ? walked : saved).set(name, body.slice(blob, p));
      }
    }
  }
  return { walked, saved, twice, created };
}
