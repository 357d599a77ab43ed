// In-process microbenchmark of cross-shard forwarding without sockets: two shard workers
// linked by the real rings (shard_link.ts) and Peers; shard 0 serves fake pipelined
// connections (like command_path_micro.ts) whose SETs/GETs go to keys owned by shard 0
// ("local"), by shard 1 ("remote") or by either ("mixed", what --shards 2 sees). Reports the
// CPU time of each worker thread per command (utime+stime from /proc/thread-self/stat),
// so the cost of a forwarded command shows apart from network and machine noise.
//   deno run -A bench/forwarding_micro.ts [--pipeline N] [--connections N] [--data-size N]
//     [--placement local,mixed,remote] [--kind SET,GET]   (FWD_BATCHES=N: reads per cell;
//     FWD_WARMUP=N: reads per warm-up cell; FWD_ROUNDS=N; FWD_KEYS=N, FWD_INPUTS=N: keys and
//     distinct reads, fewer for a quicker start under callgrind)
import { numberOption } from "./cli_options.ts";
import { Connection } from "../src/server/connection.ts";
import { Shard } from "../src/server/shard.ts";
import { createBatchExecutor } from "../src/server/executor.ts";
import { type LinkRings, Peers } from "../src/server/peers.ts";
import { createRing, ringCapacity } from "../src/server/shard_link.ts";
import { ConfigStore } from "../src/config/store.ts";
import { loadConfig } from "../src/config/load.ts";
import { createKeyspace } from "../src/engine/engine_module.ts";
import { keyHashSlot, slotOwner } from "../src/cluster/slot.ts";
import { FakeConn } from "./fake_conn.ts";

type Placement = "local" | "remote" | "mixed";
interface Init {
  id: number;
  rings: LinkRings;
  pipeline: number;
  connections: number;
  dataSize: number;
}
type Request =
  | { run: Placement; kind: "SET" | "GET"; batches: number }
  | { cpu: true }
  | { close: true };

const KEYS = Number(Deno.env.get("FWD_KEYS") ?? 100_000);
/** Distinct prepared reads per placement and kind (fewer: a faster start under callgrind). */
const INPUTS = Number(Deno.env.get("FWD_INPUTS") ?? 500);
const BATCHES = Number(Deno.env.get("FWD_BATCHES") ?? 20_000);
/** Reads per warm-up cell and measured rounds (small values for runs under callgrind). */
const WARMUP = Number(Deno.env.get("FWD_WARMUP") ?? 4000);
const ROUNDS = Number(Deno.env.get("FWD_ROUNDS") ?? 3);
const enc = new TextEncoder();

