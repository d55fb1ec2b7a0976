#!/usr/bin/env bash
# Starts (or stops) a PgBouncer in transaction pooling mode on 127.0.0.1:6432, in front of the local PostgreSQL.
# Usage: scripts/pgbouncer.sh start|stop|status
set -euo pipefail
PORT=${DBSCOPE_PGBOUNCER_PORT:-6432}
DIR=${DBSCOPE_PGBOUNCER_DIR:-/tmp/dbscope-pgbouncer}
BIN=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

up() { pg_isready -q -h 127.0.0.1 -p "$PORT"; }

case "${1:-start}" in
  start)
    if up; then echo "pgbouncer already answering on 127.0.0.1:$PORT"; exit 0; fi
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
      su postgres -s /bin/sh -c "$BIN -d $DIR/pgbouncer.ini"
    else
      "$BIN" -d "$DIR/pgbouncer.ini"
    fi
    for _ in $(seq 1 50); do up && break; sleep 0.2; done
    up && echo "pgbouncer answering on 127.0.0.1:$PORT (pool_mode=transaction)"
    ;;
  stop)
    if [ -f "$DIR/pgbouncer.pid" ]; then kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true; fi
    ;;
  status)
    up && echo up || { echo down; exit 1; }
    ;;
esac
