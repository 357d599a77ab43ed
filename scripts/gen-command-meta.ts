// Regenerates src/commands/redis_commands.json: Redis 7's own command metadata (COMMAND and
// COMMAND DOCS replies, RESP3, as typed JSON) taken from a real redis-server. The command
// table reads arity, flags, ACL categories, key specs and docs from it, so COMMAND INFO and
// COMMAND DOCS replies are Redis's, byte for byte.
//   deno run --allow-all scripts/gen-command-meta.ts [--port N]   (default: start one)
import { RespReader, type RespReply } from "../src/protocol/resp_reader.ts";
import type { TypedValue } from "../src/commands/meta.ts";

const latin1 = new TextDecoder("latin1");

function toTyped(r: RespReply): TypedValue {
  switch (r.kind) {
    case "status": return { "+": latin1.decode(r.bytes) };
    case "bulk": return latin1.decode(r.bytes);
    case "integer": return Number(r.value);
    case "nil": return null;
    case "array": return r.items.map(toTyped);
    case "set": return { "~": r.items.map(toTyped) };
    case "map": return { "%": r.items.map(toTyped) };
    default: throw new Error(`unexpected reply kind ${r.kind} in command metadata`);
  }
}

async function query(port: number, commands: string[][]): Promise<RespReply[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  const frame = commands.map((c) => `*${c.length}\r\n` + c.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("")).join("");
  await conn.write(enc.encode(frame));
  const reader = new RespReader();
  const replies: RespReply[] = [];
  const buf = new Uint8Array(1 << 20);
  while (replies.length < commands.length) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("redis-server closed the connection");
    reader.feed(buf.subarray(0, n));
    for (let r = reader.next(); r; r = reader.next()) replies.push(r);
  }
  conn.close();
  return replies;
}

async function main() {
  const portFlag = Deno.args.indexOf("--port");
  let port = portFlag >= 0 ? Number(Deno.args[portFlag + 1]) : 0;
  let child: Deno.ChildProcess | undefined;
  if (!port) {
    port = 20000 + Math.floor(Math.random() * 20000);
    child = new Deno.Command("redis-server", { args: ["--port", String(port), "--save", "", "--appendonly", "no"], stdout: "null", stderr: "null" }).spawn();
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    const [, version, info, docs] = await query(port, [["HELLO", "3"], ["INFO", "server"], ["COMMAND"], ["COMMAND", "DOCS"]]);
    const versionText = version.kind === "verbatim" || version.kind === "bulk" ? latin1.decode(version.bytes) : "";
    const commands: Record<string, TypedValue> = {};
    for (const c of (toTyped(info) as TypedValue[])) commands[(c as TypedValue[])[0] as string] = c;
    const docPairs = (toTyped(docs) as { "%": TypedValue[] })["%"];
    const docMap: Record<string, TypedValue> = {};
    for (let i = 0; i < docPairs.length; i += 2) docMap[docPairs[i] as string] = docPairs[i + 1];
    const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a < b ? -1 : 1));
    const out = {
      source: `redis-server ${/redis_version:(\S+)/.exec(versionText)?.[1] ?? "?"} (COMMAND and COMMAND DOCS, RESP3)`,
      commands: sorted(commands),
      docs: sorted(docMap),
    };
    const path = new URL("../src/commands/redis_commands.json", import.meta.url);
    await Deno.writeTextFile(path, JSON.stringify(out) + "\n");
    console.log(`wrote ${Object.keys(commands).length} commands from ${out.source}`);
  } finally {
    child?.kill();
    await child?.status;
  }
}

await main();
