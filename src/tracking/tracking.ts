// Client-side caching (Redis 7.0's tracking.c), split over shards.
//
// A tracking client's settings live on its connection's shard (Client.tracking). What it
// read is remembered on the shard that owns each key: a local read remembers at once, a
// forwarded one carries the caller's id in its batch entry (executor.ts appendToBatch). A
// write observed on the owner shard (Shard.writeObservers; which keys it changed comes from
// notify_events.ts, the table keyspace notifications use) looks the key up and sends each
// remembered id an invalidation: delivered here when the client is local, else in a
// NoticeTopic.tracking notice to the client's shard. BCAST prefixes are registered on every
// shard (notices), and their keys are collected per batch and sent after it, as Redis sends
// them in beforeSleep. Nothing is registered on the write path while no client tracks.
import type { Client } from "../server/client.ts";
import { KeyEvent } from "../engine/keyspace.ts";
import type { Shard, WriteObserver } from "../server/shard.ts";
import { NoticeTopic, type Peers } from "../server/peers.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { keyIndexes } from "../server/dispatch.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { latin1, u32le } from "../protocol/bytes.ts";
import { forEachChangedKey } from "../pubsub/notify.ts";
import { setTrackingFigures } from "./figures.ts";
import { TRACKING_CLIENTS } from "../server/messages.ts";

/** A client's tracking settings (Redis's CLIENT_TRACKING_* flags). */
export interface TrackingState {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING was given for the next command. */
  caching: boolean;
  brokenRedirect: boolean;
  /** 0: none. */
  redirect: number;
  /** BCAST prefixes, sorted as Redis's rax lists them. */
  prefixes: Uint8Array[];
}

const KEYS = 1, BCAST_ON = 3, BCAST_OFF = 4, REDIRECTED = 5, BROKEN = 6;
const encoder = new TextEncoder();
const INVALIDATE_PUSH = encoder.encode(">2\r\n$10\r\ninvalidate\r\n");
const INVALIDATE_MESSAGE = encoder.encode(
  "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n",
);
const NULLS = { 2: encoder.encode("$-1\r\n"), 3: encoder.encode("_\r\n") };

interface Prefix {
  bytes: Uint8Array;
  /** Client id → NOLOOP. */
  clients: Map<number, boolean>;
  /** Keys changed since the last batch end → the writer's id (0: several or unknown). */
  pending: Map<string, number>;
}

/** One shard's tracking table (keys it owns) and prefix table. */
export class Tracker {
  /** Key (latin1) → ids of clients that read it. */
  readonly table = new Map<string, Set<number>>();
  items = 0;
  readonly prefixes = new Map<string, Prefix>();
  /** Clients of this shard with tracking on (INFO tracking_clients). */
  localClients = 0;
  private observer: WriteObserver | null = null;
  /** An expired or evicted key (Redis's signalModifiedKey from expiry and eviction). */
  private readonly keyGone = (_db: number, key: Uint8Array) => this.invalidateKey(key, 0);
  private batchEnd: (() => void) | null = null;
  private notice = new ByteBuffer(256);

  constructor(
    readonly shard: Shard,
    private peers: Peers | null,
    private counters: Int32Array | null,
  ) {
    peers?.onNotice(NoticeTopic.tracking, (_from, payload) => this.receive(payload));
    shard.clientClosedObservers.push((client) => this.disable(client));
  }

  /** True while any client of any shard tracks: forwarded commands then carry their caller. */
  anyTracking(): boolean {
    return this.counters
      ? Atomics.load(this.counters, TRACKING_CLIENTS) > 0
      : this.localClients > 0;
  }

  // ---- enabling -------------------------------------------------------------------------

  enable(client: Client, options: Omit<TrackingState, "caching" | "brokenRedirect">): void {
    let state = client.tracking;
    if (!state) {
      this.localClients++;
      if (this.counters) Atomics.add(this.counters, TRACKING_CLIENTS, 1);
      state = client.tracking = { ...options, prefixes: [], caching: false, brokenRedirect: false };
    } else {
      Object.assign(state, { ...options, prefixes: state.prefixes, brokenRedirect: false });
    }
    if (options.bcast) {
      const added = options.prefixes.length ? options.prefixes : [new Uint8Array(0)];
      for (const p of added) {
        if (!state.prefixes.some((q) => latin1(q) === latin1(p))) state.prefixes.push(p.slice());
      }
      state.prefixes.sort((a, b) => latin1(a) < latin1(b) ? -1 : 1);
      this.broadcast(BCAST_ON, client.id, state.noloop ? 1 : 0, state.prefixes);
    }
    this.sync();
  }

