// THE config table: one entry per key. Parsing (TOML, redis.conf, env, flags), validation,
// CONFIG GET/SET, `ironcache config`, --help text and docs/configuration.md all derive from it.
// To add a key, add one entry here (then run scripts/gen-config-doc.ts).
import { INT_MAX, LLONG_MAX, UINT_MAX, ULLONG_MAX } from "./redis-numbers.ts";
import {
  addressListType,
  boolType,
  directoryType,
  enumType,
  fileNameType,
  intType,
  keyspaceEventsType,
  metricsAddressProblem,
  outputBufferLimitsType,
  percentileListType,
  saveParamsType,
  sizeType,
  stringType,
} from "./value-types.ts";
import type { ValueType } from "./types.ts";

export interface ConfigEntry {
  /** Redis's spelling (what CONFIG GET prints). */
  name: string;
  type: ValueType;
  /** The default as a Redis argument ("512mb"); a function when it depends on the machine. */
  default: string | (() => string);
  /** What the docs say instead of a machine-dependent default. */
  defaultDoc?: string;
  /** settable: CONFIG SET works. immutable: restart-only. protected: refused like Redis's
   *  PROTECTED_CONFIG keys while enable-protected-configs is "no" (its default). */
  configSet: "settable" | "immutable" | "protected";
  description: string;
  /** IronCache's extra spellings, accepted everywhere but not listed by CONFIG GET. */
  aliases?: string[];
  /** Redis's own alternative names: listed by CONFIG GET globs as separate entries, like Redis. */
  redisAliases?: string[];
  /** Environment variable, when not IRONCACHE_ + the name in upper snake case. */
  env?: string;
  /** Hidden from `ironcache config` output (still returned by CONFIG GET, as Redis does). */
  sensitive?: boolean;
}

/** An entry's default as a Redis argument (computed for machine-dependent ones). */
export function defaultRaw(entry: ConfigEntry): string {
  return typeof entry.default === "function" ? entry.default() : entry.default;
}

/** The text to parse for a setting: a relative type's value applies on top of the current
 *  text (see ValueType.relative; "" changes nothing, as in Redis). */
export function relativeRaw(entry: ConfigEntry, current: string, raw: string): string {
  if (!entry.type.relative) return raw;
  return raw === "" ? current : `${current} ${raw}`;
}

const MB = 1024n * 1024n;

function cpuCount(): string {
  const n = navigator.hardwareConcurrency || 1;
  return String(Math.min(256, Math.max(1, n)));
}

