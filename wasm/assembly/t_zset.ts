// Placeholder until the zset type lands: no key holds a zset object yet, so none of these runs.
// The interface every type module implements is described in objects.ts.

export function free(obj: usize): void {}

export function duplicate(obj: usize): usize {
  return 0;
}

export function encoding(obj: usize): i32 {
  return 0;
}

export function serialize(obj: usize): void {}

export function deserialize(ptr: usize, len: usize): usize {
  return 0;
}
