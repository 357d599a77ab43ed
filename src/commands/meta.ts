// Redis's command metadata (src/commands/redis_commands.json, generated from a real
// redis-server by scripts/gen-command-meta.ts) and the encoder that replays it as RESP2 or
// RESP3. A typed value keeps the reply's exact types: a JSON string is a bulk string, a
// number an integer, {"+": s} a status, [..] an array, {"~": [..]} a set, {"%": [k, v, ..]}
// a map, null a null.
import type { ReplyWriter } from "../protocol/reply_writer.ts";
import data from "./redis_commands.json" with { type: "json" };

export type TypedValue =
  | string
  | number
  | null
  | TypedValue[]
  | { "+": string }
  | { "~": TypedValue[] }
  | { "%": TypedValue[] };

export function writeTyped(out: ReplyWriter, v: TypedValue): void {
  if (typeof v === "string") out.bulkText(v);
  else if (typeof v === "number") out.integer(v);
  else if (v === null) out.nullBulk();
  else if (Array.isArray(v)) {
    out.arrayHeader(v.length);
    for (const item of v) writeTyped(out, item);
  } else if ("+" in v) out.simple(v["+"]);
  else if ("~" in v) {
    out.setHeader(v["~"].length);
    for (const item of v["~"]) writeTyped(out, item);
  } else {
    out.mapHeader(v["%"].length / 2);
    for (const item of v["%"]) writeTyped(out, item);
  }
}

/** COMMAND INFO's ten fields for one command (or subcommand, "container|sub"). */
export interface RedisCommandInfo {
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  /** The whole typed COMMAND INFO entry, for replaying it exactly. */
  raw: TypedValue[];
  subcommands: RedisCommandInfo[];
}

/** The elements of an array or set value. */
function items(v: TypedValue): TypedValue[] {
  return Array.isArray(v) ? v : (v as { "~": TypedValue[] })["~"];
}

const setItems = (v: TypedValue) => items(v).map((x) => (x as { "+": string })["+"]);

function decode(raw: TypedValue[]): RedisCommandInfo {
  return {
    name: raw[0] as string,
    arity: raw[1] as number,
    flags: setItems(raw[2]),
    firstKey: raw[3] as number,
    lastKey: raw[4] as number,
    step: raw[5] as number,
    categories: setItems(raw[6]).map((c) => c.replace(/^@/, "")),
    raw,
    subcommands: items(raw[9]).map((s) => decode(s as TypedValue[])),
  };
}

const commands = data.commands as unknown as Record<string, TypedValue[]>;
const docs = data.docs as unknown as Record<string, TypedValue>;

/** Redis's metadata for a top-level command, or undefined if Redis has no such command. */
export function redisCommandInfo(name: string): RedisCommandInfo | undefined {
  const raw = commands[name];
  return raw ? decode(raw) : undefined;
}

/** Redis's COMMAND DOCS entry (a typed map) for a top-level command. */
export function redisCommandDocs(name: string): TypedValue | undefined {
  return docs[name];
}

export const REDIS_METADATA_SOURCE: string = data.source;

/** Every top-level command Redis has (ACL rules may name any of them). */
export function redisCommandNames(): string[] {
  return Object.keys(commands);
}
