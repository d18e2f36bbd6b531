#!/usr/bin/env bash
# Portkey's open-source AI gateway (@portkey-ai/gateway, Node build) as a peer for the benchmark.
#   bash bench/peers/portkey.sh install     # into the bench workspace (shared lockfile, so under the npm lock)
#   bash bench/peers/portkey.sh start PORT  # foreground; the bench starts/stops it
# The backend is picked per request by headers, as Portkey documents for self-hosted
# OpenAI-compatible servers:  x-portkey-provider: openai, x-portkey-custom-host: http://127.0.0.1:8082/v1
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
SERVER="$ROOT/node_modules/@portkey-ai/gateway/build/start-server.js"
case "${1:-}" in
  install)
    # An optional dependency of bench: `npm ci` installs it; this re-installs it if it was skipped.
    cd "$ROOT" && flock /tmp/switchyard-npm.lock npm install --no-save -w bench @portkey-ai/gateway@1.15.2
    ;;
  installed)
    [ -f "$SERVER" ]
    ;;
  start)
    exec node --import "$HERE/portkey-preload.mjs" "$SERVER" "--port=${2:?port}" --headless
    ;;
  *)
    echo "usage: $0 install | installed | start PORT" >&2; exit 2
    ;;
esac