export const CONFIG_TABLE: readonly ConfigEntry[] = [
  // Network
  {
    name: "port",
    type: intType(0n, 65535n),
    default: "6379",
    configSet: "immutable",
    description: "TCP port to listen on (0 = no TCP listener).",
  },
  {
    name: "bind",
    type: addressListType,
    default: "127.0.0.1",
    configSet: "immutable",
    description: 'Addresses to listen on, space-separated (e.g. "127.0.0.1 ::1").',
  },
  {
    name: "tls-port",
    type: intType(0n, 65535n),
    default: "0",
    configSet: "immutable",
    description: "TLS port to listen on (0 = no TLS listener); beside or instead of `port`.",
  },
  {
    name: "tls-cert-file",
    type: stringType(),
    default: "",
    configSet: "settable",
    description:
      "Server certificate (PEM, may hold the chain); CONFIG SET reloads it for new connections.",
  },
  {
    name: "tls-key-file",
    type: stringType(),
    default: "",
    configSet: "settable",
    description: "Private key of tls-cert-file (PEM).",
  },
  {
    name: "tls-key-file-pass",
    type: stringType(),
    default: "",
    configSet: "settable",
    sensitive: true,
    description: 'Passphrase of an encrypted tls-key-file ("" = not encrypted).',
  },
  {
    name: "tls-ca-cert-file",
    type: stringType(),
    default: "",
    configSet: "settable",
    description: "CA certificates (PEM) that client certificates are verified against.",
  },
  {
    name: "tls-ca-cert-dir",
    type: stringType(),
    default: "",
    configSet: "settable",
    description:
      "A directory whose PEM files are CA certificates too (read as a whole, not hashed).",
  },
  {
    name: "tls-auth-clients",
    type: enumType(["no", "yes", "optional"]),
    default: "yes",
    configSet: "settable",
    description:
      "Client certificates: yes = required, optional = verified when sent, no = not requested.",
  },
  {
    name: "tls-protocols",
    type: stringType(),
    default: "",
    configSet: "settable",
    description:
      'TLS versions to accept, e.g. "TLSv1.2 TLSv1.3" ("" = both; older ones are not supported).',
  },
  {
    name: "protected-mode",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "Refuse non-loopback clients when no password is set.",
  },
  {
    name: "enable-debug-command",
    type: enumType(["no", "yes", "local"]),
    default: "no",
    configSet: "immutable",
    description:
      "Allow the DEBUG command: no, yes, or local (loopback clients only). Off by default, like Redis.",
  },
  {
    name: "tcp-keepalive",
    type: intType(0n, INT_MAX),
    default: "300",
    configSet: "settable",
    description: "TCP keepalive interval in seconds (0 = off).",
  },
  {
    name: "timeout",
    type: intType(0n, INT_MAX),
    default: "0",
    configSet: "settable",
    description: "Close a client after this many idle seconds (0 = never).",
  },
  {
    name: "maxclients",
    type: intType(1n, UINT_MAX),
    default: "10000",
    configSet: "settable",
    description: "Maximum number of connected clients.",
  },
  {
    name: "requirepass",
    type: stringType(),
    default: "",
    configSet: "settable",
    sensitive: true,
    description: 'Password for the default user ("" = no password).',
  },
  {
    name: "aclfile",
    type: stringType(),
    default: "",
    configSet: "immutable",
    description:
      'ACL file for ACL LOAD / ACL SAVE, loaded at startup ("" = none; then `user` lines of a redis.conf define users).',
  },
  {
    name: "acllog-max-len",
    type: intType(0n, LLONG_MAX),
    default: "128",
    configSet: "settable",
    description: "Entries kept in the ACL log (ACL LOG).",
  },
  // Limits
  {
    name: "proto-max-bulk-len",
    type: sizeType(MB, LLONG_MAX),
    default: "512mb",
    configSet: "settable",
    description: "Largest bulk string a client may send.",
  },
  {
    name: "client-query-buffer-limit",
    type: sizeType(MB, LLONG_MAX),
    default: "1gb",
    configSet: "settable",
    description: "Largest query buffer of one client.",
  },
  {
    name: "client-output-buffer-limit",
    type: outputBufferLimitsType,
    default: "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60",
    configSet: "settable",
    description:
      "Per client class (normal, replica, pubsub): close a client whose unsent output exceeds HARD bytes, or SOFT bytes for more than SECONDS (0 = no limit).",
  },
  {
    name: "maxmemory",
    type: sizeType(0n, ULLONG_MAX),
    default: "0",
    configSet: "settable",
    description: "Memory limit for data (0 = no limit).",
  },
  {
    name: "maxmemory-policy",
    type: enumType([
      "volatile-lru",
      "volatile-lfu",
      "volatile-random",
      "volatile-ttl",
      "allkeys-lru",
      "allkeys-lfu",
      "allkeys-random",
      "noeviction",
    ]),
    default: "noeviction",
    configSet: "settable",
    description: "What to evict when maxmemory is reached.",
  },
  {
    name: "maxmemory-samples",
    type: intType(1n, INT_MAX),
    default: "5",
    configSet: "settable",
    description: "Keys sampled per db for each eviction (LRU, LFU and TTL policies).",
  },
  {
    name: "maxmemory-eviction-tenacity",
    type: intType(0n, 100n),
    default: "10",
    configSet: "settable",
    description:
      "How long one command may spend evicting (10 = 500 us, +15% per step above; 100 = no limit).",
  },
  {
    name: "lfu-log-factor",
    type: intType(0n, INT_MAX),
    default: "10",
    configSet: "settable",
    description: "How slowly the LFU counter grows: higher needs more hits per step.",
  },
  {
    name: "lfu-decay-time",
    type: intType(0n, INT_MAX),
    default: "1",
    configSet: "settable",
    description: "Minutes for the LFU counter to decay by one (0 = never).",
  },
  // Engine
  {
    name: "hll-sparse-max-bytes",
    type: sizeType(0n, LLONG_MAX),
    default: "3000",
    configSet: "settable",
    description: "Longest sparse HyperLogLog value (bytes) before it turns dense.",
  },
  {
    name: "shards",
    type: intType(1n, 256n),
    default: cpuCount,
    defaultDoc: "number of CPUs (max 256)",
    configSet: "immutable",
    description: "Worker shards the keyspace is split across (IronCache only).",
  },
  {
    name: "engine-huge-pages",
    type: boolType,
    default: "yes",
    configSet: "immutable",
    description:
      "Advise transparent huge pages for the engine memory: fewer TLB misses (IronCache only).",
  },
  {
    name: "databases",
    type: intType(1n, INT_MAX),
    default: "16",
    configSet: "immutable",
    description: "Number of logical databases (SELECT 0..N-1).",
  },
  {
    name: "hz",
    type: intType(0n, INT_MAX, [1n, 500n]),
    default: "10",
    configSet: "settable",
    description: "Background task frequency per second (applied within 1..500).",
  },
  // Encodings of small collections (Redis 7.0 names; the ziplist spellings are Redis's aliases)
  {
    name: "hash-max-listpack-entries",
    redisAliases: ["hash-max-ziplist-entries"],
    type: intType(0n, LLONG_MAX),
    default: "512",
    configSet: "settable",
    description: "A hash with more fields than this leaves the compact listpack encoding.",
  },
  {
    name: "hash-max-listpack-value",
    redisAliases: ["hash-max-ziplist-value"],
    type: sizeType(0n, LLONG_MAX), // a memory config in Redis: "1kb" is 1024
    default: "64",
    configSet: "settable",
    description:
      "A hash with a longer field or value than this (bytes) leaves the listpack encoding.",
  },
  {
    name: "set-max-intset-entries",
    type: intType(0n, LLONG_MAX),
    default: "512",
    configSet: "settable",
    description: "A set of integers with more members than this leaves the intset encoding.",
  },
  {
    name: "zset-max-listpack-entries",
    redisAliases: ["zset-max-ziplist-entries"],
    type: intType(0n, LLONG_MAX),
    default: "128",
    configSet: "settable",
    description: "A sorted set with more members than this becomes a skiplist.",
  },
  {
    name: "zset-max-listpack-value",
    redisAliases: ["zset-max-ziplist-value"],
    type: sizeType(0n, LLONG_MAX), // a memory config in Redis: "1kb" is 1024
    default: "64",
    configSet: "settable",
    description: "A sorted set with a longer member than this (bytes) becomes a skiplist.",
  },
  {
    name: "list-max-listpack-size",
    redisAliases: ["list-max-ziplist-size"],
    type: intType(-2147483648n, INT_MAX),
    default: "-2",
    configSet: "settable",
    description:
      "List node size: > 0 entries per node, -1..-5 a node of at most 4, 8, 16, 32 or 64 KB.",
  },
  // Logging and monitoring
  {
    name: "loglevel",
    aliases: ["log-level"],
    env: "IRONCACHE_LOG_LEVEL",
    type: enumType(["debug", "verbose", "notice", "warning"]),
    default: "notice",
    configSet: "settable",
    description: "Log verbosity.",
  },
  {
    name: "slowlog-log-slower-than",
    type: intType(-1n, LLONG_MAX),
    default: "10000",
    configSet: "settable",
    description: "Log commands slower than this many microseconds (-1 = off).",
  },
  {
    name: "slowlog-max-len",
    type: intType(0n, LLONG_MAX),
    default: "128",
    configSet: "settable",
    description: "Entries kept in the slow log.",
  },
  {
    name: "latency-monitor-threshold",
    type: intType(0n, LLONG_MAX),
    default: "0",
    configSet: "settable",
    description:
      "Record latency events (LATENCY) of at least this many milliseconds (0 = monitor off).",
  },
  {
    name: "latency-tracking",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "Keep per-command latency histograms (LATENCY HISTOGRAM, INFO latencystats).",
  },
  {
    name: "latency-tracking-info-percentiles",
    type: percentileListType,
    default: "50 99 99.9",
    configSet: "settable",
    description: "Percentiles INFO latencystats reports for each command.",
  },
  {
    name: "logfile",
    type: stringType(),
    default: "",
    configSet: "immutable",
    description: 'Append log lines to this file ("" = standard error).',
  },
  {
    name: "metrics-addr",
    type: stringType(metricsAddressProblem),
    default: "",
    configSet: "immutable",
    description:
      'Serve Prometheus /metrics, /livez and /readyz over HTTP on HOST:PORT ("" = off; IronCache only).',
  },
  {
    name: "notify-keyspace-events",
    type: keyspaceEventsType,
    default: "",
    configSet: "settable",
    description: 'Keyspace notification classes (e.g. "KEA"; "" = off).',
  },
  // Persistence
  {
    name: "dir",
    type: directoryType,
    default: "./",
    configSet: "protected",
    description: "Working directory for persistence files.",
  },
  {
    name: "dbfilename",
    type: fileNameType,
    default: "dump.rdb",
    configSet: "protected",
    description: "RDB snapshot file name (inside dir).",
  },
  {
    name: "rdbcompression",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "LZF-compress strings in RDB files and DUMP payloads (when it saves space).",
  },
  {
    name: "rdbchecksum",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "End RDB files with a CRC-64 (else 0), and check it when loading one.",
  },
  {
    name: "save",
    type: saveParamsType,
    default: "3600 1 300 100 60 10000", // Redis 7's
    configSet: "settable",
    description: 'Snapshot after SECONDS if at least CHANGES writes happened; "" = never.',
  },
  {
    name: "appendonly",
    type: boolType,
    default: "no",
    configSet: "settable",
    description: "Enable the append-only file.",
  },
  {
    name: "appendfsync",
    type: enumType(["everysec", "always", "no"]), // aof_fsync_enum's order, which errors list
    default: "everysec",
    configSet: "settable",
    description: "When the AOF is fsynced: before each reply, once a second, or by the OS.",
  },
  {
    name: "appenddirname",
    type: fileNameType,
    default: "appendonlydir",
    configSet: "immutable",
    description: "Directory of the AOF's base, incremental files and manifest (inside dir).",
  },
  {
    name: "appendfilename",
    type: fileNameType,
    default: "appendonly.aof",
    configSet: "immutable",
    description: "Prefix of the AOF files' names (appendonly.aof.1.base.rdb, ...).",
  },
  {
    name: "auto-aof-rewrite-percentage",
    type: intType(0n, INT_MAX),
    default: "100",
    configSet: "settable",
    description: "Rewrite the AOF when it grew by this percent over its last base (0 = never).",
  },
  {
    name: "auto-aof-rewrite-min-size",
    type: sizeType(0n, LLONG_MAX),
    default: "64mb",
    configSet: "settable",
    description: "No automatic AOF rewrite below this size.",
  },
  {
    name: "aof-load-truncated",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "Load an AOF whose last command is cut off (dropping it) instead of refusing.",
  },
  {
    name: "aof-use-rdb-preamble",
    type: boolType,
    default: "yes",
    configSet: "settable",
    description: "Write the AOF's base file as RDB (else as commands).",
  },
];

