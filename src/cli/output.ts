// Where the client writes: stdout gets replies (bytes, since values can be binary),
// stderr gets connection and handshake messages. Tests substitute a recording sink.
import { concatBytes } from "./bytes.ts";

export interface CliOutput {
  stdout(bytes: Uint8Array | string): Promise<void>;
  stderr(text: string): Promise<void>;
}

const encoder = new TextEncoder();

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, data: Uint8Array | string) {
  let bytes = typeof data === "string" ? encoder.encode(data) : data;
  while (bytes.length > 0) bytes = bytes.subarray(await w.write(bytes));
}

/** Whoever read our stdout went away (`ironcache cli ... | head -1`). */
export class StdoutClosed extends Error {}

export const processOutput: CliOutput = {
  stdout: async (bytes) => {
    try {
      await writeAll(Deno.stdout, bytes);
    } catch (e) {
      throw e instanceof Deno.errors.BrokenPipe ? new StdoutClosed() : e;
    }
  },
  stderr: (text) => writeAll(Deno.stderr, text),
};

/** An in-memory sink for tests: everything written, decoded as UTF-8. */
export class RecordingOutput implements CliOutput {
  private out: Uint8Array[] = [];
  private err: string[] = [];

  stdout(bytes: Uint8Array | string): Promise<void> {
    this.out.push(typeof bytes === "string" ? encoder.encode(bytes) : bytes.slice());
    return Promise.resolve();
  }

  stderr(text: string): Promise<void> {
    this.err.push(text);
    return Promise.resolve();
  }

  stdoutBytes(): Uint8Array {
    return concatBytes(this.out);
  }

  stdoutText(): string {
    return new TextDecoder().decode(this.stdoutBytes());
  }

  stderrText(): string {
    return this.err.join("");
  }
}
