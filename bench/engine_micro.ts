// Micro benchmark of the Wasm keyspace engine through Keyspace (not a test):
// ns/op for SET (insert and overwrite), GET, INCR at N keys, bytes per key, the slowest
// single call while the table grows to N keys, FLUSHDB (sync and async) and a mass expiry
// of N keys through bounded activeExpire calls.
//
//   node_modules/.bin/deno run --allow-read bench/engine_micro.ts [--keys 1000000] [--keys 10000000] [--reserve]
//   node_modules/.bin/deno run --allow-read bench/engine_micro.ts --calls-only   (the last section)
//   node_modules/.bin/deno run --allow-read bench/engine_micro.ts --zset [--zset-members 1000000]
//     [--zadd-ops 200000] [--zrange-ops 200000]   (sorted sets only: the bench's ZADD and ZRANGE)
//
// --reserve pre-grows Wasm memory first (Keyspace.reserveMemory), as a server can at startup:
// V8 spends a few ms on each doubling of Wasm memory, which otherwise lands on some SET.
// Stalls are reported twice: wall time, and CPU-bound (min of wall and process CPU time), which
// leaves out the time this process was merely preempted on a busy machine.
//
// Keys are 16 bytes ("key:" + 12 digits), values 32 bytes, as in the memory target. Keys are
// written into one reused buffer, as the server hands over slices of its read buffer, so no
// JS allocation or GC is measured.
//
// The last section compares how a handler hands arguments to the engine and gets results
// back: views (args.bytes(i) in, a Uint8Array view out, ReplyWriter.bulk) against the zero-copy
// `...Arg` methods (argument indexes in, writeBulk / writeInteger out), on a request buffer laid
// out like RESP, and the cost of copying short arguments with a byte loop against subarray+set.
import process from "node:process";
import { parseArgs } from "node:util";
import { instantiateEngine, Keyspace, NOT_FOUND } from "../src/engine/keyspace.ts";
import { Args } from "../src/protocol/args.ts";
import { ReplyWriter } from "../src/protocol/reply_writer.ts";
import { BY_SCORE, zsetsOf } from "../src/engine/zset.ts";
import { argsOf } from "../src/commands/key_specs.ts";

const { values } = parseArgs({
  options: {
    keys: { type: "string", multiple: true },
    reserve: { type: "boolean", default: false },
    "calls-only": { type: "boolean", default: false },
    zset: { type: "boolean", default: false },
    "zset-members": { type: "string", default: "1000000" },
    "zadd-ops": { type: "string", default: "200000" },
    "zrange-ops": { type: "string", default: "200000" },
  },
});
const sizes = (values.keys ?? ["1000000"]).map(Number);

const KEY_DIGITS = 12;
const key = new TextEncoder().encode("key:" + "0".repeat(KEY_DIGITS));
const value = new Uint8Array(32).fill(0x61);
const one = new TextEncoder().encode("1");
const LAZY_FREE_SLOTS = 1024;
const EXPIRE_SAMPLES = 1000;

function writeKey(i: number): Uint8Array {
  for (let p = key.length - 1; p >= key.length - KEY_DIGITS; p--) {
    key[p] = 48 + (i % 10);
    i = Math.floor(i / 10);
  }
  return key;
}

