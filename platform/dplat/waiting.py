"""Waiting for something to become true, the one way lessons wait.

Steps never sleep a fixed time: they poll the real result (a count in the
monitor, rows in a table, a pos_file's offset) until it is there or time runs
out, and then let a check compare what they found. A fixed sleep is either too
long on a fast laptop or too short on a loaded CI host.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float, interval: float = 0.2) -> T:
    """Poll ``condition`` until it returns something truthy or ``timeout``
    seconds pass; return its last value either way (the caller's check says
    what was expected and what was found)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
