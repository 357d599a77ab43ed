// Protocol fuzzing, differential: random and mutated request bytes go to a real redis-server
// and to IronCache (2 shards) on fresh connections; each connection is half-closed after the
// input, so both servers answer every complete command and then close. The whole byte
// stream each sends back must be identical, and IronCache must still answer PING after.
import assert from "node:assert/strict";
import { type RunningServer, startIronCache, startRedis } from "../helpers/servers.ts";
// Mulberry32, seeded, so a failure can be replayed with FUZZ_SEED.
import { seededRandom as prng } from "../../bench/zipf.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 1_000_000);
const ROUNDS = Number(Deno.env.get("FUZZ_ROUNDS") ?? 300);

const enc = new TextEncoder();
const resp = (...args: string[]) =>
  `*${args.length}\r\n` + args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("");

// Commands both servers implement, deterministic replies only.
const SEEDS = [
  resp("PING"),
  resp("PING", "hi"),
  resp("ECHO", "x\r\ny"),
  resp("SET", "k", "v"),
  resp("GET", "k"),
  resp("SET", "n", "41"),
  resp("INCR", "n"),
  resp("INCRBY", "n", "-5"),
  resp("DECR", "n"),
  resp("DEL", "k", "n", "z"),
  resp("EXISTS", "k", "a", "b"),
  resp("SET", "k", "v", "NX"),
  resp("SET", "k", "v", "XX", "GET"),
  resp("SELECT", "3"),
  resp("DBSIZE"),
  resp("GET", "\x00\xff"),
  "PING\r\n",
  "SET a b\r\n",
  'ECHO "q\\x41"\r\n',
  "GET a\n",
  "\r\n",
  resp("NOSUCH", "a", "b"),
];

function mutate(rand: () => number, input: Uint8Array): Uint8Array {
  const bytes = [...input];
  const ops = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < ops && bytes.length; i++) {
    const at = Math.floor(rand() * bytes.length);
    switch (Math.floor(rand() * 7)) {
      case 0:
        bytes[at] = Math.floor(rand() * 256);
        break; // random byte
      case 1:
        bytes.splice(at, 1 + Math.floor(rand() * 4));
        break; // delete
      case 2:
        bytes.splice(
          at,
          0,
          ...enc.encode(
            ["\r\n", "*", "$", "-1", "0", "9999999999", "\0", " ", '"'][Math.floor(rand() * 9)],
          ),
        );
        break;
      case 3:
        bytes.splice(at, 0, ...bytes.slice(at, at + Math.floor(rand() * 12)));
        break; // duplicate
      case 4:
        bytes.length = at;
        break; // truncate
      case 5:
        bytes[at] = "0123456789"[Math.floor(rand() * 10)].charCodeAt(0);
        break; // digit
      default:
        bytes.splice(at, 0, ...enc.encode(SEEDS[Math.floor(rand() * SEEDS.length)])); // splice a frame in
    }
  }
  return Uint8Array.from(bytes);
}

function randomInput(rand: () => number): Uint8Array {
  const frames = Array.from(
    { length: 1 + Math.floor(rand() * 4) },
    () => SEEDS[Math.floor(rand() * SEEDS.length)],
  );
  const clean = enc.encode(frames.join(""));
  return rand() < 0.15
    ? Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))
    : mutate(rand, clean);
}

/** Send `input`, half-close, and collect everything the server sends until it closes. */
async function exchange(port: number, input: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    let off = 0;
    while (off < input.length) off += await conn.write(input.subarray(off));
    await conn.closeWrite();
    const chunks: number[] = [];
    const buf = new Uint8Array(65536);
    const deadline = Date.now() + 20_000; // generous: CI runs test files in parallel on 2 cores
    for (;;) {
      if (Date.now() > deadline) throw new Error("server neither replied nor closed within 20 s");
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(...buf.subarray(0, n));
    }
    return Uint8Array.from(chunks);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

async function flushAll(port: number): Promise<void> {
  await exchange(port, enc.encode(resp("FLUSHALL")));
}

const show = (b: Uint8Array) => JSON.stringify(new TextDecoder("latin1").decode(b));

Deno.test(`protocol fuzz: random and mutated frames give Redis's bytes (seed ${SEED})`, async () => {
  let redis: RunningServer | undefined, iron: RunningServer | undefined;
  try {
    [redis, iron] = await Promise.all([startRedis(), startIronCache(["--shards", "2"])]);
    const rand = prng(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const input = randomInput(rand);
      await Promise.all([flushAll(redis.port), flushAll(iron.port)]);
      const [expected, actual]: Uint8Array[] = await Promise.all([
        exchange(redis!.port, input),
        exchange(iron!.port, input),
      ]);
      assert.equal(
        show(actual),
        show(expected),
        `seed ${SEED} round ${round}: input ${show(input)}`,
      );
    }
    // Still alive and serving.
    assert.equal(
      show(await exchange(iron.port, enc.encode("PING\r\n"))),
      show(enc.encode("+PONG\r\n")),
    );
  } finally {
    await Promise.all([redis?.stop(), iron?.stop()]);
  }
});

Deno.test("a client that vanishes mid-pipeline or mid-frame costs nothing else", async () => {
  const iron = await startIronCache(["--shards", "2"]);
  try {
    for (let i = 0; i < 20; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: iron.port });
      await c.write(
        enc.encode(
          resp("SET", `k${i}`, "v").repeat(50) + "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$100\r\nabc",
        ),
      );
      c.close(); // reset with replies unread and a frame half sent
    }
    const big = await exchange(
      iron.port,
      enc.encode(resp("SET", "big", "x".repeat(4 << 20)) + resp("GET", "big").repeat(3)),
    );
    assert.equal(big.length, "+OK\r\n".length + 3 * ("$4194304\r\n".length + (4 << 20) + 2));
    assert.equal(
      new TextDecoder().decode(await exchange(iron.port, enc.encode(resp("EXISTS", "k0", "k19")))),
      ":2\r\n",
    );
  } finally {
    await iron.stop();
  }
});
