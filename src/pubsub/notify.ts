// Keyspace notifications (Redis's notify.c): `notify-keyspace-events` picks the classes, and
// each event is published on __keyspace@<db>__:<key> (message: the event) and/or
// __keyevent@<db>__:<event> (message: the key) through the cross-shard pub/sub of hub.ts.
//
// Command events come from one write observer (Shard.writeObservers) reading the declarative
// table in notify_events.ts; it is registered only while the setting enables K or E, so the
// write path pays nothing otherwise. "expired", "new" (a key added: Redis's dbAdd) and
// "keymiss" (a read lookup that missed) come from the engine's key event log
// (wasm/assembly/key_event_log.ts), drained before each command's own events (Redis emits them
// inside the command, before its own event), at the end of every batch, and after each
// active-expiry cycle. "evicted" events: notifyKeyspaceEvent(shard, EVICTED, "evicted", ...).
import type { Shard, WriteObserver } from "../server/shard.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { CHANNEL, pubsubOf } from "./hub.ts";
import { eventsFor } from "./notify_events.ts";
import { EVICTED, EXPIRED, KEY_MISS, KEYEVENT, KEYSPACE, LETTERS, NEW } from "./notify_flags.ts";
import { KeyEvent, type KeyEventListener } from "../engine/keyspace.ts";
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
  /** Drains the engine's key event log (Shard.batchObservers while x, n or m is on). */
  drain: (() => void) | null;
  /** The engine-logged classes listened to, with their listeners. */
  keyEvents: Array<{ kind: KeyEvent; listener: KeyEventListener }>;
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
      state = { flags: 0, observer: null, drain: null, keyEvents: [], onEvicted: null },
    );
  }
  state.flags = flags;
  const publishing = (flags & (KEYSPACE | KEYEVENT)) !== 0;
  const engineClasses = publishing ? flags & (EXPIRED | NEW | KEY_MISS) : 0;
  const commandEvents = publishing &&
    (flags & ~(KEYSPACE | KEYEVENT | EXPIRED | NEW | KEY_MISS)) !== 0;
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
  const engineEvents = engineClasses !== 0;
  if (commandEvents !== (state.observer !== null) || engineEvents !== (state.drain !== null)) {
    // The observer also drains the engine's events, so they keep their place before a
    // write's own events.
    if (state.observer) {
      for (const list of [shard.writeObservers, shard.spanningWriteObservers]) {
        list.splice(list.indexOf(state.observer), 1);
      }
    }
    state.observer = null;
    if (commandEvents || engineEvents) {
      state.observer = (ctx, spec, replyAt) => observeWrite(ctx, spec, replyAt ?? 0, engineEvents);
      shard.writeObservers.push(state.observer);
      shard.spanningWriteObservers.push(state.observer);
    }
  }
  for (const { kind, listener } of state.keyEvents) {
    shard.keyspace.removeKeyEventListener(kind, listener);
  }
  state.keyEvents = ENGINE_EVENTS.filter(({ flag }) => engineClasses & flag).map(
    ({ flag, kind, event }) => {
      const listener: KeyEventListener = (db, key) =>
        notifyKeyspaceEvent(shard, flag, event, key, db);
      shard.keyspace.addKeyEventListener(kind, listener);
      return { kind, listener };
    },
  );
  if (engineEvents !== (state.drain !== null)) {
    if (state.drain) shard.batchObservers.splice(shard.batchObservers.indexOf(state.drain), 1);
    state.drain = null;
    if (engineEvents) {
      state.drain = () => shard.keyspace.drainKeyEvents();
      shard.batchObservers.push(state.drain);
    }
  }
}

/** The classes whose events the engine logs: class bit, engine kind, event name. */
const ENGINE_EVENTS = [
  { flag: EXPIRED, kind: KeyEvent.Expired, event: "expired" },
  { flag: NEW, kind: KeyEvent.New, event: "new" },
  { flag: KEY_MISS, kind: KeyEvent.Miss, event: "keymiss" },
];

function observeWrite(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
  engineEvents: boolean,
): void {
  if (engineEvents) ctx.shard.keyspace.drainKeyEvents();
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

/** Every key a write changed, as the event table of notify_events.ts knows it (client-side
 * caching invalidates these): one table decides for both. */
export function forEachChangedKey(
  ctx: CommandContext,
  spec: CommandSpec,
  replyAt: number,
  each: (key: Uint8Array, db: number) => void,
): void {
  eventsFor(spec.name)?.(ctx, replyAt, (_type, _event, key, db = ctx.client.db) => each(key, db));
}
