// Reads lines from the keyboard: raw mode on, keys through the pure line editor, the line
// redrawn after each key, raw mode off again before the command runs (so Ctrl-C is a
// signal while waiting for a reply and output needs no "\r").
import {
  applyKey,
  CLEAR_SCREEN,
  currentLine,
  decodeKeys,
  type EditorState,
  type Key,
  newEditor,
  renderLine,
} from "./line_editor.ts";

const encoder = new TextEncoder();

export class TerminalLineReader {
  private decoder = new TextDecoder();
  /** Keys typed (or pasted) beyond the line returned last time, and a cut-off sequence. */
  private queued: Key[] = [];
  private partial = "";
  private buffer = new Uint8Array(4096);

  /** The next line, or null when the user pressed Ctrl-C, Ctrl-D or stdin ended. */
  async readLine(prompt: string, history: readonly string[]): Promise<string | null> {
    let state = newEditor(history);
    Deno.stdin.setRaw(true);
    try {
      await this.write(this.render(prompt, state));
      for (;;) {
        const key = this.queued.shift() ?? await this.nextKeys();
        if (key === null) return null;
        if (key === undefined) continue;
        const result = applyKey(state, key);
        state = result.state;
        if (result.event === "submit") return currentLine(state);
        if (result.event === "interrupt" || result.event === "eof") return null;
        const prefix = result.event === "clear-screen" ? CLEAR_SCREEN : "";
        await this.write(prefix + this.render(prompt, state));
      }
    } finally {
      Deno.stdin.setRaw(false);
      await this.write("\n"); // linenoise ends every edit with a newline, even on Ctrl-C
    }
  }

  /** Reads stdin once: returns the first new key (queueing the rest), null at end of input. */
  private async nextKeys(): Promise<Key | null | undefined> {
    const n = await Deno.stdin.read(this.buffer);
    if (n === null) return null;
    const decoded = decodeKeys(
      this.partial + this.decoder.decode(this.buffer.subarray(0, n), { stream: true }),
    );
    this.partial = decoded.rest;
    this.queued.push(...decoded.keys);
    return this.queued.shift();
  }

  private render(prompt: string, state: EditorState): string {
    let columns = 80;
    try {
      columns = Deno.consoleSize().columns || 80;
    } catch { /* not a console after all */ }
    return renderLine(prompt, state, columns);
  }

  private async write(text: string): Promise<void> {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(await Deno.stdout.write(bytes));
  }
}
