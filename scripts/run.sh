#!/usr/bin/env bash
# Starts the web server and a Celery worker (with beat) together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"
HOST="${LOTIX_HOST:-127.0.0.1}"
PORT="${LOTIX_PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo

mkdir -p var/log
# One worker serves every queue here: previz and media work, and the tiny pipelines (or real
# ones, when their weights are in LOTIX_MODELS_DIR) run on the CPU.
QUEUES="${LOTIX_QUEUES:-cpu,celery,gpu.ltx,gpu.wan,gpu.svd}"
.venv/bin/celery -A lotix.celery worker -B --pool solo --concurrency 1 -Q "$QUEUES" \
  --loglevel INFO --schedule var/celerybeat-schedule >var/log/worker.log 2>&1 &
WORKER=$!

stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping the worker and the web server…"
  kill -TERM "$WORKER" 2>/dev/null || true
  wait "$WORKER" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

echo
echo "Lotix is running at http://$HOST:$PORT/  (worker log: var/log/worker.log)"
echo "Demo login: demo / lotix-demo (unless you changed it). Press Ctrl-C to stop."
# In the foreground, so Ctrl-C reaches the web server directly; the trap then stops the worker.
$PY manage.py runserver --noreload "$HOST:$PORT"
