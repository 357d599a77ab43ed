// Per-connection state set by CLIENT subcommands that the Client class does not carry:
// CLIENT REPLY's mode and CLIENT NO-EVICT. Kept beside each Client (a WeakMap) until the
// connection owns them; the connection reads CLIENT REPLY's mode via replySuppressed().
import type { Client } from "../server/client.ts";

interface ClientModes {
  /** CLIENT REPLY OFF: no replies until CLIENT REPLY ON. */
  replyOff: boolean;
  /** CLIENT REPLY SKIP was the last command: the next command's reply is dropped. */
  skipNext: boolean;
  /** The reply of the command now running is dropped (it follows a SKIP). */
  skipThis: boolean;
  noEvict: boolean;
}

const modes = new WeakMap<Client, ClientModes>();

export function clientModes(client: Client): ClientModes {
  let m = modes.get(client);
  if (!m) {
    modes.set(client, m = { replyOff: false, skipNext: false, skipThis: false, noEvict: false });
  }
  return m;
}

/**
 * For the connection, once after every command (run or rejected): true when that command's
 * reply must not be sent (CLIENT REPLY OFF, or the command after CLIENT REPLY SKIP). Like
 * Redis's resetClient, it then arms the skip that a CLIENT REPLY SKIP just asked for.
 */
export function replySuppressed(client: Client): boolean {
  const m = modes.get(client);
  if (!m) return false;
  const drop = m.replyOff || m.skipThis;
  m.skipThis = m.skipNext;
  m.skipNext = false;
  return drop;
}