  disable(client: Client): void {
    const state = client.tracking;
    if (!state) return;
    client.tracking = null;
    this.localClients--;
    if (this.counters) Atomics.sub(this.counters, TRACKING_CLIENTS, 1);
    if (state.bcast) this.broadcast(BCAST_OFF, client.id, 0, []);
    this.sync();
  }

  /** A BCAST registration change, applied here and sent to every other shard. */
  private broadcast(kind: number, id: number, noloop: number, prefixes: Uint8Array[]): void {
    const n = this.notice;
    n.reset();
    n.u8(kind);
    n.u32(id);
    n.u8(noloop);
    n.u32(prefixes.length);
    for (const p of prefixes) {
      n.u32(p.length);
      n.raw(p);
    }
    const payload = n.bytes().slice();
    this.peers?.notifyAll(NoticeTopic.tracking, payload);
    this.receive(payload);
  }

  // ---- remembering reads ------------------------------------------------------------------

  /** Remember the keys of a read command for client `id` (Redis's trackingRememberKeys). */
  remember(ctx: CommandContext, spec: CommandSpec, id: number): void {
    // A key the read found expired was deleted before it was read, as in Redis: its
    // invalidation goes first, then the key is remembered again.
    if (this.observer) this.shard.keyspace.drainKeyEvents();
    for (const i of keyIndexes(spec, ctx.args)) {
      const key = latin1(ctx.args.bytes(i));
      let ids = this.table.get(key);
      if (!ids) this.table.set(key, ids = new Set());
      if (!ids.has(id)) {
        ids.add(id);
        this.items++;
      }
    }
    this.sync();
  }

  // ---- invalidating ---------------------------------------------------------------------

  /** Observe writes only while something here may need an invalidation. */
  private sync(): void {
    const active = this.table.size > 0 || this.prefixes.size > 0 || this.localClients > 0;
    if (active === (this.observer !== null)) return;
    const keyGone = this.keyGone;
    if (this.observer) {
      this.shard.writeObservers.splice(this.shard.writeObservers.indexOf(this.observer), 1);
      this.shard.batchObservers.splice(this.shard.batchObservers.indexOf(this.batchEnd!), 1);
      this.observer = this.batchEnd = null;
      const evicted = this.shard.memory.onKeyEvicted;
      evicted.splice(evicted.indexOf(keyGone), 1);
      this.shard.keyspace.removeKeyEventListener(KeyEvent.Expired, keyGone); // drains first (re-enters sync)
      return;
    }
    this.observer = (ctx, spec, replyAt) => this.observeWrite(ctx, spec, replyAt ?? 0);
    // Expired keys are drained (and invalidated) before the batch's BCAST keys are sent.
    this.batchEnd = () => {
      this.shard.keyspace.drainKeyEvents();
      this.sendBroadcasts();
    };
    this.shard.writeObservers.push(this.observer);
    this.shard.keyspace.addKeyEventListener(KeyEvent.Expired, keyGone);
    this.shard.memory.onKeyEvicted.push(keyGone);
    this.shard.batchObservers.push(this.batchEnd);
  }

  private observeWrite(ctx: CommandContext, spec: CommandSpec, replyAt: number): void {
    const writer = ctx.client.callerId || ctx.client.id;
    if (spec.name === "flushall" || spec.name === "flushdb") return this.flushed();
    forEachChangedKey(ctx, spec, replyAt, (key) => this.invalidateKey(key, writer));
  }

  /** A key changed (Redis's trackingInvalidateKey): `writer` is the client that changed it. */
  invalidateKey(keyBytes: Uint8Array, writer: number): void {
    if (this.prefixes.size > 0) this.collectForPrefixes(keyBytes, writer);
    const key = latin1(keyBytes);
    const ids = this.table.get(key);
    if (!ids) return;
    this.table.delete(key);
    this.items -= ids.size;
    for (const id of ids) this.sendTo(id, KEYS, writer, [keyBytes]);
    this.sync();
  }

