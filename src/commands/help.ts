// The HELP subcommands' reply (Redis's addReplyHelp): a header naming the command as typed,
// the command's own lines, and the HELP entry, each as a status line.
import type { CommandContext } from "./spec.ts";

export function writeHelp(ctx: CommandContext, lines: readonly string[]): void {
  const { out } = ctx;
  out.arrayHeader(lines.length + 3);
  out.simple(
    `${ctx.args.text(0).toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
  );
  for (const line of lines) out.simple(line);
  out.simple("HELP");
  out.simple("    Prints this help.");
}

/** Redis's addReplySubcommandSyntaxError: the subcommand exists but not with these arguments. */
export function errSubcommandSyntax(ctx: CommandContext): string {
  const sub = ctx.args.cText(1).slice(0, 128);
  const command = ctx.args.text(0).toUpperCase();
  return `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${command} HELP.`;
}
