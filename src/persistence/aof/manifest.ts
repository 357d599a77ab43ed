// Redis 7.0's multi-part AOF layout (aof.c): in `dir`/`appenddirname`, one base file (an RDB,
// or commands when aof-use-rdb-preamble is no), incremental files of commands, and a manifest
// listing them in load order, one "file NAME seq N type b|h|i" line each.

export type AofFileType = "b" | "h" | "i";

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  /** Incremental files in load order. */
  incrs: AofFileInfo[];
  /** Files replaced by a rewrite and not yet deleted. */
  history: AofFileInfo[];
}

/** Redis's TEMP_FILE_NAME_PREFIX. */
export const TEMP_PREFIX = "temp-";

export const manifestName = (prefix: string) => `${prefix}.manifest`;
export const baseName = (prefix: string, seq: number, rdb: boolean) =>
  `${prefix}.${seq}.base.${rdb ? "rdb" : "aof"}`;
export const incrName = (prefix: string, seq: number) => `${prefix}.${seq}.incr.aof`;

export class ManifestError extends Error {}

/** Redis's sdscatrepr quoting for names with spaces or unprintable bytes. */
function quoted(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !name.includes('"')) return name;
  return `"${name.replace(/[\\"]/g, (c) => "\\" + c)}"`;
}

/** The manifest's text as Redis's getAofManifestAsString writes it (base, history, incrs). */
export function formatManifest(m: AofManifest): string {
  const line = (f: AofFileInfo) => `file ${quoted(f.name)} seq ${f.seq} type ${f.type}\n`;
  return [...(m.base ? [m.base] : []), ...m.history, ...m.incrs].map(line).join("");
}

/** Splits a line like sdssplitargs: words, "double quoted" (with \ escapes) or 'single'. */
function splitArgs(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let word = "";
    if (line[i] === '"' || line[i] === "'") {
      const q = line[i++];
      while (i < line.length && line[i] !== q) {
        if (q === '"' && line[i] === "\\" && i + 1 < line.length) i++;
        word += line[i++];
      }
      if (i >= line.length) return null; // unbalanced quotes
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i])) word += line[i++];
    }
    words.push(word);
  }
  return words;
}

/** Redis's MANIFEST_MAX_LINE. */
const MAX_LINE = 1024;

/**
 * aofLoadManifestFromFile: the same checks, with Redis's reasons. A file without a line is
 * refused, as is a blank line or one not ended by a newline; `#` comments start at the line's
 * first byte. A manifest of comments or history files alone lists no file to load, which
 * Redis accepts (the start then writes a new base).
 */
export function parseManifest(text: string): AofManifest {
  const m: AofManifest = { base: null, incrs: [], history: [] };
  if (text === "") throw new ManifestError("Found an empty AOF manifest");
  const lines = text.split("\n");
  const unterminated = lines.pop(); // after the last newline: "" unless a line lacks one
  if (unterminated !== "") lines.push(unterminated!);
  for (const [n, raw] of lines.entries()) {
    if (raw.startsWith("#")) continue;
    // fgets into MAX_LINE + 1 bytes: a line of MAX_LINE or more has no newline in the buffer.
    if (raw.length >= MAX_LINE || (n === lines.length - 1 && unterminated !== "")) {
      throw new ManifestError("The AOF manifest file contains too long line");
    }
    const line = raw.trim();
    const argv = line === "" ? null : splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2) {
      throw new ManifestError("Invalid AOF manifest file format");
    }
    const fields = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) fields.set(argv[i], argv[i + 1]);
    const name = fields.get("file"), seq = fields.get("seq"), type = fields.get("type");
    if (!name || !seq || !type || !/^\d+$/.test(seq) || !["b", "h", "i"].includes(type)) {
      throw new ManifestError("Invalid AOF manifest file format");
    }
    const info: AofFileInfo = { name, seq: Number(seq), type: type as AofFileType };
    if (type === "b") {
      if (m.base) throw new ManifestError("Found duplicate base file information");
      m.base = info;
    } else if (type === "h") m.history.push(info);
    else {
      const last = m.incrs.at(-1);
      if (last && info.seq <= last.seq) {
        throw new ManifestError("Found a non-monotonic sequence number");
      }
      m.incrs.push(info);
    }
  }
  return m;
}

/** Whether the manifest lists a file to load (a base or an incremental file). */
export const listsFiles = (m: AofManifest) => m.base !== null || m.incrs.length > 0;
