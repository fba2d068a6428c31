#!/usr/bin/env bash
# The agency's tracing worklist at scale (issue 5; MATCH-1): what one page of `/tracing` costs
# the database at REQUESTS tracing requests with reviewers' decisions, on SQLite and PostgreSQL,
# before and after migration 0025 (the stage kept per request).
#
# Usage: bench/worklist.sh [REQUESTS]   (default 100000)
#
# The agency's database is made by `whereabouts init` at the schema before 0025 (the binary
# WHEREABOUTS_BIN, or a release build; its migrations stop at 0024 or earlier, else 0025 is
# skipped here), with 1,000 persons and three reviewers; the requests and decisions are written
# in SQL: every 2nd request has one confirmation, every 4th a second by another reviewer, every
# 10th a rejection by a third (so all three stages occur). Then the worklist's three statements
# (the stage counts for the tabs, the total and the page of 50, newest first; and the page of the
# stage "awaiting a second confirmation") run as they were (the stage aggregated over every
# decision of the tenant), then migration 0025 is applied (the time its backfill takes is
# printed) and they run as they are now (the stage read from `tracing_request_stages`).
# SQLite: sqlite3's `.timer` (real, user, sys) and the query plans; PostgreSQL: EXPLAIN ANALYZE
# (execution times), as the app role with `app.tenant_id` set.
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-100000}"
. bench/lib.sh
migration_sqlite=crates/store/migrations/sqlite/0025_tracing_request_stages.sql
migration_pg=crates/store/migrations/postgres/0025_tracing_request_stages.sql
gen_lists 1000

setup() {
  "$bin" "$@" init >/dev/null
  "$bin" "$@" tenant add agency --name "Central Tracing Agency" --kind agency >/dev/null
  for user in reviewer1 reviewer2 reviewer3; do
    WHEREABOUTS_PASSWORD="bench-password-$user" "$bin" "$@" user add --tenant agency --role reviewer "$user" >/dev/null
  done
  "$bin" "$@" import persons "$work/csv/bureau-aldera.csv" --tenant agency >/dev/null
}

# The statements as they were before 0025 ($T: the tenant).
stages_cte() {
  tr '\n' ' ' <<SQL
WITH pairs AS (SELECT request_id, COUNT(DISTINCT CASE WHEN decision = 'confirm' THEN user_id END) AS confirmers,
  MAX(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END) AS rejected, COUNT(*) AS n
  FROM match_decisions WHERE tenant_id = $1 GROUP BY request_id, person_id),
per_request AS (SELECT request_id,
  CAST(MAX(CASE WHEN rejected = 0 AND confirmers >= 2 THEN 2 WHEN rejected = 0 AND confirmers = 1 THEN 1 ELSE 0 END) AS BIGINT) AS stage,
  CAST(SUM(n) AS BIGINT) AS decisions FROM pairs GROUP BY request_id)
SQL
}
before_sql() { # $1: the tenant expression; $2: the stage filter (or NULL)
  echo "$(stages_cte "$1") SELECT COALESCE(p.stage, 0) AS stage, COUNT(*) AS n FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id WHERE r.tenant_id = $1 GROUP BY COALESCE(p.stage, 0);"
  echo "$(stages_cte "$1") SELECT COUNT(*) AS n FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id WHERE r.tenant_id = $1 AND ($2 IS NULL OR COALESCE(p.stage, 0) = $2);"
  echo "$(stages_cte "$1") SELECT r.id, r.reference, r.created_at, COALESCE(p.stage, 0) AS stage, COALESCE(p.decisions, 0) AS decisions FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id WHERE r.tenant_id = $1 AND ($2 IS NULL OR COALESCE(p.stage, 0) = $2) ORDER BY r.created_at DESC, r.id DESC LIMIT 50 OFFSET 0;"
}
after_sql() {
  local stage="" 
  [ "$2" != NULL ] && stage=" AND s.stage = $2"
  echo "SELECT stage, COUNT(*) AS n FROM tracing_request_stages WHERE tenant_id = $1 GROUP BY stage;"
  echo "SELECT COUNT(*) AS n FROM tracing_request_stages s WHERE s.tenant_id = $1$stage;"
  echo "SELECT r.id, r.reference, r.created_at, s.stage, s.decisions FROM tracing_request_stages s JOIN tracing_requests r ON r.id = s.request_id WHERE s.tenant_id = $1 AND r.tenant_id = $1$stage ORDER BY s.created_at DESC, s.request_id DESC LIMIT 50 OFFSET 0;"
}

