// Shard-to-shard calls over MessagePorts. A call carries a whole batch of commands for the
// target shard (one message per target per read batch: a message costs ~20 us, a command
// inside it ~0.15 us), and its reply carries the replies in order.
//
// Batch layout: per command [u8 db][u8 resp][u32 frame length][RESP frame bytes].
// Reply layout: the replies back to back, plus an Int32Array of their end offsets.

export interface BatchReply {
  replies: Uint8Array;
  ends: Int32Array;
}

/** Runs a batch that another shard sent us (synchronously: the batch is atomic here). */
export type BatchExecutor = (batch: Uint8Array) => BatchReply;

interface Request {
  kind: "call";
  id: number;
  batch: Uint8Array;
}

interface Response {
  kind: "reply";
  id: number;
  replies: Uint8Array;
  ends: Int32Array;
}

export class Peers {
  private nextId = 1;
  private waiting = new Map<number, (reply: BatchReply) => void>();

  constructor(private ports: Map<number, MessagePort>, execute: BatchExecutor) {
    for (const port of ports.values()) {
      port.onmessage = (event: MessageEvent<Request | Response>) => {
        const msg = event.data;
        if (msg.kind === "call") {
          const { replies, ends } = execute(msg.batch);
          const response: Response = { kind: "reply", id: msg.id, replies, ends };
          port.postMessage(response, [replies.buffer, ends.buffer]);
        } else {
          const resolve = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          resolve?.({ replies: msg.replies, ends: msg.ends });
        }
      };
    }
  }

  /** Send a batch to shard `target` and resolve with its replies. The batch is transferred:
   * pass a buffer the caller no longer uses. */
  call(target: number, batch: Uint8Array): Promise<BatchReply> {
    const port = this.ports.get(target);
    if (!port) throw new Error(`no link to shard ${target}`);
    const id = this.nextId++;
    const request: Request = { kind: "call", id, batch };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      port.postMessage(request, [batch.buffer]);
    });
  }

  close(): void {
    for (const port of this.ports.values()) port.close();
  }
}
