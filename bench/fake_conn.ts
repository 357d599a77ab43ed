// A socket stand-in for the in-process benchmarks (command_path_micro.ts, forwarding_micro.ts):
// each read returns the next prepared batch of commands, writes are counted and dropped.
export class FakeConn {
  written = 0;
  private n = 0;
  constructor(private inputs: Uint8Array[], private total: number) {}
  remoteAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  localAddr = { transport: "tcp", hostname: "127.0.0.1", port: 2 };
  read(buf: Uint8Array): Promise<number | null> {
    if (this.n >= this.total) return Promise.resolve(null);
    const src = this.inputs[this.n++ % this.inputs.length];
    buf.set(src);
    return Promise.resolve(src.length);
  }
  write(b: Uint8Array): Promise<number> {
    this.written += b.length;
    return Promise.resolve(b.length);
  }
  close() {}
  setNoDelay() {}
  setKeepAlive() {}
}
