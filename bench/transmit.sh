#!/usr/bin/env bash
# A bureau's first transmission at scale (issue 5; GC3-122-c, XC-5): `whereabouts transmit` at a
# bureau holding PERSONS registered persons (Aldera's generated list, with their capture events),
# none sent yet, to the agency, until nothing is left to send; then the agency receives every
# bundle, in reverse order. Each `transmit` prints its CPU time (user + system, which the
# machine's load changes little), wall time and peak RSS; then the number of envelopes and the
# cards the agency holds.
#
# Usage: bench/transmit.sh [PERSONS] [PER_ENVELOPE]   (default 100000 and the built-in 5,000)
#
# SQLite only (the data directories under a temporary directory). WHEREABOUTS_BIN: the binary
# to measure. A binary without `--per-envelope` (before the bound) writes one envelope: leave
# PER_ENVELOPE empty for it.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-100000}"
per="${2:-}"
. bench/lib.sh

gen_lists "$persons"
list="$work/csv/bureau-aldera.csv"

a=(--data-dir "$work/a")
agency=(--data-dir "$work/agency")
"$bin" "${a[@]}" init >/dev/null
"$bin" "${a[@]}" tenant add bureau-a --name "Bureau A" --party Aldera --country XA >/dev/null
"$bin" "${agency[@]}" init >/dev/null
"$bin" "${agency[@]}" tenant add agency --name "Central Tracing Agency" --kind agency >/dev/null
for who in a agency; do
  dir="$work/$who"; tenant=$([ "$who" = agency ] && echo agency || echo bureau-a)
  tenant_keys "$dir" "$tenant"
  "$bin" --data-dir "$dir" keys export --tenant "$tenant" -o "$work/$who-keys.json" >/dev/null
done
"$bin" "${a[@]}" keys import-peer --tenant bureau-a "$work/agency-keys.json" >/dev/null
"$bin" "${agency[@]}" keys import-peer --tenant agency "$work/a-keys.json" >/dev/null
"$bin" "${a[@]}" import persons "$list" --tenant bureau-a >/dev/null
held=$(($(wc -l <"$list") - 1))
echo "bureau-a: $held persons registered; database $(du -h "$work/a" | tail -1 | cut -f1)"

bound=()
[ -n "$per" ] && bound=(--per-envelope "$per")
n=0
while :; do
  n=$((n + 1))
  log="$work/t$n.time"
  /usr/bin/time -v "$bin" "${a[@]}" transmit --tenant bureau-a --to agency "${bound[@]}" -o "$work/a-$n.wab" >"$work/t$n.out" 2>"$log" || { cat "$log"; exit 1; }
  if grep -q "nothing new" "$work/t$n.out"; then n=$((n - 1)); break; fi
  awk -v n="transmit $n" -v out="$(head -1 "$work/t$n.out" | cut -c1-110)" -v size="$(du -h "$work/a-$n.wab" | cut -f1)" '
    /User time/ { u = $NF } /System time/ { s = $NF } /Elapsed \(wall clock\)/ { w = $NF }
    /Maximum resident/ { r = $NF }
    END { printf "%-11s cpu %6.2f s  wall %s  peak RSS %6.1f MiB  bundle %s | %s\n", n, u + s, w, r / 1024, size, out }' "$log"
  [ "$n" -ge 1000 ] && { echo "more than 1000 envelopes: stopping"; exit 1; }
done
echo "$n envelope(s)"
for i in $(seq "$n" -1 1); do
  "$bin" "${agency[@]}" receive --tenant agency "$work/a-$i.wab" >/dev/null
done
echo "agency holds: $(sqlite3 "$work/agency/"*.db 'SELECT count(*) FROM persons' 2>/dev/null || echo '?') persons"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
