// The `ironcache` command: one executable, several subcommands (server is the default).
import { IRONCACHE_VERSION, REDIS_COMPAT_VERSION } from "./version.ts";

const HELP = `IronCache ${IRONCACHE_VERSION}: a Redis-compatible in-memory cache

Usage: ironcache [SUBCOMMAND] [OPTIONS]

Subcommands:
  server [redis.conf] [--config FILE] [--KEY VALUE ...]
                     start the server (the default); any config key works as a flag
  cli [-h HOST] [-p PORT] [-a PASS] [--user USER] [-n DB] [--resp3] [COMMAND ...]
                     a redis-cli compatible client
  config [FLAGS]     print the effective configuration and where each value came from
  check [FLAGS]      validate a configuration (exit 1 with one line per problem)
  bench [OPTIONS]    benchmark IronCache against redis-server
  version            print the version
  help               this text

Run 'ironcache SUBCOMMAND --help' for a subcommand's options.`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  // Like redis-server, flags or a config file path alone mean "server".
  if (
    first === undefined || first.startsWith("--") && first !== "--help" && first !== "--version" ||
    first.endsWith(".conf") || first.endsWith(".toml")
  ) {
    return await server(argv);
  }
  switch (first) {
    case "server":
      return await server(rest);
    case "cli": {
      const { runCli } = await import("./cli/main.ts");
      return await runCli(rest);
    }
    case "config": {
      const { runConfigCommand } = await import("./config/commands.ts");
      return await runConfigCommand(rest);
    }
    case "check": {
      const { runCheckCommand } = await import("./config/commands.ts");
      return await runCheckCommand(rest);
    }
    case "bench": {
      const { runBench } = await import("../bench/runner.ts");
      return await runBench(rest);
    }
    case "version":
    case "--version":
    case "-v":
      console.log(
        `IronCache ${IRONCACHE_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible; Deno ${Deno.version.deno}, V8 ${Deno.version.v8})`,
      );
      return 0;
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return 0;
    default:
      console.error(`ironcache: unknown subcommand '${first}' (see 'ironcache help')`);
      return 2;
  }
}

async function server(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    const { serverUsage } = await import("./config/usage.ts");
    console.log(serverUsage());
    return 0;
  }
  const { runServer } = await import("./server/server.ts");
  return await runServer(argv);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
