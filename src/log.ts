// Server log lines in Redis's shape: "pid:role day mon year time.ms level message", where the
// level mark is . (debug) - (verbose) * (notice) # (warning). Written to stderr, or appended
// to `logfile` (every thread opens it for appending, so lines never interleave mid-line).

const LEVELS = ["debug", "verbose", "notice", "warning", "nothing"] as const;
export type LogLevel = typeof LEVELS[number];
const MARKS = [".", "-", "*", "#"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

let threshold = LEVELS.indexOf("notice");
let role = "M";
let file: Deno.FsFile | null = null;
const encoder = new TextEncoder();

/** Append to `path` instead of stderr ("" = stderr). Throws when the file can't be opened. */
export function setLogFile(path: string): void {
  file?.close();
  file = path === "" ? null : Deno.openSync(path, { append: true, create: true });
}

export function setLogLevel(level: string): void {
  const i = LEVELS.indexOf(level as LogLevel);
  if (i >= 0) threshold = i;
}

/** "M" for the main thread, "S<n>" for shard workers. */
export function setLogRole(r: string): void {
  role = r;
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function emit(mark: string, message: string): void {
  const line = `${Deno.pid}:${role} ${stamp(new Date())} ${mark} ${message}`;
  if (!file) return console.error(line);
  try {
    file.writeSync(encoder.encode(line + "\n"));
  } catch {
    console.error(line); // a full disk must not take the server down
  }
}

function write(level: number, message: string): void {
  if (level < threshold) return;
  emit(MARKS[level], message);
}

export const log = {
  debug: (m: string) => write(0, m),
  verbose: (m: string) => write(1, m),
  notice: (m: string) => write(2, m),
  warning: (m: string) => write(3, m),
  /** Lines an operator (and a supervisor waiting for readiness) must always see. */
  always: (m: string) => emit("*", m),
};
