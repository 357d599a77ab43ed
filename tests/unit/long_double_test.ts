// The x87 long double emulation behind INCRBYFLOAT: fixed edge cases (expected texts taken
// from redis-server 7.0.15 on x86-64), then thousands of random sums compared with a live
// redis-server, whose INCRBYFLOAT is C's strtold + long double addition + "%.17Lf".
import assert from "node:assert/strict";
import {
  addLongDouble,
  formatLongDoubleHuman,
  parseLongDouble,
} from "../../src/commands/long_double.ts";
import { encodeCommand, RawConnection, startRedis } from "../helpers/servers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** INCRBYFLOAT's reply text for value + increment: the sum, or which error. */
function incrbyfloat(value: string | Uint8Array, increment: string | Uint8Array): string {
  const bytes = (s: string | Uint8Array) => typeof s === "string" ? encoder.encode(s) : s;
  const a = parseLongDouble(bytes(value));
  const b = parseLongDouble(bytes(increment));
  if (!a || !b) return "ERR value is not a valid float";
  const sum = addLongDouble(a, b);
  return sum.finite ? formatLongDoubleHuman(sum) : "ERR increment would produce NaN or Infinity";
}

const NOT_FLOAT = "ERR value is not a valid float";
const NOT_FINITE = "ERR increment would produce NaN or Infinity";

Deno.test("INCRBYFLOAT sums, as redis-server prints them", () => {
  const cases: [string, string, string][] = [
    ["10.5", "0.1", "10.6"],
    ["10.50", "0.1", "10.6"],
    ["10.6", "-5", "5.6"],
    ["3.0e3", "0", "3000"],
    ["5.0e3", "2.0e2", "5200"],
    ["8200", "1e-5", "8200.00000999999999962"],
    ["0", "1e-5", "0.00001"],
    ["0", "0.1", "0.1"],
    ["0.1", "0.2", "0.3"],
    ["1", "0.3333333333333333333", "1.33333333333333333"],
    ["0.12345678901234567", "0", "0.12345678901234567"],
    ["0.12345678901234567", "1.00000000000000001", "1.12345678901234568"],
    ["123456789012345678901234567890", "1", "123456789012345678899921813504"],
    ["9223372036854775807", "1", "9223372036854775808"],
    ["9223372036854775809", "-1e19", "-776627963145224191"],
    ["1e-18", "0", "0"],
    ["1e-17", "0", "0.00000000000000001"],
    ["-1e-20", "0", "0"],
    ["-0", "-0", "0"],
    ["-0.0", "0", "0"],
    ["-1.5", "-0.25", "-1.75"],
    ["1.", ".5", "1.5"],
    ["+.5", "+1", "1.5"],
    ["0x10", "0x1p3", "24"],
    ["-0X1.8P1", "0x.8", "-2.5"],
    ["0x1p-18", "0", "0.00000381469726562"], // an exact tie at 17 digits: to even
    ["0x3p-18", "0", "0.00001144409179688"],
    ["1e-4940", "-1e-4940", "0"],
    ["0e99999", "1", "1"],
    ["1e4932", "-1e4932", "0"],
  ];
  for (const [value, increment, expected] of cases) {
    assert.equal(incrbyfloat(value, increment), expected, `${value} + ${increment}`);
  }
});

Deno.test("INCRBYFLOAT of huge values prints every integer digit", () => {
  const text = incrbyfloat("1e300", "1e4000");
  assert.equal(text.length, 4000); // the long double nearest 1e4000 is just below it
  assert.ok(
    text.startsWith("99999999999999999999654638730996237849324925835069576313015083330432619"),
  );
  assert.equal(incrbyfloat("1.18973149535723176502e+4932", "0").length, 4933);
});

