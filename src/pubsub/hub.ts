// Pub/sub on one shard, and across shards (Redis's pubsub.c, split over workers).
//
// A subscriber lives on its connection's shard: its subscriptions are registered here, where
// its messages are delivered. Every shard also keeps a view of how many subscribers each
// channel and pattern has on every other shard, kept current by one-way notices
// (NoticeTopic.pubsub) sent when a subscription is added or dropped. A PUBLISH then runs on
// the publisher's shard alone, without a round trip: it delivers to the local subscribers,
// counts the receivers everywhere from the view (as Redis counts them: one per channel
// subscriber plus one per matching pattern subscription), and sends the message in one notice
// to each shard whose view shows a receiver. Notices on a link arrive in send order, so one
// publisher's messages on a channel reach every subscriber in publish order. The messages of a
// batch of PUBLISHes travel together (Peers.notifySoon: one ring message and at most one
// wakeup per target shard per batch), still ahead of the publisher's replies.
//
// The view is exact for a client that saw a SUBSCRIBE reply before publishing: the owner
// shard wrote its notice to the ring before that reply, and PUBLISH takes what the rings hold
// first (Peers.poll). Only if a ring were full (over 1 MiB of calls and replies in flight)
// could a notice wait in its writer's backlog past the reply (docs/compatibility.md).
import type { Client } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";
import { NoticeTopic, type Peers } from "../server/peers.ts";
import { stringMatch } from "../commands/glob.ts";
import { bytesEqual, fnv1a, latin1, u32le } from "../protocol/bytes.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";

/** The three namespaces: SUBSCRIBE channels, PSUBSCRIBE patterns, SSUBSCRIBE shard channels. */
export const CHANNEL = 0, PATTERN = 1, SHARD_CHANNEL = 2;
export type Kind = typeof CHANNEL | typeof PATTERN | typeof SHARD_CHANNEL;

/** One channel or pattern: its subscribers here, and their number on each other shard. */
interface Topic {
  name: Uint8Array;
  local: Set<Client>;
  remote: number[];
  remoteTotal: number;
  /** hashName(name), and the next topic of the kind with the same hash (see byHash). */
  hash: number;
  nextSameHash: Topic | null;
}

/** A client's own subscriptions, in subscription order (unsubscribe-all replies follow it). */
export type ClientSubscriptions = [
  Map<string, Uint8Array>,
  Map<string, Uint8Array>,
  Map<
    string,
    Uint8Array
  >,
];

const MESSAGE = 1, COUNT = 2;
const encoder = new TextEncoder();
const MESSAGE_WORDS = [encoder.encode("message"), encoder.encode("smessage")];
const PMESSAGE = encoder.encode("pmessage");

export class PubSubHub {
  private topics: [Map<string, Topic>, Map<string, Topic>, Map<string, Topic>] = [
    new Map(),
    new Map(),
    new Map(),
  ];
  /** The same topics by hashName of their bytes: PUBLISH finds its channel without making a
   * string of it (latin1 plus the string's hashing cost more than the rest of the lookup). */
  private byHash: [Map<number, Topic>, Map<number, Topic>, Map<number, Topic>] = [
    new Map(),
    new Map(),
    new Map(),
  ];
  private subscribers = new Map<Client, ClientSubscriptions>();
  private notice = new ByteBuffer(256);
  /** Per shard: the message notice must go there (reused by publish). */
  private targets: boolean[];
  /** The frames of the message being delivered, and of its pmessage for one pattern. */
  private messageFrames = new PushFrames();
  private patternFrames = new PushFrames();

  constructor(private shard: Shard, private peers: Peers | null) {
    this.targets = new Array(shard.count).fill(false);
    peers?.onNotice(NoticeTopic.pubsub, (from, payload) => this.receive(from, payload));
    shard.clientClosedObservers.push((client) => this.unsubscribeAll(client));
  }

  /** The client's subscriptions (null if it never subscribed). */
  subscriptionsOf(client: Client): ClientSubscriptions | null {
    return this.subscribers.get(client) ?? null;
  }

  /** Channels + patterns (Redis's clientSubscriptionsCount: the count SUBSCRIBE replies). */
  channelAndPatternCount(client: Client): number {
    const subs = this.subscribers.get(client);
    return subs ? subs[CHANNEL].size + subs[PATTERN].size : 0;
  }

  /** Add a subscription; false if the client had it already. */
  subscribe(client: Client, kind: Kind, name: Uint8Array): boolean {
    let subs = this.subscribers.get(client);
    if (!subs) this.subscribers.set(client, subs = [new Map(), new Map(), new Map()]);
    const key = latin1(name);
    if (subs[kind].has(key)) return false;
    const copy = name.slice();
    subs[kind].set(key, copy);
    this.topicFor(kind, key, copy).local.add(client);
    client.subscriptions++;
    this.announce(kind, key, 1);
    return true;
  }

