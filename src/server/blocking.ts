// Blocked clients across shards (Redis's blocked.c for lists and sorted sets).
//
// The *home* shard (where the blocked client's connection is) runs the command. When nothing
// can be popped it registers the client with the shards that *own* its keys and waits.
// Each owner keeps a FIFO queue of waiters per key; a write observer, installed only while
// some queue exists, hears of writes to those keys. When a watched key exists after a write,
// the owner signals the first waiter not yet tried ("ready"); that waiter retries the pop on
// that key at home (atomically, with the shards' locks) and answers "done", served or not;
// only then is the next waiter signalled, while the key still exists. One signalled waiter
// per key at a time keeps the service FIFO whichever shards the waiters' connections are on,
// and an element is only ever popped for a client that is still waiting, so none is lost.
import type { Shard } from "./shard.ts";
import { NoticeTopic, type Peers } from "./peers.ts";
import type { BlockedWait, Client } from "./client.ts";
import type { CommandContext, CommandSpec } from "../commands/spec.ts";
import { keyIndexes } from "./dispatch.ts";
import { latin1 } from "../protocol/bytes.ts";

type Message =
  | { t: "register"; id: number; token: number; db: number; keys: string[] }
  | { t: "unregister"; id: number; token: number }
  | { t: "ready"; id: number; token: number; queue: string }
  | { t: "done"; id: number; token: number; queue: string; served: boolean };

/** One blocked client as an owner shard sees it. */
interface Waiter {
  id: number;
  token: number;
  home: number;
  /** The queue names (db + key) it is in on this shard. */
  queues: string[];
}

/** The waiters of one key, FIFO. */
interface KeyQueue {
  db: number;
  key: Uint8Array;
  waiters: Waiter[];
  /** The waiter told "ready" and not yet "done". */
  signalled: Waiter | null;
  /** Waiters told since the last write to the key (each is tried once per write). */
  tried: Set<Waiter>;
}

/** What a home shard needs to serve a blocked client when one of its keys is ready. */
export interface BlockRequest {
  client: Client;
  db: number;
  keys: Uint8Array[];
  /** Milliseconds to wait; 0: forever. */
  timeoutMs: number;
  /** Try to serve the client from this key (atomically); true when a reply was written. */
  retry(key: Uint8Array): Promise<boolean>;
  /** Write the reply of an unblock by timeout or CLIENT UNBLOCK ... ERROR. */
  finish(how: "timeout" | "error" | "gone"): void;
}

interface HomeWait extends BlockedWait {
  token: number;
  request: BlockRequest;
  /** Retries and unblocking run one after another. */
  chain: Promise<void>;
  finished: boolean;
  /** Unregister everywhere, write the reply unless served, resume the connection. */
  end(how: "timeout" | "error" | "gone" | "served"): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let nextToken = 1;

const queueName = (db: number, key: Uint8Array) => `${db}:${latin1(key)}`;
const keyOfName = (name: string) => {
  const text = name.slice(name.indexOf(":") + 1);
  const key = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) key[i] = text.charCodeAt(i);
  return key;
};

export class Blocking {
  // ---- owner side
  private queues = new Map<string, KeyQueue>();
  private waiters = new Map<string, Waiter>();
  private scheduled = new Set<string>();
  private readonly observer = (ctx: CommandContext, spec: CommandSpec) =>
    this.observeWrite(ctx, spec);
  // ---- home side
  private waits = new Map<number, HomeWait>();

  constructor(private shard: Shard, private peers: Peers | null) {
    peers?.onNotice(NoticeTopic.blocking, (from, payload) => {
      this.receive(from, JSON.parse(decoder.decode(payload)) as Message);
    });
  }

  private send(target: number, msg: Message): void {
    if (target === this.shard.id) queueMicrotask(() => this.receive(target, msg));
    else this.peers!.notify(target, NoticeTopic.blocking, encoder.encode(JSON.stringify(msg)));
  }

  private receive(from: number, msg: Message): void {
    switch (msg.t) {
      case "register":
        return this.register(from, msg.id, msg.token, msg.db, msg.keys);
      case "unregister": {
        const waiter = this.waiters.get(`${msg.id}.${msg.token}`);
        if (waiter) this.removeWaiter(waiter);
        return;
      }
      case "ready":
        return this.ready(from, msg.id, msg.token, msg.queue);
      case "done":
        return this.done(msg.id, msg.token, msg.queue, msg.served);
    }
  }

  // ---- home side ------------------------------------------------------------------------

