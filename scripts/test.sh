#!/usr/bin/env bash
# The project's test command (`npm test`): installs the npm dependencies if missing, builds the
# Wasm engine, runs every *_test.ts under tests/ and src/ with Deno, and ends with one line
# `N passed, M failed` taken from Deno's summary. Exits with Deno's exit code.
# Extra arguments go to `deno test` (e.g. --filter "strings:").
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

crashed() {
  echo "test: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if [ ! -x node_modules/.bin/deno ]; then
  npm install --no-audit --no-fund --loglevel=error || crashed "npm install failed"
fi
node scripts/build-wasm.mjs || crashed "building the Wasm engine failed"

export DENO_NO_UPDATE_CHECK=1
mkdir -p .test-tmp
# A log of its own (runs in the same checkout may overlap), kept as .test-tmp/deno-test.log after.
log="$(mktemp .test-tmp/deno-test.XXXXXX)"
# --parallel: test files run concurrently (one per core), so CPU-bound files overlap with those
# that wait on servers: ~31 s instead of ~36 s for the whole suite on 2 cores when measured. The
# files only share the machine's free ports, which each server takes from the OS (port 0).
node_modules/.bin/deno test --allow-all --parallel tests/ src/ "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}

# Deno's summary, colours stripped: "ok | 12 passed (3 steps) | 0 failed (2s)" or "FAILED | ...".
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
mv -f "$log" .test-tmp/deno-test.log
log=.test-tmp/deno-test.log
if [[ "$summary" =~ \|\ ([0-9]+)\ passed.*\|\ ([0-9]+)\ failed ]]; then
  passed="${BASH_REMATCH[1]}"
  failed="${BASH_REMATCH[2]}"
  # A non-zero exit with no failed test (e.g. an error after the summary) still counts as one.
  if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  echo "$passed passed, $failed failed"
  exit "$code"
fi
crashed "deno test printed no summary (exit code $code); see $log"
