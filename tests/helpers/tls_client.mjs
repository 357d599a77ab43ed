// A Node client over node:tls for the TLS tests (run with the real `node`): connects with the
// options given as JSON in argv[2], sends `payload`, reads until the server closes or `expect`
// bytes arrived, and prints JSON: the server certificate's CN, the protocol, the bytes, or why
// the connection failed.
import tls from "node:tls";
import fs from "node:fs";

const o = JSON.parse(process.argv[2]);
const read = (f) => (f ? fs.readFileSync(f) : undefined);
let data = "", cn = null, protocol = null, done = false;
const finish = (error) => {
  if (done) return;
  done = true;
  console.log(JSON.stringify({ cn, protocol, data, error: error ?? null }));
  socket.destroy();
};
const socket = tls.connect({
  host: "127.0.0.1",
  port: o.port,
  ca: read(o.ca),
  cert: read(o.cert),
  key: read(o.key),
  maxVersion: o.maxVersion,
}, () => {
  cn = socket.getPeerCertificate().subject?.CN ?? null;
  protocol = socket.getProtocol();
  socket.write(o.payload);
});
socket.on("data", (d) => {
  data += d.toString("latin1");
  if (o.expect && data.length >= o.expect) finish();
});
socket.on("error", (e) => finish(e.code ?? e.message));
socket.on("close", () => finish(data ? null : "closed"));
setTimeout(() => finish("timeout"), 4000).unref();
