#!/usr/bin/env bash
# Set up dplat in a virtual environment at .venv (idempotent, quick when done).
# The container engine is dplat's own business: `dplat up` and
# `dplat images build` install or start it where the host allows.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "dplat needs Python 3.11 or newer (python3 is $(python3 --version 2>&1))." >&2
    exit 1
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -q && apt-get install -y -q python3-venv
    else
        echo "python3 cannot make virtual environments: install python3-venv." >&2
        exit 1
    fi
fi
source scripts/lib.sh
# Debian's logrotate: the tail-and-rotate lesson rotates logs with the real tool
# (it falls back to doing the same file operations itself where it is missing).
apt_install logrotate logrotate -- "tail-and-rotate will rotate by hand."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last install.
stamp=.venv/.dplat-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
    .venv/bin/pip install -q -e '.[dev,spark]'
    touch "$stamp"
fi
echo "dplat is installed: .venv/bin/dplat"
