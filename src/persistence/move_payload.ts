// IronCache's own DUMP payload: the engine's blob (wasm/README.md), then a 2-byte format
// marker and the CRC-64 of everything before it, framed like Redis's payloads. It carries
// every type between shards (cross-shard RENAME / COPY keep the exact encoding and flags),
// and is what DUMP replies for types the RDB codec does not map yet. Its marker is above any
// RDB version, so Redis (and verifyDumpPayload) refuse it instead of misreading it.
import { Crc64 } from "./rdb/crc64.ts";

/** "IC" in little endian; RDB versions are 1..11. */
const MOVE_PAYLOAD_MARKER = 0x4349;
const FOOTER = 10;

export function createMovePayload(blob: Uint8Array): Uint8Array {
  const payload = new Uint8Array(blob.length + FOOTER);
  payload.set(blob);
  new DataView(payload.buffer).setUint16(blob.length, MOVE_PAYLOAD_MARKER, true);
  payload.set(new Crc64().update(payload, 0, blob.length + 2).bytes(), blob.length + 2);
  return payload;
}

/** The engine blob inside a move payload, or null when `payload` is not one (or corrupt). */
export function blobOfMovePayload(payload: Uint8Array): Uint8Array | null {
  if (payload.length < FOOTER) return null;
  const end = payload.length - FOOTER;
  if ((payload[end] | (payload[end + 1] << 8)) !== MOVE_PAYLOAD_MARKER) return null;
  const crc = new Crc64().update(payload, 0, end + 2).bytes();
  for (let i = 0; i < 8; i++) if (crc[i] !== payload[end + 2 + i]) return null;
  return payload.subarray(0, end);
}
