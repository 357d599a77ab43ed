// In-process microbenchmark of the command path without sockets: a fake connection feeds
// pipelined batches of GET/SET (16 commands per read, like `-P 16`) through Connection,
// parser, table, handlers, the Wasm keyspace and the reply writer. Reports ns per command.
// `--lists`: LPUSH/LPOP of one list instead (redis-benchmark's `-t lpush,lpop`); `--sets`:
// SADD to one set and ZADD to one sorted set (`-t sadd` / `-t zadd`, 100000 members);
// `--hashes`: HSET to one hash (`-t hset`) and the bench's ZRANGE BYSCORE LIMIT 0 10 on a
// sorted set of 100000 members; `--zsets`: ZADD and ZRANGE exactly as `./ironcache bench` sends
// them with redis-benchmark (`ZADD myzset <rand> element:<rand>`, and `ZRANGE bench:zset <rand>
// +inf BYSCORE LIMIT 0 10` on a sorted set of 1000000 members `m:<i>` scored i; MICRO_KEYS
// changes the 1000000).
//   deno run -A bench/command_path_micro.ts [--pipeline N] [--lists|--sets|--hashes] [config flags, e.g.
//     --slowlog-log-slower-than -1] [--cpu-prof]
import process from "node:process";
import { Connection } from "../src/server/connection.ts";
import { Shard } from "../src/server/shard.ts";
import { createBatchExecutor } from "../src/server/executor.ts";
import { ConfigStore } from "../src/config/store.ts";
import { loadConfig } from "../src/config/load.ts";
import { createKeyspace } from "../src/engine/engine_module.ts";
import { FakeConn } from "./fake_conn.ts";

const argv = [...Deno.args];
const pipelineAt = argv.indexOf("--pipeline");
const PIPELINE = pipelineAt >= 0 ? Number(argv.splice(pipelineAt, 2)[1]) : 16;
const MODES = {
  strings: ["SET", "GET"],
  lists: ["LPUSH", "LPOP"],
  sets: ["SADD", "ZADD"],
  hashes: ["HSET", "ZRANGE"],
  zsets: ["ZADD-BENCH", "ZRANGE-BENCH"],
} as const;
const MODE = (Object.keys(MODES) as (keyof typeof MODES)[]).find((m) => argv.includes(`--${m}`)) ??
  "strings";
