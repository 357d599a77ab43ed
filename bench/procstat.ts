// Server-side cost from /proc: CPU time of all of a process's threads, resident memory, and
// finding the process that listens on a local TCP port. Linux only; every reader returns null
// where /proc cannot answer (another OS, a remote server, a process that went away).
//
// Deno 2 lets only --allow-all read /proc directly; under the launcher's narrower permissions
// (--allow-read plus --allow-run) the files are read through `cat`/`sh` instead. The samples
// are taken just before and after a run, so the extra process costs the server nothing.

let direct: boolean | null = null; // can this process read /proc itself?

function canReadDirect(): boolean {
  if (direct === null) {
    try {
      Deno.readTextFileSync("/proc/self/stat");
      direct = true;
    } catch {
      direct = false;
    }
  }
  return direct;
}

/** Runs `sh -c script`; its stdout, or null when it failed or running is not allowed. */
function shell(script: string): string | null {
  try {
    const out = new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "null", stdin: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** A /proc (or other system) text file, directly or through cat; null when unreadable. */
export function readSystemFile(path: string): string | null {
  if (canReadDirect()) {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return null;
    }
  }
  return shell(`cat '${path.replace(/'/g, "")}' 2>/dev/null`);
}

/** CPU time (user + sys) of every thread of `pid`, in nanoseconds, and where it came from. */
export interface CpuSample {
  ns: number;
  source: "schedstat" | "stat";
}

/**
 * Sums the first field of /proc/PID/task/TID/schedstat (ns on CPU, user + sys) over all live
 * threads: nanosecond resolution. Falls back to utime + stime of /proc/PID/stat (clock ticks,
 * which also counts threads that already exited) when schedstat is unavailable.
 */
export function cpuTime(pid: number): CpuSample | null {
  pid = Math.trunc(pid);
  let schedstats: string | null = null;
  if (canReadDirect()) {
    const texts: string[] = [];
    try {
      for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
        try {
          texts.push(Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/schedstat`));
        } catch { /* the thread exited between the listing and the read */ }
      }
      schedstats = texts.join("");
    } catch {
      return null;
    }
  } else {
    schedstats = shell(`cat /proc/${pid}/task/*/schedstat 2>/dev/null; true`);
  }
  const ns = schedstats ? sumSchedstat(schedstats) : null;
  if (ns !== null) return { ns, source: "schedstat" };
  const stat = readSystemFile(`/proc/${pid}/stat`);
  const ticks = stat ? statUserSysTicks(stat) : null;
  return ticks === null ? null : { ns: ticks * 1e7, source: "stat" }; // USER_HZ is 100 on Linux
}

/** The sum of the first field (ns on CPU) of concatenated schedstat lines; null when none. */
export function sumSchedstat(text: string): number | null {
  let total = 0;
  let seen = 0;
  for (const line of text.split("\n")) {
    const v = Number(line.split(" ")[0]);
    if (line.trim() && Number.isFinite(v)) {
      total += v;
      seen++;
    }
  }
  return seen ? total : null;
}

/** utime + stime (fields 14 and 15) of a /proc/PID/stat line; the command name may hold spaces. */
export function statUserSysTicks(stat: string): number | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(" "); // fields[0] is field 3 (state)
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** VmRSS of `pid` in bytes, or null. */
export function rssBytes(pid: number): number | null {
  const status = readSystemFile(`/proc/${Math.trunc(pid)}/status`);
  return status ? parseVmRss(status) : null;
}

export function parseVmRss(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/** Thread count of `pid` (for the report), or null. */
export function threadCount(pid: number): number | null {
  const status = readSystemFile(`/proc/${Math.trunc(pid)}/status`);
  const m = status ? /^Threads:\s+(\d+)/m.exec(status) : null;
  return m ? Number(m[1]) : null;
}

/** The whole machine's CPU time so far, from /proc/stat's "cpu" line, in nanoseconds: busy
 * (user, nice, system, irq, softirq, steal) and idle (idle, iowait). */
export interface MachineCpu {
  busyNs: number;
  idleNs: number;
}

export function machineCpu(): MachineCpu | null {
  const text = readSystemFile("/proc/stat");
  return text ? parseProcStatCpu(text) : null;
}

/** The aggregate "cpu" line of a /proc/stat text (USER_HZ ticks, 100 per second on Linux);
 * guest time is already inside user and nice. */
export function parseProcStatCpu(text: string): MachineCpu | null {
  const m = /^cpu\s+(.+)$/m.exec(text);
  if (!m) return null;
  const f = m[1].trim().split(/\s+/).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busyNs: (user + nice + system + irq + softirq + steal) * 1e7, idleNs: (idle + iowait) * 1e7 };
}

/**
 * The pid of the process that has a socket listening on local TCP `port` (any local address),
 * from /proc/net/tcp{,6} and the /proc/PID/fd links. Needs permission to read other processes'
 * fd tables (root, or the same user). Null when not found.
 */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const table = readSystemFile(file);
    if (table) for (const inode of listeningInodes(table, port)) inodes.add(inode);
  }
  if (inodes.size === 0) return null;
  if (!canReadDirect()) {
    // ss names the owner of a listening socket: users:(("redis-server",pid=9037,fd=6))
    const m = /pid=(\d+)/.exec(shell(`ss -Hltnp 'sport = :${Math.trunc(port)}'`) ?? "");
    return m ? Number(m[1]) : null;
  }
  try {
    for (const proc of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(proc.name)) continue;
      try {
        for (const fd of Deno.readDirSync(`/proc/${proc.name}/fd`)) {
          try {
            const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${proc.name}/fd/${fd.name}`));
            if (m && inodes.has(m[1])) return Number(proc.name);
          } catch { /* fd closed meanwhile */ }
        }
      } catch { /* not ours to read, or gone */ }
    }
  } catch {
    return null;
  }
  return null;
}

/** Inodes of the LISTEN (state 0A) sockets on `port` in a /proc/net/tcp table. */
export function listeningInodes(table: string, port: number): string[] {
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const localPort = parseInt(f[1].split(":")[1] ?? "", 16);
    if (localPort === port && f[3] === "0A") out.push(f[9]);
  }
  return out;
}

/** Pin every thread of `pid` to `cpus` (a taskset list such as "0" or "0-1"). */
export async function pinProcess(pid: number, cpus: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("taskset", { args: ["-a", "-c", "-p", cpus, String(pid)], stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Facts about this machine for the report. */
export function machineInfo(): Record<string, string | number> {
  const read = (p: string) => readSystemFile(p) ?? "";
  const cpuinfo = read("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(read("/proc/meminfo"))?.[1] ?? 0);
  const os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(read("/etc/os-release"))?.[1] ?? Deno.build.os;
  return {
    cpu: model,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(memKb / 1024 / 1024 * 10) / 10,
    kernel: read("/proc/sys/kernel/osrelease").trim() || "unknown",
    os,
    deno: Deno.version.deno,
    loadavg: loadAverage(),
  };
}

export function loadAverage(): string {
  const text = readSystemFile("/proc/loadavg");
  return text ? text.split(" ").slice(0, 3).join(" ") : "n/a";
}
