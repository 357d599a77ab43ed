// Timeout arguments (Redis's getTimeoutFromObjectOrReply in milliseconds), shared by WAIT
// and CLIENT PAUSE.
import type { CommandContext } from "./spec.ts";
import { parseLongDouble } from "./long_double.ts";

/** getTimeoutFromObjectOrReply (milliseconds): the end time as epoch ms, 0 for "no
 * timeout", or null after writing the error. A time past 2^63 wraps into the past, as in C. */
export function timeoutArg(ctx: CommandContext, i: number, now = Date.now()): number | null {
  const t = ctx.args.int(i);
  if (t === null) {
    ctx.out.error("ERR timeout is not an integer or out of range");
    return null;
  }
  if (t < 0) {
    ctx.out.error("ERR timeout is negative");
    return null;
  }
  if (t === 0) return 0;
  return t + now > 9223372036854775807 ? -1 : t + now;
}

const LLONG_MAX = 9223372036854775807n;

/**
 * A blocking command's timeout in seconds (Redis 7.0's getTimeoutFromObjectOrReply,
 * UNIT_SECONDS): the wait in milliseconds, 0 for "forever", or null after writing the error.
 * Like Redis, the long double is multiplied by 1000 (rounded to 64 significant bits) and
 * rounded up; a result beyond the long long range (infinity too) becomes LLONG_MIN in C's
 * conversion, so it is "negative".
 */
export function blockingTimeoutArg(ctx: CommandContext, i: number): number | null {
  const value = parseLongDouble(ctx.args.bytes(i));
  if (value === null) {
    ctx.out.error("ERR timeout is not a float or out of range");
    return null;
  }
  let ms = value.finite ? millisecondsCeiled(value.mantissa, value.exponent, value.negative) : -1n;
  if (ms > LLONG_MAX) ms = -1n;
  if (ms < 0n) {
    ctx.out.error("ERR timeout is negative");
    return null;
  }
  return Number(ms);
}

/** ceill(mantissa × 2^exponent × 1000) with the product rounded to a long double first. */
function millisecondsCeiled(mantissa: bigint, exponent: number, negative: boolean): bigint {
  let significand = mantissa * 1000n;
  const excess = significand.toString(2).length - 64;
  if (excess > 0) {
    const half = 1n << BigInt(excess - 1), rest = significand & ((half << 1n) - 1n);
    significand >>= BigInt(excess);
    if (rest > half || (rest === half && (significand & 1n) === 1n)) significand++;
    exponent += excess;
  }
  // Up for a positive value, toward zero for a negative one.
  let ms: bigint;
  if (exponent >= 0) ms = significand << BigInt(exponent);
  else {
    const den = 1n << BigInt(-exponent);
    ms = negative ? significand / den : (significand + den - 1n) / den;
  }
  return negative ? -ms : ms;
}