  private collectForPrefixes(key: Uint8Array, writer: number): void {
    for (const prefix of this.prefixes.values()) {
      const p = prefix.bytes;
      if (p.length > key.length) continue;
      let i = 0;
      while (i < p.length && p[i] === key[i]) i++;
      if (i < p.length) continue;
      const k = latin1(key), before = prefix.pending.get(k);
      prefix.pending.set(k, before === undefined || before === writer ? writer : 0);
    }
  }

  /** After a batch: each prefix's changed keys to its clients, in key order. */
  private sendBroadcasts(): void {
    for (const prefix of this.prefixes.values()) {
      if (prefix.pending.size === 0) continue;
      const keys = [...prefix.pending.entries()].sort((a, b) => a[0] < b[0] ? -1 : 1);
      prefix.pending.clear();
      for (const [id, noloop] of prefix.clients) {
        const sent = noloop ? keys.filter(([, writer]) => writer !== id) : keys;
        if (sent.length === 0) continue;
        this.sendTo(id, KEYS, 0, sent.map(([k]) => latin1Bytes(k)));
      }
    }
  }

  /** FLUSHALL / FLUSHDB ran on this shard: every tracking client of this shard gets one null
   * invalidation (each shard runs the flush once), and the table is emptied. */
  private flushed(): void {
    this.table.clear();
    this.items = 0;
    for (const client of this.shard.clients.values()) {
      if (client.tracking) this.send(client, null);
    }
    this.sync();
  }

  /** An invalidation for client `id`, wherever it lives. */
  private sendTo(id: number, kind: number, writer: number, keys: Uint8Array[]): void {
    const home = this.shardOf(id);
    if (home === this.shard.id) return this.deliverKeys(id, kind, writer, keys);
    const n = this.notice;
    n.reset();
    n.u8(kind);
    n.u32(id);
    n.u32(writer);
    writeKeys(n, keys);
    this.peers!.notify(home, NoticeTopic.tracking, n.bytes().slice());
  }

  private shardOf(id: number): number {
    return (id - 1) % this.shard.count;
  }

  /** On the client's shard: skip clients no longer tracking this way, and NOLOOP writers. */
  private deliverKeys(id: number, kind: number, writer: number, keys: Uint8Array[]): void {
    const client = this.shard.clients.get(id);
    const state = client?.tracking;
    if (!client || !state) return;
    if (kind === KEYS && writer !== 0 && state.noloop && writer === id) return;
    this.send(client, keys);
  }

  /** Redis's sendTrackingMessage: to the client, or to its redirect client. */
  private send(client: Client, keys: Uint8Array[] | null): void {
    const state = client.tracking!;
    const nullReply = NULLS[client.resp];
    if (state.redirect === 0) return emit(client, false, keys, nullReply);
    const home = this.shardOf(state.redirect);
    if (home !== this.shard.id) {
      const n = this.notice;
      n.reset();
      n.u8(REDIRECTED);
      n.u32(state.redirect);
      n.u32(client.id);
      n.u8(client.resp);
      if (keys) writeKeys(n, keys);
      else n.u32(0xffffffff);
      this.peers!.notify(home, NoticeTopic.tracking, n.bytes().slice());
      return;
    }
    const target = this.shard.clients.get(state.redirect);
    if (!target) return this.redirectBroken(client.id, state.redirect);
    emit(target, true, keys, nullReply);
  }

  private redirectBroken(id: number, redirect: number): void {
    const client = this.shard.clients.get(id);
    if (!client) return;
    const state = client.tracking;
    if (!state || state.redirect !== redirect) return;
    state.brokenRedirect = true;
    if (client.resp === 3) {
      client.deliver(encoder.encode(`>2\r\n$21\r\ntracking-redir-broken\r\n:${redirect}\r\n`));
    }
  }

