#!/usr/bin/env bash
# Import throughput and peak memory of a 100,000-person list, with provenance, on SQLite and
# PostgreSQL. Usage: bench/import.sh [PERSONS]   (default 100000)
#
# Prints one line per backend: persons, wall seconds, persons/s, peak RSS. PostgreSQL is
# measured when WHEREABOUTS_TEST_POSTGRES is set, or started with .ci/postgres.sh otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-100000}"
. bench/lib.sh

gen_lists "$persons"
list="$work/csv/bureau-aldera.csv"
echo "list: $persons persons, $(du -h "$list" | cut -f1) ($list)"

measure() {
  local name="$1"; shift
  local log="$work/$name.time"
  /usr/bin/time -v "$bin" "$@" import persons "$list" --tenant bureau-a >"$work/$name.out" 2>"$log"
  local seconds rss
  seconds=$(grep -oE 'in [0-9.]+ s' "$work/$name.out" | grep -oE '[0-9.]+')
  rss=$(grep 'Maximum resident' "$log" | grep -oE '[0-9]+$')
  awk -v n="$name" -v p="$persons" -v s="$seconds" -v r="$rss" \
    'BEGIN { printf "%-10s %8d persons  %7.2f s  %8.0f persons/s  peak RSS %6.1f MiB\n", n, p, s, p / s, r / 1024 }'
}

sqlite=(--data-dir "$work/sqlite")
for run in $(seq "${RUNS:-1}"); do
  rm -rf "$work/sqlite"
  "$bin" "${sqlite[@]}" init >/dev/null
  "$bin" "${sqlite[@]}" tenant add bureau-a --name "Bureau A" --party Aldera --country XA >/dev/null
  measure sqlite "${sqlite[@]}"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -z "${WHEREABOUTS_TEST_POSTGRES:-}" ]; then
  WHEREABOUTS_TEST_POSTGRES="$(.ci/postgres.sh)"
fi
db="wb_bench_$$"
psql "$WHEREABOUTS_TEST_POSTGRES" -qc "CREATE DATABASE $db" >/dev/null
pg_url="${WHEREABOUTS_TEST_POSTGRES%/*}/$db"
pg=(--data-dir "$work/pg" --database-url "$pg_url")
"$bin" "${pg[@]}" init >/dev/null
"$bin" "${pg[@]}" tenant add bureau-a --name "Bureau A" --party Aldera --country XA >/dev/null
measure postgres "${pg[@]}"
psql "$WHEREABOUTS_TEST_POSTGRES" -qc "DROP DATABASE $db" >/dev/null
