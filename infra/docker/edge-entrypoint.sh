#!/bin/sh
# The edge image's entrypoint: settings given as files (Docker/Compose secrets, a shared volume)
# become the environment variables workerd binds (SWITCHYARD_BACKEND_API_KEY_FILE=/run/x ->
# SWITCHYARD_BACKEND_API_KEY=<its content>), unless the variable itself is set. Then runs the
# command (workerd serve ..., the image's CMD).
set -eu
for file_var in $(env | sed -n 's/^\(\(SWITCHYARD\|UPSTASH\|DATABASE\)[A-Z0-9_]*\)_FILE=.*/\1/p'); do
  eval "current=\${$file_var:-}"
  if [ -z "$current" ]; then
    eval "path=\${${file_var}_FILE}"
    value=$(cat "$path")
    export "$file_var=$value"
  fi
done
exec "$@"
