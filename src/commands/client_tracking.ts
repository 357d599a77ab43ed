// CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (Redis 7.0's networking.c clientCommand
// and tracking.c): the settings of src/tracking/tracking.ts, with Redis's checks in its order.
import type { CommandContext, CommandRow } from "./spec.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../protocol/errors.ts";
import { latin1 } from "../protocol/bytes.ts";
import { trackerOf } from "../tracking/tracking.ts";
import { askShards } from "./every_shard.ts";
import { onClientReset } from "./reset.ts";

// RESET turns tracking off (Redis's clearClientConnectionState).
onClientReset((client, shard) => trackerOf(shard).disable(client));

/** Does client `id` exist (on any shard)? Asked of its shard with CLIENT LIST ID. */
async function clientExists(ctx: CommandContext, id: number): Promise<boolean> {
  const home = (id - 1) % ctx.shard.count;
  if (id < 1 || !Number.isSafeInteger(id)) return false;
  if (home === ctx.shard.id || !ctx.cross) return ctx.shard.clients.has(id);
  const [reply] = await askShards(ctx, [home], ["client", "list", "id", String(id)].map(bytes));
  return !/^\$0\r\n|^=4\r\n/.test(latin1(reply));
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** stringCheckPrefix: one is a prefix of the other. */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

const overlapError = (what: string, a: Uint8Array, b: Uint8Array) =>
  `ERR Prefix '${latin1(a)}' overlaps with ${what} '${
    latin1(b)
  }'. Prefixes for a single client must not overlap.`;

async function tracking(ctx: CommandContext): Promise<void> {
  const { args, out, client } = ctx;
  let redirect = 0, bcast = false, optin = false, optout = false, noloop = false;
  const prefixes: Uint8Array[] = [];
  for (let j = 3; j < args.argc; j++) {
    const more = args.argc - 1 - j > 0;
    if (args.is(j, "redirect") && more) {
      j++;
      if (redirect !== 0) {
        return out.error("ERR A client can only redirect to a single other client");
      }
      const id = args.int(j);
      if (id === null) return out.error(ERR_NOT_INTEGER);
      redirect = id;
      if (!(await clientExists(ctx, id))) {
        return out.error("ERR The client ID you want redirect to does not exist");
      }
    } else if (args.is(j, "bcast")) bcast = true;
    else if (args.is(j, "optin")) optin = true;
    else if (args.is(j, "optout")) optout = true;
    else if (args.is(j, "noloop")) noloop = true;
    else if (args.is(j, "prefix") && more) prefixes.push(args.bytes(++j).slice());
    else return out.error(ERR_SYNTAX);
  }
  const tracker = trackerOf(ctx.shard);
  if (args.is(2, "off")) {
    tracker.disable(client);
    return out.ok();
  }
  if (!args.is(2, "on")) return out.error(ERR_SYNTAX);
  const state = client.tracking;
  if (!bcast && prefixes.length) {
    return out.error("ERR PREFIX option requires BCAST mode to be enabled");
  }
  if (state && state.bcast !== bcast) {
    return out.error(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, " +
        "and then re-enabling it with a different mode.",
    );
  }
  if (bcast && (optin || optout)) {
    return out.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
  }
  if (optin && optout) return out.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((optin && state?.optout) || (optout && state?.optin)) {
    return out.error(
      "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, " +
        "and then re-enabling it with a different mode.",
    );
  }
  if (bcast) {
    for (let i = 0; i < prefixes.length; i++) {
      for (const existing of state?.prefixes ?? []) {
        if (overlaps(existing, prefixes[i])) {
          return out.error(overlapError("an existing prefix", prefixes[i], existing));
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(prefixes[i], prefixes[j])) {
          return out.error(overlapError("another provided prefix", prefixes[i], prefixes[j]));
        }
      }
    }
  }
  tracker.enable(client, { bcast, optin, optout, noloop, redirect, prefixes });
  out.ok();
}

function caching(ctx: CommandContext): void {
  const { args, out } = ctx;
  const state = ctx.client.tracking;
  if (!state) {
    return out.error(
      "ERR CLIENT CACHING can be called only when the client is in tracking mode with " +
        "OPTIN or OPTOUT mode enabled",
    );
  }
  if (args.is(2, "yes")) {
    if (!state.optin) {
      return out.error(
        "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
      );
    }
  } else if (args.is(2, "no")) {
    if (!state.optout) {
      return out.error(
        "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
      );
    }
  } else return out.error(ERR_SYNTAX);
  state.caching = true;
  out.ok();
}

function getRedir(ctx: CommandContext): void {
  ctx.out.integer(ctx.client.tracking ? ctx.client.tracking.redirect : -1);
}

function trackingInfo(ctx: CommandContext): void {
  const { out } = ctx;
  const state = ctx.client.tracking;
  const flags = [state ? "on" : "off"];
  if (state?.bcast) flags.push("bcast");
  if (state?.optin) flags.push("optin", ...(state.caching ? ["caching-yes"] : []));
  if (state?.optout) flags.push("optout", ...(state.caching ? ["caching-no"] : []));
  if (state?.noloop) flags.push("noloop");
  if (state?.brokenRedirect) flags.push("broken_redirect");
  out.mapHeader(3);
  out.bulkText("flags");
  out.setHeader(flags.length);
  for (const f of flags) out.bulkText(f);
  out.bulkText("redirect");
  out.integer(state ? state.redirect : -1);
  out.bulkText("prefixes");
  const prefixes = state?.prefixes ?? [];
  out.arrayHeader(prefixes.length);
  for (const p of prefixes) out.bulk(p);
}

export const clientTrackingSubcommands: Record<string, CommandRow> = {
  tracking: { handler: tracking },
  caching: { handler: caching },
  getredir: { handler: getRedir },
  trackinginfo: { handler: trackingInfo },
};
