// An ACL user (Redis 7.0's user struct) and ACLSetUser: flags, password digests, the root
// selector and extra selectors. Passwords are kept only as SHA-256 hex digests.
import { createHash, timingSafeEqual } from "node:crypto";
import { encodeLatin1, hasSpaces, type RuleError, Selector } from "./selector.ts";

/** Redis's user flags, in the order ACL LIST and GETUSER print them. */
export const USER_FLAGS = ["on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"];

/** SHA-256 of the password's bytes (latin1 text), as lower-case hex: Redis's ACLHashPassword. */
export function hashPassword(password: string): string {
  return createHash("sha256").update(encodeLatin1(password)).digest("hex");
}

const isDigest = (s: string) => /^[0-9a-f]{64}$/.test(s);

export class User {
  enabled = false;
  noPass = false;
  /** "sanitize-payload", "skip-sanitize-payload" or neither (Redis tracks both bits). */
  sanitize: "" | "sanitize-payload" | "skip-sanitize-payload" = "";
  passwords: string[] = [];
  /** selectors[0] is the root selector. */
  selectors: Selector[] = [new Selector(true)];

  constructor(readonly name: string) {}

  get root(): Selector {
    return this.selectors[0];
  }

  clone(name = this.name): User {
    const u = new User(name);
    u.copyFrom(this);
    return u;
  }

  /** ACLCopyUser: take over another user's rules, keeping the name. */
  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.noPass = src.noPass;
    this.sanitize = src.sanitize;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.clone());
  }

  flags(): string[] {
    return USER_FLAGS.filter((f) =>
      f === "on"
        ? this.enabled
        : f === "off"
        ? !this.enabled
        : f === "nopass"
        ? this.noPass
        : this.sanitize === f
    );
  }

  /** ACLSetUser: one rule (text as latin1); null on success, else why not. */
  apply(op: string): RuleError | null {
    if (op.length === 0) return null;
    const lower = op.toLowerCase();
    if (lower === "on" || lower === "off") {
      this.enabled = lower === "on";
    } else if (lower === "skip-sanitize-payload" || lower === "sanitize-payload") {
      this.sanitize = lower;
    } else if (lower === "nopass" || lower === "resetpass") {
      this.noPass = lower === "nopass";
      this.passwords = [];
    } else if (op[0] === ">" || op[0] === "#") {
      const digest = op[0] === ">" ? hashPassword(op.slice(1)) : op.slice(1);
      if (!isDigest(digest)) return "EBADMSG";
      if (!this.passwords.includes(digest)) this.passwords.push(digest);
      this.noPass = false;
    } else if (op[0] === "<" || op[0] === "!") {
      const digest = op[0] === "<" ? hashPassword(op.slice(1)) : op.slice(1);
      if (!isDigest(digest)) return "EBADMSG";
      const i = this.passwords.indexOf(digest);
      if (i < 0) return "ENODEV";
      this.passwords.splice(i, 1);
    } else if (op[0] === "(" && op[op.length - 1] === ")") {
      const selector = Selector.fromOpSet(op);
      if (typeof selector === "string") return selector;
      this.selectors.push(selector);
    } else if (lower === "clearselectors") {
      this.selectors.length = 1;
    } else if (lower === "reset") {
      for (const rule of ["resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload"]) {
        this.apply(rule);
      }
      this.selectors.length = 1;
      this.root.apply("-@all");
    } else {
      return this.root.apply(op);
    }
    return null;
  }

  /** ACLCheckUserCredentials: enabled, and nopass or a password whose digest matches.
   * Every stored digest is compared in constant time. */
  accepts(password: string): boolean {
    if (!this.enabled) return false;
    if (this.noPass) return true;
    const given = new TextEncoder().encode(hashPassword(password));
    let ok = false;
    for (const digest of this.passwords) {
      if (timingSafeEqual(given, new TextEncoder().encode(digest))) ok = true;
    }
    return ok;
  }
}

/** The default user as Redis creates it: +@all ~* &* on nopass. */
export function defaultUser(): User {
  const u = new User("default");
  for (const rule of ["+@all", "~*", "&*", "on", "nopass"]) u.apply(rule);
  return u;
}

/**
 * ACLMergeSelectorArguments: "(" ... ")" spread over several arguments become one. Returns the
 * merged rules, or the index of the argument that opened an unclosed selector.
 */
export function mergeSelectorArgs(args: string[]): string[] | { unmatchedAt: number } {
  const merged: string[] = [];
  let open = -1, selector = "";
  for (const [j, op] of args.entries()) {
    if (op[0] === "(" && op[op.length - 1] !== ")") {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += " " + op;
      if (op[op.length - 1] === ")") {
        open = -1;
        merged.push(selector);
      }
      continue;
    }
    merged.push(op);
  }
  return open === -1 ? merged : { unmatchedAt: open };
}

export function validUserName(name: string): boolean {
  return !hasSpaces(name);
}
