// client-output-buffer-limit: Redis's checkClientOutputBufferLimits. A client whose unsent
// output passes its class's hard limit, or stays over the soft limit for longer than the
// soft seconds, is closed (and logged) instead of making the server buffer without bound.
import type { ConfigStore } from "../config/store.ts";
import type { Client } from "./client.ts";
import { clientType } from "../commands/client_list.ts";

export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** normal, replica, pubsub: the classes of the config value, in its order. */
export type OutputLimits = [OutputLimit, OutputLimit, OutputLimit];

/** Redis keeps the first 16 KB of a reply in the client's static buffer, which the limits do
 * not count (they apply to reply_bytes, the list beyond it). */
const STATIC_REPLY_BUFFER = 16 * 1024;

/** Parses the CONFIG GET form ("normal 0 0 0 slave ... pubsub ..."). */
export function parseOutputLimits(text: string): OutputLimits {
  const w = text.split(" ");
  const at = (i: number): OutputLimit => ({
    hard: Number(w[i + 1] ?? 0),
    soft: Number(w[i + 2] ?? 0),
    softSeconds: Number(w[i + 3] ?? 0),
  });
  return [at(0), at(4), at(8)];
}

/** The limit class of a client: Redis's getClientType with master counted as normal. The
 * type comes from clientType (CLIENT LIST/KILL), so a subscribed client is "pubsub" there. */
function limitIndex(client: Client): number {
  const type = clientType(client);
  return type === "replica" ? 1 : type === "pubsub" ? 2 : 0;
}

/** A shard's limits; the same object is updated in place when CONFIG SET changes them, so a
 * connection keeps it and tests `any` (false when every limit is 0) before each command. */
export interface ShardOutputLimits {
  limits: OutputLimits;
  any: boolean;
}

const cache = new WeakMap<ConfigStore, ShardOutputLimits>();

export function outputLimitsOf(config: ConfigStore): ShardOutputLimits {
  let entry = cache.get(config);
  if (!entry) {
    const current: ShardOutputLimits = entry = { limits: parseOutputLimits(""), any: false };
    const read = () => {
      current.limits = parseOutputLimits(String(config.get("client-output-buffer-limit")));
      current.any = current.limits.some((l) => l.hard > 0 || l.soft > 0);
    };
    read();
    cache.set(config, current);
    config.onChange((name) => {
      if (name === "client-output-buffer-limit") read();
    });
  }
  return entry;
}

/** When each client first went over its soft limit (Redis's obuf_soft_limit_reached_time). */
const softSince = new WeakMap<Client, number>();
/** False until some client first went over a soft limit: the check runs before every
 * command, and until then it needs neither the clock nor a WeakMap delete. */
let softTracked = false;

/** True when a client with `pending` unsent bytes must be closed now. */
export function overOutputLimit(
  limits: OutputLimits,
  client: Client,
  pending: number,
  now?: number,
): boolean {
  const used = pending - STATIC_REPLY_BUFFER;
  if (used <= 0) {
    if (softTracked) softSince.delete(client);
    return false;
  }
  const limit = limits[limitIndex(client)];
  if (limit.hard > 0 && used >= limit.hard) return true;
  if (limit.soft === 0 || used < limit.soft) {
    if (softTracked) softSince.delete(client);
    return false;
  }
  now ??= Date.now();
  const since = softSince.get(client);
  if (since === undefined) {
    softTracked = true;
    softSince.set(client, Math.floor(now / 1000)); // the first time: not yet
    return false;
  }
  return Math.floor(now / 1000) - since > limit.softSeconds;
}