/** A random permutation of 0..n-1, so reads hit the table in no particular order. */
function shuffled(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function nsPerOp(n: number, run: () => void): number {
  const start = performance.now();
  run();
  return ((performance.now() - start) * 1e6) / n;
}

async function benchAt(n: number) {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(Date.now());
  ks.scan(0, 0, 1);
  ks.exists(0, writeKey(0)); // scratch and output areas exist before the baseline
  const baseline = ks.memoryUsed();
  if (values.reserve) ks.reserveMemory(n * 100);

  // Growth to n keys, timing every call to find the worst stall.
  let worst = 0, worstAt = 0, over1ms = 0, worstCpuBound = 0, worstCpuBoundAt = 0;
  const insertStart = performance.now();
  for (let i = 0; i < n; i++) {
    writeKey(i);
    const cpuBefore = process.cpuUsage();
    const t = performance.now();
    ks.setString(0, key, value);
    const d = performance.now() - t;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuBound = Math.min(d, (cpu.user + cpu.system) / 1000);
    if (d > worst) worst = d, worstAt = i;
    if (cpuBound > worstCpuBound) worstCpuBound = cpuBound, worstCpuBoundAt = i;
    if (d > 1) over1ms++;
  }
  const instrumentedNs = ((performance.now() - insertStart) * 1e6) / n;
  const bytesPerKey = (ks.memoryUsed() - baseline) / n;

  // Insert throughput without per-call timing (memory has grown by now, as in a warm server).
  ks.flush(0);
  const insertNs = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) ks.setString(0, writeKey(i), value);
  });

  const order = shuffled(n);
  const keyOnly = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) writeKey(order[i]);
  });
  const get = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) {
      if (typeof ks.getString(0, writeKey(order[i])) === "number") throw new Error("missing key");
    }
  });
  const overwrite = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) ks.setString(0, writeKey(order[i]), value);
  });
  const incr = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) {
      if (typeof ks.incrBy(1, writeKey(order[i]), one) === "number") throw new Error("incr failed");
    }
  });
  const incrAgain = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) ks.incrBy(1, writeKey(order[i]), one);
  });

  const flushStart = performance.now();
  ks.flush(0);
  const flushMs = performance.now() - flushStart;
  // db 1 (the INCR keys) goes by FLUSHDB ASYNC: an O(1) call, then bounded lazy-free steps.
  const asyncStart = performance.now();
  ks.flushAsync(1);
  const asyncCallMs = performance.now() - asyncStart;
  let worstStep = 0;
  const lazyStart = performance.now();
  for (let more = 1; more > 0;) {
    const t = performance.now();
    more = ks.lazyFreeStep(LAZY_FREE_SLOTS);
    worstStep = Math.max(worstStep, performance.now() - t);
  }
  const lazyMs = performance.now() - lazyStart;

  // n keys expiring in the same ms, reclaimed by activeExpire calls of bounded size.
  const now = Date.now();
  ks.setClock(now);
  for (let i = 0; i < n; i++) ks.setString(2, writeKey(i), value, now + 1000);
  ks.setClock(now + 1001);
  let expireCalls = 0, worstExpire = 0;
  const expireStart = performance.now();
  while (ks.volatileCount(2) > 0) {
    const t = performance.now();
    ks.activeExpire(2, EXPIRE_SAMPLES);
    worstExpire = Math.max(worstExpire, performance.now() - t);
    expireCalls++;
  }
  const expireMs = performance.now() - expireStart;

  console.log(
    `--- ${n.toLocaleString("en")} keys (16 B keys, 32 B values)${
      values.reserve ? ", memory reserved" : ""
    } ---`,
  );
  console.log(`memory              ${bytesPerKey.toFixed(1)} bytes/key (memoryUsed)`);
  console.log(
    `SET growth pass     ${instrumentedNs.toFixed(0)} ns/op incl. per-call timing and CPU probes`,
  );
  console.log(
    `worst single SET    ${
      worst.toFixed(3)
    } ms wall (at key ${worstAt}); calls over 1 ms: ${over1ms}`,
  );
  console.log(`worst CPU-bound SET ${worstCpuBound.toFixed(3)} ms (at key ${worstCpuBoundAt})`);
  console.log(`key formatting only ${keyOnly.toFixed(0)} ns/op (included in the figures below)`);
  console.log(`SET insert          ${insertNs.toFixed(0)} ns/op (after FLUSHDB)`);
  console.log(`GET random          ${get.toFixed(0)} ns/op`);
  console.log(`SET overwrite       ${overwrite.toFixed(0)} ns/op`);
  console.log(`INCR new key        ${incr.toFixed(0)} ns/op`);
  console.log(`INCR existing       ${incrAgain.toFixed(0)} ns/op`);
  console.log(`FLUSHDB of n keys   ${flushMs.toFixed(1)} ms (synchronous, O(n) like Redis's)`);
  console.log(
    `mass expiry         ${
      expireMs.toFixed(0)
    } ms in ${expireCalls} activeExpire(${EXPIRE_SAMPLES}) calls, ` +
      `slowest ${worstExpire.toFixed(3)} ms`,
  );
  console.log(
    `FLUSHDB ASYNC       ${asyncCallMs.toFixed(3)} ms call, then ${lazyMs.toFixed(0)} ms of ` +
      `lazyFreeStep(${LAZY_FREE_SLOTS}) calls, slowest ${worstStep.toFixed(3)} ms`,
  );
}

// ---- argument passing: views vs argument indexes -------------------------------------------------

