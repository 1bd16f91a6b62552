# stack.sh — a private Redis and PostgreSQL under a run directory.
#
# Nothing system-wide is touched: both servers listen on 127.0.0.1 on ports
# chosen once (kept in $CF_RUN_DIR/ports) and on unix sockets in the run
# directory. Starting is idempotent: a server already running is reused, a
# stale pid file or a half-initialised data directory is cleaned up first.
# Sourced after common.sh.

CF_PG_BIN=${CF_PG_BIN:-/usr/lib/postgresql/15/bin}

cf_port_free() {
    ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

cf_pick_port() {
    local port tries=0
    while [ $tries -lt 200 ]; do
        port=$(( 20000 + RANDOM % 20000 ))
        cf_port_free "$port" && { echo "$port"; return 0; }
        tries=$((tries + 1))
    done
    cf_die "no free port found"
}

# Reads or chooses the ports; a remembered port taken by someone else is replaced.
cf_stack_ports() {
    local f="$CF_RUN_DIR/ports"
    CF_REDIS_PORT='' CF_PG_PORT=''
    # shellcheck disable=SC1090
    [ -f "$f" ] && . "$f"
    if [ -z "$CF_REDIS_PORT" ] || { ! cf_redis_alive && ! cf_port_free "$CF_REDIS_PORT"; }; then
        CF_REDIS_PORT=$(cf_pick_port)
    fi
    if [ -z "$CF_PG_PORT" ] || { ! cf_pg_alive && ! cf_port_free "$CF_PG_PORT"; }; then
        CF_PG_PORT=$(cf_pick_port)
        while [ "$CF_PG_PORT" = "$CF_REDIS_PORT" ]; do CF_PG_PORT=$(cf_pick_port); done
    fi
    printf 'CF_REDIS_PORT=%s\nCF_PG_PORT=%s\n' "$CF_REDIS_PORT" "$CF_PG_PORT" >"$f"
}

cf_pid_alive() { # pidfile, process name
    local pid
    [ -f "$1" ] || return 1
    pid=$(head -n 1 "$1" 2>/dev/null)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/comm" ] && grep -q "$2" "/proc/$pid/comm" 2>/dev/null || return 1
    # A zombie (killed, not yet reaped) still has /proc/PID: it is dead.
    local state
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

cf_redis_alive() { cf_pid_alive "$CF_RUN_DIR/redis/redis.pid" redis; }
cf_pg_alive() { cf_pid_alive "$CF_RUN_DIR/pg/data/postmaster.pid" postgres; }

cf_redis_start() {
    local dir="$CF_RUN_DIR/redis"
    mkdir -p "$dir"
    if cf_redis_alive; then return 0; fi
    rm -f "$dir/redis.pid" "$dir/redis.sock"
    chown redis:redis "$dir" 2>/dev/null || true
    local as=()
    [ "$(id -u)" -eq 0 ] && id redis >/dev/null 2>&1 && as=(runuser -u redis --)
    "${as[@]}" redis-server --bind 127.0.0.1 --port "$CF_REDIS_PORT" \
        --unixsocket "$dir/redis.sock" --unixsocketperm 770 \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --daemonize yes --appendonly yes --save '' --protected-mode yes \
        || cf_die "redis-server failed to start (see $dir/redis.log)"
    local i
    for i in $(seq 1 100); do
        redis-cli -p "$CF_REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    cf_die "redis-server did not answer (see $dir/redis.log)"
}

# PostgreSQL refuses to run as root: the cluster belongs to the postgres
# user that Debian's package creates, or to the caller when not root.
cf_pg_as() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cf_pg_init() {
    local dir="$CF_RUN_DIR/pg"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    if [ -d "$dir/data" ] && [ ! -f "$dir/data/.cf-initialised" ]; then
        cf_say "removing a half-initialised PostgreSQL data directory"
        rm -rf "$dir/data"
    fi
    [ -d "$dir/data" ] && return 0
    cf_pg_as "$CF_PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=peer \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; cf_die "initdb failed"; }
    cf_pg_as touch "$dir/data/.cf-initialised"
}

cf_pg_start() {
    local dir="$CF_RUN_DIR/pg"
    cf_pg_init
    if ! cf_pg_alive; then
        # A pid file whose process is gone (killed machine, kill -9) would
        # make pg_ctl refuse; the server is not running, so it is stale.
        rm -f "$dir/data/postmaster.pid"
        cf_pg_as "$CF_PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $CF_PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=${CF_PG_FSYNC:-on}" \
            start >/dev/null || { tail -n 20 "$dir/postgres.log" >&2; cf_die "PostgreSQL failed to start"; }
    fi
    cf_pg_setup_role
}

cf_pg_super() { cf_pg_as psql -X -q -v ON_ERROR_STOP=1 -h "$CF_RUN_DIR/pg" -p "$CF_PG_PORT" -U postgres "$@"; }

# The services connect as `codefights` (not a superuser; may create databases
# for tests) with a password kept in the run directory.
cf_pg_setup_role() {
    local pwfile="$CF_RUN_DIR/pg/codefights.password"
    [ -s "$pwfile" ] || { head -c 18 /dev/urandom | base64 | tr '+/' 'Ab' >"$pwfile"; chmod 600 "$pwfile"; }
    CF_PG_PASSWORD=$(cat "$pwfile")
    # The password goes through stdin, never argv (which `ps` shows to all);
    # it is base64 with no quote, so \set takes it as one word.
    { printf '\\set pw %s\n' "$CF_PG_PASSWORD"; cat <<'SQL'; } | cf_pg_super -d postgres >/dev/null || cf_die "could not set up the codefights role"
SELECT format('CREATE ROLE codefights LOGIN CREATEDB PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'codefights') \gexec
SELECT format('ALTER ROLE codefights PASSWORD %L', :'pw') \gexec
SELECT 'CREATE DATABASE codefights OWNER codefights'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'codefights') \gexec
SQL
}

cf_stack_env() {
    CF_REDIS_URL="redis://127.0.0.1:$CF_REDIS_PORT"
    CF_DATABASE_URL="postgresql://codefights:$CF_PG_PASSWORD@127.0.0.1:$CF_PG_PORT/codefights"
    export CF_REDIS_URL CF_DATABASE_URL CF_RUN_DIR
    {
        printf 'CF_REDIS_URL=%s\n' "$CF_REDIS_URL"
        printf 'CF_DATABASE_URL=%s\n' "$CF_DATABASE_URL"
        printf 'CF_REDIS_SOCKET=%s\n' "$CF_RUN_DIR/redis/redis.sock"
        [ -n "${CF_WEB_URL:-}" ] && printf 'CF_WEB_URL=%s\n' "$CF_WEB_URL"
    } >"$CF_RUN_DIR/env.tmp"
    chmod 600 "$CF_RUN_DIR/env.tmp"
    mv "$CF_RUN_DIR/env.tmp" "$CF_RUN_DIR/env"
}

cf_stack_start() {
    mkdir -p "$CF_RUN_DIR"
    chmod 755 "$CF_RUN_DIR"
    cf_stack_ports
    cf_redis_start
    cf_pg_start
    cf_stack_env
}

cf_stack_stop() {
    local dir="$CF_RUN_DIR"
    if cf_pg_alive; then
        cf_pg_as "$CF_PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    if cf_redis_alive; then
        local pid; pid=$(cat "$dir/redis/redis.pid")
        kill "$pid" 2>/dev/null || true
        local i; for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    return 0
}
