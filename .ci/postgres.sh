#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts a throw-away PostgreSQL cluster on
# 127.0.0.1, and prints the URL the tests use as WHEREABOUTS_TEST_POSTGRES.
#
# The tests connect as a role that is NOT a superuser, so row-level security applies to it.
set -euo pipefail

port="${WHEREABOUTS_PG_PORT:-54329}"
dir="${WHEREABOUTS_PG_DIR:-/tmp/whereabouts-pg}"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "installing postgresql from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

if ! run_as_postgres "$bindir/pg_ctl -D $dir status" >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  run_as_postgres "$bindir/initdb -D $dir -A trust -U postgres --no-sync" >/dev/null
  run_as_postgres "$bindir/pg_ctl -D $dir -l $dir/log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null
fi

psql="$bindir/psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -q"
if ! $psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'whereabouts'" | grep -q 1; then
  $psql -c "CREATE ROLE whereabouts LOGIN CREATEDB PASSWORD 'whereabouts' NOSUPERUSER NOBYPASSRLS" >/dev/null
  $psql -c "CREATE DATABASE whereabouts OWNER whereabouts" >/dev/null
fi
echo "postgres://whereabouts:whereabouts@127.0.0.1:$port/whereabouts"
