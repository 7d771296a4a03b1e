#!/usr/bin/env bash
# supervise.sh COMMAND [ARGS...]: run COMMAND and start it again whenever it exits, waiting 1 s, then
# 2, 4 ... up to SUPERVISE_MAX_DELAY s (default 30) between starts; a run that lasted a minute
# starts the backoff afresh. SIGTERM/SIGINT stop COMMAND (SIGTERM: a worker finishes its job first)
# and then the supervisor. `make run` keeps its worker up with it.
set -uo pipefail
max_delay="${SUPERVISE_MAX_DELAY:-30}"
child=""
stopping=0
stop() {
  stopping=1
  if [[ -n "$child" ]]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  exit 0
}
trap stop INT TERM
delay=1
while true; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=""
  ((stopping)) && exit 0
  if ((SECONDS - started >= 60)); then delay=1; fi
  echo "supervise.sh: '$1' exited with status $status; starting it again in ${delay} s" >&2
  sleep "$delay" &
  child=$!
  wait "$child"
  child=""
  delay=$((delay * 2 > max_delay ? max_delay : delay * 2))
done
