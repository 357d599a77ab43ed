// Helpers shared by the AOF integration tests: commands as plain values, a whole dataset read
// key by key (so two servers can be compared with readable diffs), the files a server left,
// an RDB base's comparable contents, temp dirs and tools.
import assert from "node:assert/strict";
import { RawConnection } from "./servers.ts";
import { nodeText, parseFrame, type RespNode } from "../differential/resp.ts";
import { readRdbFile } from "../../src/persistence/rdb/file.ts";

const dec = new TextDecoder();
export type Reply = string | number | null | Reply[] | { error: string };

/** A RESP2 reply as plain values. */
function toReply(n: RespNode): Reply {
  if ((n.type === "$" || n.type === "*") && nodeText(n) === "-1" && !n.payload) return null;
  if (n.type === "-") return { error: nodeText(n) };
  if (n.type === ":") return Number(nodeText(n));
  return n.children ? n.children.map(toReply) : nodeText(n);
}

export async function call(c: RawConnection, ...args: string[]): Promise<Reply> {
  return toReply(parseFrame(await c.command(...args)));
}

/** Every key of every db: type, value (sets and hashes sorted) and absolute expiry. */
export async function dataset(port: number): Promise<Map<string, string>> {
  const c = await RawConnection.open(port);
  const out = new Map<string, string>();
  try {
    for (let db = 0; db < 16; db++) {
      await call(c, "SELECT", String(db));
      const keys = (await call(c, "KEYS", "*")) as string[];
      for (const key of keys) {
        const type = (await call(c, "TYPE", key)) as string;
        const read: Record<string, string[]> = {
          string: ["GET", key],
          list: ["LRANGE", key, "0", "-1"],
          set: ["SMEMBERS", key],
          zset: ["ZRANGE", key, "0", "-1", "WITHSCORES"],
          hash: ["HGETALL", key],
        };
        let value = await call(c, ...read[type]);
        if (type === "set") value = (value as string[]).sort();
        if (type === "hash") {
          const pairs = value as string[];
          value = pairs.map((_, i) => i % 2 ? "" : `${pairs[i]}=${pairs[i + 1]}`).filter(Boolean)
            .sort();
        }
        const expireAt = await call(c, "PEXPIRETIME", key);
        out.set(`${db}:${key}`, JSON.stringify([type, value, expireAt]));
      }
    }
  } finally {
    c.close();
  }
  return out;
}

export function assertSameDataset(
  actual: Map<string, string>,
  expected: Map<string, string>,
): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [key, value] of expected) assert.equal(actual.get(key), value, key);
}

export async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "ironcache-aof-" });
}

export async function run(
  cmd: string,
  args: string[],
  /** A server that should refuse to start but serves is killed after this (code 143). */
  timeoutMs = 20_000,
): Promise<{ code: number; out: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", signal })
    .output();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Every file and directory under `dir`, relative to it (directories end with /). */
export function tree(dir: string, under = ""): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${under}`)) {
    const rel = `${under}${e.name}`;
    if (e.isDirectory) names.push(`${rel}/`, ...tree(dir, `${rel}/`));
    else names.push(rel);
  }
  return names.sort();
}

/** AUX fields that differ by nature between two servers' saves: when, and the memory used. */
const VARYING_AUX = new Set(["ctime", "used-mem"]);

/**
 * What two servers' RDB files (an AOF base) must agree on: the version, the AUX fields' names
 * in order and their values but for VARYING_AUX, and every database's keys. Throws if the
 * file does not load (signature, version, CRC-64).
 */
export function rdbContents(bytes: Uint8Array) {
  const { version, aux, databases } = readRdbFile(bytes);
  return {
    version,
    aux: aux.map(([name, value]) => [name, VARYING_AUX.has(name) ? "*" : value]),
    databases,
  };
}