/** Few keys, so the figures show call overhead rather than cache misses (GET random above
 * shows those). */
const CALL_KEYS = 1_000;
const CALL_OPS = 2_000_000;
const CALL_ROUNDS = 5;

/** Args over one RESP-like buffer of `CALL_KEYS` "GET key" / "SET key value" commands, as the
 * parser leaves them; select(i) points the Args at command i. */
function requestArgs(withValue: boolean, valueBytes = 32) {
  const enc = new TextEncoder();
  let text = "";
  const starts: number[] = [];
  for (let i = 0; i < CALL_KEYS; i++) {
    const k = "key:" + String(i).padStart(12, "0");
    const head = `*${withValue ? 3 : 2}\r\n$3\r\n${withValue ? "SET" : "GET"}\r\n$${k.length}\r\n`;
    starts.push(text.length + head.length);
    text += head + k + "\r\n" +
      (withValue ? `$${valueBytes}\r\n${"v".repeat(valueBytes)}\r\n` : "");
  }
  const args = new Args();
  args.argBuf = enc.encode(text);
  args.argc = withValue ? 3 : 2;
  return {
    args,
    select(i: number) {
      args.argStart[1] = starts[i];
      args.argLen[1] = 16;
      if (withValue) {
        args.argStart[2] = starts[i] + 16 + 2 + 2 + String(valueBytes).length + 2;
        args.argLen[2] = valueBytes;
      }
    },
  };
}

/** Best of CALL_ROUNDS runs, in process CPU time (user + system): on a shared machine wall
 * time mostly measures the other processes. */
function bestNs(run: () => void): number {
  let best = Infinity;
  for (let r = 0; r < CALL_ROUNDS; r++) {
    const before = process.cpuUsage();
    run();
    const cpu = process.cpuUsage(before);
    best = Math.min(best, ((cpu.user + cpu.system) * 1000) / CALL_OPS);
  }
  return best;
}

async function benchCalls() {
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(Date.now());
  const out = new ReplyWriter();
  const order = shuffled(CALL_KEYS);
  const sets = requestArgs(true), gets = requestArgs(false), args = sets.args, getArgs = gets.args;
  for (let i = 0; i < CALL_KEYS; i++) {
    sets.select(i);
    ks.setStringArg(0, args, 1, 2);
  }
  const at = (i: number) => order[i % CALL_KEYS];
  const results: [string, number][] = [];
  const measure = (name: string, run: () => void) => results.push([name, bestNs(run)]);
  // Interleaved rounds: each variant sees the same machine noise.
  for (let pass = 0; pass < 2; pass++) {
    results.length = 0;
    measure("GET  views: getString(args.bytes(1)) + out.bulk", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        gets.select(at(i));
        if ((i & 1023) === 0) out.reset();
        const v = ks.getString(0, getArgs.bytes(1));
        if (typeof v !== "number") out.bulk(v);
        else if (v === NOT_FOUND) out.nullBulk();
      }
    });
    measure("GET  index: getStringArg(args, 1) + writeBulk", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        gets.select(at(i));
        if ((i & 1023) === 0) out.reset();
        const n = ks.getStringArg(0, getArgs, 1);
        if (n >= 0) ks.writeBulk(out, n);
        else if (n === NOT_FOUND) out.nullBulk();
      }
    });
    measure("SET  views: setString(args.bytes(1), args.bytes(2))", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        sets.select(at(i));
        ks.setString(0, args.bytes(1), args.bytes(2));
      }
    });
    measure("SET  index: setStringArg(args, 1, 2)", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        sets.select(at(i));
        ks.setStringArg(0, args, 1, 2);
      }
    });
    measure("INCR views: incrBy(args.bytes(1), ONE) + integerDigits", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        gets.select(at(i));
        if ((i & 1023) === 0) out.reset();
        const v = ks.incrBy(1, getArgs.bytes(1), one);
        if (typeof v !== "number") out.integerDigits(v);
      }
    });
    measure("INCR index: incrByNumberArg(args, 1, 1) + writeInteger", () => {
      for (let i = 0; i < CALL_OPS; i++) {
        gets.select(at(i));
        if ((i & 1023) === 0) out.reset();
        const n = ks.incrByNumberArg(1, getArgs, 1, 1);
        if (n >= 0) ks.writeInteger(out, n);
      }
    });
  }
  console.log(
    `--- argument passing (${CALL_KEYS.toLocaleString("en")} keys, best of ${CALL_ROUNDS} x ${
      CALL_OPS.toLocaleString("en")
    } calls, CPU time) ---`,
  );
  for (const [name, ns] of results) console.log(`${name.padEnd(58)} ${ns.toFixed(0)} ns/op`);

  // Copying argument bytes into Wasm memory: byte loop vs subarray + set, by length.
  const memory = ks.memoryBytes();
  const src = new Uint8Array(8192).map((_, i) => i);
  const line: string[] = [];
  for (const len of [8, 16, 32, 48, 64, 96, 128]) {
    const loop = bestNs(() => {
      for (let i = 0; i < CALL_OPS; i++) {
        const from = (i * 64) & 4095, to = 1024 + (i & 1023);
        for (let k = 0; k < len; k++) memory[to + k] = src[from + k];
      }
    });
    const set = bestNs(() => {
      for (let i = 0; i < CALL_OPS; i++) {
        const from = (i * 64) & 4095;
        memory.set(src.subarray(from, from + len), 1024 + (i & 1023));
      }
    });
    line.push(`${len} B: loop ${loop.toFixed(0)} / set ${set.toFixed(0)}`);
  }
  console.log(`copy into Wasm memory (ns): ${line.join(", ")}`);
}

