// redactedArgs (src/acl/redact.ts) against redis-server's own redaction: each command runs on
// a real redis-server with every command logged to SLOWLOG, and the logged arguments must be
// exactly what redactedArgs makes of the command.
import assert from "node:assert/strict";
import { RawConnection, startRedis } from "../helpers/servers.ts";
import { commandByName } from "../../src/commands/table.ts";
import { redactedArgs } from "../../src/acl/redact.ts";
import { parseFrame } from "../differential/resp.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

const COMMANDS: string[][] = [
  ["AUTH", "onlypass"],
  ["AUTH", "default", "wrong"],
  ["HELLO", "3", "AUTH", "default", "wrong"],
  ["HELLO", "2", "SETNAME", "foo", "AUTH", "default", "wrong"],
  ["HELLO", "2", "SETNAME", "bar"],
  ["ACL", "SETUSER", "bob", "on", ">secret", "~*"],
  ["ACL", "WHOAMI"],
  ["CONFIG", "SET", "requirepass", "", "maxmemory", "0"],
  ["CONFIG", "SET", "masterauth", "x", "masteruser", "y"],
  ["CONFIG", "SET", "tls-key-file-pass", "kp"],
  ["SET", "auth", "requirepass"],
];

function specOf(argv: string[]) {
  const sub = commandByName(`${argv[0]}|${argv[1]}`);
  return sub ?? commandByName(argv[0])!;
}

Deno.test("redactedArgs hides what Redis 7.0 hides from SLOWLOG", async () => {
  const redis = await startRedis(["--slowlog-log-slower-than", "0", "--slowlog-max-len", "100"]);
  const conn = await RawConnection.open(redis.port);
  try {
    for (const cmd of COMMANDS) await conn.command(...cmd);
    const log = parseFrame(await conn.command("SLOWLOG", "GET", "100"));
    // Newest first; each entry's 4th element is its argument list.
    const logged = log.children!.map((e) =>
      e.children![3].children!.map((a) => dec.decode(a.payload))
    )
      .reverse();
    for (const cmd of COMMANDS) {
      const seen = logged.find((args) =>
        args.length === cmd.length && args[0] === cmd[0] &&
        args.every((a, i) => a === cmd[i] || a === "(redacted)")
      );
      assert.ok(seen, `${cmd.join(" ")} not in the slow log`);
      const ours = redactedArgs(specOf(cmd), cmd.map((a) => enc.encode(a))).map((a) =>
        dec.decode(a)
      );
      assert.deepEqual(ours, seen, cmd.join(" "));
    }
  } finally {
    conn.close();
    await redis.stop();
  }
});
