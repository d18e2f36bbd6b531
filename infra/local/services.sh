#!/usr/bin/env bash
# Local services for the edge's real-server tests and for `npm start` with Redis/Postgres:
#   redis-server (6379, no persistence) -> Upstash REST bridge (8079, Bearer token)
#   PostgreSQL (5432, role/db `switchyard`, migrations applied) -> Neon wsproxy (5480)
# Idempotent: `start` leaves running services alone and only starts what is missing.
# Writes infra/local/services.env (source it) with UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN,
# DATABASE_URL, SWITCHYARD_NEON_WSPROXY and REDIS_URL. Needs Debian's redis-server and postgresql
# (.ci/apt-packages.txt) and `npm ci` (the bridge and proxy are Node scripts run with tsx). No Docker.
#
# Usage: bash infra/local/services.sh start|stop [--all]|status   (stop --all also stops PostgreSQL)
#        bash infra/local/services.sh stop --started FILE          (only what a start listed there)
# With SERVICES_STARTED_FILE set, `start` writes the services it actually started (not those that
# were already running) to that file, one per line: `npm test` (infra/local/test-services.ts)
# starts what is missing and afterwards stops exactly that.
# Ports and names can be overridden (REDIS_PORT, UPSTASH_BRIDGE_PORT, PG_PORT, PG_CLUSTER, WSPROXY_PORT,
# SERVICES_ENV_FILE, SERVICES_RUN_DIR), e.g. for a second, throwaway set beside the default one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LOCAL="$ROOT/infra/local"
RUN="${SERVICES_RUN_DIR:-$LOCAL/.run}"
ENV_FILE="${SERVICES_ENV_FILE:-$LOCAL/services.env}"

REDIS_PORT="${REDIS_PORT:-6379}"
BRIDGE_PORT="${UPSTASH_BRIDGE_PORT:-8079}"
PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"
WSPROXY_PORT="${WSPROXY_PORT:-5480}"
DB_NAME="${SWITCHYARD_DB_NAME:-switchyard}"
DB_USER="${SWITCHYARD_DB_USER:-switchyard}"
DB_PASSWORD="${SWITCHYARD_DB_PASSWORD:-switchyard}"

REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
TSX="$ROOT/node_modules/tsx/dist/loader.mjs"

log() { echo "services: $*"; }
STARTED=()
started() { STARTED+=("$1"); }
die() { echo "services: ERROR: $*" >&2; exit 1; }

# wait_for NAME SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local name="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$name not ready after ${seconds}s (logs in $RUN/)"
    sleep 0.2
  done
}

pid_alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1; }

redis_ready() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
bridge_ready() {
  curl -fsS -X POST -H "Authorization: Bearer $BRIDGE_TOKEN" -d '["PING"]' "http://127.0.0.1:$BRIDGE_PORT/" 2>/dev/null | grep -q PONG
}
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
wsproxy_ready() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WSPROXY_PORT/v1" 2>/dev/null | grep -q 426; }

# Reuses the token of an earlier start so a running bridge and the env file stay in step.
load_token() {
  BRIDGE_TOKEN="${UPSTASH_BRIDGE_TOKEN:-}"
  if [[ -z "$BRIDGE_TOKEN" && -f "$ENV_FILE" ]]; then
    BRIDGE_TOKEN="$(sed -n 's/^export UPSTASH_REDIS_REST_TOKEN=//p' "$ENV_FILE" | tr -d "'\"")"
  fi
  if [[ -z "$BRIDGE_TOKEN" ]]; then
    BRIDGE_TOKEN="$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')"
  fi
}

start_node_service() { # NAME SCRIPT [ENV=VALUE...]
  local name="$1" script="$2"; shift 2
  [[ -f "$TSX" ]] || die "tsx not installed: run npm ci first"
  (cd "$ROOT" && exec env "$@" setsid node --import "$TSX" "$script" >"$RUN/$name.log" 2>&1 </dev/null) &
  echo $! >"$RUN/$name.pid"
}

start_redis() {
  if redis_ready; then log "redis already running on $REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || die "redis-server missing: apt-get install -y redis-server"
  redis-server --daemonize yes --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log" --dir "$RUN"
  wait_for redis 20 redis_ready
  started redis
  log "redis started on $REDIS_PORT"
}

start_bridge() {
  if bridge_ready; then log "upstash bridge already running on $BRIDGE_PORT"; return; fi
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$BRIDGE_PORT/" 2>/dev/null; then
    # Something answers there, but not with our token: another set's bridge (say, another checkout's).
    die "port $BRIDGE_PORT is taken by a bridge with another token: source that set's services.env, or move this one (UPSTASH_BRIDGE_PORT)"
  fi
  if pid_alive upstash-bridge; then kill "$(cat "$RUN/upstash-bridge.pid")"; sleep 0.5; fi # stale token
  start_node_service upstash-bridge infra/local/upstash-bridge/server.ts \
    UPSTASH_BRIDGE_TOKEN="$BRIDGE_TOKEN" UPSTASH_BRIDGE_PORT="$BRIDGE_PORT" REDIS_URL="$REDIS_URL"
  wait_for "upstash bridge" 30 bridge_ready
  started upstash-bridge
  log "upstash bridge started on $BRIDGE_PORT"
}