  /** Drop a subscription; false if the client did not have it. */
  unsubscribe(client: Client, kind: Kind, key: string): boolean {
    const subs = this.subscribers.get(client);
    if (!subs || !subs[kind].delete(key)) return false;
    const topic = this.topics[kind].get(key)!;
    topic.local.delete(client);
    this.dropIfUnused(kind, key, topic);
    client.subscriptions--;
    if (client.subscriptions === 0) this.subscribers.delete(client);
    this.announce(kind, key, -1);
    return true;
  }

  /** Every subscription of the client (disconnect, RESET). */
  unsubscribeAll(client: Client): void {
    const subs = this.subscribers.get(client);
    if (!subs) return;
    for (const kind of [CHANNEL, PATTERN, SHARD_CHANNEL] as Kind[]) {
      for (const key of [...subs[kind].keys()]) this.unsubscribe(client, kind, key);
    }
  }

  /** Take the subscription changes other shards sent (a publisher then counts exactly). The
   * messages of this batch's earlier PUBLISHes stay held (Peers.notifySoon). */
  catchUp(): void {
    this.peers?.takeIncoming();
  }

  /**
   * PUBLISH / SPUBLISH: deliver to every subscriber on every shard; returns how many received
   * it (Redis's count). `kind` is CHANNEL or SHARD_CHANNEL (shard channels ignore patterns).
   */
  publish(kind: Kind, channel: Uint8Array, message: Uint8Array): number {
    const targets = this.targets;
    let receivers = 0, anyRemote = false;
    const topic = this.topics[kind].size ? this.topicNamed(kind, channel) : null;
    if (topic) {
      receivers += topic.local.size + topic.remoteTotal;
      if (topic.local.size) this.deliverMessage(topic.local, kind, channel, message);
      if (topic.remoteTotal) anyRemote = this.markTargets(topic);
    }
    if (kind === CHANNEL && this.topics[PATTERN].size) {
      for (const pattern of this.topics[PATTERN].values()) {
        if (!stringMatch(pattern.name, channel)) continue;
        receivers += pattern.local.size + pattern.remoteTotal;
        if (pattern.local.size) this.deliverPatternMessage(pattern, channel, message);
        if (pattern.remoteTotal && this.markTargets(pattern)) anyRemote = true;
      }
    }
    if (anyRemote) {
      const n = this.notice;
      n.reset();
      n.u8(MESSAGE);
      n.u8(kind);
      n.u32(channel.length);
      n.raw(channel);
      n.raw(message);
      for (let s = 0; s < targets.length; s++) {
        if (!targets[s]) continue;
        targets[s] = false;
        this.peers!.notifySoon(s, NoticeTopic.pubsub, n.bytes());
      }
    }
    return receivers;
  }

  /** Channels (or shard channels) with subscribers anywhere, optionally matching a glob. */
  activeChannels(kind: Kind, pattern: Uint8Array | null): Uint8Array[] {
    const found: Uint8Array[] = [];
    for (const t of this.topics[kind].values()) {
      if (!pattern || stringMatch(pattern, t.name)) found.push(t.name);
    }
    return found;
  }

  /** Subscribers of one channel (or shard channel, or pattern) on every shard. */
  subscriberCount(kind: Kind, name: Uint8Array): number {
    const t = this.topicNamed(kind, name);
    return t ? t.local.size + t.remoteTotal : 0;
  }

  /** Distinct channels, patterns or shard channels with subscribers anywhere (INFO, NUMPAT). */
  topicCount(kind: Kind): number {
    return this.topics[kind].size;
  }

  /** The topic whose name is these bytes, or null. */
  private topicNamed(kind: Kind, name: Uint8Array): Topic | null {
    let t = this.byHash[kind].get(hashName(name)) ?? null;
    while (t !== null && !bytesEqual(t.name, name)) t = t.nextSameHash;
    return t;
  }

  private markTargets(topic: Topic): boolean {
    let any = false;
    for (let s = 0; s < topic.remote.length; s++) {
      if (topic.remote[s] > 0) this.targets[s] = any = true;
    }
    return any;
  }

  private topicFor(kind: Kind, key: string, name: Uint8Array): Topic {
    let topic = this.topics[kind].get(key);
    if (!topic) {
      const hash = hashName(name), byHash = this.byHash[kind];
      topic = {
        name,
        local: new Set(),
        remote: new Array(this.shard.count).fill(0),
        remoteTotal: 0,
        hash,
        nextSameHash: byHash.get(hash) ?? null,
      };
      this.topics[kind].set(key, topic);
      byHash.set(hash, topic);
    }
    return topic;
  }

  private dropIfUnused(kind: Kind, key: string, topic: Topic): void {
    if (topic.local.size !== 0 || topic.remoteTotal !== 0) return;
    this.topics[kind].delete(key);
    const byHash = this.byHash[kind];
    const head = byHash.get(topic.hash)!;
    if (head === topic) {
      if (topic.nextSameHash === null) byHash.delete(topic.hash);
      else byHash.set(topic.hash, topic.nextSameHash);
      return;
    }
    let before = head;
    while (before.nextSameHash !== topic) before = before.nextSameHash!;
    before.nextSameHash = topic.nextSameHash;
  }

