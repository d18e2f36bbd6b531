#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`, on Debian (run as root, or with sudo available):
#   - the Debian packages in .ci/apt-packages.txt (Redis, PostgreSQL, Prometheus's promtool,
#     Chromium, docker-compose for static Compose checks, python3-venv, curl);
#   - the router's Python packages (classifier/requirements.txt): with pip into the current
#     python3, or, where that Python refuses (Debian's "externally managed" one), into
#     classifier/.venv, which the router CLI uses on its own;
#   - the Python OpenAI-ecosystem clients the edge's client tests drive (edge/test/clients/
#     requirements.txt), the same way, falling back to edge/test/clients/.venv;
#   - the deployment check tools (infra/local/infra-tools.sh: helm and OpenTofu built with Go into
#     infra/local/bin, kubernetes-validate and python-hcl2).
# .ci/run calls it on a fresh machine. Idempotent; needs the Debian mirror and PyPI.
#
# Usage: bash infra/local/install.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi

echo "install: Debian packages (.ci/apt-packages.txt)"
"${SUDO[@]}" apt-get update -qq
# shellcheck disable=SC2046
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  $(grep -v '^\s*#' .ci/apt-packages.txt) >/dev/null

echo "install: Python packages for the router (classifier/requirements.txt)"
if ! python3 -m pip install -q --disable-pip-version-check -r classifier/requirements.txt; then
  echo "install: this python3 refused a pip install; using a virtual environment in classifier/.venv"
  python3 -m venv classifier/.venv
  classifier/.venv/bin/python -m pip install -q --disable-pip-version-check -r classifier/requirements.txt
fi
echo "install: Python packages for the real-client tests (edge/test/clients/requirements.txt)"
if ! python3 -m pip install -q --disable-pip-version-check -r edge/test/clients/requirements.txt; then
  echo "install: this python3 refused a pip install; using a virtual environment in edge/test/clients/.venv"
  python3 -m venv edge/test/clients/.venv
  edge/test/clients/.venv/bin/python -m pip install -q --disable-pip-version-check -r edge/test/clients/requirements.txt
fi
echo "install: deployment check tools (infra/local/infra-tools.sh: helm, OpenTofu, kubernetes-validate, python-hcl2)"
bash infra/local/infra-tools.sh

echo "install: done. Next: npm ci && npm test (npm test starts the local services itself)"
