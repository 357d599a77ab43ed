// The value types of the config table. Each parses like Redis 7.0's config.c (same accepted
// inputs, same error wording for CONFIG SET) and prints values the way CONFIG GET does.
import { humanBytes, memtoull, string2ll, strtollWhole } from "./redis-numbers.ts";
import { string2d } from "../protocol/numbers.ts";
import { asciiBytes } from "../protocol/bytes.ts";
import { nearest } from "./nearest.ts";
import type { ConfigValue, ParseResult, ValueType } from "./types.ts";

const ok = (value: ConfigValue, text: string): ParseResult => ({ ok: true, value, text });
const fail = (redisError: string, why: string): ParseResult => ({ ok: false, redisError, why });
const plainRaw = (v: ConfigValue) => String(v);
/** A value quoted for a message: '12xb'. */
const q = (raw: string) => `'${raw}'`;

function rangeCheck(
  raw: string,
  n: bigint,
  min: bigint,
  max: bigint,
  unit = "",
): ParseResult | null {
  if (n >= min && n <= max) return null;
  return fail(
    `argument must be between ${min} and ${max} inclusive`,
    `${q(raw)} is out of range (${min}..${max}${unit})`,
  );
}

/** A Redis integer config (string2ll, then a bounds check). `clamp` mimics apply-time limits like hz's 1..500. */
export function intType(min: bigint, max: bigint, clamp?: [bigint, bigint]): ValueType {
  return {
    name: "integer",
    domain: `${min}..${max}`,
    toRaw: plainRaw,
    parse(raw) {
      let n = string2ll(raw);
      if (n === null) {
        return fail(
          "argument couldn't be parsed into an integer",
          `${q(raw)} is not an integer`,
        );
      }
      const bad = rangeCheck(raw, n, min, max);
      if (bad) return bad;
      if (clamp) n = n < clamp[0] ? clamp[0] : n > clamp[1] ? clamp[1] : n;
      return ok(Number(n), n.toString());
    },
  };
}

/** A Redis memory config: "100mb", "1gb", "1k" (=1000), "1kb" (=1024) or plain bytes; printed as bytes. */
export function sizeType(min: bigint, max: bigint): ValueType {
  return {
    name: "size",
    domain: min === 0n ? "bytes, or with k/kb/m/mb/g/gb" : `at least ${humanBytes(min)}`,
    toRaw: plainRaw,
    parse(raw) {
      const n = memtoull(raw);
      if (n === null) {
        return fail(
          "argument must be a memory value",
          `${q(raw)} is not a valid size (use bytes or a unit: 100mb, 1gb; 1k = 1000, 1kb = 1024)`,
        );
      }
      // Signed configs see values of 2^63 and above as negative, which fail the same check.
      return rangeCheck(raw, n, min, max, " bytes") ?? ok(Number(n), n.toString());
    },
  };
}

export const boolType: ValueType = {
  name: "yes/no",
  domain: "",
  toRaw: (v) => (v === true || v === "yes" ? "yes" : "no"),
  parse(raw) {
    const v = raw.toLowerCase();
    if (v === "yes" || v === "no") return ok(v === "yes", v);
    return fail("argument must be 'yes' or 'no'", `${q(raw)} must be yes or no`);
  },
};

export function enumType(values: readonly string[]): ValueType {
  return {
    name: "enum",
    domain: values.join("|"),
    toRaw: plainRaw,
    parse(raw) {
      const v = raw.toLowerCase();
      if (values.includes(v)) return ok(v, v);
      const guess = nearest(v, values);
      return fail(
        `argument(s) must be one of the following: ${values.join(", ")}`,
        `${q(raw)} is not one of ${values.join("|")}` +
          (guess ? ` (did you mean '${guess}'?)` : ""),
      );
    },
  };
}

/** Free text, optionally with a validator that returns [redisError, why] for bad values. */
export function stringType(
  validate?: (raw: string) => [string, string] | null,
  name = "string",
): ValueType {
  return {
    name,
    domain: "",
    toRaw: plainRaw,
    parse(raw) {
      const bad = validate?.(raw);
      return bad ? fail(...bad) : ok(raw, raw);
    },
  };
}

