// The ACL log (Redis 7.0's ACLLog): denied commands, keys, channels and failed AUTHs, newest
// first, similar events within 60 s folded into one entry with a count. Each shard logs its
// own clients' events; ACL LOG merges the shards' entries (mergeLogs).

export type DenialReason = "command" | "key" | "channel" | "auth";

export interface LogEntry {
  count: number;
  reason: DenialReason;
  context: "toplevel" | "multi" | "lua" | "module";
  /** The command's full name, the key or channel, or "AUTH" as typed. */
  object: string;
  username: string;
  /** Last update, ms since the epoch. */
  ctime: number;
  /** The client's CLIENT INFO line at the last update. */
  clientInfo: string;
}

/** Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA. */
const GROUPING_MS = 60000;

function similar(a: LogEntry, b: LogEntry): boolean {
  return a.reason === b.reason && a.context === b.context &&
    Math.abs(a.ctime - b.ctime) <= GROUPING_MS && a.object === b.object &&
    a.username === b.username;
}

export class AclLog {
  entries: LogEntry[] = [];
  maxLen = 128;

  /** addACLLogEntry: fold into one of the 10 newest similar entries, or add at the head. */
  add(entry: LogEntry): void {
    const match = this.entries.slice(0, 10).findIndex((e) => similar(e, entry));
    if (match >= 0) {
      const [e] = this.entries.splice(match, 1);
      e.clientInfo = entry.clientInfo;
      e.ctime = entry.ctime;
      e.count++;
      this.entries.unshift(e);
      return;
    }
    this.entries.unshift(entry);
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

/** Several shards' logs as one: newest first, similar entries folded as Redis would. */
export function mergeLogs(logs: LogEntry[][], maxLen: number): LogEntry[] {
  const nonEmpty = logs.filter((l) => l.length);
  if (nonEmpty.length <= 1) return (nonEmpty[0] ?? []).slice(0, maxLen);
  // Oldest first, replayed; the sort is stable, so each log keeps its own order on ties.
  const all = nonEmpty.flatMap((l) => [...l].reverse()).sort((a, b) => a.ctime - b.ctime);
  const merged = new AclLog();
  merged.maxLen = maxLen;
  for (const e of all) {
    const before = merged.entries.find((m) => similar(m, e));
    if (before && merged.entries.indexOf(before) < 10) {
      merged.entries.splice(merged.entries.indexOf(before), 1);
      merged.entries.unshift({ ...e, count: before.count + e.count });
    } else {
      merged.add({ ...e });
    }
  }
  return merged.entries;
}
