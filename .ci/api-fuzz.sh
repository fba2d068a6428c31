#!/usr/bin/env bash
# OpenAPI-driven API fuzz (docs/security.md, T6 and H5): schemathesis from PyPI, in a venv made
# here, against `whereabouts serve` on loopback with a demo-sized store and an API token.
# Checks: no 5xx (schemathesis' not_a_server_error), responses match the document, and no
# response carries the marker person planted in another tenant.
# Usage: .ci/api-fuzz.sh [path to the whereabouts binary]   (WHEREABOUTS_API_FUZZ_EXAMPLES=N)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/debug/whereabouts}"
EXAMPLES="${WHEREABOUTS_API_FUZZ_EXAMPLES:-5}"
VENV="${WHEREABOUTS_API_FUZZ_VENV:-${TMPDIR:-/tmp}/whereabouts-schemathesis}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
"$VENV/bin/schemathesis" --version

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
wb() { WHEREABOUTS_LOG=error "$BIN" --data-dir "$WORK/data" "$@"; }

wb init >/dev/null
wb tenant add bureau-a --name "Bureau of Aldera" --party Aldera --country XA >/dev/null
wb tenant add bureau-b --name "Bureau of Borovia" --party Borovia --country XB >/dev/null
wb tenant add agency --name "Agency" --kind agency >/dev/null
wb gen --seed 7 --persons 200 --now 2026-11-01T00:00:00Z --csv-dir "$WORK/gen" >/dev/null
wb import persons "$WORK/gen/bureau-aldera.csv" --tenant bureau-a >/dev/null
# The marker: a person only tenant B holds. Fuzzing as tenant A must never see it.
MARKER="ZZLEAKMARKER$(date +%s)"
printf 'id,category,given_name,family_name,name_language,captured_at\n%s-REF,pow,Probe,%s,en,2026-10-01T08:00:00Z\n' \
  "$MARKER" "$MARKER" > "$WORK/marker.csv"
wb import persons "$WORK/marker.csv" --tenant bureau-b >/dev/null
# Two callers: a clerk of bureau A (registry routes) and a caseworker of the agency (tracing).
CLERK="$(wb token create --tenant bureau-a --role bureau-clerk --label api-fuzz)"
CASEWORKER="$(wb token create --tenant agency --role caseworker --label api-fuzz)"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
# Started directly, not through `wb`: `$!` of a backgrounded shell function is the subshell, and
# killing it left the server running after the fuzz (seen at the end of session 9).
WHEREABOUTS_LOG=error "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
  --rate-limit-per-address 0 --rate-limit-per-user 0 \
  > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" 2>/dev/null && break
  sleep 0.1
done

# Every response body is kept, to search for the marker afterwards.
cat > "$WORK/hooks.py" <<'PY'
import os
import schemathesis

OUT = os.environ["WB_FUZZ_RESPONSES"]

@schemathesis.check
def no_other_tenant_data(ctx, response, case):
    with open(OUT, "ab") as f:
        f.write(response.content or b"")
        f.write(b"\n")
    marker = os.environ["WB_FUZZ_MARKER"].encode()
    if marker in (response.content or b""):
        raise AssertionError("a response carries another tenant's person")
PY
export WB_FUZZ_RESPONSES="$WORK/responses.txt" WB_FUZZ_MARKER="$MARKER" SCHEMATHESIS_HOOKS=hooks
: > "$WB_FUZZ_RESPONSES"
STATUS=0
for TOKEN in "$CLERK" "$CASEWORKER"; do
  set +e
  ( cd "$WORK" && PYTHONPATH="$WORK" "$VENV/bin/schemathesis" run \
      "http://127.0.0.1:$PORT/api/v1/openapi.json" \
      --url "http://127.0.0.1:$PORT" \
      --header "Authorization: Bearer $TOKEN" \
      --checks not_a_server_error,no_other_tenant_data \
      --max-examples "$EXAMPLES" \
      --seed 1 \
      --no-color ) > "$WORK/schemathesis.out" 2>&1
  RUN=$?
  set -e
  sed -n '/SUMMARY/,$p' "$WORK/schemathesis.out"
  if [ "$RUN" -ne 0 ]; then cat "$WORK/schemathesis.out"; STATUS=$RUN; fi
done
CASES=$(grep -c . "$WB_FUZZ_RESPONSES" || true)
echo "api fuzz: $CASES responses checked"
if grep -q "$MARKER" "$WB_FUZZ_RESPONSES"; then
  echo "FAIL: a response carried tenant B's marker person"; exit 1
fi
if grep -q "panicked" "$WORK/serve.err"; then
  echo "FAIL: the server panicked"; grep panicked "$WORK/serve.err" | head; exit 1
fi
[ "$CASES" -gt 0 ] || { echo "FAIL: no request was made"; exit 1; }
exit "$STATUS"
