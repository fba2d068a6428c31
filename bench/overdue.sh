#!/usr/bin/env bash
# The protection unit's follow-ups-due list at scale (issue 6, ICRC-VIS-d): N persons seen with
# one follow-up each (default 100000), the Rust scan against the rule in SQL (whole list, count, one page), on
# SQLite and, when .ci/postgres.sh can start it, on PostgreSQL. Results: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
cargo build --release -p whereabouts-store --example overdue
bin="${CARGO_TARGET_DIR:-target}/release/examples/overdue"
"$bin" "$n"
if url="$(bash .ci/postgres.sh 2>/dev/null)"; then
    WHEREABOUTS_BENCH_POSTGRES="$url" "$bin" "$n"
fi