/** Writes the decimal `v` into the last `digits` bytes of argument i. */
function setDigits(args: Args, i: number, v: number, digits: number): void {
  const end = args.argStart[i] + args.argLen[i];
  for (let p = end - 1; p >= end - digits; p--) {
    args.argBuf[p] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/**
 * The bench's sorted-set workloads in the engine alone (bench/workloads.ts): ZADD of a random
 * 12-digit score and member element:<random of n> into a set filled with the n members first
 * (mostly score updates, as once the bench's set has filled), then ZRANGE <random score> +inf
 * BYSCORE LIMIT 0 10 over it. For instruction counts under callgrind, run with 0 ops and with
 * K ops and divide the difference by K.
 */
async function benchZset() {
  const n = Number(values["zset-members"]), addOps = Number(values["zadd-ops"]);
  const rangeOps = Number(values["zrange-ops"]);
  const ks = new Keyspace(await instantiateEngine());
  ks.setClock(Date.now());
  const z = zsetsOf(ks);
  const words = (...list: string[]) => argsOf(list.map((w) => new TextEncoder().encode(w)));
  const zadd = words("ZADD", "myzset", "000000000000", "element:000000000000");
  const zrange = words("ZRANGE", "myzset", "000000000000", "+inf", "BYSCORE", "LIMIT", "0", "10");
  let s = 0x2545f491;
  const random = (below: number) => {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    return (s >>> 0) % below;
  };
  const score = [0];
  const add = (member: number) => {
    score[0] = random(n);
    setDigits(zadd, 3, member, 12);
    z.add(0, zadd, 1, 3, score, 0);
  };
  const baseline = ks.memoryUsed();
  const fillNs = nsPerOp(n, () => {
    for (let i = 0; i < n; i++) add(i);
  });
  const bytesPerMember = (ks.memoryUsed() - baseline) / n;
  const addNs = nsPerOp(Math.max(addOps, 1), () => {
    for (let i = 0; i < addOps; i++) add(random(n));
  });
  let emitted = 0;
  const rangeNs = nsPerOp(Math.max(rangeOps, 1), () => {
    for (let i = 0; i < rangeOps; i++) {
      const min = random(n);
      emitted += z.range(0, zrange, 1, BY_SCORE, 0, min, Infinity, 0, 10);
    }
  });
  console.log(
    `--- sorted set of ${n.toLocaleString("en")} members (element:<12 digits>, random scores) ---`,
  );
  console.log(`memory              ${bytesPerMember.toFixed(1)} bytes/member (memoryUsed)`);
  console.log(`ZADD new member     ${fillNs.toFixed(0)} ns/op (the fill)`);
  console.log(`ZADD random member  ${addNs.toFixed(0)} ns/op (${addOps} ops)`);
  console.log(
    `ZRANGE BYSCORE 10   ${rangeNs.toFixed(0)} ns/op (${rangeOps} ops, ${emitted} members)`,
  );
}

if (values.zset) await benchZset();
else {
  if (!values["calls-only"]) { for (const n of sizes) await benchAt(n); }
  await benchCalls();
}
