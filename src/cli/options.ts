// Command-line options of `ironcache cli`, parsed with redis-cli's rules (redis-cli.c
// parseOptions): options come first, the first word not starting with '-' begins the
// command, an option missing its value is "unrecognized", and -h is the host (use --help).

export interface CliOptions {
  host: string;
  port: number;
  /** Unix socket path (-s); overrides host and port. */
  socket?: string;
  user?: string;
  password?: string;
  db: number;
  /** 3 after -3/--resp3, 2 after -2: the protocol HELLO negotiates on connect. */
  protocol: 2 | 3;
  raw: boolean;
  repeat: number;
  intervalMs: number;
  /** -e: one-shot commands exit 1 on an error reply, printing it to stderr. */
  exitOnErrorReply: boolean;
  /** -x: the last argument is read from stdin. */
  stdinLastArg: boolean;
  quotedInput: boolean;
  showPushes: boolean;
  noAuthWarning: boolean;
  bulkDelimiter: Uint8Array;
  replyDelimiter: Uint8Array;
}

export type ParsedArgs =
  | { kind: "run"; options: CliOptions; command: string[] }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

const encoder = new TextEncoder();

export function defaultOptions(): CliOptions {
  return {
    host: "127.0.0.1",
    port: 6379,
    db: 0,
    protocol: 2,
    raw: false,
    repeat: 1,
    intervalMs: 0,
    exitOnErrorReply: false,
    stdinLastArg: false,
    quotedInput: false,
    showPushes: true,
    noAuthWarning: false,
    bulkDelimiter: encoder.encode("\n"),
    replyDelimiter: encoder.encode("\n"),
  };
}

type Setter = (o: CliOptions, value: string) => string | void;

/** Options that take a value; a returned string is an error message. */
const VALUE_OPTIONS: Record<string, Setter> = {
  "-h": (o, v) => void (o.host = v),
  "-p": (o, v) => void (o.port = atoi(v)),
  "-s": (o, v) => void (o.socket = v),
  "-a": (o, v) => void (o.password = v),
  "--pass": (o, v) => void (o.password = v),
  "--user": (o, v) => void (o.user = v),
  "-n": (o, v) => void (o.db = atoi(v)),
  "-u": (o, v) => applyRedisUri(o, v),
  "-r": (o, v) => void (o.repeat = atoi(v)),
  "-i": (o, v) => void (o.intervalMs = (parseFloat(v) || 0) * 1000),
  "-d": (o, v) => void (o.bulkDelimiter = encoder.encode(v)),
  "-D": (o, v) => void (o.replyDelimiter = encoder.encode(v)),
  "--show-pushes": (o, v) => {
    if (/^y/i.test(v)) o.showPushes = true;
    else if (/^n/i.test(v)) o.showPushes = false;
    else return `Unknown --show-pushes value '${v}' (valid: '[y]es', '[n]o')`;
  },
};

const FLAG_OPTIONS: Record<string, (o: CliOptions) => void> = {
  "-2": (o) => o.protocol = 2,
  "-3": (o) => o.protocol = 3,
  "--resp2": (o) => o.protocol = 2,
  "--resp3": (o) => o.protocol = 3,
  "--raw": (o) => o.raw = true,
  "--no-raw": (o) => o.raw = false,
  "-e": (o) => o.exitOnErrorReply = true,
  "-x": (o) => o.stdinLastArg = true,
  "--quoted-input": (o) => o.quotedInput = true,
  "--no-auth-warning": (o) => o.noAuthWarning = true,
};

