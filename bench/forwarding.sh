#!/usr/bin/env bash
# The agency's forwarding round at scale (issue 5; GC3-123-a, GC4-140-a): `whereabouts forward`
# on an agency that holds OTHER persons of party XA's nationals (from Borovia's list) and ORIGIN
# persons of party XB's nationals (from Aldera's list), forwarding to bureau B (origin XB).
#
# Usage: bench/forwarding.sh [OTHER] [ORIGIN]   (default 990000 and 10000: 10^6 persons)
#
# Round 1 decides every XB national (forwarded or withheld) and reads every XA national; round
# 2 has nothing new; round 3 follows 1,000 new XB nationals. Since migration 0022 a round reads
# only the persons registered or given a nationality since the round before (round 1, the
# recipient's first, reads the whole tenant), and an envelope carries at most 5,000 first cards:
# with more than 5,000 XB nationals round 1 leaves the rest to round 2 (`forward --per-envelope`). Each round prints its CPU time
# (user + system, which the machine's load changes little), its wall time and peak RSS. SQLite
# only (the agency's file under a temporary directory). WHEREABOUTS_BIN: the binary to measure.
set -euo pipefail
cd "$(dirname "$0")/.."
other="${1:-990000}"
origin="${2:-10000}"
. bench/lib.sh

gen_lists "$other"
# Aldera's list holds XB nationals; the first ORIGIN rows, then 1,000 more for round 3.
sed -n "1,$((origin + 1))p" "$work/csv/bureau-aldera.csv" >"$work/origin.csv"
sed -n "1p;$((origin + 2)),$((origin + 1001))p" "$work/csv/bureau-aldera.csv" >"$work/later.csv"

agency=(--data-dir "$work/agency")
b=(--data-dir "$work/b")
"$bin" "${agency[@]}" init >/dev/null
"$bin" "${agency[@]}" tenant add agency --name "Central Tracing Agency" --kind agency >/dev/null
"$bin" "${b[@]}" init >/dev/null
"$bin" "${b[@]}" tenant add bureau-b --name "Bureau B" --party Borovia --country XB >/dev/null
for who in agency b; do
  dir="$work/$who"; tenant=$([ "$who" = agency ] && echo agency || echo bureau-b)
  tenant_keys "$dir" "$tenant"
done
"$bin" "${b[@]}" keys export --tenant bureau-b -o "$work/b-keys.json" >/dev/null
"$bin" "${agency[@]}" keys import-peer --tenant agency "$work/b-keys.json" >/dev/null
"$bin" "${agency[@]}" peer set --tenant agency bureau-b --origin XB >/dev/null
"$bin" "${agency[@]}" import persons "$work/csv/bureau-borovia.csv" --tenant agency >/dev/null
"$bin" "${agency[@]}" import persons "$work/origin.csv" --tenant agency >/dev/null
echo "agency: $((other + origin)) persons ($other of XA, $origin of XB); database $(du -h "$work/agency" | tail -1 | cut -f1)"

round() {
  local name="$1"
  local log="$work/$name.time"
  /usr/bin/time -v "$bin" "${agency[@]}" forward --tenant agency --to bureau-b -o "$work/$name.wab" >"$work/$name.out" 2>"$log" || { cat "$log"; exit 1; }
  awk -v n="$name" -v out="$(head -c 200 "$work/$name.out")" '
    /User time/ { u = $NF } /System time/ { s = $NF } /Elapsed \(wall clock\)/ { w = $NF }
    /Maximum resident/ { r = $NF }
    END { printf "%-8s cpu %7.2f s (user %.2f, sys %.2f)  wall %s  peak RSS %6.1f MiB  | %s\n", n, u + s, u, s, w, r / 1024, out }' "$log"
}
round round1
round round2
"$bin" "${agency[@]}" import persons "$work/later.csv" --tenant agency >/dev/null
round round3
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
