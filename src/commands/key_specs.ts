// Where a command's keys are, from Redis 7's key specs (COMMAND INFO's 9th field), as
// COMMAND GETKEYS and GETKEYSANDFLAGS report them: a port of getKeysUsingKeySpecs (db.c).
// Commands whose specs can't say it all (incomplete or variable flags) fall back to the
// row's getKeys, as Redis falls back to the command's getkeys_proc.
import type { CommandSpec } from "./spec.ts";
import type { RedisCommandInfo, TypedValue } from "./meta.ts";
import { Args } from "../protocol/args.ts";
import { latin1 } from "../protocol/bytes.ts";

export interface KeySpec {
  flags: string[];
  begin:
    | { type: "index"; index: number }
    | { type: "keyword"; keyword: string; startfrom: number }
    | {
      type: "unknown";
    };
  find:
    | { type: "range"; lastkey: number; keystep: number; limit: number }
    | { type: "keynum"; keynumidx: number; firstkey: number; keystep: number }
    | { type: "unknown" };
}

/** One key: its argument index and its flags ("RW", "access", ...). */
export interface KeyRef {
  pos: number;
  flags: readonly string[];
}

function elements(v: TypedValue): TypedValue[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object" && "~" in v) return v["~"];
  return [];
}

function mapOf(v: TypedValue): Record<string, TypedValue> {
  const pairs = (v as { "%": TypedValue[] })["%"];
  const out: Record<string, TypedValue> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) out[pairs[i] as string] = pairs[i + 1];
  return out;
}

function decodeSpec(v: TypedValue): KeySpec {
  const m = mapOf(v);
  const flags = elements(m.flags).map((f) => (f as { "+": string })["+"]);
  const bs = mapOf(m.begin_search), bsSpec = mapOf(bs.spec);
  const fk = mapOf(m.find_keys), fkSpec = mapOf(fk.spec);
  const begin: KeySpec["begin"] = bs.type === "index"
    ? { type: "index", index: bsSpec.index as number }
    : bs.type === "keyword"
    ? { type: "keyword", keyword: bsSpec.keyword as string, startfrom: bsSpec.startfrom as number }
    : { type: "unknown" };
  const find: KeySpec["find"] = fk.type === "range"
    ? {
      type: "range",
      lastkey: fkSpec.lastkey as number,
      keystep: fkSpec.keystep as number,
      limit: fkSpec.limit as number,
    }
    : fk.type === "keynum"
    ? {
      type: "keynum",
      keynumidx: fkSpec.keynumidx as number,
      firstkey: fkSpec.firstkey as number,
      keystep: fkSpec.keystep as number,
    }
    : { type: "unknown" };
  return { flags, begin, find };
}

const specCache = new WeakMap<RedisCommandInfo, KeySpec[]>();

export function keySpecsOf(spec: CommandSpec): KeySpec[] {
  return keySpecsOfInfo(spec.info);
}

/** The key specs of any Redis command, served by IronCache or not (ACL DRYRUN). */
export function keySpecsOfInfo(info: RedisCommandInfo): KeySpec[] {
  let specs = specCache.get(info);
  if (!specs) specCache.set(info, specs = elements(info.raw[8]).map(decodeSpec));
  return specs;
}

/** Does the command take keys at all (Redis's doesCommandHaveKeys)? */
export function hasKeys(spec: CommandSpec): boolean {
  return spec.getKeys !== undefined || keySpecsOf(spec).some((s) => !s.flags.includes("not_key"));
}

const latin1Lower = (b: Uint8Array) => latin1(b).toLowerCase();

/** Redis's string2ll on an argument: an integer, or null. */
function toInteger(b: Uint8Array): number | null {
  const text = latin1(b);
  return /^(0|-?[1-9][0-9]*)$/.test(text) ? Number(text) : null;
}

/**
 * getKeysUsingKeySpecs: the keys of argv (argv[0] is the command name), or null when the
 * arguments don't fit the specs. `partial` skips the specs that don't fit instead.
 */