# --- SQLite ---------------------------------------------------------------------------------
setup --data-dir "$work/s"
db="$work/s/whereabouts.db"
sqlite3 "$db" <<SQL
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $requests)
INSERT INTO tracing_requests (id, tenant_id, reference, enquirer_name, enquirer_contact, relationship, sought_name,
  circumstances, consent_tracing, consent_share, created_by, created_at)
SELECT randomblob(16), (SELECT id FROM tenants WHERE slug = 'agency'), printf('TR-%07d', i), 'bench', 'sealed', 'mother',
  '{}', 'sealed', 1, 1, 'bench', strftime('%Y-%m-%d %H:%M:%f+00:00', '2026-01-01', printf('+%d seconds', i * 60))
FROM seq;
CREATE TEMP TABLE ranked AS SELECT id, ROW_NUMBER() OVER (ORDER BY reference) AS i FROM tracing_requests;
CREATE TEMP TABLE people AS SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM persons;
CREATE TEMP TABLE reviewers AS SELECT id, username FROM users WHERE username LIKE 'reviewer%';
INSERT INTO match_decisions (id, tenant_id, request_id, person_id, decision, user_id, decided_at, score, algorithm, explanation)
SELECT randomblob(16), (SELECT id FROM tenants WHERE slug = 'agency'), r.id, p.id, d.decision, u.id, '2026-11-01 00:00:00.000+00:00', 900, 'bench', '{}'
FROM ranked r JOIN people p ON p.k = r.i % 1000
JOIN (SELECT 'reviewer1' AS who, 'confirm' AS decision, 2 AS every UNION ALL SELECT 'reviewer2', 'confirm', 4
      UNION ALL SELECT 'reviewer3', 'reject', 10) d ON r.i % d.every = 0
JOIN reviewers u ON u.username = d.who;
ANALYZE;
SQL
echo "sqlite: $(sqlite3 "$db" 'SELECT COUNT(*) FROM tracing_requests') requests, $(sqlite3 "$db" 'SELECT COUNT(*) FROM match_decisions') decisions"
tenant_s="(SELECT id FROM tenants WHERE slug = 'agency')"
run_sqlite() { # $1: label; the statements on stdin
  local sql; sql="$(cat)"
  echo "== sqlite $1"
  { echo ".timer on"; echo "$sql"; } | sqlite3 "$db" | grep -E '^Run Time' | sed 's/^/  /'
  { echo "$sql" | sed 's/^/EXPLAIN QUERY PLAN /'; } | sqlite3 "$db" | sed 's/^/    plan: /' | head -40
}
before_sql "$tenant_s" NULL | run_sqlite "before: counts, total, first page"
before_sql "$tenant_s" 1 | sed -n 3p | run_sqlite "before: the first page awaiting a second confirmation"
echo "== sqlite: migration 0025 (backfill)"
{ echo ".timer on"; cat "$migration_sqlite"; } | sqlite3 "$db" | grep -E '^Run Time' | awk '{r += $4; u += $6; s += $8} END { printf "  real %.3f user %.3f sys %.3f\n", r, u, s }'
sqlite3 "$db" 'ANALYZE;'
echo "  requests whose stage kept differs from the recomputed one: $(sqlite3 "$db" "$(stages_cte "$tenant_s") SELECT COUNT(*) FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id JOIN tracing_request_stages s ON s.request_id = r.id WHERE s.stage <> COALESCE(p.stage, 0) OR s.decisions <> COALESCE(p.decisions, 0);")"
after_sql "$tenant_s" NULL | run_sqlite "after: counts, total, first page"
after_sql "$tenant_s" 1 | sed -n 3p | run_sqlite "after: the first page awaiting a second confirmation"