/** redis.conf directives (and command-line flags) accepted and ignored, so that existing Redis
 *  config files load. A trailing '*' matches a prefix; `only` limits which values are harmless. */
export interface NoopDirective {
  name: string;
  only?: string[];
  why: string;
}

export const KNOWN_NOOP_DIRECTIVES: readonly NoopDirective[] = [
  { name: "daemonize", only: ["no"], why: "IronCache always runs in the foreground" },
  { name: "supervised", why: "IronCache does not notify systemd; use Type=simple units" },
  { name: "pidfile", why: "IronCache writes no pid file" },
  { name: "syslog-enabled", only: ["no"], why: "IronCache logs to stdout/stderr" },
  { name: "syslog-ident", why: "IronCache does not use syslog" },
  { name: "syslog-facility", why: "IronCache does not use syslog" },
  { name: "always-show-logo", why: "IronCache prints no logo" },
  { name: "set-proc-title", why: "IronCache does not change its process title" },
  { name: "proc-title-template", why: "IronCache does not change its process title" },
  { name: "lazyfree-*", why: "memory is freed by the JS/Wasm runtime" },
  { name: "replica-lazy-flush", why: "memory is freed by the JS/Wasm runtime" },
  { name: "io-threads", why: "IronCache scales with shards instead" },
  { name: "io-threads-do-reads", why: "IronCache scales with shards instead" },
  { name: "oom-score-adj", why: "not managed by IronCache" },
  { name: "oom-score-adj-values", why: "not managed by IronCache" },
  { name: "disable-thp", why: "not managed by IronCache" },
  { name: "jemalloc-bg-thread", why: "IronCache does not use jemalloc" },
  { name: "activerehashing", why: "IronCache's cron always finishes index rehashes (as yes)" },
  { name: "activedefrag", why: "IronCache does not use jemalloc" },
  { name: "active-defrag-*", why: "IronCache does not use jemalloc" },
  { name: "dynamic-hz", why: "IronCache uses a fixed hz" },
  { name: "tcp-backlog", why: "the listen backlog is chosen by the runtime" },
  { name: "crash-log-enabled", why: "not applicable to IronCache" },
  { name: "crash-memcheck-enabled", why: "not applicable to IronCache" },
  { name: "rdb-save-incremental-fsync", why: "not applicable to IronCache" },
  { name: "aof-rewrite-incremental-fsync", why: "not applicable to IronCache" },
  { name: "rdb-del-sync-files", why: "not applicable to IronCache" },
  { name: "tls-replication", only: ["no"], why: "IronCache has no replication" },
  { name: "tls-cluster", only: ["no"], why: "IronCache has no cluster bus" },
  { name: "tls-client-cert-file", why: "used only for outgoing replication connections" },
  { name: "tls-client-key-file", why: "used only for outgoing replication connections" },
  { name: "tls-client-key-file-pass", why: "used only for outgoing replication connections" },
  { name: "tls-dh-params-file", why: "IronCache's TLS (rustls) uses only ECDHE key exchange" },
  { name: "tls-ciphers", why: "rustls chooses its own safe TLS 1.2 cipher suites" },
  { name: "tls-ciphersuites", why: "rustls chooses its own safe TLS 1.3 cipher suites" },
  { name: "tls-prefer-server-ciphers", why: "rustls chooses its own safe cipher suites" },
  { name: "tls-session-*", why: "TLS session caching is managed by the runtime" },
];
