// Test certificates made with the openssl command in a temp dir: a CA, server certificates
// for 127.0.0.1/localhost, a client certificate, and a client certificate of another CA.

export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A second server certificate (CN=second) for reload tests. */
  server2Cert: string;
  server2Key: string;
  clientCert: string;
  clientKey: string;
  /** Signed by a CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  const r = new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .outputSync();
  if (!r.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/** A CA (self-signed, v3; EC keys: fast to make) named `name` in dir: name.crt, name.key. */
function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  ]);
}

/** A leaf certificate `name` signed by `ca`, with v3 extensions (rustls refuses v1 ones). */
function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string): void {
  Deno.writeTextFileSync(`${dir}/${name}.ext`, ext);
  openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    `/CN=${cn}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  ]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    `${name}.crt`,
    "-extfile",
    `${name}.ext`,
  ]);
}

export function makeTestCerts(): TestCerts {
  const dir = Deno.makeTempDirSync({ prefix: "ironcache-tls-" });
  const serverExt = "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n" +
    "extendedKeyUsage=serverAuth\n";
  const clientExt = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
  makeCa(dir, "ca");
  makeCa(dir, "otherca");
  makeLeaf(dir, "ca", "server", "localhost", serverExt);
  makeLeaf(dir, "ca", "server2", "second", serverExt);
  makeLeaf(dir, "ca", "client", "client", clientExt);
  makeLeaf(dir, "otherca", "stranger", "stranger", clientExt);
  const p = (f: string) => `${dir}/${f}`;
  return {
    dir,
    ca: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    server2Cert: p("server2.crt"),
    server2Key: p("server2.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    strangerCert: p("stranger.crt"),
    strangerKey: p("stranger.key"),
    remove: () => Deno.removeSync(dir, { recursive: true }),
  };
}
