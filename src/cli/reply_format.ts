// Reply formatting, byte for byte like redis-cli 7.0 (redis-cli.c cliFormatReplyTTY and
// cliFormatReplyRaw). Output is built as a latin1 string (one char per byte) so binary
// payloads pass through untouched and "drop the last byte" stays a plain slice.
import type { RespReply } from "../protocol/resp_reader.ts";
import { cString, latin1 } from "../protocol/bytes.ts";
import { latin1Bytes } from "./bytes.ts";

/** redis-cli's human format: `(integer) 1`, `"quoted"`, `1) ...` numbered and indented. */
export function formatHuman(reply: RespReply): Uint8Array {
  return latin1Bytes(humanText(reply, ""));
}

/** redis-cli's --raw format, without the trailing command delimiter. */
export function formatRaw(reply: RespReply, bulkDelimiter: Uint8Array): Uint8Array {
  return latin1Bytes(rawText(reply, latin1(bulkDelimiter)));
}

/** redis-cli's special line for RESP3 client-tracking pushes, or null for other pushes. */
export function formatInvalidatePush(reply: RespReply): Uint8Array | null {
  if (reply.kind !== "push" || reply.items.length !== 2) return null;
  const [name, keys] = reply.items;
  if (name.kind !== "bulk" || !latin1(name.bytes).startsWith("invalidate")) return null;
  if (keys.kind !== "array" || keys.items.some((k) => k.kind !== "bulk")) return null;
  const quoted = keys.items.map((k) => `'${cString((k as { bytes: Uint8Array }).bytes)}'`);
  return latin1Bytes(`-> invalidate: ${quoted.join(", ")}\n`);
}

/** sdscatrepr: a double-quoted string with C escapes and \xNN for unprintable bytes. */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    const escape = SIMPLE_ESCAPES[b];
    if (escape) out += escape;
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  return out + '"';
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x5c: "\\\\",
  0x22: '\\"',
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x07: "\\a",
  0x08: "\\b",
};

const EMPTY_AGGREGATE: Record<string, string> = {
  array: "(empty array)\n",
  map: "(empty hash)\n",
  set: "(empty set)\n",
  push: "(empty push)\n",
};

// Index separators: `1)` for arrays and pushes, `1~` for sets, `1#` for maps.
const INDEX_SEPARATOR: Record<string, string> = { array: ")", push: ")", set: "~", map: "#" };

function humanText(r: RespReply, prefix: string): string {
  switch (r.kind) {
    // redis-cli prints errors and statuses with "%s", so they end at a NUL byte.
    case "error":
      return `(error) ${cString(r.bytes)}\n`;
    case "status":
      return `${cString(r.bytes)}\n`;
    case "integer":
      return `(integer) ${r.value}\n`;
    case "double":
      return `(double) ${r.text}\n`;
    case "bulk":
      return quoteBytes(r.bytes) + "\n";
    case "verbatim":
      return latin1(r.bytes) + "\n";
    case "nil":
      return "(nil)\n";
    case "boolean":
      return r.value ? "(true)\n" : "(false)\n";
    // redis-cli 7.0 aborts on big numbers ("Unknown reply type: 13"); later versions
    // print them with this prefix, which we follow.
    case "bignum":
      return `(big number) ${r.text}\n`;
    default:
      return aggregateText(r, prefix);
  }
}

function aggregateText(r: Extract<RespReply, { items: RespReply[] }>, prefix: string): string {
  if (r.items.length === 0) return EMPTY_AGGREGATE[r.kind];
  const isMap = r.kind === "map";
  const count = isMap ? r.items.length / 2 : r.items.length;
  const indexWidth = String(count).length;
  // Nested replies are indented by the width of "N) " at this level.
  const childPrefix = prefix + " ".repeat(indexWidth + 2);
  const separator = INDEX_SEPARATOR[r.kind];
  let out = "";
  for (let i = 0; i < r.items.length; i++) {
    const index = String((isMap ? i / 2 : i) + 1).padStart(indexWidth, " ");
    // The first entry follows the index the parent already printed on this line.
    out += `${i === 0 ? "" : prefix}${index}${separator} `;
    out += humanText(r.items[i], childPrefix);
    if (isMap) {
      const value = r.items[++i];
      out = out.slice(0, -1) + " => ";
      if (isMultiline(value)) out += "\n" + childPrefix; // keeps nested indexes aligned
      out += humanText(value, childPrefix);
    }
  }
  return out;
}

/** cliIsMultilineValueTTY: would humanText print this on more than one line? */
function isMultiline(r: RespReply): boolean {
  if (r.kind === "array" || r.kind === "set" || r.kind === "push") {
    return r.items.length > 1 || (r.items.length === 1 && isMultiline(r.items[0]));
  }
  if (r.kind === "map") {
    return r.items.length > 2 || (r.items.length === 2 && isMultiline(r.items[1]));
  }
  return false;
}

function rawText(r: RespReply, delimiter: string): string {
  switch (r.kind) {
    case "nil":
      return "";
    case "error":
      return latin1(r.bytes) + "\n";
    case "status":
    case "bulk":
    case "verbatim":
      return latin1(r.bytes);
    case "boolean":
      return r.value ? "(true)" : "(false)";
    case "integer":
      return String(r.value);
    case "double":
    case "bignum":
      return r.text;
    case "map": {
      const pairs: string[] = [];
      for (let i = 0; i < r.items.length; i += 2) {
        pairs.push(rawText(r.items[i], delimiter) + " " + rawText(r.items[i + 1], delimiter));
      }
      return pairs.join(delimiter);
    }
    default:
      return r.items.map((item) => rawText(item, delimiter)).join(delimiter);
  }
}
