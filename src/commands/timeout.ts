// Timeout arguments (Redis's getTimeoutFromObjectOrReply in milliseconds), shared by WAIT
// and CLIENT PAUSE.
import type { CommandContext } from "./spec.ts";

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