start_postgres() {
  local version; version="$(pg_version)"
  [[ -n "$version" ]] || die "postgresql missing: apt-get install -y postgresql"
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$PG_CLUSTER" '$1 == v && $2 == c' | grep -q .; then
    log "creating PostgreSQL $version cluster $PG_CLUSTER on port $PG_PORT"
    pg_createcluster "$version" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
  fi
  local hba="/etc/postgresql/$version/$PG_CLUSTER/pg_hba.conf"
  # Neon's driver authenticates with a cleartext password (Neon itself runs it over TLS); SCRAM
  # in the driver costs ~200 ms per connect. Loopback only, first match wins, so it goes on top.
  local hba_line="host $DB_NAME $DB_USER 127.0.0.1/32 password"
  if ! grep -qxF "$hba_line" "$hba"; then
    sed -i "1i $hba_line" "$hba"
    HBA_CHANGED=1
  fi
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; then
    pg_ctlcluster "$version" "$PG_CLUSTER" start
    started postgres
    log "postgres $version started on $PG_PORT"
  else
    [[ "${HBA_CHANGED:-0}" == 1 ]] && pg_ctlcluster "$version" "$PG_CLUSTER" reload
    log "postgres $version already running on $PG_PORT"
  fi
  wait_for postgres 30 pg_ready
  as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
  if ! as_postgres psql -tAq -p "$PG_PORT" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    as_postgres createdb -p "$PG_PORT" -O "$DB_USER" "$DB_NAME"
    log "database $DB_NAME created"
  fi
  (cd "$ROOT" && DATABASE_URL="$DATABASE_URL" node --import "$TSX" infra/db/migrate.ts)
}

start_wsproxy() {
  if wsproxy_ready; then log "neon wsproxy already running on $WSPROXY_PORT"; return; fi
  start_node_service neon-wsproxy infra/local/neon-wsproxy/server.ts \
    LISTEN_PORT="$WSPROXY_PORT" ALLOW_ADDR_REGEX="^(127\\.0\\.0\\.1|localhost):$PG_PORT\$"
  wait_for "neon wsproxy" 30 wsproxy_ready
  started neon-wsproxy
  log "neon wsproxy started on $WSPROXY_PORT"
}

write_env() {
  local tmp="$ENV_FILE.tmp"
  cat >"$tmp" <<ENV
# Written by infra/local/services.sh; source it before running the real-server tests.
export REDIS_URL='$REDIS_URL'
export UPSTASH_REDIS_REST_URL='http://127.0.0.1:$BRIDGE_PORT'
export UPSTASH_REDIS_REST_TOKEN='$BRIDGE_TOKEN'
export DATABASE_URL='$DATABASE_URL'
export SWITCHYARD_NEON_WSPROXY='127.0.0.1:$WSPROXY_PORT'
ENV
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
  log "wrote $ENV_FILE"
}

stop_pidfile() { # NAME
  if pid_alive "$1"; then
    kill "$(cat "$RUN/$1.pid")" && log "$1 stopped"
  fi
  rm -f "$RUN/$1.pid"
}

cmd_start() {
  mkdir -p "$RUN"
  load_token
  start_redis
  start_bridge
  start_postgres
  start_wsproxy
  write_env
  if [[ -n "${SERVICES_STARTED_FILE:-}" ]]; then
    printf '%s\n' "${STARTED[@]}" >"$SERVICES_STARTED_FILE"
  fi
}

stop_postgres() {
  local version; version="$(pg_version)"
  [[ -n "$version" ]] && pg_ctlcluster "$version" "$PG_CLUSTER" stop 2>/dev/null && log "postgres stopped"
  return 0
}

# Stops the services named in FILE (written by a `start` with SERVICES_STARTED_FILE), nothing else.
cmd_stop_started() {
  local file="$1" name
  [[ -f "$file" ]] || die "no such file: $file"
  while read -r name; do
    case "$name" in
      neon-wsproxy | upstash-bridge) stop_pidfile "$name" ;;
      redis)
        if pid_alive redis; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; log "redis stopped"; fi
        rm -f "$RUN/redis.pid" ;;
      postgres) stop_postgres ;;
      "") ;;
      *) die "unknown service in $file: $name" ;;
    esac
  done <"$file"
}

cmd_stop() {
  if [[ "${1:-}" == "--started" ]]; then cmd_stop_started "${2:?stop --started needs a file}"; return; fi
  stop_pidfile neon-wsproxy
  stop_pidfile upstash-bridge
  # Only the redis-server this script started (it has our pidfile); Postgres is the system cluster.
  if pid_alive redis; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; log "redis stopped"; fi
  rm -f "$RUN/redis.pid"
  if [[ "${1:-}" == "--all" ]]; then stop_postgres; fi
  return 0
}

cmd_status() {
  load_token
  local ok=0
  report() { if "$2"; then log "$1: up"; else log "$1: DOWN"; ok=1; fi; }
  report "redis ($REDIS_PORT)" redis_ready
  report "upstash bridge ($BRIDGE_PORT)" bridge_ready
  report "postgres ($PG_PORT)" pg_ready
  report "neon wsproxy ($WSPROXY_PORT)" wsproxy_ready
  return "$ok"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop [--all | --started FILE]|status" >&2; exit 2 ;;
esac
