// KeyBytesSet (the keys a snapshot walk's writes covered): agrees with a Set of the keys' names
// through index growth, for empty, binary, long and near-identical keys, and holds copies.
import assert from "node:assert/strict";
import { KeyBytesSet } from "../../src/persistence/key_bytes_set.ts";
import { latin1 } from "../../src/protocol/bytes.ts";

Deno.test("KeyBytesSet agrees with a Set of the keys' names", () => {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const randomKey = () => {
    const kind = random();
    const n = kind < 0.05 ? 0 : kind < 0.06 ? 70_000 : Math.floor(random() * 12);
    // Few distinct bytes: many keys differ in one byte or only in length.
    return Uint8Array.from({ length: n }, () => random() < 0.5 ? 0 : 255);
  };
  const set = new KeyBytesSet(), reference = new Set<string>();
  for (let i = 0; i < 5_000; i++) {
    const key = randomKey(), name = latin1(key);
    assert.equal(set.has(key), reference.has(name), `has ${i}`);
    assert.equal(set.add(key), !reference.has(name), `add ${i}`);
    reference.add(name);
    key.fill(1); // the set keeps its own copy
    assert.equal(set.size, reference.size);
  }
  for (const name of reference) {
    assert.ok(set.has(Uint8Array.from(name, (c) => c.charCodeAt(0))), JSON.stringify(name));
  }
});
