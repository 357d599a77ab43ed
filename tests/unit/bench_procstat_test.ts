// /proc parsing for the benchmark's server-side figures, on captured file contents, plus the
// live readers on this test process itself.
import assert from "node:assert/strict";
import {
  cpuTime,
  listeningInodes,
  machineCpu,
  parseProcStatCpu,
  parseVmRss,
  pidListeningOn,
  rssBytes,
  statUserSysTicks,
  sumSchedstat,
  threadCount,
} from "../../bench/procstat.ts";

Deno.test("bench procstat: utime+stime from /proc/PID/stat, names with spaces and parentheses", () => {
  const redis =
    "9037 (redis-server) S 1 9037 9037 0 -1 4194624 4904 0 0 0 73 156 0 0 20 0 5 0 264174 87449600 5217 18446744073709551615";
  assert.equal(statUserSysTicks(redis), 229);
  assert.equal(
    statUserSysTicks("12 (a b) c)) R 1 1 1 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 1 1 1 1"),
    15,
  );
  assert.equal(statUserSysTicks("garbage"), null);
});

Deno.test("bench procstat: schedstat lines summed over threads", () => {
  assert.equal(
    sumSchedstat("929545203 720172475 6056\n19146 8086 1\n13215 2257974 1\n"),
    929577564,
  );
  assert.equal(sumSchedstat(""), null);
});

Deno.test("bench procstat: VmRSS and listening sockets", () => {
  assert.equal(
    parseVmRss("Name:\tredis-server\nVmHWM:\t   20000 kB\nVmRSS:\t   12345 kB\nThreads:\t5\n"),
    12345 * 1024,
  );
  assert.equal(parseVmRss("Name:\tx\n"), null);
  const table =
    `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1EE7 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 88001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1EE7 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 88002 1 0000000000000000 20 4 30 10 -1
   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1571 1 0000000000000000 100 0 0 10 0`;
  assert.deepEqual(listeningInodes(table, 0x1EE7), ["88001"]); // the established one is not listening
  assert.deepEqual(listeningInodes(table, 2024), ["1571"]);
  assert.deepEqual(listeningInodes(table, 1), []);
});

Deno.test("bench procstat: live readers on this process", async () => {
  const before = cpuTime(Deno.pid);
  assert.ok(before && before.ns > 0);
  let x = 0;
  for (let i = 0; i < 2e7; i++) x += i % 7;
  assert.ok(x > 0);
  const after = cpuTime(Deno.pid)!;
  assert.ok(after.ns > before.ns, `${after.ns} > ${before.ns}`);
  assert.ok(rssBytes(Deno.pid)! > 1e6);
  assert.ok(threadCount(Deno.pid)! >= 1);
  assert.equal(cpuTime(999_999_999), null);
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.equal(pidListeningOn((l.addr as Deno.NetAddr).port), Deno.pid);
  } finally {
    l.close();
  }
  await Promise.resolve();
});

Deno.test("bench procstat: the machine's busy and idle time from /proc/stat", () => {
  const stat = "cpu  100 2 30 400 5 6 7 8 9 10\ncpu0 50 1 15 200 2 3 3 4 0 0\nintr 1\n";
  // busy: user + nice + system + irq + softirq + steal; idle: idle + iowait (ticks of 10 ms)
  assert.deepEqual(parseProcStatCpu(stat), { busyNs: 153 * 1e7, idleNs: 405 * 1e7 });
  assert.deepEqual(parseProcStatCpu("cpu  1 2 3 4\n"), { busyNs: 6 * 1e7, idleNs: 4 * 1e7 });
  assert.equal(parseProcStatCpu("cpu0 1 2 3 4\n"), null);
  assert.equal(parseProcStatCpu("cpu  1 x 3 4\n"), null);
  if (Deno.build.os === "linux") {
    const now = machineCpu()!;
    assert.ok(now.busyNs > 0 && now.idleNs >= 0);
  }
});
