// Bulk preparation of a server's keyspace over one pipelined connection: FLUSHALL, every string
// key of a keyspace, and the sorted set of the ZRANGE workload.
import { RespClient } from "./resp.ts";
import { ZSET_KEY } from "./workloads.ts";
import type { ServerHandle } from "./servers.ts";

async function withClient<T>(server: ServerHandle, f: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await RespClient.connect(server.host, server.port);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

function check(what: string, server: ServerHandle, r: { errors: string[] }) {
  if (r.errors.length) throw new Error(`${what} on ${server.label} got error replies: ${r.errors.slice(0, 3).join("; ")}`);
}

export async function flushAll(server: ServerHandle): Promise<void> {
  const r = await withClient(server, (c) => c.command("FLUSHALL"));
  if (r !== "OK") throw new Error(`FLUSHALL on ${server.label} replied ${JSON.stringify(r)}`);
}

export async function dbSize(server: ServerHandle): Promise<number | null> {
  const r = await withClient(server, (c) => c.command("DBSIZE")).catch(() => null);
  return typeof r === "number" ? r : null;
}

/** SET keyName(i) to a `dataSize`-byte value for every i below `keys`. */
export async function fillStrings(server: ServerHandle, keys: number, dataSize: number, keyName: (i: number) => string): Promise<void> {
  const value = "x".repeat(dataSize);
  function* commands() {
    for (let i = 0; i < keys; i++) yield ["SET", keyName(i), value];
  }
  check("the string fill", server, await withClient(server, (c) => c.pipeline(commands())));
}

/** ZADD ZSET_KEY with `members` entries (100 per command). */
export async function fillZset(server: ServerHandle, members: number, entry: (i: number) => [string, string]): Promise<void> {
  function* commands() {
    for (let i = 0; i < members; i += 100) {
      const cmd = ["ZADD", ZSET_KEY];
      for (let j = i; j < Math.min(members, i + 100); j++) cmd.push(...entry(j));
      yield cmd;
    }
  }
  check("the sorted-set fill", server, await withClient(server, (c) => c.pipeline(commands(), 50)));
}

/** HSET keyName(i) with `fields` fields `field<j>` = `value:<i>:<j>`, one command per key: the
 * "small hashes" shape of issue #5's memory target. */
export async function fillHashes(server: ServerHandle, keys: number, fields: number, keyName: (i: number) => string): Promise<void> {
  function* commands() {
    for (let i = 0; i < keys; i++) {
      const cmd = ["HSET", keyName(i)];
      for (let j = 0; j < fields; j++) cmd.push(`field${j}`, `value:${i}:${j}`);
      yield cmd;
    }
  }
  check("the hash fill", server, await withClient(server, (c) => c.pipeline(commands())));
}
