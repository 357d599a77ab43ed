// Secrets in a command line: the arguments Redis 7.0 replaces by "(redacted)" wherever it
// shows a command to someone else (SLOWLOG, MONITOR; its redactClientCommandArgument calls).
// Everything that shows a client's command line (SLOWLOG, MONITOR, logs) goes through here.
import type { CommandSpec } from "../commands/spec.ts";
import { cString, latin1 } from "../protocol/bytes.ts";

export const REDACTED = new TextEncoder().encode("(redacted)");

/** CONFIG SET values Redis 7.0.15 redacts (SENSITIVE_CONFIG; tls-key-file-pass is not). */
const SECRET_CONFIGS = new Set(["requirepass", "masterauth", "masteruser"]);

/** An option word as Redis's parsers compare it (strcasecmp: a NUL ends it), so whatever the
 * command takes for AUTH is redacted as AUTH. */
const word = (argv: Uint8Array[], i: number) => cString(argv[i]).toLowerCase();
/** A config name, which Redis looks up by its whole bytes. */
const configName = (argv: Uint8Array[], i: number) => latin1(argv[i]).toLowerCase();

/** The indexes of argv (argv[0] is the command name) that hold secrets. */
export function secretArgIndexes(spec: CommandSpec, argv: Uint8Array[]): number[] {
  const secret: number[] = [];
  const argc = argv.length;
  switch (spec.name) {
    case "auth": // AUTH [username] password
      for (let j = 1; j < argc; j++) secret.push(j);
      break;
    case "hello": // HELLO [protover [AUTH username password] [SETNAME name]]
      for (let j = 2; j < argc; j++) {
        const more = argc - 1 - j;
        if (word(argv, j) === "auth" && more >= 2) secret.push(++j, ++j);
        else if (word(argv, j) === "setname" && more >= 1) j++;
        else break; // Redis stops at the syntax error
      }
      break;
    case "acl|setuser": // the user name and every rule
      for (let j = 2; j < argc; j++) secret.push(j);
      break;
    case "config|set":
      for (let j = 2; j + 1 < argc; j += 2) {
        if (SECRET_CONFIGS.has(configName(argv, j))) secret.push(j + 1);
      }
      break;
    case "migrate": // ... [AUTH password] [AUTH2 username password] [KEYS ...]
      for (let j = 6; j < argc; j++) {
        const opt = word(argv, j);
        if (opt === "keys") break;
        if (opt === "auth" && j + 1 < argc) secret.push(++j);
        else if (opt === "auth2" && j + 2 < argc) secret.push(++j, ++j);
      }
      break;
  }
  return secret;
}

/** argv with its secrets replaced by "(redacted)" (the same array when there are none). */
export function redactedArgs(spec: CommandSpec, argv: Uint8Array[]): Uint8Array[] {
  const secret = secretArgIndexes(spec, argv);
  if (secret.length === 0) return argv;
  const out = argv.slice();
  for (const i of secret) out[i] = REDACTED;
  return out;
}
