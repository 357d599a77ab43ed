// `ironcache cli`: a Redis-compatible command line client, behaving like redis-cli 7.0.
//
// One deliberate difference: redis-cli switches to --raw output when stdout is not a
// terminal; we always print the human format (`(integer) 1`, `"quoted"`, `1) ...`) unless
// --raw is given, so piping or capturing the output shows exactly what the terminal shows.
import { CliExit, CliSession } from "./session.ts";
import { type CliOptions, parseCliArgs, usageText } from "./options.ts";
import { type CliOutput, processOutput, StdoutClosed } from "./output.ts";
import { type LineSource, runRepl, StdinLines } from "./repl.ts";
import { History, historyFilePath } from "./history.ts";
import { TerminalLineReader } from "./terminal.ts";
import { splitArgs } from "../protocol/split_args.ts";
import { CLI_VERSION } from "./help.ts";
import { concatBytes } from "./bytes.ts";

const encoder = new TextEncoder();

/** Runs the client with the arguments after "cli"; resolves to the process exit code. */
export async function runCli(argv: string[], out: CliOutput = processOutput): Promise<number> {
  const parsed = parseCliArgs(argv);
  switch (parsed.kind) {
    case "help":
      await out.stdout(usageText());
      return 0;
    case "version":
      await out.stdout(`ironcache cli ${CLI_VERSION}\n`);
      return 0;
    case "error":
      await out.stderr(parsed.message + "\n");
      return 1;
  }
  const { options, command } = parsed;
  if (options.password !== undefined && !options.noAuthWarning) {
    await out.stderr(
      "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
    );
  }
  // Like REDISCLI_AUTH: a password that stays out of `ps`; -a and -u win over it.
  options.password ??= Deno.env.get("IRONCACHE_CLI_AUTH");

  const session = new CliSession(options, out, command.length === 0);
  try {
    return command.length > 0
      ? await runOneShot(session, options, command, out)
      : await runInteractive(session, options, out);
  } catch (e) {
    if (e instanceof CliExit) return e.code;
    // No reader left: stop quietly. redis-cli's repl ignores SIGPIPE and ends with 0; a
    // one-shot redis-cli dies of SIGPIPE, which shells report as 141.
    if (e instanceof StdoutClosed) return command.length > 0 ? 141 : 0;
    throw e;
  } finally {
    session.close();
  }
}

/** `ironcache cli SET a b`: exit 1 only when the command could not be run at all (or -e). */
async function runOneShot(
  session: CliSession,
  options: CliOptions,
  command: string[],
  out: CliOutput,
): Promise<number> {
  const args = options.quotedInput ? unquoteArgs(command) : command.map((a) => encoder.encode(a));
  if (!args) {
    await out.stdout("Invalid quoted string\n");
    return 1;
  }
  if (options.stdinLastArg) args.push(await readAll(Deno.stdin));
  await session.connect(true); // quiet: run() reports the failure when it retries
  return await session.run(args) ? 0 : 1;
}

/** The prompt at a terminal, or the commands piped on stdin; both exit 0 at the end. */
async function runInteractive(
  session: CliSession,
  options: CliOptions,
  out: CliOutput,
): Promise<number> {
  await session.connect(); // a failure is reported here and retried before each command
  const atTerminal = Deno.stdin.isTerminal();
  const history = atTerminal
    ? await History.load(historyFilePath((name) => Deno.env.get(name)))
    : null;
  const lines: LineSource = atTerminal ? terminalLines(history!) : new StdinLines();

  // Ctrl-C leaves SUBSCRIBE/MONITOR (or ends a running command); at the prompt it ends the
  // session. At the terminal prompt the line editor sees Ctrl-C as a key instead.
  let interruptAtPrompt = () => {};
  const interrupted = new Promise<void>((resolve) => interruptAtPrompt = resolve);
  const onSigint = () => {
    if (!session.interrupt()) interruptAtPrompt();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    return await runRepl(session, lines, { out, history, showTiming: !options.raw, interrupted });
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

function terminalLines(history: History): LineSource {
  const reader = new TerminalLineReader();
  return {
    async next(prompt) {
      const line = await reader.readLine(prompt, history.entries);
      return line === null ? null : encoder.encode(line);
    },
  };
}

/** --quoted-input: every argument is one sdssplitargs-quoted word. */
function unquoteArgs(command: string[]): Uint8Array[] | null {
  const args: Uint8Array[] = [];
  for (const word of command) {
    const split = splitArgs(word);
    if (!split || split.length !== 1) return null;
    args.push(split[0]);
  }
  return args;
}

async function readAll(
  input: { read(p: Uint8Array): Promise<number | null> },
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const chunk = new Uint8Array(64 * 1024);
  for (let n = await input.read(chunk); n !== null; n = await input.read(chunk)) {
    chunks.push(chunk.slice(0, n));
  }
  return concatBytes(chunks);
}

if (import.meta.main) Deno.exit(await runCli(Deno.args));
