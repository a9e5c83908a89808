#!/usr/bin/env bash
# Starts a PostgreSQL server for the test suites on loopback and prints its postgres:// URL on stdout
# (everything else goes to stderr). Idempotent: installs PostgreSQL from Debian's packages only when it is
# missing, initialises the cluster only once, and reuses a server that is already running.
# It is a throwaway test cluster: trust authentication on 127.0.0.1 only, and fsync off for speed.
set -euo pipefail

PORT="${FORECAST_AUDIT_PG_PORT:-54329}"
DATA="${FORECAST_AUDIT_PG_DATA:-/var/tmp/forecast-audit-pg}"
DB="${FORECAST_AUDIT_PG_DB:-forecast_audit_test}"

log() { echo "postgres.sh: $*" >&2; }

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && echo "$dir"
  done | sort -V | tail -n 1
}

BIN="$(pg_bindir || true)"
if [ -z "$BIN" ]; then
  log "installing postgresql from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(pg_bindir)"
fi
log "using $BIN"

# PostgreSQL refuses to run as root: run it as the postgres user that the package creates.
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
  mkdir -p "$DATA"
  chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
else
  as_pg() { "$@"; }
  mkdir -p "$DATA"
  chmod 700 "$DATA"
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initialising a cluster in $DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >&2
fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting the server on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$DATA/server.log" >&2 || true; exit 1; }
fi

psql_pg() { as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -tAq "$@"; }
for _ in $(seq 1 50); do
  if psql_pg -d postgres -c "select 1" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
if [ "$(psql_pg -d postgres -c "select 1 from pg_database where datname = '$DB'")" != "1" ]; then
  psql_pg -d postgres -c "create database $DB" >&2
fi

echo "postgres://postgres@127.0.0.1:$PORT/$DB"
