// The engine as the server loads it: a Wasm ES module import (no file permission needed,
// embedded by `deno compile`). There is one module instance per JS realm, i.e. one per
// shard Worker, so this hands out that realm's single Keyspace (two wrappers over one
// instance would fight over the scratch area).
import * as engine from "../../wasm/build/engine.wasm";
import { type EngineExports, Keyspace } from "./keyspace.ts";
import { adviseHugePages } from "./huge_pages.ts";

let keyspace: Keyspace | undefined;

/** The keyspace of this realm's engine instance (created on first call). */
export function createKeyspace(): Keyspace {
  keyspace ??= new Keyspace(engine satisfies EngineExports);
  return keyspace;
}

/** `engine-huge-pages`: advises huge pages for this realm's engine memory now and again after
 * each growth. False when the kernel (or the runtime) refused. */
export function keepHugePagesAdvised(ks: Keyspace): boolean {
  const memory = engine.memory as WebAssembly.Memory;
  if (!adviseHugePages(memory)) return false;
  ks.afterGrowth = () => adviseHugePages(memory);
  return true;
}
