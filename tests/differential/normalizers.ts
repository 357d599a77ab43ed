// The ONLY allowed differences between redis-server and the target, as named normalizers.
// Each one rewrites a field that legitimately differs into a placeholder, on BOTH sides,
// before the bytes are compared. Keep this list short, and document each entry in README.md.
import type { Arg } from "./case.ts";
import { encodeFrame, nodeText, parseFrame, type RespNode, setNodeText } from "./resp.ts";

export interface Normalizer {
  name: string;
  /** Why this difference is allowed. */
  why: string;
  /** Upper-case command names whose replies it may rewrite. */
  commands: string[];
  /** Rewrites the parsed reply in place. */
  apply(reply: RespNode): void;
}

const PLACEHOLDER = "<normalized>";
/** The command name normalizers list for frames a session step reads without a command. */
export const PUSHED = "(PUSHED)";

/** The client-info-volatile-fields normalizer's fields, each "name=value" in a CLIENT INFO line. */
const CLIENT_VOLATILE_FIELDS =
  /(^|[ \n]|txt:)(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|rbs|rbp|tot-mem)=[^ \n]*/g;

export const NORMALIZERS: Normalizer[] = [
  {
    name: "hello-server-identity",
    why:
      "HELLO names the server, its version and the connection id; IronCache is not redis 7.0.15 " +
      "and numbers its clients its own way. The field names, their order and value types still count.",
    commands: ["HELLO"],
    apply: (reply) => maskMapValues(reply, new Set(["server", "version", "id"])),
  },
  {
    name: "info-version-lines",
    why: "INFO's redis_version line carries the server's own version number.",
    commands: ["INFO"],
    apply: (reply) => {
      if (!reply.payload) return;
      setNodeText(
        reply,
        nodeText(reply).replace(/^redis_version:[^\r\n]*/m, `redis_version:${PLACEHOLDER}`),
      );
    },
  },
  {
    name: "client-info-volatile-fields",
    why:
      "CLIENT INFO/LIST lines carry per-connection values: the client id, both addresses (their " +
      "ports), the socket descriptor, ages, and query/reply buffer sizes that IronCache does not " +
      "track like Redis. The field list, its order and every other value (name, flags, db, cmd, " +
      "user, resp...) still count.",
    commands: ["CLIENT"],
    apply: (reply) => {
      if (!reply.payload || !/^(txt:)?id=/.test(nodeText(reply))) return;
      setNodeText(reply, nodeText(reply).replace(CLIENT_VOLATILE_FIELDS, `$1$2=${PLACEHOLDER}`));
    },
  },
  {
    name: "acl-command-rule-order",
    why: "ACL LIST and ACL GETUSER describe command permissions as categories, then single " +
      "commands; Redis lists the single commands in its command hash table's order, which " +
      "changes from one redis-server process to the next. They are sorted on both sides; " +
      "the categories, their order and the set of single commands still count.",
    commands: ["ACL"],
    apply: (reply) =>
      forEachLeaf(reply, (leaf) => {
        const text = nodeText(leaf);
        if (/[+-]@all/.test(text)) setNodeText(leaf, text.replace(SINGLE_COMMAND_RULES, sortRules));
      }),
  },
  {
    name: "acl-log-volatile-fields",
    why: "ACL LOG entries carry the entry's age in seconds and the client's CLIENT INFO line: " +
      "the age is masked, and the line's per-connection fields as client-info-volatile-fields " +
      "does. Counts, reasons, contexts, objects, usernames and the other client fields count.",
    commands: ["ACL"],
    apply: (reply) => {
      for (const entry of reply.children ?? []) {
        maskMapValues(entry, new Set(["age-seconds"]));
        const kids = entry.children ?? [];
        for (let i = 0; i + 1 < kids.length; i += 2) {
          if (nodeText(kids[i]) === "client-info" && !kids[i + 1].children) {
            const info = nodeText(kids[i + 1]);
            setNodeText(kids[i + 1], info.replace(CLIENT_VOLATILE_FIELDS, `$1$2=${PLACEHOLDER}`));
          }
        }
      }
    },
  },
  {
    name: "monitor-line-volatile-fields",
    why: "A MONITOR line starts with the time the command ran and names the client by address " +
      "and port; the db, the address, the arguments (quoting, escaping, redaction) and which " +
      "commands are fed still count.",
    commands: [PUSHED],
    apply: (reply) => {
      if (reply.type !== "+") return;
      setNodeText(
        reply,
        nodeText(reply).replace(
          /^\d+\.\d{6} \[(\d+) ([^\]]*):\d+\] /,
          `${PLACEHOLDER} [$1 $2:${PLACEHOLDER}] `,
        ),
      );
    },
  },
  {
    name: "slowlog-volatile-fields",
    why: "SLOWLOG GET entries carry a server-wide id (it counts every command logged since the " +
      "server started, in earlier cases too), the time, the duration and the client's address " +
      "and port. The number of entries, their order, arguments (truncation and redaction " +
      "included) and client names still count.",
    commands: ["SLOWLOG"],
    apply: (reply) => {
      if (reply.type !== "*" || !reply.children) return;
      for (const entry of reply.children) {
        const fields = entry.children;
        if (entry.type !== "*" || fields?.length !== 6) continue;
        for (const i of [0, 1, 2, 4]) if (!fields[i].children) setNodeText(fields[i], PLACEHOLDER);
      }
    },
  },
];

