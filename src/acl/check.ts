// May this user run this command with these arguments? Redis 7.0's ACLCheckAllUserCommandPerm:
// a selector allows a command when it allows the command (or its first argument), every key
// for the access the key spec declares (read for "access", write for insert/delete/update),
// and every channel it publishes or subscribes to. One allowing selector suffices.
import type { CommandSpec } from "../commands/spec.ts";
import { allCommands } from "../commands/registry.ts";
import { commandKeys, type KeyRef, keysFromSpecs, keySpecsOfInfo } from "../commands/key_specs.ts";
import { stringMatch } from "../commands/glob.ts";
import { cString, latin1 } from "../protocol/bytes.ts";
import { type AclCommand, aclCommandNamed } from "./commands.ts";
import { READ, type Selector, WRITE } from "./selector.ts";
import type { User } from "./user.ts";

/** Redis's ACL_DENIED_* order decides which denial is reported when all selectors deny. */
export const DENIED_CMD = 1, DENIED_KEY = 2, DENIED_CHANNEL = 4;

export interface Denial {
  reason: typeof DENIED_CMD | typeof DENIED_KEY | typeof DENIED_CHANNEL;
  /** The argument index of the denied key or channel (0 for a command). */
  index: number;
}

let served: Map<string, CommandSpec> | null = null;

/** The command IronCache serves under this name (for its key finder), if any. */
function servedSpec(fullName: string): CommandSpec | undefined {
  if (!served) {
    served = new Map();
    for (const spec of allCommands()) {
      served.set(spec.name, spec);
      for (const sub of spec.subcommands ?? []) served.set(sub.name, sub);
    }
  }
  return served.get(fullName);
}

const aclIds = new WeakMap<CommandSpec, AclCommand>();

/** The ACL view of a served command (its bit, categories, no-auth flag). */
export function aclCommandOf(spec: CommandSpec): AclCommand {
  let cmd = aclIds.get(spec);
  if (!cmd) aclIds.set(spec, cmd = aclCommandNamed(spec.name)!);
  return cmd;
}

/** Redis's getKeysFromCommandWithSpecs; invalid arguments give no keys (the command fails). */
function keysOf(cmd: AclCommand, argv: Uint8Array[]): KeyRef[] {
  const spec = servedSpec(cmd.fullName);
  const keys = spec
    ? commandKeys(spec, argv)
    : keysFromSpecs(keySpecsOfInfo(cmd.info), argv, cmd.info.arity);
  return keys ?? [];
}

/** Channel arguments checked by ACLs (Redis's commands_with_channels, unsubscribes aside). */
function channelsOf(
  cmd: AclCommand,
  argc: number,
): { from: number; to: number; pattern: boolean } | null {
  switch (cmd.fullName) {
    case "publish":
    case "spublish":
      return { from: 1, to: 1, pattern: false };
    case "subscribe":
    case "ssubscribe":
      return { from: 1, to: argc - 1, pattern: false };
    case "psubscribe":
      return { from: 1, to: argc - 1, pattern: true };
    default:
      return null;
  }
}

function keyAllowed(s: Selector, key: Uint8Array, flags: readonly string[]): boolean {
  let need = 0;
  if (flags.includes("access")) need |= READ;
  if (flags.includes("insert") || flags.includes("delete") || flags.includes("update")) {
    need |= WRITE;
  }
  return s.keys.some((p) => (p.perm & need) === need && stringMatch(p.bytes, key));
}

/** ACLCheckChannelAgainstList: a PSUBSCRIBE pattern must equal an allowed pattern. */
export function channelAllowed(s: Selector, channel: Uint8Array, isPattern: boolean): boolean {
  if (s.allChannels) return true;
  const text = latin1(channel);
  return s.channels.some((p) =>
    isPattern ? p === text : stringMatch(Uint8Array.from(p, (c) => c.charCodeAt(0)), channel)
  );
}

function checkSelector(
  s: Selector,
  cmd: AclCommand,
  argv: Uint8Array[],
  keys: () => KeyRef[],
): Denial | null {
  if (!s.allCommands && !cmd.noAuth && !s.commands[cmd.id]) {
    const allowed = s.firstArgs.get(cmd.id);
    const idx = cmd.parent ? 2 : 1;
    // Redis compares the first argument with strcasecmp: a NUL ends it.
    const first = argv.length > idx ? cString(argv[idx]).toLowerCase() : null;
    if (first === null || !allowed?.some((a) => a.toLowerCase() === first)) {
      return { reason: DENIED_CMD, index: 0 };
    }
  }
  if (!s.allKeys) {
    for (const k of keys()) {
      if (!keyAllowed(s, argv[k.pos], k.flags)) return { reason: DENIED_KEY, index: k.pos };
    }
  }
  const channels = s.allChannels ? null : channelsOf(cmd, argv.length);
  if (channels) {
    for (let i = channels.from; i <= channels.to; i++) {
      if (!channelAllowed(s, argv[i], channels.pattern)) {
        return { reason: DENIED_CHANNEL, index: i };
      }
    }
  }
  return null;
}

/** null when the user may run argv (argv[0] the command name); else the denial to report. */
export function checkCommand(user: User, cmd: AclCommand, argv: Uint8Array[]): Denial | null {
  let cached: KeyRef[] | null = null;
  const keys = () => cached ??= keysOf(cmd, argv);
  let worst: Denial = { reason: DENIED_CMD, index: 0 };
  for (const s of user.selectors) {
    const d = checkSelector(s, cmd, argv, keys);
    if (!d) return null;
    if (d.reason > worst.reason || (d.reason === worst.reason && d.index > worst.index)) worst = d;
  }
  return worst;
}

/** processCommand's NOPERM texts. */
export function deniedText(d: Denial, cmd: AclCommand): string {
  if (d.reason === DENIED_CMD) {
    return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
  }
  return d.reason === DENIED_KEY
    ? "NOPERM this user has no permissions to access one of the keys used as arguments"
    : "NOPERM this user has no permissions to access one of the channels used as arguments";
}
