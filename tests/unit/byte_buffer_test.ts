// ByteBuffer.bytes() reuses its last two views: whatever the pattern of lengths, buffer swaps
// (Connection.spliceForwarded swaps `buf` with a spare) and growth, the view it returns is
// always exactly buf[0, length) of the current buffer.
import assert from "node:assert/strict";
import { ByteBuffer } from "../../src/protocol/byte_buffer.ts";

function fill(b: ByteBuffer, length: number, seed: number): void {
  b.reset();
  for (let i = 0; i < length; i++) b.u8((i + seed) & 0xff);
}

function assertView(b: ByteBuffer, length: number, seed: number): Uint8Array {
  const view = b.bytes();
  assert.equal(view.buffer, b.buf.buffer);
  assert.equal(view.byteOffset, b.buf.byteOffset);
  assert.equal(view.length, length);
  for (let i = 0; i < length; i++) assert.equal(view[i], (i + seed) & 0xff);
  return view;
}

Deno.test("bytes() views the current buffer's filled part across lengths, swaps and growth", () => {
  const b = new ByteBuffer(64), spare = new ByteBuffer(64);
  let seed = 0;
  for (let round = 0; round < 200; round++) {
    const length = [5, 39, 5, 39, 12, 0, 39][round % 7] + (round > 150 ? 100 : 0);
    if (round % 3 === 0) [b.buf, spare.buf] = [spare.buf, b.buf];
    fill(b, length, ++seed);
    assertView(b, length, seed);
    assertView(b, length, seed); // asked twice: the same bytes
  }
});

Deno.test("alternating two lengths in one buffer reuses the two views", () => {
  const b = new ByteBuffer(64);
  fill(b, 5, 1);
  const short = assertView(b, 5, 1);
  fill(b, 39, 2);
  const long = assertView(b, 39, 2);
  fill(b, 5, 3);
  assert.equal(assertView(b, 5, 3), short);
  fill(b, 39, 4);
  assert.equal(assertView(b, 39, 4), long);
  fill(b, 100, 5); // grows: the old buffer's views are not used again
  assertView(b, 100, 5);
  fill(b, 5, 6);
  assert.notEqual(assertView(b, 5, 6), short);
});
