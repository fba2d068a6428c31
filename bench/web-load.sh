#!/usr/bin/env bash
# Web load: demo data, 100 concurrent clients browsing and searching, on SQLite and PostgreSQL.
# Usage: bench/web-load.sh [PERSONS_PER_BUREAU] [DURATION]   (defaults 2500 and 30s)
#        THINK_MS=1000 bench/web-load.sh   each client pauses 0.5–1.5 × THINK_MS between pages
#                                          (people browsing); 0 (the default) is a saturation test
#
# For each backend: fills a fresh database with `whereabouts gen` (the demo's data: two bureaus
# of PERSONS_PER_BUREAU persons each), adds a bureau clerk, signs in once with password and
# TOTP (bench/web-login.py), then runs wrk (Debian's `wrk`) with 100 connections on 2 threads
# over a mix of pages: dashboard, person lists, searches by name and reference, person pages,
# deadlines. Prints wrk's latency distribution and non-2xx count. PostgreSQL is measured when
# WHEREABOUTS_TEST_POSTGRES is set, or started with .ci/postgres.sh otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-2500}"
duration="${2:-30s}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
if [ -z "${WHEREABOUTS_BIN:-}" ]; then
  cargo build --release -q -p whereabouts
  WHEREABOUTS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/whereabouts"
fi
bin="$WHEREABOUTS_BIN"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export WHEREABOUTS_PASSWORD="bench password $$"
export WHEREABOUTS_ADMIN_PASSWORD="admin password $$"
export WHEREABOUTS_LOG=warn

run() {
  local name="$1"; shift
  local port=$((20000 + RANDOM % 20000))
  "$bin" "$@" init >/dev/null
  "$bin" "$@" gen --seed 1 --persons "$persons" >/dev/null
  local tenant
  tenant=$("$bin" "$@" tenant list | grep -oE '^bureau-[a-z0-9-]+' | head -1)
  "$bin" "$@" user add bench --tenant "$tenant" --role bureau-clerk >/dev/null
  "$bin" "$@" serve --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  local base="http://127.0.0.1:$port"
  local cookie
  cookie=$(python3 bench/web-login.py "$base" bench "$WHEREABOUTS_PASSWORD")
  # Paths to request: ids and names taken from the list pages.
  curl -sf -H "Cookie: $cookie" "$base/persons?page=2" >"$work/list.html"
  mapfile -t ids < <(grep -oE 'href="/persons/[0-9a-f-]{36}"' "$work/list.html" | cut -d'"' -f2 | head -20)
  mapfile -t names < <(grep -oE '<span dir="auto">[^<]+</span>' "$work/list.html" | sed -E 's/.*>([^ <]+)[^<]*<.*/\1/' | head -10)
  {
    echo "paths = {"
    echo '  "/", "/persons", "/persons?page=3", "/deadlines", "/deadlines?status=overdue",'
    echo '  "/persons?q=A", "/persons?q=XA-0",'
    for id in "${ids[@]}"; do echo "  \"$id\","; done
    for n in "${names[@]}"; do echo "  \"/persons?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$n")\","; done
    echo "}"
    echo "wrk.headers[\"Cookie\"] = \"$cookie\""
    if [ "${THINK_MS:-0}" -gt 0 ]; then
      echo "delay = function() return math.random($((THINK_MS / 2)), $((THINK_MS * 3 / 2))) end"
    fi
    echo 'counter = 0'
    echo 'request = function() counter = counter + 1; return wrk.format("GET", paths[(counter % #paths) + 1]) end'
  } >"$work/mix.lua"
  echo "== $name: $persons persons per bureau, $(grep -c '^  "' "$work/mix.lua") paths, 100 connections, $duration, think time ${THINK_MS:-0} ms"
  wrk -t2 -c100 -d"$duration" --latency -s "$work/mix.lua" "$base/" | tee "$work/$name.wrk"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

run sqlite --data-dir "$work/sqlite"

if [ -z "${WHEREABOUTS_TEST_POSTGRES:-}" ]; then
  WHEREABOUTS_TEST_POSTGRES="$(.ci/postgres.sh)"
fi
db="wb_web_bench_$$"
psql "$WHEREABOUTS_TEST_POSTGRES" -qc "CREATE DATABASE $db" >/dev/null
run postgres --data-dir "$work/pg" --database-url "${WHEREABOUTS_TEST_POSTGRES%/*}/$db"
psql "$WHEREABOUTS_TEST_POSTGRES" -qc "DROP DATABASE $db" >/dev/null || true
