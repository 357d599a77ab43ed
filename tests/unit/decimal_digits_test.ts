// The digit counter and writer shared by the reply writer and the engine's bulk headers.
import assert from "node:assert/strict";
import { decimalDigits, writeDecimalDigits } from "../../src/protocol/numbers.ts";

Deno.test("decimalDigits and writeDecimalDigits agree with String() on [0, 2 ** 32)", () => {
  const samples = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
  for (let p = 1; p <= 1e9; p *= 10) samples.push(p - 1, p, p + 1);
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 2 ** 32));
  const buf = new Uint8Array(16);
  for (const n of samples) {
    const text = String(n), digits = decimalDigits(n);
    assert.equal(digits, text.length, `digits of ${n}`);
    buf.fill(0);
    writeDecimalDigits(buf, 3, n, digits);
    assert.equal(new TextDecoder().decode(buf.subarray(3, 3 + digits)), text);
    assert.equal(buf[2], 0, "nothing written before");
    assert.equal(buf[3 + digits], 0, "nothing written after");
  }
});
