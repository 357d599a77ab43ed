// RESET (Redis's resetCommand / clearClientConnectionState): the connection back to a fresh
// client's state. Features that keep per-client state (pub/sub, transactions, tracking...)
// register what RESET must clear with onClientReset.
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Client } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";
import { discardTransaction } from "../server/transaction.ts";

type ResetHook = (client: Client, shard: Shard) => void;
const resetHooks: ResetHook[] = [];

/** Run `hook` on every RESET (after the common state is reset, before the reply). */
export function onClientReset(hook: ResetHook): void {
  resetHooks.push(hook);
}

function reset(ctx: CommandContext): void {
  const { client, shard, out } = ctx;
  discardTransaction(shard, client);
  client.db = 0;
  client.resp = out.resp = 2;
  client.user = "default";
  client.authenticated = !shard.acl.authRequired();
  client.name = null;
  client.modes.replyOff = client.modes.skipNext = client.modes.skipThis = false;
  client.modes.noEvict = false;
  for (const hook of resetHooks) hook(client, shard);
  out.simple("RESET");
}

export const resetCommands: CommandRows = {
  reset: { handler: reset },
};
