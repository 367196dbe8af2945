#!/usr/bin/env bash
# The main job: set up, start the server (SQLite + local runc sandboxes), run the
# demo against it, then keep serving until Ctrl-C. OPENBAY_DEMO_ONLY=1 stops after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export OPENBAY_HOME="${OPENBAY_HOME:-$HOME/.openbay}"
port="${OPENBAY_PORT:-8730}"
mkdir -p "$OPENBAY_HOME"
log="$OPENBAY_HOME/server.log"
.venv/bin/openbay serve --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "server failed to start:"; cat "$log"; exit 1; }
  sleep 0.1
done
# the admin key is never printed (nor in the log): it is in a file only root reads, where the
# demo, the SDK and the CLI find it
echo "The admin API key is in $OPENBAY_HOME/admin_key (mode 0600)."
export OPENBAY_BASE_URL="http://127.0.0.1:$port"
.venv/bin/python examples/demo.py

if [ "${OPENBAY_DEMO_ONLY:-0}" = "1" ]; then exit 0; fi
echo
echo "OpenBay is serving on $OPENBAY_BASE_URL (log: $log). Ctrl-C stops it."
echo "Sign in to $OPENBAY_BASE_URL/console/ with the key in $OPENBAY_HOME/admin_key."
echo "Try: .venv/bin/openbay session create   |   .venv/bin/openbay exec SESSION -- uname -a"
wait $server
