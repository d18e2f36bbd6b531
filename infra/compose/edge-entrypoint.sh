#!/bin/sh
# wrangler dev reads worker secrets from .dev.vars: write the SWITCHYARD_* / OTEL_* variables
# Compose passes in (only those that are set), then start the worker on all interfaces.
set -eu
: > /tmp/.dev.vars
# The backend API key Compose generated (the backend-key service), shared through a volume.
if [ -z "${SWITCHYARD_BACKEND_API_KEY:-}" ] && [ -n "${SWITCHYARD_BACKEND_API_KEY_FILE:-}" ]; then
  SWITCHYARD_BACKEND_API_KEY=$(cat "$SWITCHYARD_BACKEND_API_KEY_FILE")
  export SWITCHYARD_BACKEND_API_KEY
fi
for name in SWITCHYARD_METRICS_TOKEN SWITCHYARD_API_KEYS SWITCHYARD_JWT_SECRET SWITCHYARD_PROMPT_HASH_KEY \
  SWITCHYARD_BACKEND_API_KEY SWITCHYARD_BACKENDS UPSTASH_REDIS_REST_URL UPSTASH_REDIS_REST_TOKEN \
  DATABASE_URL OTEL_EXPORTER_OTLP_ENDPOINT; do
  value=$(printenv "$name" || true)
  if [ -n "$value" ]; then
    # JSON values contain quotes: single-line, double-quoted with escapes, as dotenv expects.
    printf '%s=%s\n' "$name" "$(printf '%s' "$value" | tr -d '\n' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(s)))')" >> /tmp/.dev.vars
  fi
done
exec npx wrangler dev --config /app/wrangler.toml --env-file /tmp/.dev.vars --ip 0.0.0.0 --port 8787 --show-interactive-dev-session=false
