import assert from "node:assert/strict";
import { StdinLines } from "../../src/cli/repl.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A reader handing out `data` in chunks of `size` bytes, like a pipe would. */
function chunkedInput(data: Uint8Array, size: number) {
  let offset = 0;
  return {
    read(p: Uint8Array): Promise<number | null> {
      if (offset >= data.length) return Promise.resolve(null);
      const n = Math.min(size, p.length, data.length - offset);
      p.set(data.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
  };
}

async function allLines(text: string, chunkSize: number): Promise<string[]> {
  const lines = new StdinLines(chunkedInput(enc.encode(text), chunkSize));
  const out: string[] = [];
  for (let line = await lines.next(); line !== null; line = await lines.next()) {
    out.push(dec.decode(line));
  }
  return out;
}

Deno.test("repl: stdin lines split at newlines whatever the chunking", async () => {
  const text = "SET a 1\nGET a\r\n\nlast without newline";
  for (const size of [1, 3, 1000]) {
    assert.deepEqual(
      await allLines(text, size),
      ["SET a 1", "GET a\r", "", "last without newline"],
      `chunks of ${size}`,
    );
  }
  assert.deepEqual(await allLines("", 10), []);
  assert.deepEqual(await allLines("one\n", 10), ["one"]);
});

Deno.test("repl: lines longer than the read buffer arrive whole", async () => {
  const long = "SET big " + "x".repeat(200_000);
  assert.deepEqual(await allLines(`${long}\nPING\n${long}`, 70_000), [long, "PING", long]);
});
