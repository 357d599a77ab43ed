// The read-eval-print loop (redis-cli.c repl()): used both at the terminal prompt and for
// commands piped on stdin, one per line. Lines are split like redis-cli's sdssplitargs; a
// leading number repeats the command ("3 INCR x").
import { latin1 } from "../protocol/bytes.ts";
import { type History, isSensitiveCommand } from "./history.ts";
import { atoi } from "./options.ts";
import { CLEAR_SCREEN } from "./line_editor.ts";
import type { CliOutput } from "./output.ts";
import type { CliSession } from "./session.ts";
import { splitArgs } from "../protocol/split_args.ts";

/** Where lines come from: the keyboard (with prompt and history) or a pipe. */
export interface LineSource {
  /** The next line as bytes, or null at the end (Ctrl-D, Ctrl-C at the prompt, EOF). */
  next(prompt: string): Promise<Uint8Array | null>;
}

export interface ReplOptions {
  out: CliOutput;
  /** Set for the terminal: lines are remembered (minus secrets) and saved. */
  history: History | null;
  /** Human output prints "(0.51s)" after slow commands, as redis-cli does. */
  showTiming: boolean;
  /** Resolves when the user presses Ctrl-C while no command runs: exit 1 like redis-cli. */
  interrupted: Promise<void>;
}

const decoder = new TextDecoder();

/** Runs lines until the input ends or the user quits; returns the exit code. */
export async function runRepl(
  session: CliSession,
  lines: LineSource,
  options: ReplOptions,
): Promise<number> {
  const { out, history } = options;
  const interrupted = options.interrupted.then(() => "interrupted" as const);
  for (;;) {
    const line = await Promise.race([lines.next(session.prompt()), interrupted]);
    if (line === "interrupted") return 1;
    if (line === null) return 0;
    if (line.length === 0) continue;
    const text = decoder.decode(line);
    const words = splitArgs(line);
    if (words === null) {
      await out.stdout("Invalid argument(s)\n");
      await history?.add(text);
      continue;
    }
    if (words.length === 0) continue;
    const repeat = parseRepeatPrefix(words);
    if (repeat !== null && repeat <= 0) {
      await out.stdout("Invalid redis-cli repeat command option value.\n");
      continue;
    }
    const args = repeat === null ? words : words.slice(1);
    if (!isSensitiveCommand(args.map(latin1))) await history?.add(text);

    const command = latin1(args[0]).toLowerCase();
    if (command === "quit" || command === "exit") return 0;
    if (command === "connect" && args.length === 3) {
      await session.switchServer(latin1(args[1]), atoi(latin1(args[2])));
    } else if (command === "clear" && args.length === 1) {
      await out.stdout(CLEAR_SCREEN);
    } else {
      const started = performance.now();
      await session.run(args, repeat ?? 1);
      const seconds = (performance.now() - started) / 1000;
      if (options.showTiming && seconds >= 0.5) await out.stdout(`(${seconds.toFixed(2)}s)\n`);
    }
  }
}

/** "5 INCR x" → 5; null when the first word is not a number (or is the only word). */
function parseRepeatPrefix(words: Uint8Array[]): number | null {
  if (words.length < 2) return null;
  const first = latin1(words[0]);
  // strtol() accepting the whole word, as redis-cli checks it (an empty word counts as 0).
  if (first !== "" && !/^[ \t\n\v\f\r]*[+-]?\d+$/.test(first)) return null;
  const value = first === "" ? 0n : BigInt(first.trim());
  return value > 9223372036854775807n ? 0 : Number(value); // strtol's ERANGE is invalid too
}

/** Lines of a pipe or file on stdin, split at "\n" (a "\r" before it is a blank to splitArgs). */
export class StdinLines implements LineSource {
  /** Unread input is buffer[start, end). */
  private buffer = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  private ended = false;

  constructor(private input: { read(p: Uint8Array): Promise<number | null> } = Deno.stdin) {}

  async next(): Promise<Uint8Array | null> {
    let scanned = 0; // bytes after `start` already known to hold no newline
    for (;;) {
      const newline = this.buffer.subarray(this.start + scanned, this.end).indexOf(10);
      if (newline >= 0) {
        const lineEnd = this.start + scanned + newline;
        const line = this.buffer.slice(this.start, lineEnd);
        this.start = lineEnd + 1;
        return line;
      }
      scanned = this.end - this.start;
      if (this.ended) {
        if (scanned === 0) return null;
        this.start = this.end;
        return this.buffer.slice(this.end - scanned, this.end);
      }
      this.makeRoom();
      const n = await this.input.read(this.buffer.subarray(this.end));
      if (n === null) this.ended = true;
      else this.end += n;
    }
  }

  /** Moves the unread bytes to the front, doubling the buffer when a line fills it. */
  private makeRoom(): void {
    if (this.end < this.buffer.length) return;
    const unread = this.end - this.start;
    if (unread * 2 > this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer.subarray(this.start, this.end));
      this.buffer = grown;
    } else {
      this.buffer.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = unread;
  }
}
