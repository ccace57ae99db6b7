# Sourced by scripts/test: Redis and PostgreSQL servers on loopback for the tests that
# need them. Each is installed from Debian's packages when missing and we are root (CI
# is), started for this run only, and stopped when the calling script exits. A REDIS_URL
# or DATABASE_URL already in the environment is used instead.

# Seconds: how long to wait for a server to answer. Waits end as soon as it does; the
# ceiling is generous for machines busy with other work.
SERVICE_CEILING=300

_cleanup=()
_run_cleanup() {
    for command in "${_cleanup[@]}"; do
        eval "$command" >/dev/null 2>&1 || true
    done
}
trap _run_cleanup EXIT

_install() {
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing $1 (Debian package) for the tests..."
        apt-get update -qq >/dev/null && apt-get install -y -qq "$1" >/dev/null
    else
        return 1
    fi
}

start_redis() {
    [ -n "${REDIS_URL:-}" ] && return
    if ! command -v redis-server >/dev/null 2>&1 && ! _install redis-server; then
        echo "redis-server is not installed: the tests that need Redis will be skipped."
        return
    fi
    local port="${APIFIRST_REDIS_PORT:-6390}"
    local dir="$ROOT/build/redis"
    export REDIS_URL="redis://127.0.0.1:$port/0"
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        return  # started by another run (one in progress in this tree): use it, leave it
    fi
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    _cleanup+=("redis-cli -p $port shutdown nosave")
    local started=$SECONDS
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        if [ $((SECONDS - started)) -ge "$SERVICE_CEILING" ]; then
            echo "Waited ${SERVICE_CEILING}s for redis-server on port $port: it did not answer" \
                "(see $dir/redis.log)." >&2
            exit 1
        fi
        sleep 0.1
    done
}

start_postgres() {
    [ -n "${DATABASE_URL:-}" ] && return
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bin" ]; then
        if ! _install postgresql; then
            echo "PostgreSQL is not installed: the postgres env will be skipped."
            return
        fi
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    local port="${APIFIRST_PG_PORT:-5439}"
    local data="/tmp/drf-apifirst-pg-$port"
    local as_owner=""
    if [ "$(id -u)" = "0" ]; then
        as_owner="runuser -u postgres --"  # the server refuses to run as root
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data" && mkdir -p "$data"
        [ "$(id -u)" = "0" ] && chown postgres: "$data"
        $as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/apifirst"
    if $as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        return  # left running by an earlier run: use it, leave it
    fi
    # -w -t: until the server accepts connections (pg_ctl says so if it never does).
    $as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t "$SERVICE_CEILING" \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
        start >/dev/null
    _cleanup+=("$as_owner $bin/pg_ctl -D $data -m fast stop")
}

# Debian's Chromium for the browser env (Playwright drives it; nothing is downloaded).
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return
    _install chromium || echo "chromium is not installed: the browser env will fail."
}

# curl for the getting-started walkthrough (the page's commands use it).
ensure_curl() {
    command -v curl >/dev/null 2>&1 && return
    _install curl || echo "curl is not installed: the getting-started env will fail."
}

# Node and npm for the clients env (openapi-typescript, tsc, Redocly; clients/typescript).
ensure_node() {
    command -v npm >/dev/null 2>&1 && return
    _install npm || echo "node/npm are not installed: the clients env will fail."
}

# wrk for the load env (benchmarks/load.py).
ensure_wrk() {
    command -v wrk >/dev/null 2>&1 && return
    _install wrk || echo "wrk is not installed: the load env will fail."
}

# HAProxy for the cluster env (scripts/cluster).
ensure_haproxy() {
    command -v haproxy >/dev/null 2>&1 && return
    _install haproxy || echo "haproxy is not installed: the cluster env will fail."
}
