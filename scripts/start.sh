#!/usr/bin/env bash
# Installs the playground into .venv and starts it at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv; fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/neuron-playground "$@"
