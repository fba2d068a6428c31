# The set-up the bench scripts share (transmit.sh, worklist.sh, forwarding.sh, import.sh).
# Source it from the repository's root, after `set -euo pipefail`: `. bench/lib.sh`.
#
# Sets `bin`: WHEREABOUTS_BIN, an already built binary; otherwise a release build (in
# CARGO_TARGET_DIR when set, as on a shared machine). Sets `work`: a temporary directory,
# removed when the script exits.
if [ -n "${WHEREABOUTS_BIN:-}" ]; then
  bin="$WHEREABOUTS_BIN"
else
  cargo build --release -q -p whereabouts
  bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/whereabouts"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# gen_lists PERSONS: the generated lists (seed 1, as of 2026-11-01) as CSV under $work/csv.
gen_lists() {
  "$bin" gen --seed 1 --persons "$1" --now 2026-11-01T00:00:00Z --csv-dir "$work/csv" >/dev/null
}

# tenant_keys DIR TENANT: the tenant's keys in the data directory DIR, the tenant's own and an
# officer's (Officer Varga).
tenant_keys() {
  "$bin" --data-dir "$1" keys generate --tenant "$2" >/dev/null
  "$bin" --data-dir "$1" keys generate --tenant "$2" --officer "Officer Varga" >/dev/null
}
