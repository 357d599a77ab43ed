// The bytes delivered to idle connections during one event-loop turn, in one buffer shared
// by all of them (PUBLISH to many channels with one subscriber each: Connection.deliver).
// Each idle connection keeps only the range of its own deliveries, and the end-of-turn flush
// writes that range straight from here. A connection's own delivery buffers (two per
// connection, cold when a turn reaches one of a thousand subscribers) are then not touched
// per message: only this buffer, hot from message to message.
//
// A write op keeps its bytes until it resolves, so an arena that writes still read is
// retired at the end of the turn (a spare one serves the next turn) and reused once its last
// write ended.
import { ByteBuffer } from "../protocol/byte_buffer.ts";

/** Frames up to this size go through the arena; bigger ones into the connection's own
 * buffer (they are copied either way, and a big one would only grow the arena). */
export const ARENA_MAX_FRAME = 4 * 1024;

export class DeliveryArena {
  readonly bytes = new ByteBuffer(64 * 1024);
  /** Writes started from this arena that have not resolved yet. */
  writes = 0;

  /** The arena of this turn's deliveries. */
  static current = new DeliveryArena();
  private static spares: DeliveryArena[] = [];

  /** The turn's flush ended: its ranges are all written or taken. */
  static endTurn(): void {
    const arena = DeliveryArena.current;
    if (arena.writes === 0) return arena.recycle();
    DeliveryArena.current = DeliveryArena.spares.pop() ?? new DeliveryArena();
  }

  /** A write of `range` (bytes of this arena) is starting. */
  startWrite(start: number, end: number): Uint8Array {
    this.writes++;
    return this.bytes.buf.subarray(start, end);
  }

  /** A write from this arena ended (written, failed or taken over by the connection). */
  endWrite(): void {
    if (--this.writes === 0 && this !== DeliveryArena.current) {
      this.recycle();
      DeliveryArena.spares.push(this);
    }
  }

  private recycle(): void {
    this.bytes.reset();
    this.bytes.shrinkIfIdle(1024 * 1024);
  }
}
