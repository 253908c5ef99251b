#!/usr/bin/env bash
# The whole test suite, on SQLite and on a PostgreSQL server, with real Chromium.
# Installs what the tests need when run as root (as in CI); elsewhere prints the exact command.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

# --- System packages -------------------------------------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null || missing+=(curl)          # docs/api.md examples are run as written
command -v openssl >/dev/null || missing+=(openssl)
command -v xmlsec1 >/dev/null || missing+=(xmlsec1)                            # test/interop: verifies our XML signatures
/usr/bin/python3 -c 'import lasso' >/dev/null 2>&1 || missing+=(python3-lasso) # test/interop, e2e: Lasso as IdP and SP
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
have_pg_server() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if [ -z "${TEST_DATABASE_URL:-}" ] && ! have_pg_server && [ -z "$pg_bin" ]; then missing+=(postgresql); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing system packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  else
    echo "The tests need these system packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# --- Node packages ---------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing npm packages (npm ci; better-sqlite3 builds from source, ~90 s)"
  npm ci --no-audit --no-fund
fi

# --- PostgreSQL --------------------------------------------------------------------------------
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$pg_dir' -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if have_pg_server && psql "postgres://postgres@127.0.0.1:5432/test" -Atqc 'select 1' >/dev/null 2>&1; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
  elif [ "$(id -u)" = 0 ] && [ -n "$pg_bin" ]; then
    # A throwaway server of our own; initdb refuses to run as root, so it runs as postgres.
    pg_dir=$(mktemp -d /tmp/ssobridge-pg.XXXXXX)
    chown postgres "$pg_dir"
    port=54329
    say "Starting a PostgreSQL server for the tests on 127.0.0.1:$port"
    su postgres -s /bin/sh -c "$pg_bin/initdb -D '$pg_dir' -A trust -U postgres >/dev/null"
    su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D '$pg_dir' -w -l '$pg_dir/server.log' -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
    su postgres -s /bin/sh -c "$pg_bin/createdb -h 127.0.0.1 -p $port -U postgres test"
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/test"
  else
    echo "The tests need a PostgreSQL server. Set TEST_DATABASE_URL, or run as root with the postgresql package installed:" >&2
    echo "  sudo apt-get install -y postgresql" >&2
    exit 1
  fi
fi
say "PostgreSQL for tests: $TEST_DATABASE_URL"

# --- Tests ---------------------------------------------------------------------------------------
say "Type-checking"
npx tsc --noEmit -p .
say "Linting (eslint.config.js: floating promises, unused imports, no \`as unknown as\` or any in src/)"
npm run --silent lint
say "Running the test suite (SQLite and PostgreSQL, Chromium)"
npx vitest run
