// RDB load on boot, IronCache vs redis-server on the same dump.rdb (written by redis-server):
// each server's own "DB loaded from disk: X seconds" log line, and the CPU (all threads,
// /proc) the process spent until it was ready minus what an empty start costs, i.e. the
// CPU of the load itself. Rounds alternate the servers; medians and ratios are printed with
// the load average.
//
//   node_modules/.bin/deno run -A bench/rdb_load.ts [--keys 1000000] [--rounds 3]
//     [--shards 1,2] [--datasets strings,mix] [--baseline /path/to/other/checkout]
//     [--policy allkeys-lru]
//
// --baseline also runs the `ironcache` launcher of another checkout (e.g. the code before a
// change) in the same rounds. --policy sets maxmemory-policy for the server that writes the file
// and the servers that load it: under an LRU or LFU policy every key carries an IDLE or FREQ
// record, which loading applies.
//
// strings: DEBUG POPULATE (key:N -> value:N). mix: 50% strings (some integers with a TTL,
// some LZF-compressed), 10% each small hashes, sets (some intsets), sorted sets, lists, plus
// a few large collections, so every common encoding is loaded.
import { cpuTime } from "./procstat.ts";
import { freePort } from "./servers.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const KEYS = Number(opt("keys", "1000000"));
const ROUNDS = Number(opt("rounds", "3"));
const SHARDS = opt("shards", "1,2").split(",").map(Number);
const DATASETS = opt("datasets", "strings,mix").split(",");
const repoRoot = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const BASELINE = opt("baseline", "");
const POLICY = ["--maxmemory-policy", opt("policy", "noeviction")];
/** Every server's flags but its own: a free port, no save points, `dir`, the policy. */
const common = (
  port: number,
  dir: string,
) => ["--port", `${port}`, "--save", "", "--dir", dir, ...POLICY];
const enc = new TextEncoder();
const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

interface Run {
  /** The server's own "DB loaded from disk" seconds (0 for an empty start). */
  seconds: number;
  /** CPU seconds of all its threads when it was ready. */
  cpu: number;
}