/** The single-command rules after the category rules of one ACL rule list (selectors aside). */
const SINGLE_COMMAND_RULES = /((?:^|[ (])[+-]@all(?: [+-]@[a-z]+)*)((?: [+-][^@ ()][^ ()]*)+)/g;

function sortRules(_all: string, categories: string, singles: string): string {
  return categories + " " + singles.trim().split(" ").sort().join(" ");
}

function forEachLeaf(node: RespNode, visit: (leaf: RespNode) => void): void {
  if (node.children) node.children.forEach((c) => forEachLeaf(c, visit));
  else if (node.payload) visit(node);
}

/** The reply with every normalizer for this command applied (unchanged if none applies). */
export function normalizeReply(command: Arg[], reply: Uint8Array): Uint8Array {
  const name = commandName(command);
  const applicable = NORMALIZERS.filter((n) => n.commands.includes(name));
  if (applicable.length === 0) return reply;
  let tree: RespNode;
  try {
    tree = parseFrame(reply);
  } catch {
    return reply; // Not a well-formed frame: compare it verbatim, the mismatch will show.
  }
  for (const n of applicable) n.apply(tree);
  return encodeFrame(tree);
}

function commandName(command: Arg[]): string {
  const first = command[0];
  if (first === undefined) return "";
  return (typeof first === "string" ? first : new TextDecoder().decode(first)).toUpperCase();
}

/** In a map (RESP3 %) or a flat key/value array (RESP2 *), masks the values of the given keys. */
function maskMapValues(reply: RespNode, keys: Set<string>): void {
  if ((reply.type !== "%" && reply.type !== "*") || !reply.children) return;
  const kids = reply.children;
  for (let i = 0; i + 1 < kids.length; i += 2) {
    if (keys.has(nodeText(kids[i])) && !kids[i + 1].children) setNodeText(kids[i + 1], PLACEHOLDER);
  }
}

/**
 * For cases marked `unordered`: sorts the elements of every array, set or push reply made only
 * of scalars (so KEYS's array and the key list inside SCAN's reply, not SCAN's outer pair).
 */
export function sortUnordered(reply: Uint8Array): Uint8Array {
  let tree: RespNode;
  try {
    tree = parseFrame(reply);
  } catch {
    return reply;
  }
  const sortLeaves = (node: RespNode) => {
    const kids = node.children;
    if (!kids) return;
    kids.forEach(sortLeaves);
    if ("*~>".includes(node.type) && kids.every((k) => !k.children)) {
      const keyed = kids.map((k) => [encodeFrame(k), k] as const);
      keyed.sort((a, b) => compareBytes(a[0], b[0]));
      node.children = keyed.map(([, k]) => k);
    }
  };
  sortLeaves(tree);
  return encodeFrame(tree);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
