// Per-connection state that commands read and change (SELECT, HELLO, CLIENT SETNAME...).
import type { TrackingState } from "../tracking/tracking.ts";
import { ReplyWriter } from "../protocol/reply_writer.ts";
import type { ClientWatches, QueuedCommand, Transaction } from "./transaction.ts";

let nextClientId = 1;

/** Modes set by CLIENT subcommands (CLIENT REPLY, CLIENT NO-EVICT). */
export interface ClientModes {
  /** CLIENT REPLY OFF: no replies until CLIENT REPLY ON. */
  replyOff: boolean;
  /** CLIENT REPLY SKIP was the last command: the next command's reply is dropped. */
  skipNext: boolean;
  /** The reply of the command now running is dropped (it follows a SKIP). */
  skipThis: boolean;
  noEvict: boolean;
}

/** A push frame that encodes itself into a client's output (see Client.deliverPush). */
export interface PushMessage {
  encodeInto(out: ReplyWriter, resp: 2 | 3): void;
}

/** Encodes push messages for clients without a connection of their own (deliverPush). */
const pushScratch = new ReplyWriter(256);

/** Client ids are unique per process: each shard hands out ids from its own residue class. */
export function configureClientIds(shardId: number, shardCount: number): void {
  nextClientId = shardId + 1;
  idStep = shardCount;
}
let idStep = 1;

/** The shard whose connection a client id belongs to (ids are shard + 1 + k * shardCount). */
export function homeShardOf(id: number, shardCount: number): number {
  return (id - 1) % shardCount;
}

/** A client waiting in a blocking command (src/server/blocking.ts). */
export interface BlockedWait {
  /** CLIENT UNBLOCK: reply as on timeout, or with the UNBLOCKED error. */
  unblock(how: "timeout" | "error"): void;
  /** The client is gone (disconnect, CLIENT KILL): no reply, nothing left registered. */
  abort(): void;
}

export class Client {
  readonly id: number;
  db = 0;
  resp: 2 | 3 = 2;
  name: Uint8Array | null = null;
  /** Set by QUIT or a protocol error: close once the pending replies are written. */
  closeAfterReply = false;
  authenticated = true;
  user = "default";
  readonly createdAt = Date.now();
  lastCommandAt = Date.now();
  /** Last time the client sent anything (Redis's lastinteraction): the idle timeout uses it. */
  lastInteractionAt = Date.now();
  /** Lower-case name of the last command run, for CLIENT LIST's cmd= field. */
  lastCommand = "NULL";
  /** True while the stand-in client of a forwarded batch runs a command that IronCache itself
   * issued as a step of a cross-shard operation (cross_shard.ts), never for a client's own
   * command: e.g. DUMP then replies the engine's exact blob for RESTORE on another shard. */
  internal = false;
  /** Close this client's connection (after the reply being written, if any). Set by the
   * connection that owns the client. */
  kill: () => void = () => {};
  /** Send bytes to this client outside the request/reply cycle (pub/sub messages, a blocked
   * command's late reply, invalidations): placed in the output at once if the connection is
   * running commands, else written at the end of the event-loop turn (one write for all
   * the turn's deliveries) unless another write is in flight. The bytes are copied at once:
   * the caller may reuse them. Set by the connection; stand-in clients drop them. */
  deliver: (bytes: Uint8Array) => void = () => {};
  /** deliver() of a push message, which a connection encodes straight into its output (no
   * copy); a client without one gets the encoded bytes through deliver(). */
  deliverPush: (message: PushMessage) => void = (message) => {
    pushScratch.reset();
    message.encodeInto(pushScratch, this.resp);
    this.deliver(pushScratch.bytes());
    pushScratch.reset();
    pushScratch.shrinkIfIdle(64 * 1024);
  };
  /** Channels, patterns and shard channels subscribed to (src/pubsub): while not 0 a RESP2
   * client may run only the subscribe family, PING, QUIT and RESET. */
  subscriptions = 0;
  /** CLIENT TRACKING settings (src/tracking); null while tracking is off. */
  tracking: TrackingState | null = null;
  /** On a forwarded batch's stand-in client: the id of the client whose command runs, when
   * it was sent (while any client tracks); 0 otherwise. */
  callerId = 0;
  /** MULTI's queue (src/server/transaction.ts); null outside MULTI. */
  transaction: Transaction | null = null;
  /** True while EXEC runs the queued commands: blocking commands must not block then. */
  inTransaction = false;
  /** WATCHed keys; null when none. */
  watches: ClientWatches | null = null;
  /** Runs EXEC's queued commands and writes their replies as one array (set by the
   * connection, which routes each command as it would outside MULTI). */
  runQueued: (commands: QueuedCommand[]) => void | Promise<void> = () => {};
  /** Bytes delivered but not yet written to the socket (for output buffer limits). */
  pendingOutput = 0;
  /** Set while the client waits in a blocking command. */
  blocked: BlockedWait | null = null;
  /** Write the replies of the commands before the one running now, before it blocks (and
   * keep watching the socket while it waits). Set by the connection. */
  writeRepliesSoFar: () => Promise<void> = () => Promise.resolve();
  readonly modes: ClientModes = {
    replyOff: false,
    skipNext: false,
    skipThis: false,
    noEvict: false,
  };

  /** `id` is given only for internal stand-in clients (forwarded batches use 0). */
  constructor(readonly addr: string, readonly laddr: string, id?: number) {
    if (id !== undefined) {
      this.id = id;
    } else {
      this.id = nextClientId;
      nextClientId += idStep;
    }
  }
}
