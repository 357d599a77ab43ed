// scripts/compile.sh: builds dist/ironcache and the binary works (`version`, then a server that
// answers PING); or, where deno compile cannot get its denort runtime (no network), the script
// says so in exactly its one skip line and exits 3. The embedded file list is checked either way.
import assert from "node:assert/strict";
import { freePort, RawConnection, repoRoot } from "../helpers/servers.ts";

const script = `${repoRoot}/scripts/compile.sh`;
const decoder = new TextDecoder();

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, cwd: repoRoot, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The skip line, read from the script itself so the two cannot drift apart. */
async function skipLine(): Promise<string> {
  const match = (await Deno.readTextFile(script)).match(/^SKIP_LINE="(.*)"$/m);
  assert.ok(match, "compile.sh defines SKIP_LINE");
  return match[1];
}

Deno.test("compile: dist/ironcache runs `version` and serves PING, or the script reports the skip", async () => {
  const built = await run("bash", [script]);
  if (built.code === 3) {
    assert.equal(
      built.stdout,
      (await skipLine()) + "\n",
      `stdout must be exactly the skip line; stderr:\n${built.stderr}`,
    );
    console.log(built.stdout.trim());
    return;
  }
  assert.equal(built.code, 0, `compile.sh failed:\n${built.stdout}\n${built.stderr}`);
  const binary = `${repoRoot}/dist/ironcache`;

  const version = await run(binary, ["version"]);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /IronCache \d+\.\d+\.\d+/);

  const port = freePort();
  const server = new Deno.Command(binary, {
    args: ["server", "--port", String(port), "--save", ""],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const conn = await connectWithin(port, 20_000);
    try {
      assert.equal(decoder.decode(await conn.command("PING")), "+PONG\r\n");
    } finally {
      conn.close();
    }
  } finally {
    server.kill("SIGTERM");
    await server.output();
  }
});

Deno.test("compile: the binary embeds the program, its worker and Wasm, and no dev packages", async () => {
  const listed = await run("bash", [script, "--list-embedded"]);
  assert.equal(
    listed.code,
    0,
    `compile.sh --list-embedded failed:\n${listed.stdout}\n${listed.stderr}`,
  );
  const tree = listed.stdout;
  // deno compile fails on an --include path that does not exist, so a listing at all means the
  // worker entry and the Wasm file were found; the tree folds them into src/server/* and wasm/*.
  for (const wanted of ["src", "wasm", "node_modules"]) {
    assert.match(tree, new RegExp(`[─┬] ${wanted}\\b`), tree);
  }
  for (const dev of ["assemblyscript", "binaryen", "deno/", "@types", "typescript"]) {
    assert.ok(!tree.includes(dev), `embeds ${dev}:\n${tree}`);
  }
  const size = tree.match(/^Files: ([\d.]+)(KB|MB)$/m);
  assert.ok(size, tree);
  const megabytes = Number(size[1]) / (size[2] === "KB" ? 1024 : 1);
  assert.ok(
    megabytes < 20,
    `embeds ${size[1]} ${size[2]}; expected only src, the Wasm and a few small packages`,
  );
});

async function connectWithin(port: number, timeoutMs: number): Promise<RawConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await RawConnection.open(port);
    } catch (e) {
      if (Date.now() > deadline) {
        throw new Error(`dist/ironcache did not listen on ${port}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
