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

# Both run even when the first fails, so one run shows everything that is wrong.
status=0
.venv/bin/pytest -q -p no:cacheprovider --durations=10 "$@" tests || status=$?
echo "tests done in $(( $(date +%s) - start )) s"
.venv/bin/ruff check --no-cache platform tests benchmarks scenarios || status=$?
exit $status
