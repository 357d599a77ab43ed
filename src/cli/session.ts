// One client session: connects (AUTH, SELECT, HELLO 3), sends commands, prints replies and
// tracks the state redis-cli tracks (selected db, MULTI, protocol). Mirrors redis-cli.c's
// cliConnect / issueCommandRepeat / cliSendCommand / cliReadReply, minus cluster and Lua
// debugging. Messages and exit behaviour follow redis-cli 7.0 word for word.
import { RespProtocolError, type RespReply } from "../protocol/resp_reader.ts";
import { cString, latin1 } from "../protocol/bytes.ts";
import { CliConnection, ConnectionError, type Endpoint } from "./connection.ts";
import { atoi, type CliOptions } from "./options.ts";
import type { CliOutput } from "./output.ts";
import { formatHuman, formatInvalidatePush, formatRaw } from "./reply_format.ts";
import { printHelp } from "./help.ts";
import { concatBytes } from "./bytes.ts";

/** Thrown to end the process with `code` (redis-cli calls exit() in these places). */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const encoder = new TextEncoder();

export class CliSession {
  private conn: CliConnection | null = null;
  /** The db the live connection has selected: what the prompt shows. */
  private db = 0;
  /** The db the user asked for (-n, then each successful SELECT); restored on reconnect. */
  private wantedDb: number;
  private protocol: 2 | 3;
  private inMulti = false;
  private dbBeforeMulti = 0;
  /** Set while SUBSCRIBE or MONITOR stream replies; Ctrl-C then only leaves that mode. */
  private streaming = false;
  private running = false;
  private interrupted = false;

  /**
   * @param interactive redis-cli's config.interactive: true for the prompt and for commands
   * piped on stdin (a dropped link then means "reconnect later", not "exit").
   */
  constructor(private options: CliOptions, private out: CliOutput, private interactive: boolean) {
    this.wantedDb = options.db;
    this.protocol = options.protocol;
  }

  /** redis-cli's prompt: "127.0.0.1:6379[2](TX)> ", or "not connected> ". */
  prompt(): string {
    if (!this.conn) return "not connected> ";
    const { socket, host, port } = this.options;
    let prompt = socket
      ? `redis ${socket}`
      : host.includes(":")
      ? `[${host}]:${port}`
      : `${host}:${port}`;
    if (this.db !== 0) prompt += `[${this.db}]`;
    if (this.inMulti) prompt += "(TX)";
    return prompt + "> ";
  }

  /** The `connect <host> <port>` command of the interactive mode. */
  async switchServer(host: string, port: number): Promise<void> {
    this.options.host = host;
    this.options.port = port;
    delete this.options.socket;
    await this.connect();
  }

  /**
   * (Re)connects and runs the handshake: AUTH, SELECT, HELLO 3, each stopping the sequence
   * on failure (the connection stays open, as in redis-cli). Returns false on any failure.
   */
  async connect(quiet = false): Promise<boolean> {
    this.dropConnection();
    const { socket, host, port } = this.options;
    const endpoint: Endpoint = socket ? { socket } : { host, port };
    try {
      this.conn = await CliConnection.open(endpoint);
    } catch (e) {
      if (!(e instanceof ConnectionError)) throw e;
      if (!quiet) {
        await this.out.stderr(
          `Could not connect to Redis at ${socket ?? `${host}:${port}`}: ${e.message}\n`,
        );
      }
      return false;
    }
    return await this.handshake();
  }

  private async handshake(): Promise<boolean> {
    const { user, password } = this.options;
    if (password !== undefined) {
      const args = user !== undefined ? ["AUTH", user, password] : ["AUTH", password];
      if (!await this.handshakeStep(args, (err) => `AUTH failed: ${err}`)) return false;
    }
    if (!await this.selectWantedDb()) return false;
    if (
      this.protocol === 3 &&
      !await this.handshakeStep(["HELLO", "3"], (err) => `HELLO 3 failed: ${err}`)
    ) {
      return false;
    }
    return true;
  }