/** Redis's `dbfilename` rule: a bare file name. */
export const fileNameType = stringType(
  (raw) =>
    /[/\\]/.test(raw)
      ? [
        "dbfilename can't be a path, just a filename",
        `${q(raw)} must be a file name, not a path`,
      ]
      : null,
  "file name",
);

/** A directory that must exist; stored and printed as an absolute path (Redis chdirs and prints getcwd()). */
export const directoryType: ValueType = {
  name: "directory",
  domain: "existing directory",
  toRaw: plainRaw,
  parse(raw) {
    const abs = absolutePath(raw);
    try {
      if (Deno.statSync(abs).isDirectory) return ok(abs, abs);
      return fail("Not a directory", `${q(raw)} is not a directory`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return fail("No such file or directory", `${q(raw)}: no such directory`);
      }
      return fail(
        "Permission denied",
        `${q(raw)}: cannot access (${(e as Error).message})`,
      );
    }
  },
};

export function absolutePath(p: string): string {
  const joined = p.startsWith("/") ? p : `${Deno.cwd()}/${p}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** `bind`: up to 16 space-separated addresses; "" means none given. Stored as the joined string. */
export const addressListType: ValueType = {
  name: "addresses",
  domain: "space-separated list",
  multiWord: true,
  toRaw: plainRaw,
  parse(raw) {
    if (raw !== "" && raw.split(" ").length > 16) {
      return fail("Too many bind addresses specified.", "too many bind addresses (at most 16)");
    }
    return ok(raw, raw);
  },
};

/** `save`: "<seconds> <changes>" pairs, "" to disable; validated with strtoll like Redis 7.0. */
export const saveParamsType: ValueType = {
  name: "save schedule",
  domain: `"SECONDS CHANGES ..." or ""`,
  multiWord: true,
  toRaw: plainRaw,
  combine: (previous, next) => (next === "" || previous === "" ? next : `${previous} ${next}`),
  parse(raw) {
    const bad = fail(
      "Invalid save parameters",
      `${q(raw)} is not a save schedule (pairs of "SECONDS CHANGES", or "" to disable)`,
    );
    if (raw === "") return ok("", "");
    const words = raw.split(" "); // CONFIG SET splits on single spaces, so doubled spaces are invalid
    if (words.length % 2) return bad;
    const pairs: string[] = [];
    for (let i = 0; i < words.length; i += 2) {
      const seconds = strtollWhole(words[i]), changes = strtollWhole(words[i + 1]);
      if (seconds === null || changes === null || seconds < 1n || changes < 0n) return bad;
      pairs.push(`${seconds} ${BigInt.asIntN(32, changes)}`); // Redis keeps changes in an int
    }
    const text = pairs.join(" ");
    return ok(text, text);
  },
};

// notify-keyspace-events: Redis stores a bit set and prints it back in a canonical order.
const EVENT_CLASSES = "g$lshzxetd"; // the classes that 'A' stands for, in print order
const EVENT_CHARS = "Ag$lshzxeKEtmdn";

export const keyspaceEventsType: ValueType = {
  name: "event classes",
  domain: `characters of "${EVENT_CHARS}"`,
  toRaw: plainRaw,
  parse(raw) {
    for (const c of raw) {
      if (!EVENT_CHARS.includes(c)) {
        return fail(
          `Invalid event class character. Use '${EVENT_CHARS}'.`,
          `${q(raw)} has an invalid event class character '${c}' (use any of ${EVENT_CHARS})`,
        );
      }
    }
    const has = (c: string) => raw.includes(c) || (raw.includes("A") && EVENT_CLASSES.includes(c));
    // The value lists every class explicitly (easy to test with includes()); the text is Redis's
    // print form, where a full set becomes "A" and then hides 'n' (a Redis quirk kept on purpose).
    const value = [...EVENT_CLASSES, "n", "K", "E", "m"].filter(has).join("");
    const classes = [...EVENT_CLASSES].every(has)
      ? "A"
      : [...EVENT_CLASSES, "n"].filter(has).join("");
    const text = classes + [..."KEm"].filter(has).join("");
    return ok(value, text);
  },
};

/** Redis's %f with the trailing zeros (and a bare '.') trimmed: 99.9, 50, 1.5. */
export function trimmedDouble(x: number): string {
  return x.toFixed(6).replace(/\.?0+$/, "");
}

/** `latency-tracking-info-percentiles`: space-separated doubles within [0, 100] ("" = none). */
export const percentileListType: ValueType = {
  name: "percentiles",
  domain: "numbers within 0..100",
  multiWord: true,
  toRaw: plainRaw,
  parse(raw) {
    const words = raw === "" ? [] : raw.split(" ");
    const values: number[] = [];
    for (const w of words) {
      // string2d, as Redis reads each percentile: hex ("0x10") and "inf" are numbers too.
      const x = string2d(asciiBytes(w));
      if (x === null) {
        return fail(
          "Invalid latency-tracking-info-percentiles parameters",
          `${q(raw)} must be numbers separated by spaces`,
        );
      }
      if (x < 0 || x > 100) {
        return fail(
          "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
          `${q(w)} is not within 0..100`,
        );
      }
      values.push(x);
    }
    const text = values.map(trimmedDouble).join(" ");
    return ok(text, text);
  },
};

/** `metrics-addr`: "" or HOST:PORT (IPv6 hosts in brackets). */
export function metricsAddressProblem(raw: string): [string, string] | null {
  if (raw === "" || parseHostPort(raw)) return null;
  return [
    "argument must be HOST:PORT",
    `${q(raw)} is not HOST:PORT (e.g. 127.0.0.1:9121)`,
  ];
}

/** "127.0.0.1:9121" or "[::1]:9121" split; null when malformed. */
export function parseHostPort(raw: string): { hostname: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[3]) > 65535) return null;
  return { hostname: m[1] ?? m[2], port: Number(m[3]) };
}

/** Redis's getClientTypeByName for buffer limits ("master" is refused, "replica" prints "slave"). */
const LIMIT_CLASSES = new Map([["normal", 0], ["slave", 1], ["replica", 1], ["pubsub", 2]]);
const LIMIT_CLASS_NAMES = ["normal", "slave", "pubsub"];

/**
 * `client-output-buffer-limit`: "<class> <hard> <soft> <soft-seconds>" groups (updateClientOutputBufferLimit
 * of Redis 7.0), all checked before any applies. Relative: a value sets only the classes it
 * names, so the store parses it after the current text; printed as all three classes in bytes.
 */
export const outputBufferLimitsType: ValueType = {
  name: "buffer limits",
  domain: '"CLASS HARD SOFT SECONDS ..." (class: normal, replica, pubsub)',
  multiWord: true,
  relative: true,
  toRaw: plainRaw,
  parse(raw) {
    const words = raw === "" ? [] : raw.split(" "); // CONFIG SET splits on single spaces
    if (words.length % 4) {
      return fail(
        "Wrong number of arguments in buffer limit configuration.",
        `${q(raw)} must be groups of "CLASS HARD SOFT SECONDS"`,
      );
    }
    const limits = [["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"]];
    for (let i = 0; i < words.length; i += 4) {
      const cls = LIMIT_CLASSES.get(words[i].toLowerCase());
      if (cls === undefined) {
        return fail(
          "Invalid client class specified in buffer limit configuration.",
          `${q(words[i])} is not a client class (normal, replica, pubsub)`,
        );
      }
      const hard = memtoull(words[i + 1]), soft = memtoull(words[i + 2]);
      const seconds = strtollWhole(words[i + 3]);
      if (hard === null || soft === null || seconds === null || seconds < 0n) {
        return fail(
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
          `${
            q(words.slice(i, i + 4).join(" "))
          }: HARD and SOFT must be sizes, SECONDS a number >= 0`,
        );
      }
      limits[cls] = [hard.toString(), soft.toString(), seconds.toString()];
    }
    const text = limits.map((l, cls) => `${LIMIT_CLASS_NAMES[cls]} ${l.join(" ")}`).join(" ");
    return ok(text, text);
  },
};
