#!/usr/bin/env bash
# Installs the tools the deployment checks (infra/test) run, for CI and developers:
#   helm (v3, Go module, `go install`) and OpenTofu (`tofu`, built from its Go module source:
#   its go.mod has replace directives, so `go install` refuses it) into infra/local/bin/, and
#   the Python packages of infra/requirements.txt (kubernetes-validate, python-hcl2).
# Needs the Go toolchain (go on PATH or /usr/local/go/bin) and the Go module proxy. Idempotent:
# a tool already at the pinned version is kept. Debian's nginx, openssl and docker-compose come
# from .ci/apt-packages.txt.
#
# Usage: bash infra/local/infra-tools.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/infra/local/bin"
HELM_VERSION="v3.22.0"
TOFU_VERSION="v1.12.6"
mkdir -p "$BIN"

log() { echo "infra-tools: $*"; }
die() { echo "infra-tools: ERROR: $*" >&2; exit 1; }

GO="$(command -v go || true)"
[[ -n "$GO" ]] || { [[ -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go; }
[[ -n "$GO" ]] || die "the Go toolchain is missing (needed to build helm and tofu)"

# Versions compared without pipes: with pipefail, `grep -q` closing early would fail the check.
helm_version() { "$BIN/helm" version --template '{{.Version}}' 2>/dev/null || true; }
if [[ -x "$BIN/helm" && "$(helm_version)" == "${HELM_VERSION%.0}"* ]]; then
  log "helm $HELM_VERSION present"
else
  log "building helm $HELM_VERSION"
  GOBIN="$BIN" nice -n 10 "$GO" install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

# (A TF_CLI_CONFIG_FILE naming a missing file makes tofu warn; the version does not need it.)
tofu_version() { env -u TF_CLI_CONFIG_FILE "$BIN/tofu" version 2>/dev/null || true; }
if [[ -x "$BIN/tofu" && "$(tofu_version)" == *"OpenTofu ${TOFU_VERSION}"* ]]; then
  log "tofu $TOFU_VERSION present"
else
  log "building OpenTofu $TOFU_VERSION"
  src="$("$GO" mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  (cd "$src" && nice -n 10 "$GO" build -trimpath -o "$BIN/tofu" ./cmd/tofu)
fi

log "python packages (infra/requirements.txt)"
if ! python3 -m pip install -q --disable-pip-version-check -r "$ROOT/infra/requirements.txt"; then
  log "this python3 refused a pip install; using a virtual environment in infra/.venv"
  python3 -m venv "$ROOT/infra/.venv"
  "$ROOT/infra/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/infra/requirements.txt"
fi

echo "helm $(helm_version)"
tofu_version | sed -n 1p
