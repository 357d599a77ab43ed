// The interactive `help` command: a short generic text, and `help <command>` built from the
// server's COMMAND DOCS (redis-cli ships its own table; asking the server keeps us honest).
import type { RespReply } from "../protocol/resp_reader.ts";
import { latin1 } from "../protocol/bytes.ts";
import type { CliOutput } from "./output.ts";
import pkg from "../../package.json" with { type: "json" };

export const CLI_VERSION: string = pkg.version;

type RoundTrip = (args: Uint8Array[]) => Promise<RespReply>;

const encoder = new TextEncoder();

export async function printHelp(
  out: CliOutput,
  topic: Uint8Array[],
  roundTrip: RoundTrip | null,
): Promise<void> {
  if (topic.length === 0) {
    await out.stdout(
      `ironcache cli ${CLI_VERSION}\n` +
        "To get help about Redis commands type:\n" +
        '      "help <command>" for help on <command>\n' +
        '      "quit" to exit\n',
    );
    return;
  }
  const name = topic.map(latin1).join("|").toLowerCase();
  const docs = roundTrip
    ? await roundTrip([encoder.encode("COMMAND"), encoder.encode("DOCS"), encoder.encode(name)])
    : null;
  const fields = docs && docs.kind !== "error" ? commandDocFields(docs) : null;
  if (!fields) {
    await out.stdout(`\nNo help found for '${topic.map(latin1).join(" ")}'\n\n`);
    return;
  }
  let text = `\n  ${name.replace("|", " ").toUpperCase()}\n`;
  for (const key of ["summary", "since", "group"]) {
    if (fields.has(key)) text += `  ${key}: ${fields.get(key)}\n`;
  }
  await out.stdout(text + "\n");
}

/** COMMAND DOCS name → the text fields of its doc map (RESP2 and RESP3 flatten alike). */
function commandDocFields(reply: RespReply): Map<string, string> | null {
  if (!("items" in reply) || reply.items.length < 2) return null;
  const doc = reply.items[1];
  if (!("items" in doc)) return null;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < doc.items.length; i += 2) {
    const [key, value] = [doc.items[i], doc.items[i + 1]];
    if (
      (key.kind === "bulk" || key.kind === "status") &&
      (value.kind === "bulk" || value.kind === "status")
    ) {
      fields.set(latin1(key.bytes), latin1(value.bytes));
    }
  }
  return fields;
}