/** CPU time of the calling thread in ns (Linux: utime + stime in clock ticks). */
function threadCpuNs(): number {
  const stat = Deno.readTextFileSync("/proc/thread-self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1e7; // 100 ticks per second
}

// (import.meta.main is true in a worker's entry module too.)
const inWorker = "WorkerGlobalScope" in globalThis;
if (!inWorker) await main();
else {
  const self = globalThis as unknown as {
    onmessage: (e: MessageEvent<Init | Request>) => void;
    postMessage(m: unknown): void;
    close(): void;
  };
  let worker: ShardWorker | null = null;
  self.onmessage = async (e) => {
    const msg = e.data;
    if ("rings" in msg) {
      worker = await ShardWorker.start(msg);
      self.postMessage({ ready: true });
    } else if ("cpu" in msg) self.postMessage({ cpu: threadCpuNs() });
    else if ("close" in msg) self.close(); // (ends cleanly, so --cpu-prof writes its profile)
    else self.postMessage({ cpu: await worker!.run(msg.run, msg.kind, msg.batches) });
  };
}

class ShardWorker {
  private constructor(private shard: Shard, private peers: Peers, private init: Init) {}

  static async start(init: Init): Promise<ShardWorker> {
    const loaded = await loadConfig(["--shards", "2"], {});
    const shard = new Shard(init.id, 2, createKeyspace(), new ConfigStore(loaded));
    shard.executeBatch = createBatchExecutor(shard);
    const peers = new Peers(new Map([[1 - init.id, init.rings]]), shard.executeBatch, shard.lock);
    return new ShardWorker(shard, peers, init);
  }

  /** Keys for `placement`, as seen from this shard. */
  private keys(placement: Placement): string[] {
    const keys: string[] = [];
    for (let i = 0; keys.length < KEYS; i++) {
      const key = `key:${String(i).padStart(12, "0")}`;
      const owner = slotOwner(keyHashSlot(enc.encode(key)), 2);
      if (
        placement === "mixed" || (placement === "local") === (owner === this.shard.id)
      ) keys.push(key);
    }
    return keys;
  }

  private built = new Map<string, Uint8Array[]>();

  /** The reads a connection gets (built once per placement and kind). */
  private inputs(placement: Placement, kind: "SET" | "GET"): Uint8Array[] {
    const name = `${placement} ${kind}`;
    let inputs = this.built.get(name);
    if (!inputs) this.built.set(name, inputs = this.build(placement, kind));
    return inputs;
  }

  private build(placement: Placement, kind: "SET" | "GET"): Uint8Array[] {
    const keys = this.keys(placement), value = "x".repeat(this.init.dataSize);
    const frame = (a: string[]) =>
      `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join("");
    const out: Uint8Array[] = [];
    let k = 0;
    for (let b = 0; b < INPUTS; b++) {
      let s = "";
      for (let i = 0; i < this.init.pipeline; i++, k = (k * 7 + 13) % KEYS) {
        s += frame(kind === "SET" ? ["SET", keys[k], value] : ["GET", keys[k]]);
      }
      out.push(enc.encode(s));
    }
    return out;
  }

  /** Serve `connections` fake clients of `batches` reads in all; returns this thread's CPU. */
  async run(placement: Placement, kind: "SET" | "GET", batches: number): Promise<number> {
    const inputs = this.inputs(placement, kind);
    const per = Math.ceil(batches / this.init.connections);
    const cpu0 = threadCpuNs();
    const serving: Promise<void>[] = [];
    for (let c = 0; c < this.init.connections; c++) {
      const conn = new FakeConn(inputs.slice((c * 37) % inputs.length), per);
      const connection = new Connection(conn as unknown as Deno.TcpConn, this.shard, this.peers, {
        isShuttingDown: () => false,
      });
      serving.push(connection.serve());
    }
    await Promise.all(serving);
    const cpu = threadCpuNs() - cpu0;
    if (Deno.env.get("FWD_STATS")) {
      const link = (this.peers as unknown as { linkList: { stats: object }[] }).linkList[0];
      console.error(`shard ${this.shard.id} ${placement} ${kind}: ${JSON.stringify(link.stats)}`);
    }
    return cpu;
  }
}

async function main(): Promise<void> {
  const argv = [...Deno.args];
  const option = (name: string, fallback: number) => numberOption(argv, name, fallback);
  const pipeline = option("--pipeline", 16);
  const connections = option("--connections", 50);
  const dataSize = option("--data-size", 32);
  const only = (name: string, all: string[]) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1].split(",") : all;
  };
  const placements = only("--placement", ["local", "mixed", "remote"]) as Placement[];
  const kinds = only("--kind", ["SET", "GET"]) as Array<"SET" | "GET">;
  const cap = ringCapacity(2), aToB = createRing(cap), bToA = createRing(cap);
  const workers = [0, 1].map(() => new Worker(import.meta.url, { type: "module" }));
  const ask = (w: Worker, m: Init | Request) =>
    new Promise<{ cpu: number }>((resolve) => {
      w.onmessage = (e) => resolve(e.data);
      w.postMessage(m);
    });
  const rings = [{ send: aToB, receive: bToA }, { send: bToA, receive: aToB }];
  await Promise.all(
    workers.map((w, id) => ask(w, { id, rings: rings[id], pipeline, connections, dataSize })),
  );
  // Both shards serve connections at once (as --shards 2 under load), or only shard 0 (the
  // owner shard then only runs forwarded batches, and every call has to wake it).
  const both = !argv.includes("--one-side");
  const measure = async (placement: Placement, kind: "SET" | "GET", batches: number) => {
    const cpu1 = both ? 0 : (await ask(workers[1], { cpu: true })).cpu;
    const run = { run: placement, kind, batches };
    const [a, b] = await Promise.all([
      ask(workers[0], run),
      both ? ask(workers[1], run) : Promise.resolve({ cpu: 0 }),
    ]);
    const other = both ? b.cpu : (await ask(workers[1], { cpu: true })).cpu - cpu1;
    const commands = batches * pipeline * (both ? 2 : 1);
    return { own: a.cpu / commands, other: other / commands };
  };
  await measure("mixed", "SET", WARMUP); // fill and warm up
  await measure("local", "SET", WARMUP);
  await measure("remote", "SET", WARMUP);
  console.log(
    `${connections} connections per shard ${
      both ? "on both shards" : "on shard 0 only"
    }, ${pipeline} commands per read, ${dataSize}-byte values; ` +
      `CPU ns per command: shard 0 + shard 1 = total`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const cells: string[] = [];
    for (const placement of placements) {
      for (const kind of kinds) {
        const r = await measure(placement, kind, BATCHES);
        cells.push(
          `${kind} ${placement} ${r.own.toFixed(0)}+${r.other.toFixed(0)}=${
            (r.own + r.other).toFixed(0)
          }`,
        );
      }
    }
    console.log(`round ${round}: ${cells.join(" | ")}`);
  }
  for (const w of workers) w.postMessage({ close: true });
}
