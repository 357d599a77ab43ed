// INFO [section ...] (Redis 7.0's infoCommand / genRedisInfoString). Every shard renders its
// own INFO; with several shards the command fans out and combineInfo merges the texts
// field by field (info_sections.ts says how each field combines).
import type { Combiner, CommandContext, CommandRows } from "./spec.ts";
import type { Shard } from "../server/shard.ts";
import {
  type BaseField,
  type Field,
  isDerived,
  type Section,
  SECTIONS,
  type Snapshot,
  takeSnapshot,
} from "./info_sections.ts";
import { fixed } from "./info_format.ts";
import { replyText } from "./every_shard.ts";

/** Which sections a request asks for: Redis's genInfoSectionDict. */
export interface SectionChoice {
  all: boolean;
  names: Set<string>;
}

export function chooseSections(args: string[]): SectionChoice {
  const choice: SectionChoice = { all: false, names: new Set() };
  if (args.length === 0) args = ["default"];
  for (const arg of args) {
    const name = arg.toLowerCase();
    // "everything" adds modules' own sections to "all"; IronCache has no modules.
    if (name === "all" || name === "everything") {
      choice.all = true;
    } else if (name === "default") {
      for (const s of SECTIONS) if (s.inDefault) choice.names.add(s.key);
    } else {
      choice.names.add(name);
    }
  }
  return choice;
}

/** A field whose value is undefined is left out (Redis prints some only in some states). */
function fieldLines(fields: Field[], value: (f: BaseField) => string | undefined): string[] {
  const values = new Map<string, string>();
  for (const f of fields) {
    const v = isDerived(f) ? undefined : value(f);
    if (v !== undefined) values.set(f.name, v);
  }
  const num = (name: string) => Number(values.get(name));
  return fields.filter((f) => isDerived(f) || values.has(f.name))
    .map((f) => `${f.name}:${isDerived(f) ? f.derive(num) : values.get(f.name)}`);
}

function sectionLines(section: Section, s: Snapshot): string[] {
  if (section.dynamic) return section.dynamic.lines(s);
  return fieldLines(section.fields!, (f) => {
    const v = f.get(s);
    return v === undefined ? undefined : String(v);
  });
}

/** Sections joined by a blank line, each "# Title" then its "name:value" lines. */
function renderSections(parts: Array<[string, string[]]>): string {
  return parts.map(([title, lines]) => `# ${title}\r\n` + lines.map((l) => l + "\r\n").join(""))
    .join("\r\n");
}

/** This shard's INFO text. */
export function renderInfo(shard: Shard, choice: SectionChoice, now = Date.now()): string {
  const s = takeSnapshot(shard, now);
  const parts: Array<[string, string[]]> = [];
  for (const section of SECTIONS) {
    if (choice.all || choice.names.has(section.key)) {
      parts.push([section.title, sectionLines(section, s)]);
    }
  }
  return renderSections(parts);
}

function info(ctx: CommandContext): void {
  const names: string[] = [];
  for (let i = 1; i < ctx.args.argc; i++) names.push(ctx.args.text(i));
  ctx.out.verbatim(renderInfo(ctx.shard, chooseSections(names)));
}

/** An INFO text split into its sections' lines, by title, in order. */
function parseSections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split("\r\n")) {
    if (line.startsWith("# ")) sections.set(line.slice(2), current = []);
    else if (line !== "") current?.push(line);
  }
  return sections;
}

/** Adds decimal texts, keeping the first one's number of decimals ("0.12" + "1.5" = "1.62"). */
function addTexts(values: string[]): string {
  const dot = values[0].indexOf(".");
  const total = values.reduce((sum, v) => sum + Number(v), 0);
  return dot < 0 ? String(total) : fixed(total, values[0].length - dot - 1);
}

function mergeFields(fields: Field[], perShard: string[][]): string[] {
  const byName = perShard.map((lines) =>
    new Map(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]))
  );
  return fieldLines(fields, (f) => {
    if (!byName[0].has(f.name)) return undefined;
    const values = byName.map((m) => m.get(f.name) ?? "0");
    return f.sum ? addTexts(values) : values[0];
  });
}

/** The shards' INFO replies (shard order) as the server's one INFO. */
export const combineInfo: Combiner = (replies, out) => {
  const err = replies.find((r) => r[0] === 0x2d);
  if (err) return out.raw(err);
  const texts = replies.map((r) => parseSections(replyText(r, true)));
  const parts: Array<[string, string[]]> = [];
  for (const title of texts[0].keys()) {
    const section = SECTIONS.find((s) => s.title === title)!;
    const perShard = texts.map((t) => t.get(title) ?? []);
    parts.push([
      title,
      section.dynamic ? section.dynamic.merge(perShard) : mergeFields(section.fields!, perShard),
    ]);
  }
  out.verbatim(renderSections(parts));
};

export const infoCommands: CommandRows = {
  info: { handler: info, fanOut: combineInfo },
};
