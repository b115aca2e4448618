#!/usr/bin/env bash
# Run every test (unit, integration, end-to-end) on this machine, from bare:
# set up the venv, make sure the engine runs and the images are built, lint,
# then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

bash scripts/setup.sh
export TESTCONTAINERS_RYUK_DISABLED=true TC_HOST=127.0.0.1
.venv/bin/dplat images build
echo "set-up done in $(( $(date +%s) - start )) s"

.venv/bin/ruff check platform tests benchmarks
.venv/bin/pytest -q -p no:cacheprovider "$@" tests
echo "all tests done in $(( $(date +%s) - start )) s"
