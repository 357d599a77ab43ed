// Redis 7.0's ACLKillPubsubClientsIfNeeded: after ACL SETUSER changed a user, its clients that
// are subscribed to a channel or pattern the user may no longer use are disconnected.
import type { Shard } from "../server/shard.ts";
import type { User } from "../acl/user.ts";
import { channelAllowed } from "../acl/check.ts";
import { CHANNEL, PATTERN, pubsubOf, SHARD_CHANNEL } from "./hub.ts";

export function dropRevokedSubscribers(shard: Shard, user: User): void {
  const hub = pubsubOf(shard);
  const allowed = (name: Uint8Array, isPattern: boolean) =>
    user.selectors.some((s) => channelAllowed(s, name, isPattern));
  for (const client of [...shard.clients.values()]) {
    if (client.user !== user.name || client.subscriptions === 0) continue;
    const subs = hub.subscriptionsOf(client);
    if (!subs) continue;
    const revoked = [...subs[PATTERN].values()].some((p) => !allowed(p, true)) ||
      [...subs[CHANNEL].values(), ...subs[SHARD_CHANNEL].values()].some((c) => !allowed(c, false));
    if (revoked) client.kill();
  }
}
