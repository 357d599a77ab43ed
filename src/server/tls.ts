// TLS for client connections on `tls-port`. Deno.listenTls cannot request or verify client
// certificates, nor limit the protocol versions, so each shard worker runs a node:tls server
// (Deno's native TLS under the Node API, rustls inside) with SO_REUSEPORT: the kernel spreads
// TLS connections over the workers exactly like plain ones. A verified socket is wrapped as a
// ClientConn (tls_conn.ts) and served by the same Connection code as TCP.
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { ConfigValue } from "../config/types.ts";
import type { ConfigStore } from "../config/store.ts";
import { log } from "../log.ts";
import { TlsSocketConn } from "./tls_conn.ts";
import type { ClientConn } from "./connection.ts";

/** The settings a TLS context is built from (CONFIG SET of any of them rebuilds it). */
export const TLS_CONFIG_NAMES = [
  "tls-cert-file",
  "tls-key-file",
  "tls-key-file-pass",
  "tls-ca-cert-file",
  "tls-ca-cert-dir",
  "tls-auth-clients",
  "tls-protocols",
];

/** Redis's reply when a TLS setting cannot be applied (the reason goes to the log). */
export const TLS_UPDATE_FAILED = "Unable to update TLS configuration. Check server logs.";

type Get = (name: string) => ConfigValue;

/** Thrown with a reason fit for the log: file names and library messages, never a secret. */
export class TlsConfigError extends Error {}

const PROTOCOLS = ["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"];

/** Redis's parseProtocolsConfig, limited to what rustls speaks: TLS 1.2 and 1.3. */
function protocolRange(
  text: string,
): { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const words = text.toLowerCase().split(" ").filter(Boolean);
  for (const w of words) {
    if (!PROTOCOLS.includes(w)) {
      throw new TlsConfigError(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
      );
    }
  }
  const v12 = words.length === 0 || words.includes("tlsv1.2");
  const v13 = words.length === 0 || words.includes("tlsv1.3");
  if (!v12 && !v13) {
    throw new TlsConfigError("tls-protocols: IronCache supports only TLSv1.2 and TLSv1.3");
  }
  return { minVersion: v12 ? "TLSv1.2" : "TLSv1.3", maxVersion: v13 ? "TLSv1.3" : "TLSv1.2" };
}

function readFile(what: string, path: string): Buffer {
  try {
    return Buffer.from(Deno.readFileSync(path));
  } catch (err) {
    throw new TlsConfigError(`cannot read ${what} '${path}': ${(err as Error).message}`);
  }
}

/** The CA certificates of tls-ca-cert-file and every PEM file in tls-ca-cert-dir. */
function caCertificates(get: Get): Buffer[] {
  const ca: Buffer[] = [];
  const file = String(get("tls-ca-cert-file")), dir = String(get("tls-ca-cert-dir"));
  if (file) ca.push(readFile("tls-ca-cert-file", file));
  if (dir) {
    try {
      for (const e of Deno.readDirSync(dir)) {
        if (!e.isFile && !e.isSymlink) continue;
        const pem = readFile("a CA certificate", `${dir}/${e.name}`);
        if (pem.includes("-----BEGIN CERTIFICATE-----")) ca.push(pem);
      }
    } catch (err) {
      if (err instanceof TlsConfigError) throw err;
      throw new TlsConfigError(`cannot read tls-ca-cert-dir '${dir}': ${(err as Error).message}`);
    }
  }
  return ca;
}

/** node:tls server options from the settings, with every file read and the context built
 * once, so a bad file or key fails here (startup, CONFIG SET) and not on a client. */
