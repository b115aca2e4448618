"""Where dplat's own files are: compose/, images/ and scenarios/.

In a clone (or an editable install) they are at the top of the repository; in
a built wheel they are copied into ``dplat/_data`` (see setup.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    installed = PACKAGE_DIR / "_data"
    if (installed / "compose").is_dir():
        return installed
    return PACKAGE_DIR.parents[1]


def compose_dir() -> Path:
    return data_root() / "compose"


def images_dir() -> Path:
    return data_root() / "images"


def scenarios_dir() -> Path:
    return data_root() / "scenarios"
