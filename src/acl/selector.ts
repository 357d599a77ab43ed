// One ACL selector (Redis 7.0's aclSelector): which commands (a bitmap over the commands of
// commands.ts, plus "first-arg" exceptions like +select|0), which keys (glob patterns, each
// for reading, writing or both) and which channels. Users have a root selector and any
// number of extra "(...)" ones; a command is allowed when one selector allows it all.
import { latin1 } from "../protocol/bytes.ts";
import {
  ACL_COMMANDS,
  type AclCommand,
  aclCommandNamed,
  categoryBit,
  COMMAND_BITS,
  FUTURE_COMMANDS_BIT,
} from "./commands.ts";
import { splitArgs } from "../protocol/split_args.ts";

export const READ = 1, WRITE = 2, READ_WRITE = 3;

export interface KeyPattern {
  /** READ, WRITE or both. */
  perm: number;
  /** The pattern as latin1 text (bytes preserved), and as bytes for matching. */
  text: string;
  bytes: Uint8Array;
}

/** Why a rule was refused: Redis's errno, mapped to its message by ruleErrorText(). */
export type RuleError =
  | "ENOENT"
  | "EINVAL"
  | "EEXIST"
  | "EISDIR"
  | "ENODEV"
  | "EBADMSG"
  | "ECHILD";

const RULE_ERRORS: Record<RuleError, string> = {
  ENOENT: "Unknown command or category name in ACL",
  EINVAL: "Syntax error",
  EEXIST: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and " +
    "does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  EISDIR: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and " +
    "does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  ENODEV: "The password you are trying to remove from the user does not exist",
  EBADMSG: "The password hash must be exactly 64 characters and contain only lowercase " +
    "hexadecimal characters",
  ECHILD: "Allowing first-arg of a subcommand is not supported",
};

export function ruleErrorText(e: RuleError): string {
  return RULE_ERRORS[e];
}

export const encodeLatin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Redis's ACLStringHasSpaces: isspace() or NUL anywhere. */
export function hasSpaces(s: string): boolean {
  return /[\t\n\v\f\r \0]/.test(s);
}

export class Selector {
  allKeys = false;
  allChannels = false;
  /** ALLCOMMANDS flag: set by +@all, cleared by any command bit cleared. */
  allCommands = false;
  commands = new Uint8Array(COMMAND_BITS);
  /** Command id -> first arguments allowed although the command's bit is off. */
  firstArgs = new Map<number, string[]>();
  keys: KeyPattern[] = [];
  channels: string[] = [];

  constructor(readonly root: boolean) {}

  clone(): Selector {
    const s = new Selector(this.root);
    s.allKeys = this.allKeys;
    s.allChannels = this.allChannels;
    s.allCommands = this.allCommands;
    s.commands = this.commands.slice();
    for (const [id, args] of this.firstArgs) s.firstArgs.set(id, [...args]);
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channels = [...this.channels];
    return s;
  }

  mayRunFutureCommands(): boolean {
    return this.commands[FUTURE_COMMANDS_BIT] === 1;
  }

  setBit(id: number, on: boolean): void {
    this.commands[id] = on ? 1 : 0;
    if (!on) this.allCommands = false;
  }

  /** ACLChangeSelectorPerm: a command and, for a container, all its subcommands. */
  setCommand(cmd: AclCommand, on: boolean): void {
    this.setBit(cmd.id, on);
    this.firstArgs.delete(cmd.id);
    for (const sub of cmd.subcommands) this.setBit(sub.id, on);
  }

  setCategory(bit: number, on: boolean): void {
    for (const cmd of ACL_COMMANDS) if (cmd.categories & bit) this.setCommand(cmd, on);
  }

  /** ACLSetSelector: apply one rule; null on success, else why not. */
  apply(op: string): RuleError | null {
    const lower = op.toLowerCase();
    if (lower === "allkeys" || op === "~*") {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === "resetkeys") {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === "allchannels" || op === "&*") {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === "resetchannels") {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === "allcommands" || lower === "+@all") {
      this.commands.fill(1);
      this.allCommands = true;
      this.firstArgs.clear();
    } else if (lower === "nocommands" || lower === "-@all") {
      this.commands.fill(0);
      this.allCommands = false;
      this.firstArgs.clear();
    } else if (op[0] === "~" || op[0] === "%") {
      return this.addKeyPattern(op);
    } else if (op[0] === "&") {
      if (this.allChannels) return "EISDIR";
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return "EINVAL";
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.allChannels = false;
    } else if (op[0] === "+" && op[1] !== "@") {
      return this.allowCommand(op.slice(1));
    } else if (op[0] === "-" && op[1] !== "@") {
      const cmd = aclCommandNamed(op.slice(1));
      if (!cmd) return "ENOENT";
      this.setCommand(cmd, false);
    } else if ((op[0] === "+" || op[0] === "-") && op[1] === "@") {
      const bit = categoryBit(op.slice(2));
      if (!bit) return "ENOENT";
      this.setCategory(bit, op[0] === "+");
    } else {
      return "EINVAL";
    }
    return null;
  }

  private addKeyPattern(op: string): RuleError | null {
    if (this.allKeys) return "EEXIST";
    let perm = 0, offset = 1;
    if (op[0] === "%") {
      for (; offset < op.length; offset++) {
        const c = op[offset].toUpperCase();
        if (c === "R" && !(perm & READ)) perm |= READ;
        else if (c === "W" && !(perm & WRITE)) perm |= WRITE;
        else if (op[offset] === "~") {
          offset++;
          break;
        } else return "EINVAL";
      }
      if (!perm || offset === op.length) return "EINVAL";
    } else {
      perm = READ_WRITE;
    }
    const text = op.slice(offset);
    if (hasSpaces(text)) return "EINVAL";
    const existing = this.keys.find((k) => k.text === text);
    if (existing) existing.perm |= perm;
    else this.keys.push({ perm, text, bytes: encodeLatin1(text) });
    this.allKeys = false;
    return null;
  }

  /** +cmd, +container|sub, or +cmd|firstarg (Redis's deprecated first-arg form). */
  private allowCommand(name: string): RuleError | null {
    const bar = name.lastIndexOf("|");
    if (bar < 0) {
      const cmd = aclCommandNamed(name);
      if (!cmd) return "ENOENT";
      this.setCommand(cmd, true);
      return null;
    }
    const base = aclCommandNamed(name.slice(0, bar));
    const first = name.slice(bar + 1);
    if (!base) return "ENOENT";
    if (base.parent) return "ECHILD";
    if (first.length === 0) return "EINVAL";
    if (base.subcommands.length) {
      const sub = aclCommandNamed(name);
      if (!sub) return "ENOENT";
      this.setCommand(sub, true);
    } else {
      const allowed = this.firstArgs.get(base.id) ?? [];
      if (!allowed.some((a) => a.toLowerCase() === first.toLowerCase())) allowed.push(first);
      this.firstArgs.set(base.id, allowed);
    }
    return null;
  }

  /** A "(rule rule ...)" selector, or the first failing rule's error. */
  static fromOpSet(opset: string): Selector | RuleError {
    const s = new Selector(false);
    // Unbalanced quotes give Redis's sdssplitargs no words: an empty selector, no error.
    const ops = splitArgs(encodeLatin1(opset.slice(1, -1))) ?? [];
    for (const op of ops) {
      const err = s.apply(latin1(op));
      if (err) return err;
    }
    return s;
  }
}
