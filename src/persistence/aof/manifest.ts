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

/** aofLoadManifestFromFile: the same checks, with Redis's reasons. */
export function parseManifest(text: string): AofManifest {
  const m: AofManifest = { base: null, incrs: [], history: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const argv = splitArgs(line);
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
  if (!m.base && m.incrs.length === 0) throw new ManifestError("Found an empty AOF manifest");
  return m;
}
