// engine-huge-pages: the engine memory is advised MADV_HUGEPAGE when the keyspace is made and
// again after it grows (Keyspace.afterGrowth), as /proc/self/smaps's VmFlags show ("hg").
import assert from "node:assert/strict";
import { adviseHugePages } from "../../src/engine/huge_pages.ts";
import { createKeyspace, keepHugePagesAdvised } from "../../src/engine/engine_module.ts";

const THP = (() => {
  try {
    return !Deno.readTextFileSync("/sys/kernel/mm/transparent_hugepage/enabled").includes(
      "[never]",
    );
  } catch {
    return false;
  }
})();

/** The VmFlags of every mapping that overlaps [from, to). */
function vmFlags(from: bigint, to: bigint): string[] {
  const flags: string[] = [];
  let overlaps = false;
  for (const line of Deno.readTextFileSync("/proc/self/smaps").split("\n")) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) overlaps = BigInt("0x" + range[1]) < to && BigInt("0x" + range[2]) > from;
    else if (overlaps && line.startsWith("VmFlags:")) flags.push(line);
  }
  return flags;
}

function extent(memory: WebAssembly.Memory): [bigint, bigint] {
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(memory.buffer)));
  return [base, base + BigInt(memory.buffer.byteLength)];
}

const advised = (memory: WebAssembly.Memory) => {
  const flags = vmFlags(...extent(memory));
  return flags.length > 0 && flags.every((f) => / hg( |$)/.test(f));
};

Deno.test({
  name: "adviseHugePages marks all of a Wasm memory's pages hg",
  ignore: !THP,
  fn() {
    const memory = new WebAssembly.Memory({ initial: 64 }); // 4 MiB
    assert.equal(advised(memory), false);
    assert.equal(adviseHugePages(memory), true);
    assert.equal(advised(memory), true);
  },
});

Deno.test({
  name: "keepHugePagesAdvised advises the engine memory again after it grows",
  ignore: !THP,
  fn() {
    const keyspace = createKeyspace();
    assert.equal(keepHugePagesAdvised(keyspace), true);
    const memory = keyspace.exports.memory;
    assert.equal(advised(memory), true);
    memory.grow(64);
    assert.equal(advised(memory), false, "the grown pages are not advised yet");
    keyspace.memoryView(); // the next access sees the growth
    assert.equal(advised(memory), true);
  },
});
