// TOML config files (`--config FILE.toml`): top-level keys in either spelling, values as TOML
// strings, integers or booleans ("1gb" or 1073741824; true or "yes").
import { parse, TomlError } from "smol-toml";
import { didYouMean, lookupKey } from "./names.ts";
import type { ConfigProblem } from "./problems.ts";
import type { Layer } from "./setting.ts";
import type { ConfigEntry } from "./table.ts";
import { boolType } from "./value-types.ts";

/** `file` names the file in problems; `sourcePath` (absolute) goes into value sources. */
export function parseTomlConfig(text: string, file: string, sourcePath: string): Layer {
  const layer: Layer = { settings: [], problems: [] };
  let doc: Record<string, unknown>;
  try {
    doc = parse(text, { integersAsBigInt: true });
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const reason = e.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
    const hint = file.endsWith(".toml")
      ? ""
      : " (--config takes TOML; give a redis.conf as the first argument)";
    layer.problems.push({
      file,
      line: e.line,
      column: e.column,
      message: `invalid TOML: ${reason}${hint}`,
    });
    return layer;
  }
  const lines = topLevelKeyLines(text);
  const seen = new Map<string, string>(); // entry name -> key as written
  for (const [key, value] of Object.entries(doc)) {
    const line = lines.get(key);
    const at = { file, line };
    const match = lookupKey(key);
    if (!match) {
      const isTable = typeof value === "object" && value !== null && !Array.isArray(value) &&
        !(value instanceof Date);
      layer.problems.push({
        ...at,
        message: isTable
          ? `table [${key}] is not supported; put config keys at the top level`
          : `unknown key '${key}'${didYouMean(key)}`,
      });
      continue;
    }
    const { entry } = match;
    const earlier = seen.get(entry.name);
    if (earlier !== undefined) {
      const where = lines.get(earlier) !== undefined ? ` on line ${lines.get(earlier)}` : "";
      layer.problems.push({ ...at, key, message: `set twice (also as '${earlier}'${where})` });
      continue;
    }
    seen.set(entry.name, key);
    const raw = tomlValueToRaw(value, entry);
    if (typeof raw !== "string") {
      layer.problems.push({ ...at, key, ...raw });
      continue;
    }
    layer.settings.push({
      entry,
      raw,
      key,
      source: `file ${sourcePath}${line ? `:${line}` : ""}`,
      at,
    });
  }
  return layer;
}

function tomlValueToRaw(
  value: unknown,
  entry: ConfigEntry,
): string | Pick<ConfigProblem, "message"> {
  const wrong = (got: string) => ({
    message: `wrong type: expected ${describeType(entry)}, got ${got}`,
  });
  const words = (s: string) =>
    entry.type.multiWord ? s.trim().split(/\s+/).filter(Boolean).join(" ") : s;
  switch (typeof value) {
    case "string":
      return words(value);
    case "bigint":
      return value.toString();
    case "number":
      return wrong(`the float ${value}`);
    case "boolean":
      return entry.type === boolType ? (value ? "yes" : "no") : wrong(`a boolean`);
  }
  if (Array.isArray(value) && entry.type.multiWord) {
    if (value.every((v) => typeof v === "string" || typeof v === "bigint")) {
      return words(value.join(" "));
    }
    return wrong("an array with non-scalar items");
  }
  if (value instanceof Date) return wrong("a date");
  return wrong(Array.isArray(value) ? "an array" : "a table");
}

function describeType(entry: ConfigEntry): string {
  const { name, domain } = entry.type;
  return domain ? `${name} (${domain})` : name;
}

/**
 * Line numbers of top-level keys (smol-toml reports none). A light scan: key lines before the
 * first [table] header, skipping multi-line strings; table headers map to their first name.
 */
export function topLevelKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const keyRe = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*[=.]/;
  const tableRe = /^\s*\[\[?\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)/;
  let inTable = false, inMultiline = false;
  text.split("\n").forEach((line, i) => {
    const opensOrCloses = (line.match(/"""|'''/g) ?? []).length % 2 === 1;
    if (!inMultiline) {
      const header = inTable || !/^\s*\[/.test(line) ? null : tableRe.exec(line);
      const m = header ?? (inTable ? null : keyRe.exec(line));
      if (m) {
        const key = unquote(m[1]);
        if (!lines.has(key)) lines.set(key, i + 1);
      }
      if (/^\s*\[/.test(line)) inTable = true;
    }
    if (opensOrCloses) inMultiline = !inMultiline;
  });
  return lines;
}

function unquote(key: string): string {
  if (key.startsWith('"')) return JSON.parse(key);
  if (key.startsWith("'")) return key.slice(1, -1);
  return key;
}
