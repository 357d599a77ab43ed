// Redis Cluster hash slots: CRC16 (XMODEM) of the key, or of its {hash tag}, mod 16384.
// Shards own contiguous slot ranges, so a key's shard and its cluster slot agree.

export const SLOT_COUNT = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let b = 0; b < 8; b++) {
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  TABLE[i] = crc;
}

export function crc16(buf: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ buf[i]) & 0xff];
  }
  return crc;
}

/** keyHashSlot from cluster.c: hash only what is between the first '{' and the next '}',
 * when that is non-empty. */
export function keyHashSlot(key: Uint8Array): number {
  return keyHashSlotAt(key, 0, key.length);
}

/** keyHashSlot of the key buf[start, end), without making a view of it (routing runs for
 * every command, and a subarray plus indexOf cost more than the CRC of a short key). */
export function keyHashSlotAt(buf: Uint8Array, start: number, end: number): number {
  let open = start;
  while (open < end && buf[open] !== 0x7b) open++;
  if (open < end) {
    let close = open + 1;
    while (close < end && buf[close] !== 0x7d) close++;
    if (close < end && close > open + 1) return crc16(buf, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(buf, start, end) & (SLOT_COUNT - 1);
}

/** The shard owning a slot when `shards` shards split the slots into contiguous ranges. */
export function slotOwner(slot: number, shards: number): number {
  return Math.floor((slot * shards) / SLOT_COUNT);
}