# --- PostgreSQL -----------------------------------------------------------------------------
if [ -z "${WHEREABOUTS_TEST_POSTGRES:-}" ]; then
  WHEREABOUTS_TEST_POSTGRES="$(.ci/postgres.sh)"
fi
pgdb="wb_worklist_$$"
psql "$WHEREABOUTS_TEST_POSTGRES" -qc "CREATE DATABASE $pgdb" >/dev/null
trap 'psql "$WHEREABOUTS_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null; rm -rf "$work"' EXIT
url="${WHEREABOUTS_TEST_POSTGRES%/*}/$pgdb"
setup --data-dir "$work/p" --database-url "$url"
tenant="$(psql "$url" -Atc "SELECT id FROM tenants WHERE slug = 'agency'")"
psql "$url" -q <<SQL
SELECT set_config('app.tenant_id', '$tenant', false) \\g /dev/null
INSERT INTO tracing_requests (id, tenant_id, reference, enquirer_name, enquirer_contact, relationship, sought_name,
  circumstances, consent_tracing, consent_share, created_by, created_at)
SELECT gen_random_uuid(), '$tenant', format('TR-%s', lpad(i::text, 7, '0')), 'bench', 'sealed', 'mother', '{}', 'sealed',
  true, true, 'bench', timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
FROM generate_series(1, $requests) i;
WITH ranked AS (SELECT id, ROW_NUMBER() OVER (ORDER BY reference) AS i FROM tracing_requests),
people AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM persons)
INSERT INTO match_decisions (id, tenant_id, request_id, person_id, decision, user_id, decided_at, score, algorithm, explanation)
SELECT gen_random_uuid(), '$tenant', r.id, p.id, d.decision, u.id, now(), 900, 'bench', '{}'
FROM ranked r JOIN people p ON p.k = r.i % 1000
JOIN (VALUES ('reviewer1', 'confirm', 2), ('reviewer2', 'confirm', 4), ('reviewer3', 'reject', 10)) d(who, decision, every) ON r.i % d.every = 0
JOIN users u ON u.username = d.who;
VACUUM ANALYZE tracing_requests;
VACUUM ANALYZE match_decisions;
SQL
as_app="SELECT set_config('app.tenant_id', '$tenant', false)"
tenant_p="'$tenant'::uuid"
echo "postgres: $(psql "$url" -Atq -c "$as_app" -c 'SELECT COUNT(*) FROM tracing_requests' | tail -1) requests, $(psql "$url" -Atq -c "$as_app" -c 'SELECT COUNT(*) FROM match_decisions' | tail -1) decisions"
# As the application runs them: the application's role (the tables' owner, row-level
# security forced), the tenant set.
run_pg() { # $1: label; the statements on stdin
  echo "== postgres $1"
  while IFS= read -r statement; do
    [ -z "$statement" ] && continue
    psql "$url" -qAt -c "$as_app" \
      -c "EXPLAIN (ANALYZE, BUFFERS) $statement" | grep -E 'Execution Time|Planning Time|Index|Seq Scan|Sort Method' | sed 's/^/  /' | grep -v "^  $tenant" | head -12
  done
}
before_sql "$tenant_p" NULL | run_pg "before: counts, total, first page"
before_sql "$tenant_p" 1 | sed -n 3p | run_pg "before: the first page awaiting a second confirmation"
echo "== postgres: migration 0025 (backfill)"
psql "$url" -q -c "$as_app" -c '\timing on' -f "$migration_pg" | grep -E '^Time' | awk '{t += $2} END { printf "  %.0f ms\n", t }'
psql "$url" -qc "VACUUM ANALYZE tracing_request_stages" >/dev/null
echo "  requests whose stage kept differs from the recomputed one: $(psql "$url" -qAt -c "$as_app" -c "$(stages_cte "$tenant_p") SELECT COUNT(*) FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id JOIN tracing_request_stages s ON s.request_id = r.id WHERE s.stage <> COALESCE(p.stage, 0) OR s.decisions <> COALESCE(p.decisions, 0)" | tail -1)"
after_sql "$tenant_p" NULL | run_pg "after: counts, total, first page"
after_sql "$tenant_p" 1 | sed -n 3p | run_pg "after: the first page awaiting a second confirmation"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
