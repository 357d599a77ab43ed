// Per-connection modes set by CLIENT subcommands: CLIENT REPLY's mode and CLIENT NO-EVICT.
// They live on the Client (src/server/client.ts); the connection asks replySuppressed()
// after every command.
import type { Client, ClientModes } from "../server/client.ts";

export function clientModes(client: Client): ClientModes {
  return client.modes;
}

/**
 * For the connection, once after every command (run or rejected): true when that command's
 * reply must not be sent (CLIENT REPLY OFF, or the command after CLIENT REPLY SKIP). Like
 * Redis's resetClient, it then arms the skip that a CLIENT REPLY SKIP just asked for.
 */
export function replySuppressed(client: Client): boolean {
  const m = client.modes;
  const drop = m.replyOff || m.skipThis;
  m.skipThis = m.skipNext;
  m.skipNext = false;
  return drop;
}

/** Cheap pre-check for the hot path: can any reply be suppressed at all? */
export function replyModesActive(client: Client): boolean {
  const m = client.modes;
  return m.replyOff || m.skipThis || m.skipNext;
}
