"""Healthy when the emulator's own readiness check passes.

/readyz runs a query on DuckDB and lists the default project's datasets, so it
fails while the engine or the catalog is not usable, not only while the HTTP
server is down.
"""

import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:9050/readyz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # any failure means "not healthy"; say which for `docker inspect`
    print(exc, file=sys.stderr)
    sys.exit(1)
