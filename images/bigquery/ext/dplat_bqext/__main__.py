"""``python -m dplat_bqext start ...``: bqemulator's CLI with dplat's layer installed first."""

from __future__ import annotations

import sys

from dplat_bqext import install

if __name__ == "__main__":
    install()
    from bqemulator.cli import main

    sys.argv[0] = "bqemulator"
    sys.exit(main())
