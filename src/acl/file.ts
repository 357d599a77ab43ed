// ACL files (ACL LOAD / ACL SAVE, the aclfile config) and `user` lines of redis.conf, read
// and written as Redis 7.0 does (ACLLoadFromFile, ACLSaveToFile, ACLAppendUserForLoading).
import { latin1 } from "../protocol/bytes.ts";
import { describeUser } from "./describe.ts";
import { encodeLatin1, ruleErrorText } from "./selector.ts";
import { defaultUser, mergeSelectorArgs, User, validUserName } from "./user.ts";

/** Users built from user definitions ([name, ...rules]); the first bad rule's message. */
export function usersFromDefinitions(defs: string[][]): User[] | string {
  const users = new Map<string, User>();
  for (const [name, ...rules] of defs) {
    if (!validUserName(name)) return "Spaces not allowed in ACL usernames";
    const u = name === "default" ? defaultUser() : new User(name);
    if (name === "default") u.apply("reset");
    for (const rule of rules) {
      const err = u.apply(rule);
      if (err) {
        return `Error loading ACL rule '${rule}' for the user named '${name}': ${
          ruleErrorText(err)
        }`;
      }
    }
    users.set(name, u);
  }
  return [...users.values()];
}

/** A redis.conf `user` line's arguments: the merged rules, or what is wrong. */
export function checkUserDirective(args: string[]): string[] | string {
  if (args.length < 1) return "should be followed by a username and rules";
  const merged = mergeSelectorArgs(args.slice(1));
  if (!Array.isArray(merged)) return "Unmatched parenthesis in selector definition";
  const probe = new User(args[0]);
  for (const rule of merged) {
    const err = probe.apply(rule);
    if (err && err !== "ENOENT") return `'${rule}': ${ruleErrorText(err)}`;
  }
  return [args[0], ...merged];
}

/** ACLLoadFromFile on the file's text: the users, or Redis's one-line list of errors. */
export function parseAclFile(text: string, filename: string): User[] | string {
  let errors = "";
  const users = new Map<string, User>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
    const at = `${filename}:${i + 1}`;
    if (line === "") return;
    const argv = line.split(" ");
    if (argv[0] !== "user" || argv.length < 2) {
      errors += `${at} should start with user keyword followed by the username. `;
      return;
    }
    const name = argv[1];
    if (!validUserName(name)) {
      errors += `'${at}: username '${name}' contains invalid characters. `;
      return;
    }
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${i + 1}. `;
      return;
    }
    const u = new User(name);
    users.set(name, u);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (!Array.isArray(merged)) {
      errors += `${at}: Unmatched parenthesis in selector definition.`;
      return;
    }
    for (const rule of merged) {
      const err = u.apply(rule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ""));
      if (err) errors += `${at}: ${ruleErrorText(err)}. `;
    }
  });
  if (errors) {
    return errors + "WARNING: ACL errors detected, no change to the previously active ACL rules " +
      "was performed";
  }
  return [...users.values()];
}

/** ACL LOAD: read and parse the file (latin1, so any bytes survive). */
export function loadAclFile(filename: string): User[] | string {
  let text: string;
  try {
    text = latin1(Deno.readFileSync(filename));
  } catch (e) {
    return `Error loading ACLs, opening file '${filename}': ${ioText(e)}`;
  }
  return parseAclFile(text, filename);
}

function ioText(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "No such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "Is a directory";
  return String((e as Error)?.message ?? e);
}

/** ACLSaveToFile: every user as a `user` line, written to a temp file then renamed. */
export function saveAclFile(filename: string, users: User[]): boolean {
  const text = users.map((u) => `user ${u.name} ${describeUser(u)}\n`).join("");
  const tmp = `${filename}.tmp-${Deno.pid}-${Date.now()}`;
  try {
    Deno.writeFileSync(tmp, encodeLatin1(text), { mode: 0o644 });
    Deno.renameSync(tmp, filename);
    return true;
  } catch {
    try {
      Deno.removeSync(tmp);
    } catch { /* never written */ }
    return false;
  }
}
