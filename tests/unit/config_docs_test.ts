// The config table is self-consistent, and docs/configuration.md is generated from it.
import assert from "node:assert/strict";
import { formattedConfigDoc } from "../../src/config/docs.ts";
import { defaultRaw } from "../../src/config/load.ts";
import { envNames, findNoop, normalizeKey } from "../../src/config/names.ts";
import { CONFIG_TABLE } from "../../src/config/table.ts";

Deno.test("docs/configuration.md is up to date with the config table", async () => {
  const path = new URL("../../docs/configuration.md", import.meta.url);
  const current = await Deno.readTextFile(path).catch(() => "(missing)");
  assert.ok(
    current === await formattedConfigDoc(),
    "docs/configuration.md is out of date: run `node_modules/.bin/deno run -A scripts/gen-config-doc.ts`",
  );
});

Deno.test("config table: unique names and env vars, valid defaults, no no-op shadowing a key", () => {
  const names = new Set<string>(), envs = new Set<string>();
  for (const e of CONFIG_TABLE) {
    for (const n of [e.name, ...(e.aliases ?? []), ...(e.redisAliases ?? [])]) {
      assert.equal(n, n.toLowerCase(), `${n}: names are lower-case`);
      assert.ok(!names.has(normalizeKey(n)), `${n} is defined twice`);
      names.add(normalizeKey(n));
      assert.equal(findNoop(n), undefined, `${n} is both a key and a known no-op`);
    }
    for (const v of envNames(e)) {
      assert.ok(!envs.has(v), `${v} is used twice`);
      envs.add(v);
    }
    const r = e.type.parse(defaultRaw(e));
    assert.ok(r.ok, `default of ${e.name} must parse`);
    assert.ok(e.description.endsWith("."), `${e.name}: description is a sentence`);
    // toRaw is the inverse of parse, so values survive postMessage to workers.
    assert.deepEqual(e.type.parse(e.type.toRaw(r.value)), r, `${e.name}: toRaw round-trips`);
  }
});
