// The tracking figures INFO reports, kept apart from tracking.ts so INFO (which the command
// table imports) does not import the write path's modules.
import type { Shard } from "../server/shard.ts";

export interface TrackingFigures {
  /** Clients of this shard with tracking on. */
  localClients: number;
  /** Keys in this shard's tracking table, and the client ids remembered for them. */
  readonly table: { readonly size: number };
  items: number;
  /** BCAST prefixes (every shard holds them all). */
  readonly prefixes: { readonly size: number };
}

const NONE: TrackingFigures = {
  localClients: 0,
  table: { size: 0 },
  items: 0,
  prefixes: { size: 0 },
};
const figures = new WeakMap<Shard, TrackingFigures>();

export function setTrackingFigures(shard: Shard, of: TrackingFigures): void {
  figures.set(shard, of);
}

export function trackingFigures(shard: Shard): TrackingFigures {
  return figures.get(shard) ?? NONE;
}
