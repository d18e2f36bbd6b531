#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`, on Debian (run as root, or with sudo available):
#   - the Debian packages in .ci/apt-packages.txt (Redis, PostgreSQL, Prometheus's promtool,
#     Chromium, docker-compose for static Compose checks, python3-venv, curl);
#   - the Python packages (classifier/requirements.txt for the router, edge/test/fuzz/requirements.txt
#     for the OpenAPI fuzz run): with pip into the current python3, or, where that Python refuses
#     (Debian's "externally managed" one), into classifier/.venv, which the router CLI and the fuzz
#     test use on their own;
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

echo "install: Python packages (classifier/requirements.txt, edge/test/fuzz/requirements.txt)"
PY_REQUIREMENTS=(-r classifier/requirements.txt -r edge/test/fuzz/requirements.txt)
if ! python3 -m pip install -q --disable-pip-version-check "${PY_REQUIREMENTS[@]}"; then
  echo "install: this python3 refused a pip install; using a virtual environment in classifier/.venv"
  python3 -m venv classifier/.venv
  classifier/.venv/bin/python -m pip install -q --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
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
