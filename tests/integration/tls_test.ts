// TLS on tls-port, side by side with redis-server started with the same certificates (made by
// openssl in this test's setup): the same clients (a Node client over node:tls, redis-cli
// --tls, Deno's connectTls) get the same outcome from both, including client certificate
// authentication, tls-protocols and certificates reloaded by CONFIG SET.
import assert from "node:assert/strict";
import {
  freePort,
  RawConnection,
  replyText,
  type RunningServer,
  startIronCache,
  startRedis,
} from "../helpers/servers.ts";
import { makeTestCerts, type TestCerts } from "../helpers/certs.ts";
import { repoRoot } from "../helpers/paths.ts";

const dec = new TextDecoder();
const text = replyText;

interface TlsServer {
  server: RunningServer;
  tlsPort: number;
}

function tlsArgs(certs: TestCerts, tlsPort: number): string[] {
  return [
    "--tls-port",
    String(tlsPort),
    "--tls-cert-file",
    certs.serverCert,
    "--tls-key-file",
    certs.serverKey,
    "--tls-ca-cert-file",
    certs.ca,
  ];
}

async function startPair(certs: TestCerts): Promise<TlsServer[]> {
  const redisTls = freePort(), icTls = freePort();
  const [redis, ic] = await Promise.all([
    startRedis(tlsArgs(certs, redisTls)),
    startIronCache([...tlsArgs(certs, icTls), "--shards", "2"]),
  ]);
  return [{ server: redis, tlsPort: redisTls }, { server: ic, tlsPort: icTls }];
}

interface NodeResult {
  cn: string | null;
  protocol: string | null;
  data: string;
  error: string | null;
}