  /** cliSelect: re-selects the wanted db when the connection is on another one. */
  private async selectWantedDb(): Promise<boolean> {
    if (this.wantedDb === this.db) return true;
    const db = this.wantedDb;
    const ok = await this.handshakeStep(
      ["SELECT", String(db)],
      (err) => `SELECT ${db} failed: ${err}`,
    );
    if (ok) this.db = db;
    return ok;
  }

  /** One internal command whose reply is not printed; an error reply prints `describe(err)`. */
  private async handshakeStep(args: string[], describe: (err: string) => string): Promise<boolean> {
    let reply: RespReply;
    try {
      reply = await this.roundTrip(args.map((a) => encoder.encode(a)));
    } catch (e) {
      if (!(e instanceof ConnectionError)) throw e;
      await this.out.stderr("\nI/O error\n");
      this.dropConnection();
      return false;
    }
    if (reply.kind !== "error") return true;
    await this.out.stderr(describe(cString(reply.bytes)) + "\n");
    return false;
  }

  private async roundTrip(args: Uint8Array[]): Promise<RespReply> {
    await this.conn!.send(args);
    return await this.readReply();
  }

  /** The next reply of the command, printing (or dropping) RESP3 pushes that come first. */
  private async readReply(): Promise<RespReply> {
    for (;;) {
      const reply = await this.conn!.read();
      if (reply.kind !== "push" || this.streaming) return reply;
      if (this.options.showPushes) await this.printPush(reply);
    }
  }

  private async printPush(reply: RespReply): Promise<void> {
    const invalidate = this.options.raw ? null : formatInvalidatePush(reply);
    await this.out.stdout(invalidate ?? this.format(reply, false));
  }

  /**
   * issueCommandRepeat: sends `args` `repeat` times (negative: forever), reconnecting first
   * when the link is down. Returns false when the command could not be executed.
   */
  async run(args: Uint8Array[], repeat = this.options.repeat): Promise<boolean> {
    const name = latin1(args[0]).toLowerCase();
    this.running = true;
    this.interrupted = false;
    try {
      if (name === "help" || name === "?") {
        // Needs no connection; with one, `help <command>` asks the server for its docs.
        await printHelp(this.out, args.slice(1), this.conn ? (a) => this.roundTrip(a) : null);
        return true;
      }
      if (!this.conn && !await this.connect()) return false;
      return await this.send(name, args, repeat);
    } catch (e) {
      if (e instanceof RespProtocolError) {
        await this.out.stderr(`Error: ${e.message}\n`);
        throw new CliExit(1);
      }
      if (!(e instanceof ConnectionError)) throw e;
      this.dropConnection();
      if (this.interrupted) {
        if (this.streaming) return await this.leaveStreaming();
        throw new CliExit(1); // Ctrl-C outside SUBSCRIBE/MONITOR ends redis-cli with exit(1)
      }
      if (name === "shutdown") return true; // the server went away as asked
      await this.out.stderr(`Error: ${e.message}\n`);
      return false;
    } finally {
      this.streaming = false;
      this.running = false;
    }
  }

  /** Ctrl-C: leaves SUBSCRIBE/MONITOR or aborts the running command; false if none runs. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.interrupted = true;
    this.conn?.close();
    return true;
  }

  close(): void {
    this.dropConnection();
  }

  private async leaveStreaming(): Promise<boolean> {
    this.streaming = false;
    return await this.connect();
  }

  private async send(name: string, args: Uint8Array[], repeat: number): Promise<boolean> {
    const verbatim = printsVerbatim(name, args);
    for (let left = repeat; left < 0 || left-- > 0;) {
      await this.conn!.send(args);
      if (name === "monitor" || isSubscribe(name)) {
        await this.stream(isSubscribe(name), verbatim);
        return true;
      }
      const reply = await this.readReply();
      if (reply.kind === "error" && !this.interactive && this.options.exitOnErrorReply) {
        await this.out.stderr(cString(reply.bytes) + "\n");
        throw new CliExit(1);
      }
      await this.out.stdout(this.format(reply, verbatim));
      await this.track(name, args, reply);
      if (this.options.intervalMs > 0) {
        await new Promise((r) => setTimeout(r, this.options.intervalMs));
      }
    }
    return true;
  }

  /** SUBSCRIBE and MONITOR: print replies as they come until an error reply (or Ctrl-C). */
  private async stream(subscribe: boolean, verbatim: boolean): Promise<void> {
    this.streaming = true;
    if (subscribe && !this.options.raw) {
      await this.out.stdout("Reading messages... (press Ctrl-C to quit)\n");
    }
    for (;;) {
      const reply = await this.readReply();
      await this.out.stdout(this.format(reply, verbatim));
      if (reply.kind === "error") break;
    }
    this.streaming = false;
  }

