#!/usr/bin/env bash
# `make run`: start Redis, migrate, seed the demo ranch once, create the demo users, then run one
# worker (with the scheduler) and the web server. The worker runs under scripts/supervise.sh: when it
# exits it is started again (with backoff) and the web server and Redis stay up. Ctrl-C stops
# everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
REDIS_PORT="${REDIS_PORT:-6379}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}/0}"
mkdir -p var/redis var/media
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping Herdbook..."
  # web and worker first, Redis last
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap cleanup INT TERM EXIT

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "Using the Redis server already answering on 127.0.0.1:${REDIS_PORT}."
else
  # its own session: Ctrl-C reaches the web server and the worker, and Redis is stopped after them
  setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$PWD/var/redis" --appendonly yes \
    --maxmemory-policy noeviction --daemonize no --loglevel warning &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo --if-empty
$PY manage.py demo_users

scripts/supervise.sh $PY manage.py rqworker default exports --with-scheduler &
pids+=($!)
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
web=$!
pids+=($web)
sleep 2
cat <<MSG

  Herdbook is running on http://127.0.0.1:${PORT}/
  Log in at http://127.0.0.1:${PORT}/accounts/login/ as  demo / herdbook-demo  (manager, staff)
  Other roles: viewer / herdbook-viewer, reviewer / herdbook-reviewer
  API docs: http://127.0.0.1:${PORT}/api/docs/   Admin: http://127.0.0.1:${PORT}/admin/
  Press Ctrl-C to stop.

MSG
# Only the web server's end ends the run (the worker is restarted by its supervisor).
wait "$web"
