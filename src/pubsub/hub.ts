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
import type { Client, PushMessage } from "../server/client.ts";
import type { Shard } from "../server/shard.ts";
import { NoticeTopic, type Peers } from "../server/peers.ts";
import { stringMatch } from "../commands/glob.ts";
import { equalsRange, fnv1aRange, latin1, u32le } from "../protocol/bytes.ts";
import type { Args } from "../protocol/args.ts";
import { ByteBuffer } from "../protocol/byte_buffer.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import { decimalDigits } from "../protocol/numbers.ts";

/** The three namespaces: SUBSCRIBE channels, PSUBSCRIBE patterns, SSUBSCRIBE shard channels. */
export const CHANNEL = 0, PATTERN = 1, SHARD_CHANNEL = 2;
export type Kind = typeof CHANNEL | typeof PATTERN | typeof SHARD_CHANNEL;

/** One channel or pattern: its subscribers here, and their number on each other shard. */
interface Topic {
  name: Uint8Array;
  /** In subscription order. An array, not a Set: a message's delivery loop then needs no
   * iterator, and membership is the client's own map (ClientSubscriptions). Dropping one is
   * a search, as in Redis 7.0 (a list of clients per channel). */
  local: Client[];
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
/** Per protocol (index resp - 2), a push frame's head up to its next part: the header and the
 * type word, `*3\r\n$7\r\nmessage\r\n` or `>3\r\n$7\r\nmessage\r\n` (then the channel, or
 * for pmessage the pattern). */
type FrameHead = [Uint8Array, Uint8Array];

function frameHead(word: string, parts: number): FrameHead {
  const head = (resp: 2 | 3) => {
    const w = new ReplyWriter(64);
    w.pushHeader(parts, resp);
    w.bulkText(word);
    return w.bytes().slice();
  };
  return [head(2), head(3)];
}

const MESSAGE_HEADS = [frameHead("message", 3), frameHead("smessage", 3)];
const PMESSAGE_HEAD = frameHead("pmessage", 4);

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
  /** The message being published here, and one that arrived from another shard. */
  private published = new Message();
  private arrived = new Message();

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
    this.topicFor(kind, key, copy).local.push(client);
    client.subscriptions++;
    this.announce(kind, key, 1);
    return true;
  }

  /** Drop a subscription; false if the client did not have it. */
  unsubscribe(client: Client, kind: Kind, key: string): boolean {
    const subs = this.subscribers.get(client);
    if (!subs || !subs[kind].delete(key)) return false;
    const topic = this.topics[kind].get(key)!;
    topic.local.splice(topic.local.indexOf(client), 1);
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
    const m = this.published;
    m.set(channel, 0, channel.length, message, 0, message.length);
    return this.publishMessage(kind, m);
  }

  /** publish() of PUBLISH's own arguments (channel, message), read where the parser has them. */
  publishArgs(kind: Kind, args: Args): number {
    const m = this.published, b = args.argBuf, start = args.argStart, len = args.argLen;
    m.set(b, start[1], len[1], b, start[2], len[2]);
    m.findTail();
    return this.publishMessage(kind, m);
  }

  private publishMessage(kind: Kind, m: Message): number {
    const targets = this.targets;
    let receivers = 0, anyRemote = false;
    const topic = this.topics[kind].size
      ? this.topicAt(kind, m.channelBuf, m.channelStart, m.channelLength)
      : null;
    if (topic) {
      receivers += topic.local.length + topic.remoteTotal;
      if (topic.local.length) this.deliverMessage(topic.local, kind, m);
      if (topic.remoteTotal) anyRemote = this.markTargets(topic);
    }
    if (kind === CHANNEL && this.topics[PATTERN].size) {
      const channel = m.channel();
      for (const pattern of this.topics[PATTERN].values()) {
        if (!stringMatch(pattern.name, channel)) continue;
        receivers += pattern.local.length + pattern.remoteTotal;
        if (pattern.local.length) this.deliverPatternMessage(pattern, m);
        if (pattern.remoteTotal && this.markTargets(pattern)) anyRemote = true;
      }
    }
    if (anyRemote) {
      const n = this.notice;
      n.reset();
      n.u8(MESSAGE);
      n.u8(kind);
      n.u32(m.channelLength);
      n.rawRange(m.channelBuf, m.channelStart, m.channelStart + m.channelLength);
      n.rawRange(m.payloadBuf, m.payloadStart, m.payloadStart + m.payloadLength);
      for (let s = 0; s < targets.length; s++) {
        if (!targets[s]) continue;
        targets[s] = false;
        this.peers!.notifySoon(s, NoticeTopic.pubsub, n.bytes());
      }
    }
    m.forget();
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
    const t = this.topicAt(kind, name, 0, name.length);
    return t ? t.local.length + t.remoteTotal : 0;
  }

  /** Distinct channels, patterns or shard channels with subscribers anywhere (INFO, NUMPAT). */
  topicCount(kind: Kind): number {
    return this.topics[kind].size;
  }

  /** The topic whose name is buf[start, start + length), or null. */
  private topicAt(kind: Kind, buf: Uint8Array, start: number, length: number): Topic | null {
    let t = this.byHash[kind].get(hashRange(buf, start, length)) ?? null;
    while (t !== null && !equalsRange(t.name, buf, start, length)) t = t.nextSameHash;
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
        local: [],
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
    if (topic.local.length !== 0 || topic.remoteTotal !== 0) return;
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
    const m = this.arrived;
    m.set(payload, 6, clen, payload, 6 + clen, payload.length - 6 - clen);
    const topic = this.topicAt(kind, payload, 6, clen);
    if (topic?.local.length) this.deliverMessage(topic.local, kind, m);
    if (kind === CHANNEL && this.topics[PATTERN].size !== 0) {
      const channel = m.channel();
      for (const pattern of this.topics[PATTERN].values()) {
        if (pattern.local.length && stringMatch(pattern.name, channel)) {
          this.deliverPatternMessage(pattern, m);
        }
      }
    }
    m.forget();
  }

  private deliverMessage(clients: Client[], kind: Kind, m: Message): void {
    const frames = this.messageFrames;
    frames.start(MESSAGE_HEADS[kind === SHARD_CHANNEL ? 1 : 0], null, m);
    deliverFrames(clients, frames);
  }

  private deliverPatternMessage(pattern: Topic, m: Message): void {
    const frames = this.patternFrames;
    frames.start(PMESSAGE_HEAD, pattern.name, m);
    deliverFrames(pattern.local, frames);
  }
}

