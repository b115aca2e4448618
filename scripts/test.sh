#!/usr/bin/env bash
# Run every test (unit, integration, end-to-end) on this machine, from bare:
# set up the venv, make sure the engine runs and the images are built, lint,
# then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

bash scripts/setup.sh
# What only the tests need; every test runs in CI (a skip fails it there, see
# tests/conftest.py), so whatever a test would skip for is provided here.
source scripts/lib.sh
# Node.js for the test of the Node fluent-logger (tests/integration/node). These
# hosts ship NodeSource's nodejs with npm on PATH, and Debian's npm conflicts
# with it, so Debian's packages are installed only where node is absent.
apt_install node nodejs npm -- "the Node client test cannot run."
if command -v npm >/dev/null && [ ! -f tests/integration/node/node_modules/fluent-logger/package.json ]; then
    # Behind a TLS-inspecting proxy npm needs the host's CA bundle, as pip does.
    if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    fi
    npm install -q --prefix tests/integration/node --no-audit --no-fund --no-package-lock \
        >/dev/null || echo "note: npm install failed; the Node client test cannot run." >&2
fi
# Headless Chromium for the console's browser tests (tests/ui_browser.py):
# Debian's browser and its chromedriver, built together, so they always match.
apt_install chromedriver chromium chromium-driver -- "the console's browser tests cannot run."
# The full-disk tests mount a small tmpfs, which needs root.
if [ "${CI:-}" = true ] && [ "$(id -u)" != 0 ]; then
    echo "CI runs as root: the full-disk tests mount a tmpfs (this is uid $(id -u))." >&2
    exit 1
fi
export TESTCONTAINERS_RYUK_DISABLED=true TC_HOST=127.0.0.1
.venv/bin/dplat images build
echo "set-up done in $(( $(date +%s) - start )) s"

# Both run even when the first fails, so one run shows everything that is wrong.
status=0
.venv/bin/pytest -q -p no:cacheprovider --durations=10 "$@" tests || status=$?
echo "tests done in $(( $(date +%s) - start )) s"
.venv/bin/ruff check --no-cache platform tests benchmarks scenarios || status=$?
exit $status
