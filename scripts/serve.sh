#!/usr/bin/env bash
# Serves the app with its background workers, and stops them all together (Ctrl-C, or SIGTERM).
#   scripts/serve.sh dev    one worker and Flask's server (make run): no server of any kind needed
#   scripts/serve.sh prod   PASSPORT_WORKERS workers (default 2) and gunicorn (make serve-prod)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-dev}
port=${PORT:-5000}
bin=.venv/bin
pids=()
stop() {
  trap - INT TERM EXIT
  # SIGINT lets a worker finish the job in hand; the sweeper re-queues anything cut short anyway.
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

if [ "$mode" = dev ]; then
  "$bin/flask" --app wsgi passport worker --threads 1 &
  pids+=($!)
  "$bin/flask" --app wsgi run --host 127.0.0.1 --port "$port" &
  pids+=($!)
else
  for _ in $(seq "${PASSPORT_WORKERS:-2}"); do
    # Beside gunicorn on one machine, imports and refreshes give way to page views.
    "$bin/flask" --app wsgi passport worker --nice "${PASSPORT_WORKER_NICE:-10}" &
    pids+=($!)
  done
  PORT=$port "$bin/gunicorn" -c gunicorn.conf.py 'wsgi:app' &
  pids+=($!)
fi
wait -n
