# Sourced by scripts/test: a Redis server on loopback for the tests that need one.
# Installs it from Debian's packages when it is missing and we are root (CI is).
# Sets REDIS_URL for the tests; stops the server when the calling script exits.

start_redis() {
    if [ -n "${REDIS_URL:-}" ]; then
        return  # the caller brought its own
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            echo "Installing redis-server (Debian package) for the cross-process tests..."
            apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null
        else
            echo "redis-server is not installed: the cross-process rate-limit test will be skipped."
            return
        fi
    fi
    local port="${APIFIRST_REDIS_PORT:-6390}"
    local dir="$ROOT/build/redis"
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    export REDIS_URL="redis://127.0.0.1:$port/0"
    trap 'redis-cli -p '"$port"' shutdown nosave >/dev/null 2>&1 || true' EXIT
}
