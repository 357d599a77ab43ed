// A socket stand-in for the in-process benchmarks (command_path_micro.ts, forwarding_micro.ts):
// the prepared batches of commands arrive one after the other as a byte stream, each read
// taking at most what the caller's buffer holds (as a socket: a batch larger than the read
// buffer, e.g. 16 SETs of 4 KiB, arrives over several reads); writes are counted and dropped.
export class FakeConn {
  written = 0;
  private n = 0;
  /** How much of the current batch earlier reads took. */
  private taken = 0;
  constructor(private inputs: Uint8Array[], private total: number) {}
  remoteAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  localAddr = { transport: "tcp", hostname: "127.0.0.1", port: 2 };
  read(buf: Uint8Array): Promise<number | null> {
    if (this.n >= this.total) return Promise.resolve(null);
    const src = this.inputs[this.n % this.inputs.length];
    const n = Math.min(buf.length, src.length - this.taken);
    if (this.taken === 0 && n === src.length) buf.set(src);
    else buf.set(src.subarray(this.taken, this.taken + n));
    this.taken += n;
    if (this.taken === src.length) {
      this.taken = 0;
      this.n++;
    }
    return Promise.resolve(n);
  }
  write(b: Uint8Array): Promise<number> {
    this.written += b.length;
    return Promise.resolve(b.length);
  }
  close() {}
  setNoDelay() {}
  setKeepAlive() {}
}
