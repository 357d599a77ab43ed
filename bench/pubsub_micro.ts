// In-process microbenchmark of PUBLISH fan-out without sockets (the PUBLISH-1000CH workload's
// JS path): 1000 subscriber connections, one channel each, and a publisher feeding pipelined
// PUBLISH to random channels through Connection, the hub and the subscribers' delivery
// writes (fake sockets: each write is counted and taken whole). Reports CPU ns per delivered
// message; run it under `valgrind --tool=callgrind` for instruction counts.
//   deno run -A bench/pubsub_micro.ts [--pipeline N] [--messages N] [--channels N] [--rounds N]
import process from "node:process";
import { Connection } from "../src/server/connection.ts";
import { Shard } from "../src/server/shard.ts";
import { createBatchExecutor } from "../src/server/executor.ts";
import { ConfigStore } from "../src/config/store.ts";
import { loadConfig } from "../src/config/load.ts";
import { createKeyspace } from "../src/engine/engine_module.ts";
import { FakeConn } from "./fake_conn.ts";
import { numberOption } from "./cli_options.ts";

const option = (name: string, fallback: number) => numberOption(Deno.args, name, fallback);
const PIPELINE = option("--pipeline", 16);
const MESSAGES = option("--messages", 100_000);
const CHANNELS = option("--channels", 1000);
const ROUNDS = option("--rounds", 3);
const enc = new TextEncoder();
const frame = (...a: string[]) =>
  `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join("");
const channel = (i: number) => `key:${String(i).padStart(12, "0")}`;

/** A subscriber's socket: SUBSCRIBE once, then no input until closed; counts frames written. */
class SubscriberConn extends FakeConn {
  frames = 0;
  private subscribed = false;
  private closeNow: (n: null) => void = () => {};
  constructor(private subscribe: Uint8Array) {
    super([], 0);
  }
  override read(buf: Uint8Array): Promise<number | null> {
    if (!this.subscribed) {
      this.subscribed = true;
      buf.set(this.subscribe);
      return Promise.resolve(this.subscribe.length);
    }
    return new Promise((resolve) => this.closeNow = resolve);
  }
  override write(b: Uint8Array): Promise<number> {
    for (const byte of b) if (byte === 0x2a) this.frames++; // one '*' per RESP2 frame header
    return super.write(b);
  }
  override close(): void {
    this.closeNow(null);
  }
}

const loaded = await loadConfig(["--shards", "1"], {});
const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(loaded));
shard.executeBatch = createBatchExecutor(shard);
const hooks = { isShuttingDown: () => false };

const subscribers: SubscriberConn[] = [];
const serving: Promise<void>[] = [];
for (let c = 0; c < CHANNELS; c++) {
  const conn = new SubscriberConn(enc.encode(frame("SUBSCRIBE", channel(c))));
  subscribers.push(conn);
  serving.push(new Connection(conn as unknown as Deno.TcpConn, shard, null, hooks).serve());
}
await new Promise((r) => setTimeout(r, 10));

function batches(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let k = 1;
  for (let b = 0; b < 1000; b++) {
    let s = "";
    for (let i = 0; i < PIPELINE; i++) {
      k = (k * 1103515245 + 12345) & 0x7fffffff;
      s += frame("PUBLISH", channel(k % CHANNELS), "x".repeat(32));
    }
    out.push(enc.encode(s));
  }
  return out;
}

async function run(messages: number): Promise<number> {
  const reads = Math.ceil(messages / PIPELINE);
  const before = subscribers.reduce((n, s) => n + s.frames, 0);
  const cpu0 = process.cpuUsage();
  await new Connection(
    new FakeConn(batches(), reads) as unknown as Deno.TcpConn,
    shard,
    null,
    hooks,
  )
    .serve();
  const count = () => subscribers.reduce((n, s) => n + s.frames, 0) - before;
  // The last deliveries' writes finish a few ticks later.
  for (let tick = 0; tick < 100 && count() < reads * PIPELINE; tick++) {
    await new Promise((r) => setTimeout(r, 0));
  }
  const cpu = process.cpuUsage(cpu0);
  const delivered = count();
  if (delivered !== reads * PIPELINE) {
    console.log(`only ${delivered} of ${reads * PIPELINE} messages were written`);
  }
  return ((cpu.user + cpu.system) * 1e3) / delivered;
}

await run(20_000); // warm up
for (let round = 0; round < ROUNDS; round++) {
  console.log(
    `round ${round}: PUBLISH to ${CHANNELS} channels, P${PIPELINE}: ${
      (await run(MESSAGES)).toFixed(0)
    } CPU ns per delivered message`,
  );
}
for (const s of subscribers) s.close();
await Promise.all(serving);
