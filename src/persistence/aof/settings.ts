// The AOF settings from a shard's (or the main thread's) configuration.
import { join } from "node:path";
import type { AofSettings } from "./writer.ts";

export const AOF_CONFIG_KEYS = new Set([
  "appendonly",
  "appendfsync",
  "dir",
  "appenddirname",
  "appendfilename",
  "auto-aof-rewrite-percentage",
  "auto-aof-rewrite-min-size",
  "aof-use-rdb-preamble",
  "rdbchecksum",
]);

export function aofSettings(get: (name: string) => unknown): AofSettings {
  return {
    appendonly: get("appendonly") === true,
    appendfsync: String(get("appendfsync")) as AofSettings["appendfsync"],
    directory: join(String(get("dir")), String(get("appenddirname"))),
    prefix: String(get("appendfilename")),
    autoRewritePercentage: Number(get("auto-aof-rewrite-percentage")),
    autoRewriteMinSize: Number(get("auto-aof-rewrite-min-size")),
    rdbPreamble: get("aof-use-rdb-preamble") === true,
    rdbChecksum: get("rdbchecksum") === true,
  };
}