  /** Tell the other shards that this shard's subscribers of `key` changed by `delta`. */
  private announce(kind: Kind, key: string, delta: number): void {
    if (!this.peers) return;
    const n = this.notice;
    n.reset();
    n.u8(COUNT);
    n.u8(kind);
    n.u8(delta > 0 ? 1 : 0);
    n.raw(this.topics[kind].get(key)?.name ?? Uint8Array.from(key, (c) => c.charCodeAt(0)));
    this.peers.notifyAll(NoticeTopic.pubsub, n.bytes());
  }

  private receive(from: number, payload: Uint8Array): void {
    const kind = payload[1] as Kind;
    if (payload[0] === COUNT) {
      const name = payload.subarray(3);
      const key = latin1(name);
      const delta = payload[2] === 1 ? 1 : -1;
      if (delta < 0 && !this.topics[kind].has(key)) return;
      const topic = this.topicFor(kind, key, name.slice());
      topic.remote[from] += delta;
      topic.remoteTotal += delta;
      this.dropIfUnused(kind, key, topic);
      return;
    }
    const clen = u32le(payload, 2);
    const channel = payload.subarray(6, 6 + clen), message = payload.subarray(6 + clen);
    const topic = this.topicNamed(kind, channel);
    if (topic?.local.size) this.deliverMessage(topic.local, kind, channel, message);
    if (kind !== CHANNEL) return;
    for (const pattern of this.topics[PATTERN].values()) {
      if (pattern.local.size && stringMatch(pattern.name, channel)) {
        this.deliverPatternMessage(pattern, channel, message);
      }
    }
  }

  private deliverMessage(
    clients: Set<Client>,
    kind: Kind,
    channel: Uint8Array,
    message: Uint8Array,
  ): void {
    const frames = this.messageFrames;
    frames.start([MESSAGE_WORDS[kind === SHARD_CHANNEL ? 1 : 0], channel, message]);
    for (const c of clients) c.deliver(frames.encoded(c.resp));
    frames.release();
  }

  private deliverPatternMessage(pattern: Topic, channel: Uint8Array, message: Uint8Array): void {
    const frames = this.patternFrames;
    frames.start([PMESSAGE, pattern.name, channel, message]);
    for (const c of pattern.local) c.deliver(frames.encoded(c.resp));
    frames.release();
  }
}

/**
 * One message's push frame (bulk strings: `>n` in RESP3, `*n` in RESP2), encoded at most once
 * per protocol into buffers reused from message to message: a new ArrayBuffer per message
 * costs more than the rest of its delivery. Client.deliver copies what it is given, so a
 * frame is only valid until the next start().
 */
const NO_PARTS: Uint8Array[] = [];

class PushFrames {
  private parts = NO_PARTS;
  private writers = [new ReplyWriter(256), new ReplyWriter(256)];
  /** Per protocol (index resp - 2): the frame, once encoded for this message. */
  private frames: Array<Uint8Array | null> = [null, null];

  constructor() {
    this.writers[1].resp = 3;
  }

  start(parts: Uint8Array[]): void {
    this.parts = parts;
    this.frames[0] = this.frames[1] = null;
  }

  encoded(resp: 2 | 3): Uint8Array {
    const i = resp - 2;
    const frame = this.frames[i];
    if (frame !== null) return frame;
    const w = this.writers[i];
    w.reset();
    w.pushHeader(this.parts.length);
    for (const p of this.parts) w.bulk(p);
    return this.frames[i] = w.bytes();
  }

  /** After the message's deliveries: a big message's buffers are not kept. */
  release(): void {
    this.parts = NO_PARTS;
    this.frames[0] = this.frames[1] = null;
    for (const w of this.writers) {
      if (w.buf.length > 64 * 1024) {
        w.reset();
        w.shrinkIfIdle(64 * 1024);
      }
    }
  }
}

/** FNV-1a of a channel or pattern name, kept within V8's small integers (a cheap Map key). */
export function hashName(name: Uint8Array): number {
  return fnv1a(name) & 0x3fffffff;
}

const hubs = new WeakMap<Shard, PubSubHub>();
/** The hubs of this worker (one, except in tests that run several shards in one process). */
const liveHubs = new Set<PubSubHub>();

/** Set up the shard's pub/sub with its links to the other shards (the worker, at start). */
export function installPubSub(shard: Shard, peers: Peers | null): PubSubHub {
  const hub = new PubSubHub(shard, peers);
  hubs.set(shard, hub);
  liveHubs.add(hub);
  return hub;
}

/** The shard's pub/sub (a shard without links gets a local one: tests, --shards 1). */
export function pubsubOf(shard: Shard): PubSubHub {
  return hubs.get(shard) ?? installPubSub(shard, null);
}

/** CLIENT LIST's "sub=N psub=N ssub=N" (the client's shard holds its subscriptions). */
export function subscriptionFields(client: Client): string {
  if (client.subscriptions === 0) return "sub=0 psub=0 ssub=0";
  for (const hub of liveHubs) {
    const subs = hub.subscriptionsOf(client);
    if (subs) {
      return `sub=${subs[CHANNEL].size} psub=${subs[PATTERN].size} ssub=${
        subs[SHARD_CHANNEL].size
      }`;
    }
  }
  return "sub=0 psub=0 ssub=0";
}
