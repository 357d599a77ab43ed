// Builds wasm/assembly/*.ts into wasm/build/engine.wasm with AssemblyScript's `asc`.
// Rebuilds only when a source is newer than the output (or with --force), so the
// launcher can call it on every start at no cost. Plain Node: it runs before Deno exists.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "wasm", "assembly");
const outDir = join(root, "wasm", "build");
const out = join(outDir, "engine.wasm");
const asc = join(root, "node_modules", ".bin", "asc");

function newestSource() {
  let newest = statSync(join(root, "scripts", "build-wasm.mjs")).mtimeMs;
  for (const name of readdirSync(srcDir)) {
    newest = Math.max(newest, statSync(join(srcDir, name)).mtimeMs);
  }
  return newest;
}

const force = process.argv.includes("--force");
if (!force && existsSync(out) && statSync(out).mtimeMs >= newestSource()) process.exit(0);
if (!existsSync(asc)) {
  console.error("build-wasm: AssemblyScript is not installed; run `npm install` first");
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
// --runtime minimal: TLSF allocator with explicit free, no GC pauses.
// --use abort=: no imports, so Deno can load the module as a Wasm ES module import
// (no permission needed, embedded by `deno compile`).
const args = [
  join(srcDir, "index.ts"),
  "-O3", "--noAssert", "--runtime", "minimal", "--use", "abort=",
  "--outFile", out,
];
if (process.argv.includes("--debug")) args.push("--textFile", join(outDir, "engine.wat"));
try {
  execFileSync(asc, args, { stdio: "inherit", cwd: root });
} catch {
  console.error("build-wasm: asc failed");
  process.exit(1);
}