export function tlsServerOptions(get: Get): tls.TlsOptions {
  const certFile = String(get("tls-cert-file")), keyFile = String(get("tls-key-file"));
  if (!certFile || !keyFile) {
    throw new TlsConfigError("tls-cert-file and tls-key-file are required for TLS");
  }
  const authClients = String(get("tls-auth-clients"));
  const ca = caCertificates(get);
  if (authClients !== "no" && ca.length === 0) {
    throw new TlsConfigError(
      "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, " +
        "tls-replication or tls-auth-clients are enabled!",
    );
  }
  const passphrase = String(get("tls-key-file-pass"));
  const options: tls.TlsOptions = {
    cert: readFile("tls-cert-file", certFile),
    key: readFile("tls-key-file", keyFile),
    ...(passphrase ? { passphrase } : {}),
    ...(ca.length ? { ca } : {}),
    ...protocolRange(String(get("tls-protocols"))),
    // optional: a certificate is asked for and, when sent, must verify (checked on connect).
    requestCert: authClients !== "no",
    rejectUnauthorized: authClients === "yes",
  };
  let keyMatches: boolean;
  try {
    tls.createSecureContext(options);
    // rustls would only notice a key of another certificate at the first handshake.
    const key = createPrivateKey({
      key: options.key as Buffer,
      passphrase: passphrase || undefined,
    });
    keyMatches = new X509Certificate(options.cert as Buffer).checkPrivateKey(key);
  } catch (err) {
    throw new TlsConfigError(`cannot use the certificate or key: ${(err as Error).message}`);
  }
  if (!keyMatches) throw new TlsConfigError("tls-key-file is not the key of tls-cert-file");
  return options;
}

/** The TLS listeners of one shard worker; `reload` swaps the context for new connections. */
export class TlsListeners {
  private servers: tls.Server[] = [];
  private authClients: string;

  constructor(private config: ConfigStore, private onConn: (conn: ClientConn) => void) {
    this.authClients = String(config.get("tls-auth-clients"));
    // CONFIG SET of a TLS setting must leave a usable context, or fail (as Redis's applyTlsCfg).
    config.addCheck(TLS_CONFIG_NAMES, (get) => {
      try {
        tlsServerOptions(get);
        return null;
      } catch (err) {
        log.warning(`Failed to configure TLS: ${(err as Error).message}`);
        return TLS_UPDATE_FAILED;
      }
    });
    let reloadQueued = false;
    config.onChange((name) => {
      if (!TLS_CONFIG_NAMES.includes(name) || reloadQueued) return;
      reloadQueued = true; // one rebuild after all of a CONFIG SET's changes
      queueMicrotask(() => {
        reloadQueued = false;
        this.reload();
      });
    });
  }

  /** Listens on hostname:port (SO_REUSEPORT); resolves once bound, rejects if it cannot. */
  listen(hostname: string, port: number): Promise<void> {
    const server = tls.createServer(
      tlsServerOptions((n) => this.config.get(n)),
      (socket) => this.accepted(socket),
    );
    server.on("tlsClientError", (err) => {
      log.verbose(`Error accepting a client connection: ${err.message}`);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      // reusePort: Deno's node:net passes it to its listener (newer Node typings have it).
      server.listen(
        { host: hostname, port, reusePort: true } as { host: string; port: number },
        () => {
          server.off("error", reject);
          resolve();
        },
      );
    });
  }

  private accepted(socket: tls.TLSSocket): void {
    // optional: a client that sent a certificate that does not verify is refused, like
    // OpenSSL's SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT.
    if (
      this.authClients === "optional" && !socket.authorized &&
      Object.keys(socket.getPeerCertificate() ?? {}).length > 0
    ) {
      log.verbose(`Error accepting a client connection: ${socket.authorizationError}`);
      socket.destroy();
      return;
    }
    this.onConn(new TlsSocketConn(socket));
  }

  private reload(): void {
    this.authClients = String(this.config.get("tls-auth-clients"));
    let options: tls.TlsOptions;
    try {
      options = tlsServerOptions((n) => this.config.get(n));
    } catch (err) {
      log.warning(`Failed to reload TLS configuration: ${(err as Error).message}`);
      return;
    }
    for (const s of this.servers) {
      s.setSecureContext(options);
      // requestCert/rejectUnauthorized are server fields read for each new connection.
      const fields = s as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
      fields.requestCert = options.requestCert!;
      fields.rejectUnauthorized = options.rejectUnauthorized!;
    }
  }

  close(): void {
    for (const s of this.servers) s.close();
  }
}
