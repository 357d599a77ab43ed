// Differential sweep (exploratory, not a test): sends the same pseudo-random argument lists, made
// of odd words (option words, NUL-ended words, Object.prototype's names, huge numbers, ranges),
// to every IronCache command against a running IronCache and a running redis-server, the
// dataset rebuilt before each, and prints the commands whose replies differ. What it finds
// becomes a differential case in tests/differential/cases/.
//
//   ./ironcache server --port 7781 --shards 2 --save "" &  redis-server --port 7782 --save "" &
//   node_modules/.bin/deno run -A scripts/differential_sweep.ts 7781 7782 [command]
//   [command]: one command, or several separated by commas (then even those SKIP leaves out)
//   env: SEED (12345), MAXARGS (6 arguments at most), PER (60 lists per command), RESP3=1,
//   ERRORS_ONLY=1 (count a difference only when one side is an error: for commands whose
//   replies differ by nature, such as CLIENT LIST), IN_MULTI=1 (each list inside MULTI/EXEC)
//
// Expected differences: replies in a hash table's order (SMEMBERS of a hashtable set...).
import { WireConnection } from "../tests/differential/wire.ts";
import { type Arg, bytes, resp } from "../tests/differential/case.ts";

const [ironPort, redisPort] = Deno.args.slice(0, 2).map(Number);
const only = Deno.args[2];
const ERRORS_ONLY = Deno.env.get("ERRORS_ONLY") === "1";
const IN_MULTI = Deno.env.get("IN_MULTI") === "1";
const td = new TextDecoder("latin1");
const POPULATE: Arg[][] = [
  ["FLUSHALL"],
  ["SET", "s", "hello"],
  ["SET", "n", "10"],
  ["RPUSH", "l", "a", "b", "c"],
  ["HSET", "h", "f", "v", "g", "1"],
  ["SADD", "st", "a", "b"],
  ["SADD", "si", "1", "2"],
  ["ZADD", "z", "1", "a", "2", "b"],
  ["PFADD", "hl", "a"],
];
const SKIP = new Set([
  "shutdown",
  "debug",
  "monitor",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "sync",
  "psync",
  "blpop",
  "brpop",
  "blmove",
  "brpoplpush",
  "blmpop",
  "bzpopmin",
  "bzpopmax",
  "bzmpop",
  "spop",
  "srandmember",
  "randomkey",
  "hrandfield",
  "zrandmember",
  "time",
  "lolwut",
  "client",
  "config",
  "info",
  "command",
  "acl",
  "hello",
  "reset",
  "quit",
  "save",
  "bgsave",
  "bgrewriteaof",
  "lastsave",
  "slowlog",
  "latency",
  "memory",
  "wait",
  "failover",
  "replicaof",
  "slaveof",
  "pfselftest",
  "pfdebug",
  "dump",
  "swapdb",
  "auth",
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "role",
  "keys",
  "scan",
  "flushall",
  "flushdb",
  "pubsub",
  "publish",
  "spublish",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "restore-asking",
  "migrate",
  "readonly",
  "readwrite",
  "asking",
  "cluster",
  "module",
  "function",
  "fcall",
  "fcall_ro",
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "script",
  "xadd",
  "xadd",
]);
const WORDS: Arg[] = [
  // subcommand and option words of the server commands
  "ID",
  "LIST",
  "KILL",
  "INFO",
  "GETNAME",
  "SETNAME",
  "ENCODING",
  "FREQ",
  "USAGE",
  "SAMPLES",
  "HELP",
  "RESET",
  "LEN",
  "DOCS",
  "GETKEYS",
  "USER",
  "ADDR",
  "SKIPME",
  "yes",
  "no",
  "ON",
  "OFF",
  "NOSAVE",
  "ASYNC",
  "SYNC",
  "DB",
  "REPLACE",
  "ABSTTL",
  "IDLETIME",
  "PERSIST",
  "EX",
  "PX",
  "KEEPTTL",
  "s",
  "n",
  "l",
  "h",
  "st",
  "si",
  "z",
  "hl",
  "missing",
  "",
  "0",
  "1",
  "-1",
  "2",
  "10",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "1.5",
  "inf",
  "-inf",
  "nan",
  "+inf",
  "(1",
  "[a",
  "-",
  "+",
  "constructor",
  "__proto__",
  "toString",
  bytes("NX\0"),
  "NX",
  "XX",
  "GT",
  "LT",
  "CH",
  "INCR",
  "WITHSCORES",
  "LIMIT",
  "COUNT",
  "MATCH",
  "BYSCORE",
  "BYLEX",
  "REV",
  "LEFT",
  "RIGHT",
  "BEFORE",
  "AFTER",
  "RANK",
  "MAXLEN",
  "WEIGHTS",
  "AGGREGATE",
  "SUM",
  "MIN",
  "MAX",
  "GET",
  "SET",
  "INCRBY",
  "OVERFLOW",
  "FAIL",
  "u8",
  "i64",
  "#1",
  "BIT",
  "BYTE",
  "AND",
  "OR",
  "NOT",
  "WITHVALUES",
  "TYPE",
  "string",
  bytes("\0"),
  bytes("\xff"),
  "a",
  "b",
  "f",
  "v",
  "*",
];

