#!/usr/bin/env bash
# Builds dist/ironcache: one executable with the sources, the shard worker module, the Wasm
# engine and the production npm packages embedded, and the same permissions and unstable flags
# as the ./ironcache launcher (both read scripts/runtime-flags).
#
#   scripts/compile.sh                   build dist/ironcache
#   scripts/compile.sh --list-embedded   only show what the binary would embed (works offline)
#
# `deno compile` writes the program into a copy of `denort`, a runtime binary that it downloads
# from the internet unless DENORT_BIN names one. When it cannot be had, this script prints one
# line starting with "compile: skipped:" and exits 3, so callers can tell a skip from a failure.
# COMPILE_TIMEOUT (seconds, default 120) bounds the whole compile, download included.
# KEEP_STAGE=1 keeps the staging directory (its path is in the output) for debugging.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deno="$root/node_modules/.bin/deno"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

SKIP_LINE="compile: skipped: deno compile needs the denort runtime, which it downloads from the internet; set DENORT_BIN=/path/to/denort (or run where dl.deno.land is reachable)"

mode=build
case "${1:-}" in
  "") ;;
  --list-embedded) mode=list ;;
  *) echo "usage: scripts/compile.sh [--list-embedded]" >&2; exit 2 ;;
esac

if [ ! -x "$deno" ]; then
  npm install --no-audit --no-fund --loglevel=error >&2
fi
node scripts/build-wasm.mjs >&2

# Compiling in the repository would embed all of node_modules (the Deno binary, AssemblyScript,
# Binaryen: ~200 MB; `--exclude` leaks them back through node_modules/.bin), so compile in a
# staging directory holding only what the program uses: src/, the built Wasm, deno.json, and the
# production npm packages (those the lockfile does not mark "dev") without their top-level test
# and example folders, with a package.json that lists only those. (Test data there can also
# crash deno compile: bintrees' 2 MB test/perf/100k overflows its stack.)
stage="$(mktemp -d "${TMPDIR:-/tmp}/ironcache-compile.XXXXXX")"
if [ -n "${KEEP_STAGE:-}" ]; then echo "compile: staging in $stage" >&2; else trap 'rm -rf "$stage"' EXIT; fi
mkdir -p "$stage/wasm" "$stage/node_modules"
cp -R src "$stage/src"
cp -R wasm/build "$stage/wasm/build"
cp deno.json "$stage/"
node --input-type=module - "$stage" <<'EOF'
import { cpSync, readFileSync, writeFileSync } from "node:fs";
const stage = process.argv[2];
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const { name, version, type, dependencies } = pkg;
writeFileSync(`${stage}/package.json`, JSON.stringify({ name, version, type, dependencies }, null, 2));
const lock = JSON.parse(readFileSync("node_modules/.package-lock.json", "utf8"));
const notRuntime = /^node_modules\/(@[^/]+\/)?[^/]+\/(test|tests|__tests__|example|examples|benchmark|benchmarks)$/;
for (const [path, meta] of Object.entries(lock.packages)) {
  if (!path.startsWith("node_modules/") || meta.dev) continue;
  cpSync(path, `${stage}/${path}`, { recursive: true, filter: (from) => !notRuntime.test(from) });
}
EOF

mapfile -t runtime_flags < <(grep -v -e '^#' -e '^[[:space:]]*$' scripts/runtime-flags)
compile_args=(
  compile --no-check "${runtime_flags[@]}"
  # Workers are started from a URL at run time, so the graph walk does not find them.
  --include src/server/shard_worker.ts
  --include src/persistence/encoder_worker.ts
  --include src/persistence/walk_pacer_worker.ts
  --include wasm/build/engine.wasm
  --output "$stage/out/ironcache"
  src/main.ts
)

log="$stage/compile.log"
if [ "$mode" = list ]; then
  # The Deno CLI itself stands in for denort: the output is not a working program, but deno
  # prints the tree of embedded files and their sizes exactly as for the real build.
  if (cd "$stage" && DENORT_BIN="$deno" "$deno" "${compile_args[@]}") >"$log" 2>&1; then
    sed -n '/^Embedded Files/,$p' "$log"
    exit 0
  fi
  cat "$log" >&2
  exit 1
fi

set +e
(cd "$stage" && timeout "${COMPILE_TIMEOUT:-120}" "$deno" "${compile_args[@]}") >"$log" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ]; then
  mkdir -p dist
  mv -f "$stage/out/ironcache" dist/ironcache
  sed -n '/^Embedded Files/,$p' "$log"
  echo "compile: built dist/ironcache ($(du -h dist/ironcache | cut -f1))"
  exit 0
fi
# The denort download failed (no network), or was still going when the time ran out.
if grep -q 'denort-.*\.zip' "$log" && { grep -qiE 'error sending request|dns error|connect|download' "$log" || [ "$code" -eq 124 ]; }; then
  echo "$SKIP_LINE"
  exit 3
fi
cat "$log" >&2
echo "compile: failed (exit code $code)" >&2
exit 1
