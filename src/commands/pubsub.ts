// Pub/Sub family: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
// PUBLISH SPUBLISH PUBSUB (Redis's pubsub.c). The cross-shard machinery is src/pubsub/hub.ts.
// Every one of them runs on the client's own shard: a subscriber lives there, and a
// publisher reaches the other shards itself (shard channels are not routed by their slot).
import type { CommandContext, CommandRows } from "./spec.ts";
import type { Args } from "../protocol/args.ts";
import {
  CHANNEL,
  type Kind,
  PATTERN,
  type PubSubHub,
  pubsubOf,
  SHARD_CHANNEL,
} from "../pubsub/hub.ts";
import { errSubcommandSyntax, writeHelp } from "./help.ts";
import { latin1 } from "../protocol/bytes.ts";
import { onClientReset } from "./reset.ts";

// RESET drops every subscription, without confirmations (clearClientConnectionState).
onClientReset((client, shard) => pubsubOf(shard).unsubscribeAll(client));

const SUBSCRIBED = ["subscribe", "psubscribe", "ssubscribe"];
const UNSUBSCRIBED = ["unsubscribe", "punsubscribe", "sunsubscribe"];

/** The count a (un)subscribe reply carries: channels + patterns, or shard channels alone. */
function countFor(hub: PubSubHub, ctx: CommandContext, kind: Kind): number {
  if (kind !== SHARD_CHANNEL) return hub.channelAndPatternCount(ctx.client);
  return hub.subscriptionsOf(ctx.client)?.[SHARD_CHANNEL].size ?? 0;
}

function writeConfirmation(
  ctx: CommandContext,
  word: string,
  name: Uint8Array | null,
  count: number,
): void {
  const out = ctx.out;
  out.pushHeader(3);
  out.bulkText(word);
  if (name) out.bulk(name);
  else out.nullBulk();
  out.integer(count);
}

/** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: one confirmation per argument. */
function subscribeTo(kind: Kind) {
  return (ctx: CommandContext): void => {
    const hub = pubsubOf(ctx.shard), args = ctx.args;
    for (let i = 1; i < args.argc; i++) {
      const name = args.bytes(i);
      hub.subscribe(ctx.client, kind, name);
      writeConfirmation(ctx, SUBSCRIBED[kind], name, countFor(hub, ctx, kind));
    }
  };
}

/** UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE: the named ones, or all (in subscription order);
 * with none to drop, one confirmation with a null name. */
function unsubscribeFrom(kind: Kind) {
  return (ctx: CommandContext): void => {
    const hub = pubsubOf(ctx.shard), args = ctx.args, client = ctx.client;
    if (args.argc > 1) {
      for (let i = 1; i < args.argc; i++) {
        const name = args.bytes(i);
        hub.unsubscribe(client, kind, latin1(name));
        writeConfirmation(ctx, UNSUBSCRIBED[kind], name, countFor(hub, ctx, kind));
      }
      return;
    }
    const subscribed = [...(hub.subscriptionsOf(client)?.[kind] ?? new Map()).entries()];
    for (const [key, name] of subscribed) {
      hub.unsubscribe(client, kind, key);
      writeConfirmation(ctx, UNSUBSCRIBED[kind], name, countFor(hub, ctx, kind));
    }
    if (!subscribed.length) {
      writeConfirmation(ctx, UNSUBSCRIBED[kind], null, countFor(hub, ctx, kind));
    }
  };
}

function publishTo(kind: Kind) {
  return (ctx: CommandContext): void => {
    const hub = pubsubOf(ctx.shard);
    hub.catchUp();
    ctx.out.integer(hub.publishArgs(kind, ctx.args));
  };
}

const PUBSUB_HELP = [
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)",
];

/** The hub, with what other shards announced taken in first. */
function currentHub(ctx: CommandContext): PubSubHub {
  const hub = pubsubOf(ctx.shard);
  hub.catchUp();
  return hub;
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
function listChannels(kind: Kind) {
  return (ctx: CommandContext): void => {
    const args: Args = ctx.args;
    if (args.argc > 3) return ctx.out.error(errSubcommandSyntax(ctx));
    const found = currentHub(ctx).activeChannels(kind, args.argc === 3 ? args.bytes(2) : null);
    ctx.out.arrayHeader(found.length);
    for (const name of found) ctx.out.bulk(name);
  };
}

/** PUBSUB NUMSUB / SHARDNUMSUB channel...: name, count pairs (a flat array, as Redis). */
function countSubscribers(kind: Kind) {
  return (ctx: CommandContext): void => {
    const hub = currentHub(ctx), args = ctx.args, out = ctx.out;
    out.arrayHeader((args.argc - 2) * 2);
    for (let i = 2; i < args.argc; i++) {
      const name = args.bytes(i);
      out.bulk(name);
      out.integer(hub.subscriberCount(kind, name));
    }
  };
}

/** Subscribers live on their connection's shard: never route by the shard channel's slot. */
const onThisShard = () => -1;

export const pubsubCommands: CommandRows = {
  subscribe: { handler: subscribeTo(CHANNEL) },
  psubscribe: { handler: subscribeTo(PATTERN) },
  ssubscribe: { handler: subscribeTo(SHARD_CHANNEL), route: onThisShard },
  unsubscribe: { handler: unsubscribeFrom(CHANNEL) },
  punsubscribe: { handler: unsubscribeFrom(PATTERN) },
  sunsubscribe: { handler: unsubscribeFrom(SHARD_CHANNEL), route: onThisShard },
  publish: { handler: publishTo(CHANNEL) },
  spublish: { handler: publishTo(SHARD_CHANNEL), route: onThisShard },
  pubsub: {
    subcommands: {
      help: { handler: (ctx) => writeHelp(ctx, PUBSUB_HELP) },
      channels: { handler: listChannels(CHANNEL) },
      shardchannels: { handler: listChannels(SHARD_CHANNEL) },
      numsub: { handler: countSubscribers(CHANNEL) },
      shardnumsub: { handler: countSubscribers(SHARD_CHANNEL) },
      numpat: { handler: (ctx) => ctx.out.integer(currentHub(ctx).topicCount(PATTERN)) },
    },
  },
};

/** Commands a RESP2 client may run while subscribed (Redis's processCommand). */
const ALLOWED_WHILE_SUBSCRIBED = new Set([
  "ping",
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset",
]);

/**
 * For the connection, before running a command: a RESP2 client with subscriptions may run
 * only the subscribe family, PING, QUIT and RESET; the refusal's error text, or null.
 */
export function refusedWhileSubscribed(name: string): string | null {
  const base = name.includes("|") ? name.slice(0, name.indexOf("|")) : name;
  if (ALLOWED_WHILE_SUBSCRIBED.has(base)) return null;
  return `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / ` +
    "RESET are allowed in this context";
}
