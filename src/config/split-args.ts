// redis.conf words: Redis's sdssplitargs over the line's UTF-8 bytes (the one byte-exact
// splitter, src/protocol/split_args.ts), words back as text.
import { splitArgs as splitArgBytes } from "../protocol/split_args.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The words of a redis.conf line, or null for unbalanced quotes. */
export function splitArgs(line: string): string[] | null {
  const words = splitArgBytes(encoder.encode(line));
  return words && words.map((w) => decoder.decode(w));
}

/** Redis's multi-arg rule: a single non-empty argument is itself split into words. */
export function multiWordValue(args: string[]): string | null {
  const words = args.length === 1 && args[0] !== "" ? splitArgs(args[0]) : args;
  return words === null ? null : words.join(" ");
}
