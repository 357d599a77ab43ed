// Keyspace notifications (Redis's notify.c): `notify-keyspace-events` picks the classes, and
// each event is published on __keyspace@<db>__:<key> (message: the event) and/or
// __keyevent@<db>__:<event> (message: the key) through the cross-shard pub/sub of hub.ts.
//
// Command events come from one write observer (Shard.writeObservers) reading the declarative
// table in notify_events.ts; it is registered only while the setting enables K or E, so the
// write path pays nothing otherwise. "expired" events come from the engine's expiry log
// (wasm/assembly/expiry_log.ts), drained before each command's own events (Redis deletes an
// expired key on lookup, before the command acts), at the end of every batch, and after each
// active-expiry cycle. "evicted" events: notifyKeyspaceEvent(shard, EVICTED, "evicted", ...).
import type { Shard, WriteObserver } from "../server/shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { CHANNEL, pubsubOf } from "./hub.ts";
import { eventsFor } from "./notify_events.ts";
import { EVICTED, EXPIRED, KEYEVENT, KEYSPACE, LETTERS } from "./notify_flags.ts";
import type { ExpiredKeyListener } from "../engine/keyspace.ts";
export * from "./notify_flags.ts";

/** The setting's value (config/value-types.ts lists every class explicitly) as bits. */
export function eventFlags(value: string): number {
  let flags = 0;
  for (const c of value) flags |= LETTERS[c] ?? 0;
  return flags;
}

interface NotifyState {
  flags: number;
  observer: WriteObserver | null;
  /** Drains the expiry log into "expired" events (Shard.batchObservers while x is on). */
  drain: (() => void) | null;
  onExpired: ExpiredKeyListener | null;
  onEvicted: ((db: number, key: Uint8Array) => void) | null;
}

const states = new WeakMap<Shard, NotifyState>();
const encoder = new TextEncoder();
const dbPrefixes = new Map<string, Uint8Array>();

function prefix(kind: "keyspace" | "keyevent", db: number): Uint8Array {
  const text = `__${kind}@${db}__:`;
  let bytes = dbPrefixes.get(text);
  if (!bytes) dbPrefixes.set(text, bytes = encoder.encode(text));
  return bytes;
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Publish one keyspace event if its class is enabled (Redis's notifyKeyspaceEvent). `type`
 * is one of the class bits above (e.g. EVICTED for "evicted"); `key` is in db `db`.
 */
export function notifyKeyspaceEvent(
  shard: Shard,
  type: number,
  event: string,
  key: Uint8Array,
  db: number,
): void {
  const flags = states.get(shard)?.flags ?? 0;
  if (!(flags & type)) return;
  const hub = pubsubOf(shard);
  const eventBytes = encoder.encode(event);
  if (flags & KEYSPACE) hub.publish(CHANNEL, joined(prefix("keyspace", db), key), eventBytes);
  if (flags & KEYEVENT) hub.publish(CHANNEL, joined(prefix("keyevent", db), eventBytes), key);
}

/** Follow `notify-keyspace-events` on this shard (the worker calls it once at start). */
export function installNotifications(shard: Shard): void {
  const apply = () =>
    configure(shard, eventFlags(String(shard.config.get("notify-keyspace-events"))));
  shard.config.onChange((name) => {
    if (name === "notify-keyspace-events") apply();
  });
  apply();
}

function configure(shard: Shard, flags: number): void {
  let state = states.get(shard);
  if (!state) {
    states.set(
      shard,
      state = { flags: 0, observer: null, drain: null, onExpired: null, onEvicted: null },
    );
  }
  state.flags = flags;
  const publishing = (flags & (KEYSPACE | KEYEVENT)) !== 0;
  const commandEvents = publishing && (flags & ~(KEYSPACE | KEYEVENT | EXPIRED)) !== 0;
  const expiredEvents = publishing && (flags & EXPIRED) !== 0;
  const evictedEvents = publishing && (flags & EVICTED) !== 0;
  if (evictedEvents !== (state.onEvicted !== null)) {
    const hooks = shard.memory.onKeyEvicted;
    if (state.onEvicted) hooks.splice(hooks.indexOf(state.onEvicted), 1);
    state.onEvicted = null;
    if (evictedEvents) {
      state.onEvicted = (db, key) => notifyKeyspaceEvent(shard, EVICTED, "evicted", key, db);
      hooks.push(state.onEvicted);
    }
  }
  if (commandEvents !== (state.observer !== null) || expiredEvents !== (state.drain !== null)) {
    // The observer also drains expirations, so they keep their place before a write's events.
    if (state.observer) {
      for (const list of [shard.writeObservers, shard.spanningWriteObservers]) {
        list.splice(list.indexOf(state.observer), 1);
      }
    }
    state.observer = null;
    if (commandEvents || expiredEvents) {
      state.observer = (ctx, spec, replyAt) => observeWrite(ctx, spec, replyAt ?? 0, expiredEvents);
      shard.writeObservers.push(state.observer);
      shard.spanningWriteObservers.push(state.observer);
    }
  }
  if (expiredEvents !== (state.drain !== null)) {
    if (state.drain) shard.batchObservers.splice(shard.batchObservers.indexOf(state.drain), 1);
    if (state.onExpired) shard.keyspace.removeExpiredListener(state.onExpired);
    state.drain = state.onExpired = null;
    if (expiredEvents) {
      state.onExpired = (db, key) => notifyKeyspaceEvent(shard, EXPIRED, "expired", key, db);
      shard.keyspace.addExpiredListener(state.onExpired);
      state.drain = () => shard.keyspace.drainExpiredKeys();
      shard.batchObservers.push(state.drain);
    }
  }
}

function observeWrite(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
  expiredEvents: boolean,
): void {
  if (expiredEvents) ctx.shard.keyspace.drainExpiredKeys();
  // A step IronCache issued for a command whose keys span shards is not the client's command:
  // the coordinating shard reports that one (Shard.spanningWriteObservers).
  if (ctx.client.internal) return;
  const events = eventsFor(spec.name);
  if (!events) return;
  events(
    ctx,
    replyAt,
    (type, event, key, db = ctx.client.db) => notifyKeyspaceEvent(ctx.shard, type, event, key, db),
  );
}