  /** The client-side state redis-cli derives from some commands' successful replies. */
  private async track(name: string, args: Uint8Array[], reply: RespReply): Promise<void> {
    const failed = reply.kind === "error";
    const argc = args.length;
    if (name === "select" && argc === 2 && !failed) {
      this.db = this.wantedDb = atoiBytes(args[1]);
    } else if (name === "auth" && (argc === 2 || argc === 3)) {
      if (!failed) this.rememberCredentials(args);
      await this.selectWantedDb(); // the db -n asked for may have needed the password
    } else if (name === "hello" && argc >= 2 && !failed) {
      const version = atoiBytes(args[1]);
      if (version === 2 || version === 3) this.protocol = version;
    } else if (name === "multi" && argc === 1 && !failed) {
      this.inMulti = true;
      this.dbBeforeMulti = this.db;
    } else if (name === "exec" && argc === 1 && this.inMulti) {
      this.inMulti = false;
      if (failed || reply.kind === "nil") this.db = this.wantedDb = this.dbBeforeMulti;
    } else if (name === "discard" && argc === 1 && !failed) {
      this.inMulti = false;
      this.db = this.wantedDb = this.dbBeforeMulti;
    } else if (name === "reset" && argc === 1 && !failed) {
      this.inMulti = false;
      this.db = this.wantedDb = 0;
      this.protocol = 2;
    }
  }

  /** So that a reconnect authenticates again (redis-cli forgets; we would rather not). */
  private rememberCredentials(args: Uint8Array[]): void {
    const text = args.map((a) => new TextDecoder().decode(a));
    this.options.user = text.length === 3 ? text[1] : undefined;
    this.options.password = text[text.length - 1];
  }

  private format(reply: RespReply, verbatim: boolean): Uint8Array {
    if (verbatim) return formatRaw(reply, this.options.bulkDelimiter);
    if (!this.options.raw) return formatHuman(reply);
    return concatBytes([formatRaw(reply, this.options.bulkDelimiter), this.options.replyDelimiter]);
  }

  private dropConnection(): void {
    if (!this.conn) return;
    this.conn.close();
    this.conn = null;
    this.db = 0;
    this.inMulti = false;
  }
}

function isSubscribe(name: string): boolean {
  return name === "subscribe" || name === "psubscribe" || name === "ssubscribe";
}

/**
 * Commands whose text reply redis-cli prints as is even in human mode (INFO, CLIENT LIST,
 * LATENCY DOCTOR, ...), since quoting would turn their lines into one long "...\r\n...".
 */
export function printsVerbatim(name: string, args: Uint8Array[]): boolean {
  const argc = args.length;
  const sub = argc >= 2 ? latin1(args[1]).toLowerCase() : "";
  switch (name) {
    case "info":
    case "lolwut":
      return true;
    case "debug":
      return ["htstats", "htstats-key", "client-eviction"].includes(sub);
    case "memory":
      return sub === "malloc-stats" || sub === "doctor";
    case "cluster":
      return argc === 2 && (sub === "nodes" || sub === "info");
    case "client":
      return sub === "list" || sub === "info";
    case "latency":
      return (argc === 3 && sub === "graph") || (argc === 2 && sub === "doctor");
    case "proxy":
      return sub === "info";
    default:
      return false;
  }
}

function atoiBytes(bytes: Uint8Array): number {
  return atoi(latin1(bytes));
}
