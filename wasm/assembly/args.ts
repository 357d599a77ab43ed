// Arguments of the typed commands: the key at scratch offset 0 (its length passed as `klen`),
// then each further argument packed as [u32 length][bytes] (src/engine/keyspace.ts
// stageKeyAndArgs). Walk them with firstArg / argData / argLen / nextArg.

import { scratchBase } from "./buffers";

// @ts-ignore: decorator
@inline export function firstArg(klen: usize): usize {
  return scratchBase() + klen;
}
// @ts-ignore: decorator
@inline export function argLen(arg: usize): usize {
  return <usize>load<u32>(arg);
}
// @ts-ignore: decorator
@inline export function argData(arg: usize): usize {
  return arg + 4;
}
// @ts-ignore: decorator
@inline export function nextArg(arg: usize): usize {
  return arg + 4 + <usize>load<u32>(arg);
}
