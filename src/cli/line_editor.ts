// The interactive line editor's pure core, modelled on linenoise (which redis-cli uses):
// decodeKeys turns terminal input into keys, applyKey edits the state, renderLine draws it.
// Nothing here touches the terminal, so every keystroke is unit-testable.

export type Key =
  | { type: "insert"; text: string }
  | {
    type:
      | "enter"
      | "left"
      | "right"
      | "home"
      | "end"
      | "backspace"
      | "delete"
      | "up"
      | "down"
      | "interrupt"
      | "eof-or-delete"
      | "kill-line"
      | "kill-to-end"
      | "kill-word"
      | "swap"
      | "clear-screen";
  };

export interface EditorState {
  /** The line as code points, so the cursor never splits a character. */
  readonly chars: readonly string[];
  readonly cursor: number;
  /** Oldest first; the last entry is the line being typed (linenoise keeps it there too). */
  readonly history: readonly string[];
  /** 0 shows the line being typed, 1 the newest history entry, and so on. */
  readonly historyIndex: number;
}

/** What the caller must do after a key: finish the line, quit, or repaint everything. */
export type EditorEvent = "submit" | "interrupt" | "eof" | "clear-screen";

export function newEditor(history: readonly string[]): EditorState {
  return { chars: [], cursor: 0, history: [...history, ""], historyIndex: 0 };
}

export function currentLine(state: EditorState): string {
  return state.chars.join("");
}

export function applyKey(
  state: EditorState,
  key: Key,
): { state: EditorState; event?: EditorEvent } {
  const { chars, cursor } = state;
  const edit = (next: string[], at: number) => ({ state: { ...state, chars: next, cursor: at } });
  switch (key.type) {
    case "insert": {
      const added = Array.from(key.text);
      return edit(
        [...chars.slice(0, cursor), ...added, ...chars.slice(cursor)],
        cursor + added.length,
      );
    }
    case "enter":
      return { state, event: "submit" };
    case "interrupt":
      return { state, event: "interrupt" };
    case "eof-or-delete":
      // Ctrl-D ends the session on an empty line and deletes forward otherwise.
      if (chars.length === 0) return { state, event: "eof" };
      return edit(removeRange(chars, cursor, cursor + 1), cursor);
    case "left":
      return edit([...chars], Math.max(0, cursor - 1));
    case "right":
      return edit([...chars], Math.min(chars.length, cursor + 1));
    case "home":
      return edit([...chars], 0);
    case "end":
      return edit([...chars], chars.length);
    case "backspace":
      return cursor > 0 ? edit(removeRange(chars, cursor - 1, cursor), cursor - 1) : { state };
    case "delete":
      return edit(removeRange(chars, cursor, cursor + 1), cursor);
    case "kill-line":
      return edit([], 0);
    case "kill-to-end":
      return edit(chars.slice(0, cursor), cursor);
    case "kill-word": {
      let start = cursor;
      while (start > 0 && chars[start - 1] === " ") start--;
      while (start > 0 && chars[start - 1] !== " ") start--;
      return edit(removeRange(chars, start, cursor), start);
    }
    case "swap": {
      // Ctrl-T swaps the characters before and under the cursor, then moves right.
      if (cursor === 0 || chars.length < 2) return { state };
      const at = cursor === chars.length ? cursor - 1 : cursor;
      const next = [...chars];
      [next[at - 1], next[at]] = [next[at], next[at - 1]];
      return edit(next, Math.min(chars.length, at + 1));
    }
    case "up":
      return { state: browseHistory(state, 1) };
    case "down":
      return { state: browseHistory(state, -1) };
    case "clear-screen":
      return { state, event: "clear-screen" };
  }
}