export function keysFromSpecs(
  specs: KeySpec[],
  argv: Uint8Array[],
  arity: number,
  partial = false,
): KeyRef[] | null {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const spec of specs) {
    if (spec.flags.includes("not_key")) continue;
    let first = 0;
    if (spec.begin.type === "index") {
      first = spec.begin.index;
    } else if (spec.begin.type === "keyword") {
      const { keyword, startfrom } = spec.begin;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 0) break;
        if (latin1Lower(argv[i]) === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword absent: this spec has no keys here
    } else {
      if (partial) continue;
      return null;
    }

    let last: number, step: number;
    const fk = spec.find;
    if (fk.type === "range") {
      step = fk.keystep;
      if (fk.lastkey >= 0) last = first + fk.lastkey;
      else if (!fk.limit) last = argc + fk.lastkey;
      else last = first + Math.trunc((argc - first) / fk.limit) + fk.lastkey;
    } else if (fk.type === "keynum") {
      step = fk.keystep;
      const numkeys = fk.keynumidx < argc && first + fk.keynumidx < argc
        ? toInteger(argv[first + fk.keynumidx])
        : null;
      if (numkeys === null || numkeys < 0) {
        if (partial) continue;
        return null;
      }
      first += fk.firstkey;
      last = first + numkeys - 1;
    } else {
      if (partial) continue;
      return null;
    }

    if (last >= argc || last < first || first >= argc) {
      if (partial) continue;
      return null;
    }
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) {
        // Only commands of variable arity get here: their handler reports the error.
        if (arity < 0) continue;
        return null;
      }
      keys.push({ pos: i, flags: spec.flags });
    }
  }
  return keys;
}

/** Builds an Args over a list of arguments (for a row's getKeys). */
export function argsOf(argv: Uint8Array[]): Args {
  const args = new Args();
  const total = argv.reduce((n, a) => n + a.length, 0);
  args.argBuf = new Uint8Array(total);
  args.argStart = new Int32Array(Math.max(16, argv.length));
  args.argLen = new Int32Array(Math.max(16, argv.length));
  let at = 0;
  argv.forEach((a, i) => {
    args.argBuf.set(a, at);
    args.argStart[i] = at;
    args.argLen[i] = a.length;
    at += a.length;
  });
  args.argc = argv.length;
  return args;
}

/** Key flags that depend on the arguments (Redis's getkeys_proc for VARIABLE_FLAGS specs). */
const VARIABLE_FLAGS: Record<string, (argv: Uint8Array[]) => string[]> = {
  // setGetKeys: with GET the old value is read too.
  set: (argv) =>
    argv.slice(3).some((a) => latin1Lower(a) === "get")
      ? ["RW", "access", "update"]
      : ["OW", "update"],
};

/**
 * The keys of a full command (argv[0] is its name, argv[1] the subcommand if any), with
 * their flags, as COMMAND GETKEYSANDFLAGS reports them; null when the arguments are invalid.
 */
export function commandKeys(spec: CommandSpec, argv: Uint8Array[]): KeyRef[] | null {
  const specs = keySpecsOf(spec);
  const specsFallShort = specs.some((s) =>
    s.flags.includes("incomplete") || s.flags.includes("variable_flags") ||
    s.begin.type === "unknown"
  );
  let keys: KeyRef[] | null;
  if (spec.getKeys && (specs.length === 0 || specsFallShort)) {
    // Positions from the row; flags from the spec that covers each one, if any.
    const known = keysFromSpecs(specs, argv, spec.arity, true) ?? [];
    const fallback = specs[0]?.flags ?? [];
    keys = spec.getKeys(argsOf(argv)).map((pos) => ({
      pos,
      flags: known.find((k) => k.pos === pos)?.flags ?? fallback,
    }));
  } else {
    keys = keysFromSpecs(specs, argv, spec.arity);
  }
  const variable = VARIABLE_FLAGS[spec.name];
  if (keys && variable) {
    const flags = variable(argv);
    keys = keys.map((k) => ({ pos: k.pos, flags }));
  }
  return keys;
}
