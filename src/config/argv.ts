// The command line of `ironcache server|config|check`: [redis.conf] [--config FILE.toml]
// [--key value ...]. Options are read like redis-server reads them: every option is a config
// directive, words after an option's value belong to it until the next "--option", and
// `--save` with no value means `--save ""`. `--key=value` is also accepted.
import type { ConfigProblem } from "./problems.ts";
import type { Layer } from "./setting.ts";
import { isProblem, OPTION_STYLE, readDirective } from "./setting.ts";
import { normalizeKey } from "./names.ts";

export interface ParsedArgv extends Layer {
  redisConf?: string;
  tomlConfig?: string;
}

const at = { origin: "command line" } as const;

export function parseServerArgv(argv: string[]): ParsedArgv {
  const out: ParsedArgv = { settings: [], problems: [] };
  const problem = (message: string, key?: string) =>
    out.problems.push({ ...at, key, message } as ConfigProblem);
  let i = 0;
  if (argv.length > 0 && !argv[0].startsWith("-")) out.redisConf = argv[i++];
  else if (argv[0] === "-") {
    problem("reading the configuration from stdin ('-') is not supported");
    i++;
  }
  const isOption = (s: string | undefined) => s !== undefined && s.startsWith("--");
  while (i < argv.length) {
    const token = argv[i++];
    if (!isOption(token)) {
      problem(`unexpected argument '${token}' (a redis.conf path must come first)`);
      continue;
    }
    let name = token.slice(2);
    const values: string[] = [];
    const eq = name.indexOf("=");
    if (eq >= 0) {
      values.push(name.slice(eq + 1));
      name = name.slice(0, eq);
    } else if (normalizeKey(name) === "save" && (i >= argv.length || isOption(argv[i]))) {
      values.push(""); // redis-server: a bare --save means --save ""
    } else if (i < argv.length) {
      values.push(argv[i++]); // the first value is taken even if it starts with "--"
    } else {
      problem(`option '--${name}' needs a value`);
      continue;
    }
    while (i < argv.length && !isOption(argv[i])) values.push(argv[i++]);

    if (normalizeKey(name) === "config") {
      if (values.length !== 1) {
        problem(`option '--config' takes one TOML file, got ${values.length} values`);
      } else if (out.tomlConfig !== undefined) problem("option '--config' given twice");
      else out.tomlConfig = values[0];
      continue;
    }
    const result = readDirective(name, values, at, `flag --${name}`, OPTION_STYLE);
    if (result === null) continue;
    if (isProblem(result)) out.problems.push(result);
    else out.settings.push(result);
  }
  return out;
}
