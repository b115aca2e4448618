"""Healthy when moto's own API answers (it does not count as an AWS action,
so a healthcheck never uses up the set-up window of INITIAL_NO_AUTH_ACTION_COUNT)."""

import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:5000/moto-api/data.json", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # any failure means "not healthy"; say which for `docker inspect`
    print(exc, file=sys.stderr)
    sys.exit(1)
