// Redis 7's error replies, word for word (server.c createSharedObjects and friends).
// Handlers use these names instead of spelling texts, so a wording fix happens once.

export const ERR_SYNTAX = "ERR syntax error";
export const ERR_NOT_INTEGER = "ERR value is not an integer or out of range";
export const ERR_OVERFLOW = "ERR increment or decrement would overflow";
export const ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const ERR_DB_INDEX = "ERR DB index is out of range";
export const ERR_NOT_FLOAT = "ERR value is not a valid float";
export const ERR_STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
export const ERR_MAX_CLIENTS = "ERR max number of clients reached";

export function errArity(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function errExpireTime(fullName: string): string {
  return `ERR invalid expire time in '${fullName}' command`;
}

/** Redis: "unknown command '%.128s', with args beginning with: " + "'%.*s' " per argument,
 * stopping once 128 characters of arguments were written. Texts are latin1 (raw bytes). */
export function errUnknownCommand(name: string, args: string[]): string {
  let preview = "";
  for (const a of args) {
    if (preview.length >= 128) break;
    preview += `'${a.slice(0, 128 - preview.length)}' `;
  }
  return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${preview}`;
}

export function errUnknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}
