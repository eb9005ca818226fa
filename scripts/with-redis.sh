#!/usr/bin/env bash
# Runs a command with a private Redis (Debian's redis-server) on a loopback port, for the
# distributed-queue integration tests: started before, stopped (and its data removed) after,
# whatever the command's outcome. The command sees
#   SPGD_TEST_REDIS_URL   redis://127.0.0.1:<port>/0
#   SPGD_TEST_REDIS_CONF  its config file (append-only persistence), so a test can restart it
# Port: SPGD_TEST_REDIS_PORT (default 6390).
#
#   scripts/with-redis.sh npx vitest run --config vitest.queue.config.ts
set -euo pipefail

command -v redis-server >/dev/null 2>&1 || { echo "with-redis: redis-server is not installed (apt-get install -y redis-server)" >&2; exit 2; }
port="${SPGD_TEST_REDIS_PORT:-6390}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/spgd-redis-XXXXXX")"
conf="$dir/redis.conf"
cat > "$conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
save ""
appendonly yes
appendfsync always
CONF

stop() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

if redis-cli -p "$port" ping >/dev/null 2>&1; then
  echo "with-redis: port $port is taken by another Redis; set SPGD_TEST_REDIS_PORT" >&2
  exit 2
fi
redis-server "$conf"
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null || { echo "with-redis: redis-server did not start:" >&2; cat "$dir/redis.log" >&2; exit 1; }

export SPGD_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
export SPGD_TEST_REDIS_CONF="$conf"
"$@"
