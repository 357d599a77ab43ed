// redis.conf files: `port 7004`, `maxmemory 100mb`, comments, quoted words; read like Redis's
// loadServerConfigFromString(). Later lines override earlier ones (`save` lines add up).
import type { Layer } from "./setting.ts";
import { DIRECTIVE_STYLE, isProblem, readDirective } from "./setting.ts";
import { splitArgs } from "./split-args.ts";
import { checkUserDirective } from "../acl/file.ts";
import { latin1 } from "../protocol/bytes.ts";

/** `file` names the file in problems; `sourcePath` (absolute) goes into value sources. */
export function parseRedisConf(text: string, file: string, sourcePath: string): Layer {
  const layer: Layer = { settings: [], problems: [] };
  text.replace(/^\uFEFF/, "").split("\n").forEach((rawLine, index) => {
    const line = rawLine.trim();
    const at = { file, line: index + 1 };
    if (line === "" || line.startsWith("#")) return;
    const words = splitArgs(line);
    if (words === null) {
      layer.problems.push({ ...at, message: "unbalanced quotes in the line" });
      return;
    }
    if (words.length === 0) return;
    const [name, ...args] = words;
    if (name.toLowerCase() === "user") { // ACL users: not a config key (Redis's too)
      const user = checkUserDirective(args.map((w) => latin1(new TextEncoder().encode(w))));
      if (typeof user === "string") layer.problems.push({ ...at, message: `user: ${user}` });
      else (layer.users ??= []).push(user);
      return;
    }
    const result = readDirective(
      name,
      args,
      at,
      `file ${sourcePath}:${index + 1}`,
      DIRECTIVE_STYLE,
    );
    if (result === null) return;
    if (isProblem(result)) layer.problems.push(result);
    else layer.settings.push(result);
  });
  return layer;
}
