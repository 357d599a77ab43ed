// Interactive command history, kept in ~/.ironcache_cli_history (or $IRONCACHE_CLI_HISTFILE),
// one line per entry, at most 100 entries (linenoise's defaults, as used by redis-cli).

const MAX_ENTRIES = 100;

/** The history file, or null when history must not be saved ("/dev/null" or no $HOME). */
export function historyFilePath(env: (name: string) => string | undefined): string | null {
  const override = env("IRONCACHE_CLI_HISTFILE");
  if (override) return override === "/dev/null" ? null : override;
  const home = env("HOME");
  return home ? `${home}/.ironcache_cli_history` : null;
}

export class History {
  private constructor(private lines: string[], private file: string | null) {}

  /** Loads the file if it exists; a missing or unreadable file just means no history yet. */
  static async load(file: string | null): Promise<History> {
    let lines: string[] = [];
    if (file) {
      try {
        lines = (await Deno.readTextFile(file)).split("\n").map((l) => l.replace(/\r$/, "")).filter(
          (l) => l !== "",
        );
      } catch { /* first run */ }
    }
    return new History(lines.slice(-MAX_ENTRIES), file);
  }

  get entries(): readonly string[] {
    return this.lines;
  }

  /** Adds a line (not a repeat of the previous one) and saves the file right away. */
  async add(line: string): Promise<void> {
    if (this.lines[this.lines.length - 1] === line) return;
    this.lines.push(line);
    if (this.lines.length > MAX_ENTRIES) this.lines.shift();
    if (!this.file) return;
    try {
      await Deno.writeTextFile(this.file, this.lines.map((l) => l + "\n").join(""), {
        mode: 0o600,
      });
    } catch { /* a read-only home must not break the session */ }
  }
}

/**
 * Lines that carry secrets stay out of the history (redis-cli's isSensitiveCommand): AUTH,
 * ACL SETUSER, CONFIG SET of passwords, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2.
 */
export function isSensitiveCommand(args: string[]): boolean {
  const word = (i: number) => args[i]?.toLowerCase();
  const argc = args.length;
  if (word(0) === "auth") return true;
  if (argc > 1 && word(0) === "acl" && word(1) === "setuser") return true;
  if (argc > 2 && word(0) === "config" && word(1) === "set") {
    return ["masterauth", "masteruser", "requirepass"].includes(word(2));
  }
  if (argc > 4 && word(0) === "hello") {
    for (let j = 2; j < argc; j++) {
      const more = argc - 1 - j;
      if (word(j) === "auth" && more >= 2) return true;
      if (word(j) === "setname" && more) j++;
      else return false;
    }
  }
  if (argc > 7 && word(0) === "migrate") {
    for (let j = 6; j < argc; j++) {
      const more = argc - 1 - j;
      if (word(j) === "auth" && more) return true;
      if (word(j) === "auth2" && more >= 2) return true;
      if (word(j) === "keys" && more) return false;
    }
  }
  return false;
}