/** The Node client (tests/helpers/tls_client.mjs) against one server. */
async function nodeClient(opts: {
  port: number;
  ca: string;
  cert?: string;
  key?: string;
  maxVersion?: string;
  payload: string;
  expect?: number;
}): Promise<NodeResult> {
  const out = await new Deno.Command("node", {
    args: [`${repoRoot}/tests/helpers/tls_client.mjs`, JSON.stringify(opts)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return JSON.parse(dec.decode(out.stdout));
}

const PING = "*1\r\n$4\r\nPING\r\n";

/** The outcome for a client that sends PING: the reply, or that it was refused. */
async function pingOutcome(r: Promise<NodeResult>): Promise<string> {
  const res = await r;
  return res.data !== "" ? res.data : "refused";
}

/** Node client options that send PING and stop at its reply. */
const ping = (port: number, tlsOpts: { ca: string; cert?: string; key?: string }) => ({
  port,
  ...tlsOpts,
  payload: PING,
  expect: "+PONG\r\n".length,
});

/** Runs the same client against both servers; the outcomes must match. Returns IronCache's. */
async function same(pair: TlsServer[], client: (s: TlsServer) => Promise<string>) {
  const [ref, tgt] = await Promise.all(pair.map(client));
  assert.equal(tgt, ref);
  return tgt;
}

async function command(s: TlsServer, ...args: string[]): Promise<string> {
  const conn = await RawConnection.open(s.server.port);
  try {
    return text(await conn.command(...args));
  } finally {
    conn.close();
  }
}

Deno.test("TLS: client certificates, redis-cli --tls, a Node client, reload, protocols", async (t) => {
  const certs = makeTestCerts();
  const pair = await startPair(certs);
  const withCert = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
  try {
    await t.step("a Node client with a client certificate", async () => {
      const payload = PING + "*3\r\n$3\r\nSET\r\n$4\r\nnode\r\n$2\r\nok\r\n" +
        "*2\r\n$3\r\nGET\r\n$4\r\nnode\r\n*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n";
      const results = await Promise.all(
        pair.map((s) => nodeClient({ port: s.tlsPort, ...withCert, payload, expect: 20 })),
      );
      for (const r of results) {
        assert.equal(r.error, null);
        assert.match(r.data, /^\+PONG\r\n\+OK\r\n\$2\r\nok\r\n%7\r\n/);
        assert.equal(r.cn, "localhost");
      }
    });

    await t.step(
      "tls-auth-clients yes: no certificate, or one of another CA, is refused",
      async () => {
        assert.equal(
          await same(pair, (s) => pingOutcome(nodeClient(ping(s.tlsPort, { ca: certs.ca })))),
          "refused",
        );
        const stranger = { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey };
        assert.equal(
          await same(pair, (s) => pingOutcome(nodeClient(ping(s.tlsPort, stranger)))),
          "refused",
        );
      },
    );

    await t.step("redis-cli --tls", async () => {
      const cli = async (s: TlsServer, ...args: string[]) => {
        const out = await new Deno.Command("redis-cli", {
          args: [
            "-p",
            String(s.tlsPort),
            "--tls",
            "--cacert",
            certs.ca,
            "--cert",
            certs.clientCert,
            "--key",
            certs.clientKey,
            ...args,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        return dec.decode(out.stdout);
      };
      for (
        const cmd of [
          ["MSET", "a", "1", "b", "2", "c", "3", "{x}1", "4"], // keys on both shards
          ["MGET", "a", "b", "c", "{x}1"],
          ["INCR", "a"],
          ["DEL", "a", "b", "c", "{x}1"],
        ]
      ) {
        await same(pair, (s) => cli(s, ...cmd));
      }
      assert.equal(await cli(pair[1], "PING"), "PONG\n");
    });

    await t.step("Deno's connectTls: large values and pipelines across shards", async () => {
      const big = "x".repeat(3 * 1024 * 1024 + 17);
      await same(pair, async (s) => {
        const conn = await RawConnection.openTls(s.tlsPort, {
          caCerts: [Deno.readTextFileSync(certs.ca)],
          cert: Deno.readTextFileSync(certs.clientCert),
          key: Deno.readTextFileSync(certs.clientKey),
        });
        try {
          const replies = await conn.pipeline([
            ["SET", "big", big],
            ["STRLEN", "big"],
            ...Array.from({ length: 50 }, (_, i) => ["SET", `k${i}`, String(i)]),
            ["MGET", ...Array.from({ length: 50 }, (_, i) => `k${i}`)],
          ]);
          const got = text(await conn.command("GET", "big"));
          assert.equal(got, `$${big.length}\r\n${big}\r\n`);
          return replies.map(text).join("");
        } finally {
          conn.close();
        }
      });
    });

    await t.step("CONFIG SET of TLS settings: the same replies as Redis", async () => {
      for (
        const cmd of [
          ["CONFIG", "GET", "tls-auth-clients"],
          ["CONFIG", "GET", "tls-protocols"],
          ["CONFIG", "GET", "tls-cert-file"],
          ["CONFIG", "SET", "tls-cert-file", `${certs.dir}/nonexistent.crt`],
          ["CONFIG", "SET", "tls-key-file", certs.server2Key], // does not match the cert
          ["CONFIG", "SET", "tls-auth-clients", "maybe"],
          ["CONFIG", "SET", "tls-protocols", "TLSv1.4"],
          ["CONFIG", "GET", "tls-cert-file"],
        ]
      ) {
        await same(pair, (s) => command(s, ...cmd));
      }
    });

    await t.step("tls-auth-clients optional and no", async () => {
      const stranger = { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey };
      const cases: Array<[string, { ca: string; cert?: string; key?: string }, string]> = [
        ["optional", { ca: certs.ca }, "+PONG\r\n"],
        ["optional", withCert, "+PONG\r\n"],
        ["optional", stranger, "refused"],
        ["no", { ca: certs.ca }, "+PONG\r\n"],
        ["no", withCert, "+PONG\r\n"],
      ];
      for (const [mode, client, expected] of cases) {
        await same(pair, (s) => command(s, "CONFIG", "SET", "tls-auth-clients", mode));
        const outcome = await same(
          pair,
          (s) => pingOutcome(nodeClient(ping(s.tlsPort, client))),
        );
        assert.equal(outcome, expected, `${mode} ${JSON.stringify(client)}`);
      }
      await same(pair, (s) => command(s, "CONFIG", "SET", "tls-auth-clients", "yes"));
    });

    await t.step(
      "CONFIG SET tls-cert-file reloads: new connections get the new certificate",
      async () => {
        const open = await RawConnection.openTls(pair[1].tlsPort, {
          caCerts: [Deno.readTextFileSync(certs.ca)],
          cert: Deno.readTextFileSync(certs.clientCert),
          key: Deno.readTextFileSync(certs.clientKey),
        });
        const cn = async () => (await same(pair, async (s) => {
          const r = await nodeClient(ping(s.tlsPort, withCert));
          return `${r.cn} ${r.data}`;
        }));
        assert.equal(await cn(), "localhost +PONG\r\n");
        await same(pair, (s) =>
          command(
            s,
            "CONFIG",
            "SET",
            "tls-cert-file",
            certs.server2Cert,
            "tls-key-file",
            certs.server2Key,
          ));
        assert.equal(await cn(), "second +PONG\r\n");
        // A connection made before the reload keeps working.
        assert.equal(text(await open.command("PING")), "+PONG\r\n");
        open.close();
      },
    );

    await t.step("tls-protocols TLSv1.3 refuses a TLS 1.2 client", async () => {
      const tls12 = (s: TlsServer) =>
        nodeClient({ ...ping(s.tlsPort, withCert), maxVersion: "TLSv1.2" })
          .then((r) => `${r.protocol} ${r.data || "refused"}`);
      assert.equal(await same(pair, tls12), "TLSv1.2 +PONG\r\n");
      await same(pair, (s) => command(s, "CONFIG", "SET", "tls-protocols", "TLSv1.3"));
      assert.equal(await same(pair, tls12), "null refused");
      await same(pair, (s) => command(s, "CONFIG", "GET", "tls-protocols"));
    });

    await t.step("requirepass applies over TLS too", async () => {
      await same(pair, (s) => command(s, "CONFIG", "SET", "requirepass", "pw"));
      await same(pair, (s) =>
        nodeClient({
          port: s.tlsPort,
          ...withCert,
          payload: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n" +
            "*2\r\n$3\r\nGET\r\n$1\r\na\r\n",
          expect: "-NOAUTH Authentication required.\r\n+OK\r\n$-1\r\n".length,
        }).then((r) => r.data));
    });
  } finally {
    await Promise.all(pair.map((s) => s.server.stop()));
    certs.remove();
  }
});

Deno.test("TLS only (port 0): redis-cli --tls works; nowhere to listen is refused", async () => {
  const certs = makeTestCerts();
  const tlsPort = freePort();
  const ic = await startIronCache(
    ["--port", "0", ...tlsArgs(certs, tlsPort), "--tls-auth-clients", "no", "--shards", "2"],
    { port: tlsPort, noPortFlag: true },
  );
  try {
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(tlsPort), "--tls", "--cacert", certs.ca, "SET", "k", "v"],
      stdout: "piped",
    }).output();
    assert.equal(dec.decode(out.stdout), "OK\n");
    // No plain TCP listener on port 0 (nor a random one): only the TLS port is open.
    assert.match(ic.output(), /ready: pid=\d+ port=0 tls-port=\d+/);
  } finally {
    await ic.stop();
    certs.remove();
  }
  const nowhere = await new Deno.Command(`${repoRoot}/ironcache`, {
    args: ["server", "--port", "0", "--save", ""],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(nowhere.code, 1);
  assert.match(dec.decode(nowhere.stderr), /Configured to not listen anywhere, exiting\./);
});
