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
# ACS validation per CPU-second against node-saml and @boxyhq/saml20, floor and stages → docs/benchmarks.md
node --import tsx bench/saml-validation.ts >/dev/null
# Hostile XML: event-loop block and memory per XML input at its limits → docs/benchmarks.md
node --import tsx bench/xml-limits.ts --append >/dev/null
node --import tsx bench/change-propagation.ts >/dev/null
node --import tsx bench/connection-loss.ts >/dev/null
# 10,000 metadata URLs refreshed by the job while GET …/spManaged/{idpId} is measured beside it → docs/benchmarks.md
node --import tsx bench/metadata-refresh.ts --append >/dev/null
# OIDC: code → token exchanges per server CPU-second against an RS256 signature, and full OIDC logins beside REST ones → docs/benchmarks.md
node --import tsx bench/oidc.ts --append >/dev/null
# Webhooks: 10,000 events delivered to a local Standard Webhooks receiver (throughput, commit → receipt p99) and the API's req/s beside them → docs/benchmarks.md
node --import tsx bench/webhooks.ts --append >/dev/null
# Metrics overhead: the API's req/s with metrics on and off, interleaved rounds → docs/benchmarks.md
node --import tsx bench/metrics.ts --append >/dev/null
# Resident memory under load and an argon2id burst, SQLite and PostgreSQL → docs/benchmarks.md
node --import tsx bench/memory.ts --append >/dev/null
# SAML attacks: ssobridge's verdicts, their cost, and node-saml's answers → docs/saml-comparison.md
node --import tsx bench/saml-attack-comparison.ts