/** One subscriber (the common case with many channels) gets the frame written straight into
 * its output; several get it encoded once per protocol and copied. */
function deliverFrames(clients: Client[], frames: PushFrames): void {
  if (clients.length === 1) clients[0].deliverPush(frames);
  else {
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i];
      c.deliver(frames.encoded(c.resp));
    }
  }
  frames.release();
}

const NO_BYTES: Uint8Array = new Uint8Array(0);
const CR = 13, LF = 10;

/** True when b[at, end) is `$<length>\r\n` (end - at is that header's length). */
function isBulkHeader(b: Uint8Array, at: number, end: number, length: number): boolean {
  if (b[at] !== 0x24 || b[end - 2] !== CR || b[end - 1] !== LF) return false;
  for (let i = end - 3, n = length; i > at; i--, n = (n / 10) | 0) {
    if (b[i] !== 48 + (n % 10)) return false;
  }
  return true;
}

/** The message being published: its channel and payload as ranges of the buffers that hold
 * them, so PUBLISH's arguments are read where the parser has them (a view of each cost about
 * a tenth of a delivery). Reused from message to message. */
class Message {
  channelBuf = NO_BYTES;
  channelStart = 0;
  channelLength = 0;
  payloadBuf = NO_BYTES;
  payloadStart = 0;
  payloadLength = 0;

  /** Where channelBuf holds the frame's tail, `$<n>\r\n<channel>\r\n$<n>\r\n<payload>\r\n`
   * (-1: nowhere). A PUBLISH sent as RESP has it as its own tail: then a frame is its
   * head plus one copy of that range, not two bulk strings encoded. */
  tailStart = -1;
  tailEnd = 0;

  set(
    channelBuf: Uint8Array,
    channelStart: number,
    channelLength: number,
    payloadBuf: Uint8Array,
    payloadStart: number,
    payloadLength: number,
  ): void {
    this.channelBuf = channelBuf;
    this.channelStart = channelStart;
    this.channelLength = channelLength;
    this.payloadBuf = payloadBuf;
    this.payloadStart = payloadStart;
    this.payloadLength = payloadLength;
    this.tailStart = -1;
  }

  /** Sets tailStart/tailEnd when the channel and payload sit in one buffer as the tail of a
   * RESP frame, byte for byte as a frame encodes them (the parser accepts other spellings:
   * the bytes after a bulk are not checked, as in Redis, and inline commands have none). */
  findTail(): void {
    const b = this.channelBuf, channelEnd = this.channelStart + this.channelLength;
    const start = this.channelStart - 3 - decimalDigits(this.channelLength);
    const payloadHeader = channelEnd + 2, payloadEnd = this.payloadStart + this.payloadLength;
    if (
      b === this.payloadBuf && start >= 0 && payloadEnd + 2 <= b.length &&
      this.payloadStart === payloadHeader + 3 + decimalDigits(this.payloadLength) &&
      b[channelEnd] === CR && b[channelEnd + 1] === LF &&
      b[payloadEnd] === CR && b[payloadEnd + 1] === LF &&
      isBulkHeader(b, start, this.channelStart, this.channelLength) &&
      isBulkHeader(b, payloadHeader, this.payloadStart, this.payloadLength)
    ) {
      this.tailStart = start;
      this.tailEnd = payloadEnd + 2;
    }
  }

