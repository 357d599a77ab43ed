// Lines up a BGSAVE's slow requests with what the server did meanwhile: the output of
// bench/rdb_snapshot.ts --trace-slow (requests over the idle p99.9, with the shard's and the
// client's scheduler clocks), the walk log (IRONCACHE_WALK_LOG: the shard's slices, its waits
// for the encoder, the encoder's chunks) and the server's `--trace-gc` lines (--server-log,
// with DENO_V8_FLAGS=--trace-gc,--expose-gc so the shard's isolate clock can be mapped).
//
//   node_modules/.bin/deno run -A bench/slow_requests.ts TRACE WALK_LOG SERVER_LOG
//
// Counts, per window, the requests over the idle p99 and over the idle p99.9 with each cause
// they had (one request may have several): the shard thread was runnable without a CPU for
// over half of it; the client's thread was; it overlapped a shard GC pause (its isolate's times
// are whole ms, so 1 ms of slack each side), a walk slice, an encoder chunk; or none of these.

const [tracePath, walkPath, serverLogPath] = Deno.args;
const SLACK_MS = 1;

interface Span {
  start: number;
  end: number;
  count: number;
}

/** The walk log's spans, by kind: the shard's slices and waits, the encoder's chunks. */
function readWalkLog(path: string) {
  const slices: Span[] = [], waits: Span[] = [], chunks: Span[] = [];
  const calibrations: number[] = [];
  let into = slices, encoder = false;
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    if (!line) continue;
    if (line.startsWith("#")) {
      encoder = line.startsWith("# encoder");
      const at = /gc-testing-at=([\d.]+)/.exec(line);
      if (at) calibrations.push(Number(at[1]));
      continue;
    }
    const [start, end, count] = line.split(" ").map(Number);
    into = encoder ? chunks : count < 0 ? waits : slices;
    into.push({ start, end, count });
  }
  return { slices, waits, chunks, calibrations };
}

/** The shard isolate's GC pauses in epoch ms (the k-th "testing" scavenge is calibration k). */
function readGcPauses(path: string, calibrations: number[]): Span[] {
  const pauses: Span[] = [];
  const re =
    /^\[\d+:(0x[0-9a-f]+)(?::\d+)?\]\s+(\d+) ms: .*?, ([\d.]+) \/ [\d.]+ ms .*\) ([^;()]+);\s*$/;
  let isolate = "", offset = NaN, k = 0;
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const m = re.exec(line);
    if (!m) continue;
    const [, address, ms, pause, reason] = m;
    if (reason === "testing" && k < calibrations.length) {
      isolate = address;
      offset = calibrations[k++] - Number(ms);
      continue;
    }
    if (address !== isolate || Number.isNaN(offset)) continue;
    const end = Number(ms) + offset;
    pauses.push({ start: end - Number(pause), end, count: Number(pause) });
  }
  return pauses;
}

const overlaps = (spans: Span[], from: number, to: number, slack = 0) =>
  spans.some((s) => s.start - slack < to && s.end + slack > from);

const walk = readWalkLog(walkPath);
const gcs = readGcPauses(serverLogPath, walk.calibrations);
console.log(
  `walk: ${walk.slices.length} slices, ${walk.waits.length} waits for the encoder, ` +
    `${walk.chunks.length} encoder chunks; shard GC pauses mapped: ${gcs.length}`,
);
/** Per window and tail ("> idle p99", "> idle p99.9"): requests, and how many had each cause. */
const tally = new Map<string, Map<string, number>>();
const count = (key: string, cause: string) => {
  const causes = tally.get(key) ?? new Map<string, number>();
  tally.set(key, causes);
  causes.set(cause, (causes.get(cause) ?? 0) + 1);
};
let p999 = Infinity;
for (const line of Deno.readTextFileSync(tracePath).split("\n")) {
  const header = /^# run \d+ .*p99\.9 (\d+)us/.exec(line);
  if (header) p999 = Number(header[1]);
  if (!line || line.startsWith("#")) continue;
  const [window, sendText, latencyText, , shardWaitText, , clientWaitText] = line.split(" ");
  const send = Number(sendText), latencyUs = Number(latencyText);
  const from = send, to = send + latencyUs / 1000;
  const causes = [
    Number(shardWaitText) > latencyUs / 2 ? "shard waited for a CPU" : "",
    Number(clientWaitText) > latencyUs / 2 ? "client waited for a CPU" : "",
    overlaps(gcs, from, to, SLACK_MS) ? "shard GC (+-1 ms)" : "",
    overlaps(walk.slices, from, to) ? "walk slice" : "",
    overlaps(walk.chunks, from, to) ? "encoder chunk" : "",
  ].filter(Boolean);
  for (
    const key of latencyUs > p999
      ? [`${window} > idle p99`, `${window} > idle p99.9`]
      : [`${window} > idle p99`]
  ) {
    count(key, "requests");
    for (const cause of causes) count(key, cause);
    if (causes.length === 0) count(key, "none of these");
  }
}
for (const [key, causes] of [...tally].sort()) {
  const parts = [...causes].filter(([c]) => c !== "requests").sort((a, b) => b[1] - a[1]);
  console.log(
    `${key}: ${causes.get("requests")} requests; ${parts.map(([c, n]) => `${c} ${n}`).join(", ")}`,
  );
}