  private receive(payload: Uint8Array): void {
    const r = new Reader(payload);
    const kind = r.u8();
    if (kind === KEYS) {
      const id = r.u32(), writer = r.u32();
      this.deliverKeys(id, kind, writer, r.keys()!);
    } else if (kind === BCAST_ON || kind === BCAST_OFF) {
      const id = r.u32(), noloop = r.u8() === 1;
      for (const prefix of this.prefixes.values()) prefix.clients.delete(id);
      if (kind === BCAST_ON) {
        for (const bytes of r.keys()!) {
          const k = latin1(bytes);
          let prefix = this.prefixes.get(k);
          if (!prefix) {
            this.prefixes.set(k, prefix = { bytes, clients: new Map(), pending: new Map() });
          }
          prefix.clients.set(id, noloop);
        }
      }
      for (const [k, prefix] of this.prefixes) {
        if (prefix.clients.size === 0) this.prefixes.delete(k);
      }
      this.sync();
    } else if (kind === REDIRECTED) {
      const redirect = r.u32(), from = r.u32(), resp = r.u8() as 2 | 3;
      const target = this.shard.clients.get(redirect);
      if (target) return emit(target, true, r.keys(), NULLS[resp]);
      const n = this.notice;
      n.reset();
      n.u8(BROKEN);
      n.u32(from);
      n.u32(redirect);
      this.peers!.notify(this.shardOf(from), NoticeTopic.tracking, n.bytes().slice());
    } else if (kind === BROKEN) {
      const id = r.u32();
      this.redirectBroken(id, r.u32());
    }
  }
}

/** Writes the invalidation frame to `target` (a push, or a __redis__:invalidate message to a
 * subscribed RESP2 redirect client; nothing for anyone else, as Redis). */
function emit(
  target: Client,
  redirected: boolean,
  keys: Uint8Array[] | null,
  nullReply: Uint8Array,
): void {
  let head: Uint8Array;
  if (target.resp === 3) head = INVALIDATE_PUSH;
  else if (redirected && target.subscriptions > 0) head = INVALIDATE_MESSAGE;
  else return;
  const out = new ByteBuffer(64);
  out.raw(head);
  if (keys === null) out.raw(nullReply);
  else {
    out.raw(encoder.encode(`*${keys.length}\r\n`));
    for (const k of keys) {
      out.raw(encoder.encode(`$${k.length}\r\n`));
      out.raw(k);
      out.raw(CRLF);
    }
  }
  target.deliver(out.bytes().slice());
}

const CRLF = encoder.encode("\r\n");

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function writeKeys(n: ByteBuffer, keys: Uint8Array[]): void {
  n.u32(keys.length);
  for (const k of keys) {
    n.u32(k.length);
    n.raw(k);
  }
}

class Reader {
  private p = 0;
  constructor(private b: Uint8Array) {}
  u8(): number {
    return this.b[this.p++];
  }
  u32(): number {
    const p = this.p;
    this.p += 4;
    return u32le(this.b, p);
  }
  /** A key list; null for the null marker. */
  keys(): Uint8Array[] | null {
    const n = this.u32();
    if (n === 0xffffffff) return null;
    const keys: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const len = this.u32();
      keys.push(this.b.slice(this.p, this.p + len));
      this.p += len;
    }
    return keys;
  }
}

const trackers = new WeakMap<Shard, Tracker>();

export function installTracking(
  shard: Shard,
  peers: Peers | null,
  counters: Int32Array | null,
): Tracker {
  const tracker = new Tracker(shard, peers, counters);
  trackers.set(shard, tracker);
  setTrackingFigures(shard, tracker);
  return tracker;
}

export function trackerOf(shard: Shard): Tracker {
  return trackers.get(shard) ?? installTracking(shard, null, null);
}

/**
 * Before a command of a tracking client: whether its keys are to be remembered (Redis's
 * call(): read-only commands, not in BCAST mode; OPTIN only after CLIENT CACHING yes, OPTOUT
 * unless CLIENT CACHING no). The CACHING flag lasts for one command other than CLIENT's.
 */
export function remembersRead(state: TrackingState, spec: CommandSpec): boolean {
  const remember = !state.bcast && spec.flags.includes("readonly") &&
    !((state.optin && !state.caching) || (state.optout && state.caching));
  if (!spec.name.startsWith("client")) state.caching = false;
  return remember;
}
