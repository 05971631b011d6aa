#!/usr/bin/env bash
# A private, throw-away PostgreSQL 15 instance for the tests (and benchmarks): its own data
# folder and a Unix socket in DIR, no TCP port, trust authentication, no fsync (the data is
# thrown away; durability is not what the tests measure).
#
#   scripts/postgres-test-instance.sh start DIR   # initdb (first time) and start; prints the
#                                                 # maintenance database's URL on stdout
#   scripts/postgres-test-instance.sh stop DIR    # stop it and remove DIR
#
# DIR must be short (a socket path is limited to 107 bytes), e.g. /tmp/pi-pg.XXXXXX. PostgreSQL
# refuses to run as root: as root, the server runs as the `postgres` account (the Debian package
# creates it). The superuser is always called `postgres`.
set -euo pipefail

action=${1:?usage: postgres-test-instance.sh start|stop DIR}
dir=${2:?usage: postgres-test-instance.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "postgres-test-instance: PostgreSQL server binaries not found (install postgresql-15)" >&2
  exit 1
fi

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
        -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
      cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
CONF
    fi
    if ! as_server_user "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "postgresql:///postgres?host=$dir&user=postgres"
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-test-instance.sh start|stop DIR" >&2
    exit 2
    ;;
esac
