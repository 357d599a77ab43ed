// ReplyWriter: a growable byte buffer that encodes replies in RESP2 or RESP3.
// One per connection, reused across read batches, so encoding a reply allocates nothing.
// Callers describe replies by meaning (null, map, double...); the writer picks the
// protocol's spelling, which keeps every handler protocol-agnostic.

import { ByteBuffer } from "./byte_buffer.ts";
import { decimalDigits, formatDouble17g, writeDecimalDigits } from "./numbers.ts";

const CRLF0 = 13, CRLF1 = 10;
const encoder = new TextEncoder();

/** Small integers pre-encoded as decimal digits: lengths and counts are mostly small. */
const SMALL_INTS: Uint8Array[] = Array.from({ length: 1024 }, (_, i) => encoder.encode(String(i)));

export class ReplyWriter extends ByteBuffer {
  /** 2 or 3: the protocol negotiated by HELLO. */
  resp: 2 | 3 = 2;
  /** Told about every error reply written (INFO errorstats), if set. */
  onError: ((text: string) => void) | null = null;

  /** Latin1 text, one byte per char (protocol tokens, numbers, error texts that echo raw
   * argument bytes). Text with wider characters is written as UTF-8. */
  ascii(text: string): void {
    this.ensure(text.length * 3);
    const b = this.buf;
    let p = this.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) {
        this.length += encoder.encodeInto(text, this.buf.subarray(this.length)).written;
        return;
      }
      b[p++] = c;
    }
    this.length = p;
  }

  private byte(c: number): void {
    this.buf[this.length++] = c;
  }

  private crlf(): void {
    this.buf[this.length++] = CRLF0;
    this.buf[this.length++] = CRLF1;
  }

  private decimal(n: number): void {
    if (n >= 0 && n < 10 && (n | 0) === n) {
      this.buf[this.length++] = 48 + n; // one digit (the 0 / 1 of most replies): no copy call
    } else if (n >= 10 && n < 100 && (n | 0) === n) {
      // Two digits (most bulk lengths): written, cheaper than a set() of SMALL_INTS.
      const b = this.buf, p = this.length;
      b[p] = 48 + ((n / 10) | 0);
      b[p + 1] = 48 + (n % 10);
      this.length = p + 2;
    } else if (n >= 0 && n < SMALL_INTS.length && Number.isInteger(n)) {
      const d = SMALL_INTS[n];
      this.buf.set(d, this.length);
      this.length += d.length;
    } else if (n >= 0 && n >>> 0 === n) {
      // Digits straight into the buffer, without a string (list lengths, counters).
      const digits = decimalDigits(n);
      writeDecimalDigits(this.buf, this.length, n, digits);
      this.length += digits;
    } else {
      this.ascii(String(n));
    }
  }

  private header(type: number, n: number): void {
    this.ensure(24);
    this.byte(type);
    this.decimal(n);
    this.crlf();
  }

  /** +OK style status line. */
  simple(text: string): void {
    this.ensure(text.length + 3);
    this.byte(0x2b);
    this.ascii(text);
    this.crlf();
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf, p = this.length;
    b[p] = 0x2b; // +OK\r\n
    b[p + 1] = 0x4f;
    b[p + 2] = 0x4b;
    b[p + 3] = CRLF0;
    b[p + 4] = CRLF1;
    this.length = p + 5;
  }

  /** An error reply; `text` carries its code ("ERR ...", "WRONGTYPE ..."). Newlines become
   * spaces, as Redis does, so the reply stays one protocol line. */
  error(text: string): void {
    this.onError?.(text);
    this.ensure(text.length * 3 + 3);
    this.byte(0x2d);
    this.ascii(text.replace(/[\r\n]/g, " "));
    this.crlf();
  }

  integer(n: number | bigint): void {
    this.ensure(24);
    this.byte(0x3a);
    if (typeof n === "bigint") this.ascii(n.toString());
    else this.decimal(n);
    this.crlf();
  }

  /** An integer reply whose decimal digits are already encoded (e.g. by the engine). */
  integerDigits(digits: Uint8Array): void {
    this.ensure(digits.length + 3);
    this.byte(0x3a);
    this.raw(digits);
    this.crlf();
  }

  bulk(bytes: Uint8Array): void {
    this.header(0x24, bytes.length);
    this.ensure(bytes.length + 2);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    this.crlf();
  }

  /** A bulk string of src[start, start + len) (e.g. straight from Wasm memory): no view made. */
  bulkRange(src: Uint8Array, start: number, len: number): void {
    this.header(0x24, len);
    this.rawRange(src, start, start + len);
    this.ensure(2);
    this.crlf();
  }

  bulkText(text: string): void {
    this.bulk(encoder.encode(text));
  }

  /** The missing-value reply: $-1 in RESP2, _ in RESP3. */
  nullBulk(): void {
    this.ensure(5);
    if (this.resp === 3) this.byte(0x5f);
    else {
      this.byte(0x24);
      this.byte(0x2d);
      this.byte(0x31);
    }
    this.crlf();
  }

  /** The null-array reply: *-1 in RESP2, _ in RESP3. */
  nullArray(): void {
    if (this.resp === 3) this.nullBulk();
    else this.ascii("*-1\r\n");
  }

  arrayHeader(n: number): void {
    this.header(0x2a, n);
  }

  /** A map of n pairs: %n in RESP3, a flat array of 2n items in RESP2. */
  mapHeader(n: number): void {
    if (this.resp === 3) this.header(0x25, n);
    else this.header(0x2a, n * 2);
  }

  /** A set of n items: ~n in RESP3, an array in RESP2. */
  setHeader(n: number): void {
    this.header(this.resp === 3 ? 0x7e : 0x2a, n);
  }

  /** A push message header: >n in RESP3, an array in RESP2. */
  pushHeader(n: number, resp = this.resp): void {
    this.header(resp === 3 ? 0x3e : 0x2a, n);
  }

  /** A double as Redis 7.0's addReplyDouble writes it ("%.17g", inf / -inf): a bulk string in
   * RESP2, `,` in RESP3. */
  double(value: number): void {
    const text = formatDouble17g(value);
    if (this.resp === 3) {
      this.ensure(text.length + 3);
      this.byte(0x2c);
      this.ascii(text);
      this.crlf();
    } else {
      this.bulkText(text);
    }
  }

  /** A boolean: #t/#f in RESP3, :1/:0 in RESP2. */
  boolean(value: boolean): void {
    if (this.resp === 3) this.ascii(value ? "#t\r\n" : "#f\r\n");
    else this.ascii(value ? ":1\r\n" : ":0\r\n");
  }

  /** A verbatim string (e.g. INFO in RESP3): =len\r\ntxt:... in RESP3, a bulk string in RESP2. */
  verbatim(text: string, format = "txt"): void {
    const body = encoder.encode(text);
    if (this.resp === 3) {
      this.header(0x3d, body.length + 4);
      this.ascii(format + ":");
      this.raw(body);
      this.crlf();
    } else {
      this.bulk(body);
    }
  }
}