Deno.test("string2ld refuses what strtold would not consume whole, NaN, overflow, underflow to 0", () => {
  const invalid = [
    "",
    " 1",
    "1 ",
    "\t1",
    "abc",
    "1e",
    "1e+",
    ".",
    "-",
    "+",
    "e5",
    "0x",
    "0x1p",
    "0x.p1",
    "1,5",
    "1_0",
    "nan",
    "NaN",
    "-nan",
    "nan(1)",
    "infin",
    "1e5000",
    "-1e5000",
    "1e-5000",
    "1.2.3",
    "--1",
    "+-1",
    "0x1.8q",
    "١",
    "1e-4952",
    "1.18973149535723176508e+4932",
    "0." + "1".repeat(5118),
  ];
  for (const text of invalid) {
    assert.equal(parseLongDouble(encoder.encode(text)), null, JSON.stringify(text));
  }
  assert.equal(parseLongDouble(new Uint8Array([0x31, 0])), null);
  assert.ok(parseLongDouble(encoder.encode("0." + "1".repeat(5117)))); // 5119 bytes: allowed
  assert.ok(parseLongDouble(encoder.encode("3.6451995318824746025e-4951"))); // smallest subnormal
  assert.ok(parseLongDouble(encoder.encode("1.18973149535723176502e+4932"))); // largest finite
});

Deno.test("infinity parses but no sum with it is finite", () => {
  for (const inf of ["inf", "-inf", "Infinity", "-INFINITY", "+Inf"]) {
    assert.equal(incrbyfloat("1", inf), NOT_FINITE, inf);
    assert.equal(incrbyfloat(inf, "1"), NOT_FINITE, inf);
  }
  assert.equal(incrbyfloat("1e4932", "1e4932"), NOT_FINITE);
  assert.equal(incrbyfloat("-1.1e4932", "-1e4932"), NOT_FINITE);
  assert.equal(incrbyfloat("x", "inf"), NOT_FLOAT);
});

/** A deterministic generator of number texts, weighted toward the hard cases. */
function numberTexts(count: number, seed: number): string[] {
  let x = seed;
  const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const int = (n: number) => Math.floor(random() * n);
  const digits = (n: number) => Array.from({ length: n }, () => int(10)).join("");
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(16)]).join("");
  const forms: (() => string)[] = [
    () => digits(1 + int(20)),
    () => `${digits(int(6))}.${digits(int(20))}`,
    () => `${digits(1 + int(4))}e${["", "-", "+"][int(3)]}${int(5000)}`,
    () => `${digits(1 + int(3))}.${digits(int(3))}e-${4900 + int(60)}`,
    () => `0x${hex(1 + int(18))}p-${int(80)}`,
    () => `0.${"0".repeat(int(25))}${digits(1 + int(25))}`,
    () => `${digits(17)}.${digits(17)}`,
    () => `${digits(1 + int(3))}.${digits(16)}${["5", "49999", "50001"][int(3)]}`,
    () => (random() * 2 ** (int(140) - 70)).toPrecision(1 + int(21)),
    () => ["inf", "nan", "1e", ".", " 1", "-0", "1e-4950", "1e4932"][int(8)],
  ];
  return Array.from(
    { length: count },
    () => (int(3) === 0 ? "-" : "") + forms[int(forms.length)](),
  );
}

Deno.test({
  name: "random INCRBYFLOAT sums match redis-server",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const redis = await startRedis();
    const conn = await RawConnection.open(redis.port);
    try {
      const values = numberTexts(3000, 7);
      const increments = numberTexts(3000, 11);
      // SET then INCRBYFLOAT, pipelined in one write; the SET replies are skipped.
      const frames = values.flatMap((
        v,
        i,
      ) => [encodeCommand(["SET", "n", v]), encodeCommand(["INCRBYFLOAT", "n", increments[i]])]);
      const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      frames.reduce((at, f) => (all.set(f, at), at + f.length), 0);
      await conn.send(all);
      for (let i = 0; i < values.length; i++) {
        await conn.readReply();
        const reply = decoder.decode(await conn.readReply());
        const expected = reply[0] === "-"
          ? reply.slice(1, -2)
          : reply.slice(reply.indexOf("\r\n") + 2, -2);
        assert.equal(
          incrbyfloat(values[i], increments[i]),
          expected,
          `${values[i]} + ${increments[i]}`,
        );
      }
    } finally {
      conn.close();
      await redis.stop();
    }
  },
});