/** Moves through history, keeping edits made to any entry until the line is submitted. */
function browseHistory(state: EditorState, step: 1 | -1): EditorState {
  const target = state.historyIndex + step;
  if (target < 0 || target >= state.history.length) return state;
  const history = [...state.history];
  history[history.length - 1 - state.historyIndex] = currentLine(state);
  const chars = Array.from(history[history.length - 1 - target]);
  return { chars, cursor: chars.length, history, historyIndex: target };
}

function removeRange(chars: readonly string[], from: number, to: number): string[] {
  return [...chars.slice(0, from), ...chars.slice(to)];
}

const CONTROL_KEYS: Record<string, Key["type"]> = {
  "\r": "enter",
  "\n": "enter",
  "\x01": "home",
  "\x02": "left",
  "\x03": "interrupt",
  "\x04": "eof-or-delete",
  "\x05": "end",
  "\x06": "right",
  "\x08": "backspace",
  "\x7f": "backspace",
  "\x0b": "kill-to-end",
  "\x0c": "clear-screen",
  "\x0e": "down",
  "\x10": "up",
  "\x14": "swap",
  "\x15": "kill-line",
  "\x17": "kill-word",
};

// Final bytes of "ESC [ ..." and "ESC O ..." sequences; "ESC [ n ~" is looked up by n.
const ESCAPE_FINALS: Record<string, Key["type"]> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};
const TILDE_CODES: Record<string, Key["type"]> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
};

/**
 * Terminal input → keys. `rest` is an escape sequence cut off at the end of `input`; pass it
 * back in front of the next input. Unknown sequences and other control bytes are ignored.
 */
export function decodeKeys(input: string): { keys: Key[]; rest: string } {
  const keys: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === "\x1b") {
      // After ESC: "[" params intermediates final (CSI), or "O" final (SS3).
      const afterEsc = input.slice(i + 1);
      const seq = /^(?:\[([0-9;]*)([ -/]*)([@-~])|O([@-~]))/.exec(afterEsc);
      if (seq) {
        const type = seq[4] !== undefined
          ? ESCAPE_FINALS[seq[4]]
          : seq[3] === "~"
          ? TILDE_CODES[seq[1].split(";")[0]]
          : ESCAPE_FINALS[seq[3]];
        if (type) keys.push({ type } as Key);
        i += 1 + seq[0].length;
        continue;
      }
      if (/^(?:\[[0-9;]*[ -/]*|O)?$/.test(afterEsc)) return { keys, rest: input.slice(i) };
      i++; // a lone ESC (or Alt+key): drop the ESC, keep the key
      continue;
    }
    const control = CONTROL_KEYS[c];
    if (control) {
      keys.push({ type: control } as Key);
      i++;
      continue;
    }
    if (c < " ") {
      i++; // Tab and the other control keys do nothing (no completion yet)
      continue;
    }
    let end = i + 1;
    while (end < input.length && input[end] >= " " && input[end] !== "\x7f") end++;
    const last = keys[keys.length - 1];
    if (last?.type === "insert") last.text += input.slice(i, end);
    else keys.push({ type: "insert", text: input.slice(i, end) });
    i = end;
  }
  return { keys, rest: "" };
}

/**
 * The escape sequence that redraws prompt and line on the current terminal row, scrolling
 * the text horizontally so the cursor stays visible (linenoise's single-line refresh).
 */
export function renderLine(prompt: string, state: EditorState, columns: number): string {
  const promptWidth = Array.from(prompt).length;
  let visible = [...state.chars];
  let cursor = state.cursor;
  while (visible.length > 0 && promptWidth + cursor >= columns && cursor > 0) {
    visible = visible.slice(1);
    cursor--;
  }
  while (promptWidth + visible.length > columns && visible.length > cursor) {
    visible = visible.slice(0, -1);
  }
  const column = promptWidth + cursor;
  return "\r" + prompt + visible.join("") + "\x1b[0K" + (column > 0 ? `\r\x1b[${column}C` : "\r");
}

export const CLEAR_SCREEN = "\x1b[H\x1b[2J";
