// The arguments of the command being executed, as offsets into a byte buffer.
// Handlers read them as bytes, numbers or keywords; nothing here builds a string for a key.
import { parseLongLong } from "./numbers.ts";
import { cString, equalsLower, latin1 } from "./bytes.ts";

export class Args {
  argc = 0;
  argStart = new Int32Array(16);
  argLen = new Int32Array(16);
  argBuf: Uint8Array = new Uint8Array(0);

  /** Argument i as a view into the buffer (valid while this command runs). */
  bytes(i: number): Uint8Array {
    const s = this.argStart[i];
    return this.argBuf.subarray(s, s + this.argLen[i]);
  }

  length(i: number): number {
    return this.argLen[i];
  }

  /**
   * Argument i is the keyword `lowerWord` in any case, e.g. `args.is(3, "nx")`, compared as C's
   * strcasecmp does in Redis's option parsers: a NUL ends the argument, so "NX\0junk" is NX.
   * (Command and subcommand names are looked up by their whole bytes instead.)
   */
  is(i: number, lowerWord: string): boolean {
    const len = this.argLen[i], n = lowerWord.length;
    if (len < n) return false;
    const start = this.argStart[i];
    if (len > n && this.argBuf[start + n] !== 0) return false;
    return equalsLower(this.argBuf, start, n, lowerWord);
  }

  /** Argument i as a signed 64-bit integer (Redis string2ll rules), or null. */
  int(i: number): number | null {
    const s = this.argStart[i];
    return parseLongLong(this.argBuf, s, s + this.argLen[i]);
  }

  /** Argument i as latin1 text: for options and error messages, never for keys. */
  text(i: number): string {
    return latin1(this.bytes(i));
  }

  /** Argument i as C's "%s" prints it (ends at a NUL byte), for Redis's error texts. */
  cText(i: number): string {
    return cString(this.bytes(i));
  }

  /** The command name in lower case (for error messages and lookups off the hot path). */
  lowerName(): string {
    return this.cText(0).toLowerCase();
  }
}