  /** Drops the references to the buffers (a connection's read buffer may be big). */
  forget(): void {
    this.channelBuf = this.payloadBuf = NO_BYTES;
    this.tailStart = -1;
  }

  /** The channel as a view (glob matching takes one). */
  channel(): Uint8Array {
    return this.channelBuf.subarray(this.channelStart, this.channelStart + this.channelLength);
  }
}

/** Below this many bytes a tail is copied by a loop, else by a view and set(): callgrind put
 * a loop at about 19 instructions per byte and a view plus set() of 32 bytes at 550. */
const TAIL_COPY_LOOP_MAX = 28;

/**
 * One message's push frame (`message`/`smessage` channel payload, or `pmessage` pattern
 * channel payload, as bulk strings: `>n` in RESP3, `*n` in RESP2). Written straight into a
 * lone subscriber's output (encodeInto), or encoded at most once per protocol into buffers
 * reused from message to message (a new ArrayBuffer per message costs more than the rest of
 * its delivery) and copied by Client.deliver: a frame is only valid until the next start().
 */
class PushFrames implements PushMessage {
  private head = PMESSAGE_HEAD;
  private pattern: Uint8Array | null = null;
  private message = new Message();
  private writers = [new ReplyWriter(256), new ReplyWriter(256)];
  /** Per protocol (index resp - 2): the frame, once encoded for this message. */
  private frames: Array<Uint8Array | null> = [null, null];

  start(head: FrameHead, pattern: Uint8Array | null, message: Message): void {
    this.head = head;
    this.pattern = pattern;
    this.message = message;
    this.frames[0] = this.frames[1] = null;
  }

  encodeInto(out: ReplyWriter, resp: 2 | 3): void {
    const pattern = this.pattern, m = this.message;
    out.raw(this.head[resp - 2]);
    if (pattern !== null) out.bulkRange(pattern, 0, pattern.length);
    if (m.tailStart >= 0) {
      out.rawRange(m.channelBuf, m.tailStart, m.tailEnd, TAIL_COPY_LOOP_MAX);
      return;
    }
    out.bulkRange(m.channelBuf, m.channelStart, m.channelLength);
    out.bulkRange(m.payloadBuf, m.payloadStart, m.payloadLength);
  }

  encoded(resp: 2 | 3): Uint8Array {
    const i = resp - 2;
    const frame = this.frames[i];
    if (frame !== null) return frame;
    const w = this.writers[i];
    w.reset();
    this.encodeInto(w, resp);
    return this.frames[i] = w.bytes();
  }

  /** After the message's deliveries: a big message's buffers are not kept. */
  release(): void {
    this.pattern = null;
    for (let i = 0; i < 2; i++) {
      if (this.frames[i] === null) continue;
      this.frames[i] = null;
      const w = this.writers[i];
      if (w.buf.length > 64 * 1024) {
        w.reset();
        w.shrinkIfIdle(64 * 1024);
      }
    }
  }
}

/** FNV-1a of a channel or pattern name, kept within V8's small integers (a cheap Map key). */
export function hashName(name: Uint8Array): number {
  return hashRange(name, 0, name.length);
}

/** hashName of buf[start, start + length). */
function hashRange(buf: Uint8Array, start: number, length: number): number {
  return fnv1aRange(buf, start, length) & 0x3fffffff;
}

const hubs = new WeakMap<Shard, PubSubHub>();
/** The last hub pubsubOf or installPubSub gave (a worker has one shard: no WeakMap lookup per
 * PUBLISH). */
let lastShard: Shard | null = null, lastHub: PubSubHub | null = null;
/** The hubs of this worker (one, except in tests that run several shards in one process). */
const liveHubs = new Set<PubSubHub>();

/** Set up the shard's pub/sub with its links to the other shards (the worker, at start). */
export function installPubSub(shard: Shard, peers: Peers | null): PubSubHub {
  const hub = new PubSubHub(shard, peers);
  hubs.set(shard, hub);
  liveHubs.add(hub);
  lastShard = shard;
  lastHub = hub;
  return hub;
}

/** The shard's pub/sub (a shard without links gets a local one: tests, --shards 1). */
export function pubsubOf(shard: Shard): PubSubHub {
  if (shard === lastShard) return lastHub!;
  const hub = hubs.get(shard);
  if (hub === undefined) return installPubSub(shard, null);
  lastShard = shard;
  lastHub = hub;
  return hub;
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
