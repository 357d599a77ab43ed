// Byte builders for RDB tests: legacy encodings the codec only reads, so it has no writer.

/** A ziplist from raw entries (encoding + data), with prevlen and header filled in. */
export function ziplist(entries: number[][]): Uint8Array {
  const body: number[] = [];
  let previous = 0;
  for (const entry of entries) {
    const prevlen = previous < 254
      ? [previous]
      : [0xfe, previous & 0xff, (previous >> 8) & 0xff, previous >> 16, 0];
    body.push(...prevlen, ...entry);
    previous = prevlen.length + entry.length;
  }
  const zl = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, entries.length, 0, ...body, 0xff]);
  new DataView(zl.buffer).setUint32(0, zl.length, true);
  return zl;
}
