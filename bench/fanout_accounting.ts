// Server CPU per delivered message in the PUBLISH-1000CH workload, split into user and system
// time per thread, for any server (IronCache or redis-server) already running: 1000 subscriber
// connections (one per channel, bench/subscribers.ts), then redis-benchmark publishing to random
// channels at the given pipeline, pinned to CPU 1. utime/stime and context switches of every
// thread come from /proc/PID/task before and after the measured run (clock ticks: size runs so
// the server spends a second or more). Counts, not timings, so a loaded machine still compares.
//   deno run -A bench/fanout_accounting.ts --port P --pid PID [--pipeline 16] [--requests 100000]
//     [--settle-ms N]
// For syscalls per message by kind, count them over the same run from outside, e.g.
//   perf stat -e 'syscalls:sys_enter_sendto,syscalls:sys_enter_write,...' -p PID
// started after "measuring" is printed (stdout) and stopped when the result is.
import { Subscribers } from "./subscribers.ts";
import { stringKey } from "./workloads.ts";
import { numberOption } from "./cli_options.ts";

const option = (name: string, fallback: number) => numberOption(Deno.args, name, fallback);
const PORT = option("--port", 6379);
const PID = option("--pid", 0);
const PIPELINE = option("--pipeline", 16);
const REQUESTS = option("--requests", 100_000);
const CLIENTS = option("--clients", 50);
/** For a profiled (slow) server: wait this long between "measuring" and the measured run, and
 * between "measured" (stop the profiler then) and closing the subscribers; deliveries count as
 * done after this long without one (e.g. `callgrind_control -i on PID` for a server run with
 * --instr-atstart=no). */
const SETTLE_MS = option("--settle-ms", 0);
const CHANNELS = 1000;
const TICK_US = 1e6 / 100; // USER_HZ

interface ThreadSample {
  name: string;
  userTicks: number;
  sysTicks: number;
  voluntary: number;
  involuntary: number;
}

function sampleThreads(pid: number): Map<string, ThreadSample> {
  const threads = new Map<string, ThreadSample>();
  for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/stat`);
      const status = Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/status`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const count = (name: string) =>
        Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)![1]);
      threads.set(entry.name, {
        name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        userTicks: Number(fields[11]),
        sysTicks: Number(fields[12]),
        voluntary: count("voluntary_ctxt_switches"),
        involuntary: count("nonvoluntary_ctxt_switches"),
      });
    } catch { /* the thread ended */ }
  }
  return threads;
}

async function publish(requests: number): Promise<void> {
  const args = ["-c", "1", "redis-benchmark", "-h", "127.0.0.1", "-p", String(PORT)];
  args.push("-c", String(CLIENTS), "-n", String(requests), "-P", String(PIPELINE), "-q");
  args.push("-r", String(CHANNELS), "PUBLISH", "key:__rand_int__", "v".repeat(32));
  const out = await new Deno.Command("taskset", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

if (PID <= 0) throw new Error("--pid PID of the server is required");
const subscribers = await Subscribers.open(
  { host: "127.0.0.1", port: PORT } as Parameters<typeof Subscribers.open>[0],
  { channels: CHANNELS, perChannel: 1 },
  stringKey,
);
const quietMs = Math.max(300, SETTLE_MS);
await publish(20_000); // warm-up (the JIT, the buffers)
await subscribers.settle(20_000, quietMs);
console.log("measuring");
if (SETTLE_MS > 0) await new Promise((r) => setTimeout(r, SETTLE_MS));
const before = sampleThreads(PID);
subscribers.delivered = 0;
await publish(REQUESTS);
await subscribers.settle(REQUESTS, quietMs);
const after = sampleThreads(PID);
const delivered = subscribers.delivered;
if (SETTLE_MS > 0) {
  console.log("measured");
  await new Promise((r) => setTimeout(r, SETTLE_MS));
}
subscribers.close();

const perMessage = (ticks: number) => (ticks * TICK_US / delivered).toFixed(2);
let user = 0, sys = 0, voluntary = 0, involuntary = 0;
const rows: string[] = [];
for (const [tid, t] of after) {
  const b = before.get(tid) ?? { userTicks: 0, sysTicks: 0, voluntary: 0, involuntary: 0 };
  const du = t.userTicks - b.userTicks, ds = t.sysTicks - b.sysTicks;
  [user, sys] = [user + du, sys + ds];
  voluntary += t.voluntary - b.voluntary;
  involuntary += t.involuntary - b.involuntary;
  if (du + ds > 0) {
    rows.push(`  thread ${tid} ${t.name}: user ${perMessage(du)} sys ${perMessage(ds)}`);
  }
}
console.log(
  `P${PIPELINE}: ${delivered} of ${REQUESTS} messages delivered; server CPU per message: ` +
    `user ${perMessage(user)} us, system ${perMessage(sys)} us, total ${
      perMessage(user + sys)
    } us; ` +
    `context switches per message: voluntary ${(voluntary / delivered).toFixed(3)}, ` +
    `involuntary ${(involuntary / delivered).toFixed(3)}`,
);
console.log(rows.join("\n"));
Deno.exit(0);
