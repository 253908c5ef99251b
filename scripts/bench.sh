#!/usr/bin/env bash
# npm run bench: see bench/run.ts and docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: wrk (HTTP load generator) is not installed: install the Debian package \`wrk\` (apt-get install wrk)." >&2
  exit 1
fi
# Benchmark the compiled server, as operators run it.
npm run --silent build
node --import tsx bench/run.ts "$@"
node --import tsx bench/extra.ts
