import assert from "node:assert/strict";
import {
  applyKey,
  currentLine,
  decodeKeys,
  type EditorEvent,
  type EditorState,
  newEditor,
  renderLine,
} from "../../src/cli/line_editor.ts";

/** Types `input` (raw terminal bytes as a string) into a fresh editor. */
function type(
  input: string,
  history: string[] = [],
): { state: EditorState; events: EditorEvent[] } {
  let state = newEditor(history);
  const events: EditorEvent[] = [];
  const { keys, rest } = decodeKeys(input);
  assert.equal(rest, "");
  for (const key of keys) {
    const result = applyKey(state, key);
    state = result.state;
    if (result.event) events.push(result.event);
  }
  return { state, events };
}

const line = (input: string, history: string[] = []) => currentLine(type(input, history).state);

Deno.test("line_editor: typing, cursor movement and deletion", () => {
  assert.equal(line("SET a 1"), "SET a 1");
  assert.equal(line("SEt\x7fT"), "SET"); // backspace (DEL)
  assert.equal(line("SEx\bT"), "SET"); // Ctrl-H
  assert.equal(line("ET\x1b[D\x1b[DS"), "SET"); // left arrows
  assert.equal(line("ET\x01S"), "SET"); // Ctrl-A
  assert.equal(line("SE\x01\x05T"), "SET"); // Ctrl-E
  assert.equal(line("SXET\x01\x1b[C\x1b[3~"), "SET"); // right, Delete
  assert.equal(line("ST\x02E"), "SET"); // Ctrl-B
  assert.equal(line("GET key\x15SET"), "SET"); // Ctrl-U kills the line
  assert.equal(line("SET key value\x1b[D\x1b[D\x0b"), "SET key val"); // Ctrl-K kills to the end
  assert.equal(line("SET key value\x17"), "SET key "); // Ctrl-W kills the word before
  assert.equal(line("SET key value  \x17"), "SET key "); // ... and the blanks after it
  assert.equal(line("SETx\x01\x04"), "ETx"); // Ctrl-D on a non-empty line deletes forward
  assert.equal(line("SDE\x1b[D\x14"), "SED"); // Ctrl-T swaps
  assert.equal(line("\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~x"), "x"); // Home/End variants
  assert.equal(line("a\tb"), "ab"); // Tab does nothing
  assert.equal(line("h\x1b[1;5Ci"), "hi"); // unknown sequences (Ctrl-Right) are ignored
});

Deno.test("line_editor: multi-byte characters are one cursor step", () => {
  const { state } = type("é€𝄞\x1b[D\x7f");
  assert.equal(currentLine(state), "é𝄞");
  assert.equal(state.cursor, 1);
});

Deno.test("line_editor: Enter submits, Ctrl-C interrupts, Ctrl-D on an empty line is EOF", () => {
  assert.deepEqual(type("PING\r").events, ["submit"]);
  assert.deepEqual(type("PING\n").events, ["submit"]);
  assert.deepEqual(type("PI\x03").events, ["interrupt"]);
  assert.deepEqual(type("\x04").events, ["eof"]);
  assert.deepEqual(type("\x0c").events, ["clear-screen"]);
});

Deno.test("line_editor: up and down walk the history, keeping the line being typed", () => {
  const history = ["SET a 1", "GET a"];
  assert.equal(line("\x1b[A", history), "GET a");
  assert.equal(line("\x1b[A\x1b[A", history), "SET a 1");
  assert.equal(line("\x1b[A\x1b[A\x1b[A", history), "SET a 1"); // stops at the oldest
  assert.equal(line("INCR\x1b[A\x1b[B", history), "INCR"); // back down to the typed line
  assert.equal(line("\x10\x10\x0e", history), "GET a"); // Ctrl-P / Ctrl-N
  assert.equal(line("\x1b[Ax\x1b[A\x1b[B", history), "GET ax"); // edits survive browsing
  assert.equal(line("\x1b[B", history), ""); // nothing newer than the typed line
  assert.equal(type("\x1b[A", history).state.cursor, 5); // cursor at the end of the entry
});

Deno.test("line_editor: decodeKeys keeps a cut-off escape sequence for the next read", () => {
  assert.deepEqual(decodeKeys("ab\x1b"), { keys: [{ type: "insert", text: "ab" }], rest: "\x1b" });
  assert.deepEqual(decodeKeys("\x1b["), { keys: [], rest: "\x1b[" });
  assert.deepEqual(decodeKeys("\x1b[3"), { keys: [], rest: "\x1b[3" });
  assert.deepEqual(decodeKeys("\x1b[3~").keys, [{ type: "delete" }]);
  assert.deepEqual(decodeKeys("\x1bxy").keys, [{ type: "insert", text: "xy" }]); // Alt-x: ESC dropped
  assert.deepEqual(decodeKeys("ab\rcd").keys, [{ type: "insert", text: "ab" }, { type: "enter" }, {
    type: "insert",
    text: "cd",
  }]);
});

Deno.test("line_editor: renderLine redraws the row and places the cursor", () => {
  const { state } = type("GET key\x1b[D\x1b[D");
  assert.equal(
    renderLine("127.0.0.1:6379> ", state, 80),
    "\r127.0.0.1:6379> GET key\x1b[0K\r\x1b[21C",
  );
  assert.equal(renderLine("> ", newEditor([]), 80), "\r> \x1b[0K\r\x1b[2C");
});

Deno.test("line_editor: long lines scroll so the cursor stays visible", () => {
  const { state } = type("0123456789abcdefghij");
  // 10 columns, prompt "> ": the cursor after "j" lands in the last column.
  assert.equal(renderLine("> ", state, 10), "\r> defghij\x1b[0K\r\x1b[9C");
  const atStart = type("0123456789abcdefghij\x01").state;
  assert.equal(renderLine("> ", atStart, 10), "\r> 01234567\x1b[0K\r\x1b[2C");
});