const KEYS = Number(Deno.env.get("MICRO_KEYS") ?? (MODE === "zsets" ? 1_000_000 : 100_000));
const configFlags = argv.filter((a) =>
  !["--cpu-prof", ...Object.keys(MODES).map((m) => `--${m}`)].includes(a)
);
// MICRO_BATCHES / MICRO_ROUNDS: smaller runs under callgrind (run twice with different
// MICRO_BATCHES and divide the difference in instructions by the difference in commands).
const BATCHES = Number(Deno.env.get("MICRO_BATCHES") ?? 40_000);
const ROUNDS = Number(Deno.env.get("MICRO_ROUNDS") ?? 3);
// MICRO_ONLY=write|read: the rounds run only that command (a count for GET alone, say).
const ONLY = Deno.env.get("MICRO_ONLY") ?? "";
const enc = new TextEncoder();
const frame = (...a: string[]) =>
  `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join("");
const key = (i: number) => `key:${String(i).padStart(12, "0")}`;
const value = "x".repeat(32);

type Kind =
  | "GET"
  | "SET"
  | "LPUSH"
  | "LPOP"
  | "SADD"
  | "ZADD"
  | "HSET"
  | "ZRANGE"
  | "ZADD-BENCH"
  | "ZRANGE-BENCH";
const ZRANGE_KEY = "bench:zset";
// redis-benchmark's __rand_int__ with -r: 12 digits, zero-padded.
const randInt = (k: number) => String(k).padStart(12, "0");
const commandFrame: Record<Kind, (k: number) => string> = {
  GET: (k) => frame("GET", key(k)),
  SET: (k) => frame("SET", key(k), value),
  LPUSH: () => frame("LPUSH", "mylist", value),
  LPOP: () => frame("LPOP", "mylist"),
  SADD: (k) => frame("SADD", "myset", `element:${k}`),
  ZADD: (k) => frame("ZADD", "myzset", String(k % 1000), `element:${k}`),
  HSET: (k) => frame("HSET", "myhash", `element:${k}`, value),
  ZRANGE: (k) =>
    frame("ZRANGE", ZRANGE_KEY, String(k).padStart(12, "0"), "+inf", "BYSCORE", "LIMIT", "0", "10"),
  // The score and the member are two draws: a member already there mostly gets a new score.
  "ZADD-BENCH": (k) =>
    frame("ZADD", "myzset", randInt(k), `element:${randInt((k * 31 + 5) % KEYS)}`),
  "ZRANGE-BENCH": (k) =>
    frame("ZRANGE", ZRANGE_KEY, randInt(k), "+inf", "BYSCORE", "LIMIT", "0", "10"),
};
// Distinct prepared batches (cycled): more for the zsets, so ZADD keeps adding and moving members.
const PREPARED = MODE === "zsets" ? 4000 : 1000;

function batches(kind: Kind): Uint8Array[] {
  const out: Uint8Array[] = [];
  let k = 0;
  for (let b = 0; b < PREPARED; b++) {
    let s = "";
    for (let i = 0; i < PIPELINE; i++, k = (k * 7 + 13) % KEYS) {
      s += commandFrame[kind](k);
    }
    out.push(enc.encode(s));
  }
  return out;
}

const loaded = await loadConfig(["--shards", "1", ...configFlags], {});
const shard = new Shard(0, 1, createKeyspace(), new ConfigStore(loaded));
shard.executeBatch = createBatchExecutor(shard);

// Each kind's batches are made once; a run goes on where the last one of its kind stopped, so
// the measured ZADDs are not the warm-up's again (those would change nothing).
const prepared = new Map<Kind, Uint8Array[]>();
const cursor = new Map<Kind, number>();
function nextBatches(kind: Kind, n: number): Uint8Array[] {
  let all = prepared.get(kind);
  if (!all) prepared.set(kind, all = batches(kind));
  const start = cursor.get(kind) ?? 0;
  cursor.set(kind, (start + n) % all.length);
  return start === 0 ? all : [...all.slice(start), ...all.slice(0, start)];
}

// MICRO_SYNC_DIR: for a count of the measured rounds alone under callgrind, the process makes
// DIR/ready and waits for DIR/go before them (`callgrind_control -z PID`, then `touch go`), and
// makes DIR/done and waits for DIR/go2 after them (`callgrind_control -d PID`).
const SYNC_DIR = Deno.env.get("MICRO_SYNC_DIR");
async function handshake(made: string, awaited: string): Promise<void> {
  if (!SYNC_DIR) return;
  await Deno.writeTextFile(`${SYNC_DIR}/${made}`, "");
  for (;;) {
    try {
      await Deno.stat(`${SYNC_DIR}/${awaited}`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function run(kind: Kind, n: number): Promise<number> {
  const conn = new FakeConn(nextBatches(kind, n), n);
  const c = new Connection(conn as unknown as Deno.TcpConn, shard, null, {
    isShuttingDown: () => false,
  });
  // Process CPU time, not wall time: on a shared machine waiting for a core is not our cost.
  const cpu0 = process.cpuUsage();
  await c.serve();
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1e3) / (n * PIPELINE);
}

const [write, read]: readonly [Kind, Kind] = MODES[MODE];
if ((read === "ZRANGE" || read === "ZRANGE-BENCH") && ONLY !== "write") {
  // The bench's fill: every keyspace member, its number as its score (bench/fill.ts).
  const member = read === "ZRANGE" ? key : (j: number) => `m:${j}`;
  const fill = [];
  for (let i = 0; i < KEYS; i += 100) {
    const pairs = [];
    for (let j = i; j < i + 100; j++) pairs.push(String(j), member(j));
    fill.push(enc.encode(frame("ZADD", ZRANGE_KEY, ...pairs)));
  }
  await new Connection(new FakeConn(fill, fill.length) as unknown as Deno.TcpConn, shard, null, {
    isShuttingDown: () => false,
  }).serve();
}
// Fill + warm up (each command counted: the JIT has compiled both before the rounds).
const WARMUP = Number(Deno.env.get("MICRO_WARMUP") ?? 10_000);
if (ONLY !== "read") await run(write, WARMUP);
if (ONLY !== "write") await run(read, WARMUP);
await handshake("ready", "go");
// MICRO_MARK=1: a Deno.loadavg() call (libc sysinfo) before each round, so that callgrind's
// --dump-before=sysinfo splits the counts by round (a steady round, without startup).
const MARK = Deno.env.get("MICRO_MARK") === "1";
for (let round = 0; round < ROUNDS; round++) {
  if (MARK) Deno.loadavg();
  const w = ONLY === "read" ? 0 : await run(write, BATCHES);
  const r = ONLY === "write" ? 0 : await run(read, BATCHES);
  console.log(
    `round ${round}: ${write} ${w.toFixed(0)} CPU ns/cmd, ${read} ${
      r.toFixed(0)
    } CPU ns/cmd (${PIPELINE} per read, ${MODE === "strings" ? `${KEYS} keys` : "one key each"})`,
  );
}
await handshake("done", "go2");