  /** Block request.client until served, timed out, unblocked or gone. Resolves once its reply
   * (if any) has been written. */
  block(request: BlockRequest): Promise<void> {
    const { client } = request;
    const token = nextToken++;
    const owners = new Map<number, string[]>();
    for (const key of request.keys) {
      const owner = this.shard.ownerOf(key);
      const names = owners.get(owner) ?? [];
      if (!owners.has(owner)) owners.set(owner, names);
      names.push(latin1(key));
    }
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const end = (how: "timeout" | "error" | "gone" | "served") => {
        wait.finished = true;
        clearTimeout(timer);
        this.waits.delete(client.id);
        client.blocked = null;
        for (const owner of owners.keys()) {
          this.send(owner, { t: "unregister", id: client.id, token });
        }
        if (how !== "served") request.finish(how);
        resolve();
      };
      const later = (how: "timeout" | "error" | "gone") => {
        wait.chain = wait.chain.then(() => {
          if (!wait.finished) end(how);
        });
      };
      const wait: HomeWait = {
        token,
        request,
        chain: Promise.resolve(),
        finished: false,
        unblock: (how) => later(how),
        abort: () => later("gone"),
        end,
      };
      this.waits.set(client.id, wait);
      client.blocked = wait;
      for (const [owner, keys] of owners) {
        this.send(owner, { t: "register", id: client.id, token, db: request.db, keys });
      }
      // setTimeout's longest delay is 2^31-1 ms (about 24.8 days): longer waits are endless.
      if (request.timeoutMs > 0 && request.timeoutMs <= 0x7fffffff) {
        timer = setTimeout(() => later("timeout"), request.timeoutMs);
      }
    });
  }

  /** An owner says a key of this client's is ready: retry on it, then answer "done". */
  private ready(from: number, id: number, token: number, queue: string): void {
    const wait = this.waits.get(id);
    if (!wait || wait.token !== token) {
      return this.send(from, { t: "done", id, token, queue, served: false });
    }
    wait.chain = wait.chain.then(async () => {
      let served = false;
      if (!wait.finished) {
        try {
          served = await wait.request.retry(keyOfName(queue));
        } catch { /* the shards' replies were lost (shutdown): stay blocked */ }
      }
      this.send(from, { t: "done", id, token, queue, served });
      if (served) wait.end("served");
    });
  }

  // ---- owner side -----------------------------------------------------------------------

  private register(home: number, id: number, token: number, db: number, keys: string[]): void {
    const waiter: Waiter = { id, token, home, queues: [] };
    this.waiters.set(`${id}.${token}`, waiter);
    if (this.queues.size === 0) this.shard.writeObservers.push(this.observer);
    for (const text of keys) {
      const name = `${db}:${text}`;
      if (waiter.queues.includes(name)) continue; // BLPOP k k
      let queue = this.queues.get(name);
      if (!queue) {
        queue = { db, key: keyOfName(name), waiters: [], signalled: null, tried: new Set() };
        this.queues.set(name, queue);
      }
      queue.waiters.push(waiter);
      waiter.queues.push(name);
      // The key may have been filled after the client's attempt: look now.
      this.schedule(name);
    }
  }

  private removeWaiter(waiter: Waiter): void {
    this.waiters.delete(`${waiter.id}.${waiter.token}`);
    for (const name of waiter.queues) {
      const queue = this.queues.get(name);
      if (!queue) continue;
      const at = queue.waiters.indexOf(waiter);
      if (at >= 0) queue.waiters.splice(at, 1);
      queue.tried.delete(waiter);
      this.dropIfIdle(name, queue);
    }
    waiter.queues = [];
  }

  private dropIfIdle(name: string, queue: KeyQueue): void {
    if (queue.waiters.length || queue.signalled) return;
    this.queues.delete(name);
    if (this.queues.size === 0) {
      const at = this.shard.writeObservers.indexOf(this.observer);
      if (at >= 0) this.shard.writeObservers.splice(at, 1);
    }
  }

  /** A write on this shard: its keys with waiters get a fresh round (Redis's
   * signalKeyAsReady). Served after the command, never in the middle of it. */
  private observeWrite(ctx: CommandContext, spec: CommandSpec): void {
    const args = ctx.args;
    for (const i of keyIndexes(spec, args)) {
      if (i >= args.argc) continue;
      const name = queueName(ctx.client.db, args.bytes(i));
      const queue = this.queues.get(name);
      if (!queue) continue;
      queue.tried.clear();
      this.schedule(name);
    }
  }

  private schedule(name: string): void {
    if (this.scheduled.has(name)) return;
    this.scheduled.add(name);
    queueMicrotask(() => {
      this.scheduled.delete(name);
      this.advance(name);
    });
  }

  /** Signal the next untried waiter of a key that exists. */
  private advance(name: string): void {
    const queue = this.queues.get(name);
    if (!queue || queue.signalled) return;
    this.shard.keyspace.setClock(Date.now());
    if (!this.shard.keyspace.exists(queue.db, queue.key)) return;
    const next = queue.waiters.find((w) => !queue.tried.has(w));
    if (!next) return;
    queue.tried.add(next);
    queue.signalled = next;
    this.send(next.home, { t: "ready", id: next.id, token: next.token, queue: name });
  }

  private done(id: number, token: number, name: string, served: boolean): void {
    const queue = this.queues.get(name);
    if (queue?.signalled?.id === id && queue.signalled.token === token) queue.signalled = null;
    const waiter = this.waiters.get(`${id}.${token}`);
    if (served && waiter) this.removeWaiter(waiter);
    if (queue) {
      this.dropIfIdle(name, queue);
      this.advance(name);
    }
  }
}

const perShard = new WeakMap<Shard, Blocking>();

/** Called once per worker, before any connection: hears the other shards' notices. */
export function setUpBlocking(shard: Shard, peers: Peers | null): Blocking {
  const blocking = new Blocking(shard, peers);
  perShard.set(shard, blocking);
  return blocking;
}

export function blockingOf(shard: Shard): Blocking {
  return perShard.get(shard) ?? setUpBlocking(shard, null);
}
