#!/usr/bin/env bash
# LiteLLM proxy as a peer gateway for the benchmark.
#   bash bench/peers/litellm.sh install             # venv at bench/.venv (gitignored), never the system python
#   bash bench/peers/litellm.sh start PORT BACKEND_URL MODEL_ID   # foreground; the bench starts/stops it
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="$HERE/../.venv"
LITELLM_VERSION="${LITELLM_VERSION:-1.106.12}"

case "${1:-}" in
  install)
    if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
    "$VENV/bin/litellm" --version >/dev/null 2>&1 || true
    echo "litellm installed in $VENV"
    ;;
  installed)
    [ -x "$VENV/bin/litellm" ]
    ;;
  start)
    PORT="${2:?port}"; export BENCH_BACKEND_URL="${3:?backend base url, e.g. http://127.0.0.1:8082/v1}"
    export BENCH_MODEL_ID="${4:?model id}"
    # Quiet, no telemetry, no DB: the proxy only forwards (like the other gateways under test).
    # The proxy refuses to start without a master key; the bench passes a generated one.
    export LITELLM_MASTER_KEY="${LITELLM_MASTER_KEY:-sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
    export BENCH_BACKEND_API_KEY="${BENCH_BACKEND_API_KEY:-unused}"
    export LITELLM_LOG=ERROR LITELLM_TELEMETRY=False DISABLE_SCHEMA_UPDATE=True
    exec "$VENV/bin/litellm" --config "$HERE/litellm.yaml" --host 127.0.0.1 --port "$PORT" --num_workers 1
    ;;
  *)
    echo "usage: $0 install | installed | start PORT BACKEND_URL MODEL_ID" >&2; exit 2
    ;;
esac
