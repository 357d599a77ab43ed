// One client as CLIENT LIST / CLIENT INFO describe it (Redis 7.0's catClientInfoString), and
// the client types CLIENT LIST/KILL filter on. Fields IronCache does not track (the
// descriptor, buffer sizes) are reported as stand-ins; the field list and order are Redis's.
import type { Client } from "../server/client.ts";
import { latin1 } from "../protocol/bytes.ts";
import { clientModes } from "./client_state.ts";
import { subscriptionFields } from "../pubsub/hub.ts";

export type ClientType = "normal" | "master" | "replica" | "pubsub";

/** Redis's getClientTypeByName ("slave" is the old name of "replica"); null if unknown. */
export function clientTypeNamed(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case "normal":
      return "normal";
    case "slave":
    case "replica":
      return "replica";
    case "pubsub":
      return "pubsub";
    case "master":
      return "master";
    default:
      return null;
  }
}

/** A client with subscriptions is a pubsub client; every other one is normal (no replication). */
export function clientType(client: Client): ClientType {
  return client.subscriptions !== 0 ? "pubsub" : "normal";
}

/** Redis's flags letters: e (no-evict), c (close after reply); N when none applies. */
function flagLetters(client: Client): string {
  let flags = "";
  if (client.subscriptions !== 0) flags += "P";
  if (client.transaction !== null) flags += "x";
  if (client.watches?.dirty) flags += "d";
  if (client.closeAfterReply) flags += "c";
  if (clientModes(client).noEvict) flags += "e";
  return flags || "N";
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The "id=... resp=N" line (without the newline). `argvBytes`: the size of the command the
 * client is running now (the caller's own line), else 0.
 */
export function clientInfoLine(client: Client, now: number, argvBytes = 0): string {
  const name = client.name ? latin1(client.name) : "";
  const age = seconds(now) - seconds(client.createdAt);
  const idle = seconds(now) - seconds(client.lastInteractionAt);
  // fd: Deno does not expose socket descriptors; a stable stand-in per client.
  return `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${
    client.id + 7
  } name=${name} ` +
    `age=${age} idle=${idle} flags=${flagLetters(client)} db=${client.db} ${
      subscriptionFields(client)
    } multi=${client.transaction?.commands.length ?? -1} ` +
    `qbuf=0 qbuf-free=0 argv-mem=${argvBytes} multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 ` +
    `tot-mem=${argvBytes} events=r cmd=${client.lastCommand} user=${client.user} redir=-1 resp=${client.resp}`;
}

/** The client id a CLIENT LIST line starts with. */
export function lineClientId(line: string): number {
  return Number(line.slice(3, line.indexOf(" ")));
}