export function parseCliArgs(argv: string[]): ParsedArgs {
  const options = defaultOptions();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    const hasValue = i + 1 < argv.length;
    if (arg === "--help" || (arg === "-h" && !hasValue)) return { kind: "help" };
    if (arg === "-v" || arg === "--version") return { kind: "version" };
    const flag = FLAG_OPTIONS[arg];
    if (flag) {
      flag(options);
      continue;
    }
    const setter = VALUE_OPTIONS[arg];
    if (setter && hasValue) {
      const error = setter(options, argv[++i]);
      if (error) return { kind: "error", message: error };
      continue;
    }
    if (arg.startsWith("-")) {
      return { kind: "error", message: `Unrecognized option or bad number of args for: '${arg}'` };
    }
    break; // the command starts here
  }
  const options2and3 = argv.slice(0, i).filter((a) => /^(-2|-3|--resp2|--resp3)$/.test(a));
  if (new Set(options2and3.map((a) => a.slice(-1))).size > 1) {
    return { kind: "error", message: "Options -2 and -3 are mutually exclusive." };
  }
  return { kind: "run", options, command: argv.slice(i) };
}

/** C atoi(): optional blanks and sign, leading digits, anything else ends it (so "x" is 0). */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? (Number(m[1]) | 0) : 0;
}

/**
 * redis://[[user:]password@][host[:port]][/db] as redis-cli reads it (cli_common.c
 * parseRedisUri): parts left out keep their current values; user and password are
 * percent-decoded.
 */
export function applyRedisUri(options: CliOptions, uri: string): string | void {
  const scheme = "redis://";
  if (uri.slice(0, scheme.length).toLowerCase() !== scheme) {
    return uri.toLowerCase().startsWith("rediss://")
      ? "rediss:// is only supported when ironcache cli is compiled with OpenSSL"
      : "Invalid URI scheme";
  }
  let rest = uri.slice(scheme.length);
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(":");
    try {
      if (colon >= 0) options.user = percentDecode(userInfo.slice(0, colon));
      options.password = percentDecode(userInfo.slice(colon + 1));
    } catch (e) {
      return (e as Error).message;
    }
    rest = rest.slice(at + 1);
  }
  const slash = rest.indexOf("/");
  const hostPort = slash >= 0 ? rest.slice(0, slash) : rest;
  if (hostPort !== "") {
    const colon = hostPort.indexOf(":");
    if (colon >= 0) options.port = atoi(hostPort.slice(colon + 1));
    options.host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
  }
  if (slash >= 0 && slash + 1 < rest.length) options.db = atoi(rest.slice(slash + 1));
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  const utf8 = encoder.encode(text);
  for (let i = 0; i < utf8.length; i++) {
    if (utf8[i] !== 0x25) {
      bytes.push(utf8[i]);
      continue;
    }
    if (utf8.length - i < 3) throw new Error("Incomplete URI encoding");
    const hex = String.fromCharCode(utf8[i + 1], utf8[i + 2]);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error("Illegal character in URI encoding");
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

export function usageText(): string {
  return `ironcache cli: a Redis-compatible command line client (like redis-cli)

Usage: ironcache cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server.
                     You can also use the IRONCACHE_CLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  -u <uri>           Server URI: redis://[[user:]password@][host[:port]][/db].
  -r <repeat>        Execute specified command N times (-1: forever).
  -i <interval>      When -r is used, waits <interval> seconds per command.
                     It is possible to specify sub-second times like -i 0.1.
  -n <db>            Database number.
  -2, --resp2        Start session in RESP2 protocol mode.
  -3, --resp3        Start session in RESP3 protocol mode (sends HELLO 3).
  -x                 Read last argument from STDIN.
  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \\n).
  -D <delimiter>     Delimiter between responses for raw formatting (default: \\n).
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies.
  --no-raw           Use human formatting for replies (the default, even when
                     STDOUT is not a tty: unlike redis-cli, output never depends on it).
  --quoted-input     Force input to be handled as quoted strings.
  --show-pushes <yn> Whether to print RESP3 PUSH messages (default: yes).
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.

Examples:
  ironcache cli -p 7001 SET a b
  printf 'SET x 1\\nINCR x\\n' | ironcache cli -p 7001
  ironcache cli -u redis://:secret@localhost:7001/2 GET key
  ironcache cli -3 HGETALL myhash
  ironcache cli -r 100 -i 1 INFO stats

When no command is given, ironcache cli starts in interactive mode (or runs the
commands read from STDIN, one per line, when STDIN is not a terminal).
Type "help" in interactive mode for information on available commands.
`;
}