async function send(c: WireConnection, cmd: Arg[]): Promise<string> {
  await c.write(resp(...cmd));
  const r = await c.readFrame(2000);
  return r.kind + ":" + td.decode(r.bytes);
}
async function run(cmdLists: Arg[][]) {
  const ic = await WireConnection.open(ironPort), rc = await WireConnection.open(redisPort);
  if (Deno.env.get("RESP3")) {
    await send(ic, ["HELLO", "3"]);
    await send(rc, ["HELLO", "3"]);
  }
  let diffs = 0;
  for (const cmd of cmdLists) {
    for (const p of POPULATE) {
      await send(ic, p);
      await send(rc, p);
    }
    // IN_MULTI=1: each list is queued in a MULTI and run by EXEC (queue-time against run-time
    // errors); the three replies are compared together.
    const run = async (c: WireConnection) =>
      IN_MULTI
        ? (await send(c, ["MULTI"])) + (await send(c, cmd)) + (await send(c, ["EXEC"]))
        : await send(c, cmd);
    const a = await run(ic), b = await run(rc);
    // ERRORS_ONLY: replies that differ by nature (ids, addresses, times) are left out unless
    // one side is an error or the connection ended.
    const counts = !ERRORS_ONLY || [a, b].some((r) => !r.startsWith("ok:") || r.startsWith("ok:-"));
    if (a !== b && counts) {
      diffs++;
      console.log(
        JSON.stringify(cmd.map((x) => typeof x === "string" ? x : td.decode(x))),
        "\n  iron :",
        JSON.stringify(a.slice(0, 200)),
        "\n  redis:",
        JSON.stringify(b.slice(0, 200)),
      );
      if (a.startsWith("closed") || a.startsWith("timeout")) {
        ic.close?.();
        return diffs;
      }
    }
  }
  return diffs;
}
// Commands and arities from IronCache's COMMAND.
const probe = await WireConnection.open(ironPort);
await probe.write(resp("COMMAND", "LIST"));
const names = td.decode((await probe.readFrame()).bytes).split("\r\n").filter((l) =>
  l && !/^[*$]/.test(l)
);
// deterministic PRNG
let seed = Number(Deno.env.get("SEED") ?? 12345);
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const lists: Arg[][] = [];
for (const name of names.sort()) {
  if (name.includes("|")) continue;
  // Commands named on the command line are swept even when SKIP lists them.
  if (only ? !only.split(",").includes(name) : SKIP.has(name)) continue;
  for (let t = 0; t < Number(Deno.env.get("PER") ?? 60); t++) {
    const argc = 1 + rnd(Number(Deno.env.get("MAXARGS") ?? 6));
    const cmd: Arg[] = [name];
    for (let i = 0; i < argc; i++) cmd.push(WORDS[rnd(WORDS.length)]);
    lists.push(cmd);
  }
}
console.log("probes", lists.length);
console.log("diffs", await run(lists));
