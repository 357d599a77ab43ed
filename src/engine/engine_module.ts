// The engine as the server loads it: a Wasm ES module import (no file permission needed,
// embedded by `deno compile`). There is one module instance per JS realm, i.e. one per
// shard Worker, so this hands out that realm's single Keyspace (two wrappers over one
// instance would fight over the scratch area).
import * as engine from "../../wasm/build/engine.wasm";
import { type EngineExports, Keyspace } from "./keyspace.ts";

let keyspace: Keyspace | undefined;

/** The keyspace of this realm's engine instance (created on first call). */
export function createKeyspace(): Keyspace {
  keyspace ??= new Keyspace(engine satisfies EngineExports);
  return keyspace;
}
