#!/usr/bin/env bash
# Starts (or stops) a PgBouncer in transaction pooling mode on 127.0.0.1:6432, in front of the local PostgreSQL.
# Usage: scripts/pgbouncer.sh start|stop|status|installed
#   DBSCOPE_PGBOUNCER_PORT  port to listen on (default 6432)
#   DBSCOPE_PGBOUNCER_DIR   where its config, log and pid file go (default /tmp/dbscope-pgbouncer)
#   DBSCOPE_PGBOUNCER_BIN   the pgbouncer binary (default: pgbouncer on PATH, else /usr/sbin/pgbouncer)
# Exit status 3: pgbouncer is not installed (test/support/pgbouncer.ts relies on it).
set -euo pipefail
PORT=${DBSCOPE_PGBOUNCER_PORT:-6432}
DIR=${DBSCOPE_PGBOUNCER_DIR:-/tmp/dbscope-pgbouncer}
BIN=${DBSCOPE_PGBOUNCER_BIN:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}
NOT_INSTALLED=3

up() { pg_isready -q -h 127.0.0.1 -p "$PORT"; }
installed() { [ -x "$BIN" ]; }
not_installed() {
  echo "pgbouncer is not installed (no executable at $BIN). Install it with: apt-get install -y pgbouncer" >&2
  exit "$NOT_INSTALLED"
}

case "${1:-start}" in
  start)
    if up; then echo "pgbouncer already answering on 127.0.0.1:$PORT"; exit 0; fi
    installed || not_installed
    mkdir -p "$DIR"
    cat >"$DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
max_db_connections = 40
server_reset_query =
ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout
admin_users = postgres
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
    printf '"postgres" ""\n' >"$DIR/userlist.txt"
    # pgbouncer refuses to run as root; run it as the postgres system user when we are root.
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
      chown -R postgres "$DIR"
      launch=(su postgres -s /bin/sh -c "$BIN -d $DIR/pgbouncer.ini")
    else
      launch=("$BIN" -d "$DIR/pgbouncer.ini")
    fi
    if ! "${launch[@]}"; then
      echo "$BIN -d $DIR/pgbouncer.ini failed; its log ($DIR/pgbouncer.log) ends:" >&2
      tail -5 "$DIR/pgbouncer.log" >&2 2>/dev/null || true
      exit 1
    fi
    for _ in $(seq 1 50); do up && break; sleep 0.2; done
    if ! up; then
      echo "pgbouncer did not answer on 127.0.0.1:$PORT within 10 s; its log ($DIR/pgbouncer.log) ends:" >&2
      tail -5 "$DIR/pgbouncer.log" >&2 || true
      exit 1
    fi
    echo "pgbouncer answering on 127.0.0.1:$PORT (pool_mode=transaction)"
    ;;
  stop)
    if [ -f "$DIR/pgbouncer.pid" ]; then kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true; fi
    ;;
  status)
    up && echo up || { echo down; exit 1; }
    ;;
  installed)
    installed || not_installed
    echo "$BIN"
    ;;
  *)
    echo "usage: $0 start|stop|status|installed" >&2
    exit 2
    ;;
esac