/** Starts a server in `dir`, waits for its ready line, and stops it. */
async function boot(label: string, dir: string): Promise<Run> {
  const port = freePort();
  const shards = Number(/shards (\d+)/.exec(label)?.[1] ?? 1);
  const [cmd, argv, ready] = label === "redis"
    ? ["redis-server", common(port, dir), /Ready to accept/]
    : [
      `${label.startsWith("baseline") ? BASELINE : repoRoot}/ironcache`,
      ["server", "--shards", `${shards}`, ...common(port, dir)],
      /ready: pid=/,
    ];
  const child = new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" }).spawn();
  let text = "";
  const dec = new TextDecoder();
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      for await (const chunk of stream) text += dec.decode(chunk);
    })();
  }
  const deadline = Date.now() + 600_000;
  while (!(ready as RegExp).test(text)) {
    if (Date.now() > deadline || /Fatal|Exiting/.test(text)) throw new Error(`${cmd}:\n${text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  // The launcher execs deno, so the child is the server itself.
  const cpu = (cpuTime(child.pid)?.ns ?? NaN) / 1e9;
  child.kill("SIGKILL");
  await child.status;
  const seconds = Number(/DB loaded from disk: ([\d.]+) seconds/.exec(text)?.[1] ?? 0);
  return { seconds, cpu };
}

/** RESP for the mix dataset's commands, in chunks. */
function* mixCommands(n: number): Generator<string> {
  let buf = "";
  const cmd = (...a: (string | number)[]) => {
    buf += `*${a.length}\r\n`;
    for (const x of a) buf += `$${enc.encode(String(x)).length}\r\n${x}\r\n`;
  };
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 5) cmd("SET", `str:${i}`, `value:${i}:${"x".repeat(i % 40)}`); // 21+ bytes: LZF
    else if (k === 5) {
      cmd("SET", `int:${i}`, i * 7);
      if (i % 20 === 5) cmd("PEXPIRE", `int:${i}`, 86_400_000 + i);
    } else if (k === 6) cmd("HSET", `hash:${i}`, "f1", `v${i}`, "f2", "abc", "f3", i);
    else if (k === 7) {
      if (i % 20 === 7) cmd("SADD", `set:${i}`, 1, 2, 3, i);
      else cmd("SADD", `set:${i}`, "a", "bb", `m${i}`);
    } else if (k === 8) cmd("ZADD", `zset:${i}`, 1, "one", 2.5, "two", i, `m${i}`);
    else cmd("RPUSH", `list:${i}`, "a", "b", i, `element-${i}`);
    if (buf.length > 1 << 20) {
      yield buf;
      buf = "";
    }
  }
  for (let j = 0; j < 10; j++) {
    const big = (prefix: string, pairs: boolean) =>
      Array.from({ length: 2000 }, (_, f) => pairs ? [f, `${prefix}${f}`] : [`${prefix}${f}`])
        .flat();
    cmd("HSET", `bighash:${j}`, ...big("field", false).flatMap((f) => [f, `value-${f}`]));
    cmd("SADD", `bigset:${j}`, ...big("member", false));
    cmd("ZADD", `bigzset:${j}`, ...big("member", true));
    cmd("RPUSH", `biglist:${j}`, ...big("item", false));
  }
  yield buf;
}

/** A dump.rdb of the dataset, written by redis-server into `dir`. */
async function makeDataset(name: string, dir: string): Promise<void> {
  const port = freePort();
  const server = new Deno.Command("redis-server", {
    args: [...common(port, dir), "--enable-debug-command", "yes"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const cli = (...a: string[]) =>
    new Deno.Command("redis-cli", { args: ["-p", `${port}`, ...a], stdout: "null" }).output();
  while (!(await cli("PING")).success) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  if (name === "strings") {
    await new Deno.Command("redis-cli", {
      args: ["-p", `${port}`, "DEBUG", "POPULATE", `${KEYS}`],
      stdout: "null",
    }).output();
  } else {
    const pipe = new Deno.Command("redis-cli", {
      args: ["-p", `${port}`, "--pipe"],
      stdin: "piped",
      stdout: "null",
    }).spawn();
    const writer = pipe.stdin.getWriter();
    for (const chunk of mixCommands(KEYS)) await writer.write(enc.encode(chunk));
    await writer.close();
    await pipe.status;
  }
  await cli("SAVE");
  server.kill("SIGKILL");
  await server.status;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const root = await Deno.makeTempDir({ prefix: "rdb-load-bench-" });
try {
  const empty = `${root}/empty`;
  await Deno.mkdir(empty);
  for (const dataset of DATASETS) {
    const dir = `${root}/${dataset}`;
    await Deno.mkdir(dir);
    await makeDataset(dataset, dir);
    const size = Deno.statSync(`${dir}/dump.rdb`).size;
    console.log(
      `\n${dataset}: ${KEYS} keys, ${(size / 1e6).toFixed(1)} MB; load average ${loadavg()}`,
    );
    const labels = [
      "redis",
      ...SHARDS.flatMap((s) => [
        `IronCache --shards ${s}`,
        ...(BASELINE ? [`baseline --shards ${s}`] : []),
      ]),
    ];
    const runs = new Map(labels.map((l) => [l, [] as Run[]]));
    const idle = new Map(labels.map((l) => [l, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const label of labels) {
        idle.get(label)!.push((await boot(label, empty)).cpu);
        const run = await boot(label, dir);
        runs.get(label)!.push(run);
        console.log(
          `  round ${round + 1} ${label}: ${run.seconds.toFixed(3)} s, CPU at ready ${
            run.cpu.toFixed(2)
          } s (load average ${loadavg()})`,
        );
      }
    }
    const redisSeconds = median(runs.get("redis")!.map((r) => r.seconds));
    const redisCpu = median(runs.get("redis")!.map((r) => r.cpu)) - median(idle.get("redis")!);
    for (const label of labels) {
      const seconds = median(runs.get(label)!.map((r) => r.seconds));
      const cpu = median(runs.get(label)!.map((r) => r.cpu)) - median(idle.get(label)!);
      console.log(
        `${dataset} ${label}: load median ${seconds.toFixed(3)} s (ratio ${
          (seconds / redisSeconds).toFixed(2)
        }), load CPU ${cpu.toFixed(2)} s (ratio ${(cpu / redisCpu).toFixed(2)})`,
      );
    }
  }
  console.log(`load average after: ${loadavg()}`);
} finally {
  await Deno.remove(root, { recursive: true });
}
