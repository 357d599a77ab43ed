// When a small collection converts from its packed encoding to the big one: Redis 7.0's
// *-max-listpack-* / set-max-intset-entries settings, set by CONFIG (setEncodingLimits).

export let hashMaxListpackEntries: u32 = 512;
export let hashMaxListpackValue: u32 = 64;
export let setMaxIntsetEntries: u32 = 512;
export let zsetMaxListpackEntries: u32 = 128;
export let zsetMaxListpackValue: u32 = 64;
/** list-max-listpack-size: > 0 entries per node, -1..-5 a node size of 4..64 KB. */
export let listMaxListpackSize: i32 = -2;

export function setLimits(
  hashEntries: u32, hashValue: u32, setIntset: u32, zsetEntries: u32, zsetValue: u32, listSize: i32,
): void {
  hashMaxListpackEntries = hashEntries;
  hashMaxListpackValue = hashValue;
  setMaxIntsetEntries = setIntset;
  zsetMaxListpackEntries = zsetEntries;
  zsetMaxListpackValue = zsetValue;
  listMaxListpackSize = listSize;
}
